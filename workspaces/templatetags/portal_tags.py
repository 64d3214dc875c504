import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from workspaces import fastrender

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """`apply_needed` → `Apply needed`: Harness status values as people read them."""
    return fastrender.status_label(status)


@register.filter
def thousands(value: int) -> str:
    """1800 → "1,800" (what humanize's intcomma gives in English, for a fraction of the cost)."""
    return fastrender.intcomma(value) if isinstance(value, int) else str(value)


@register.filter
def age(seconds: int) -> str:
    """How old the numbers are, in words: "just now", "3 minutes ago"."""
    seconds = int(seconds)
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{seconds} seconds ago"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''} ago"


@register.filter(expects_localtime=True)
def time_since_tag(value: datetime.datetime | None) -> SafeString | str:
    """`<time datetime="…" title="Y-m-d H:i:s TZ">3 days ago</time>` in one filter call.

    The same markup as `datetime="{{ d|date:'c' }}" title="{{ d|date:'Y-m-d H:i:s e' }}"` and
    `{{ d|timesince }} ago`, without three passes through the date and template machinery.
    """
    if not value:
        return ""
    # Everything in it is escaped by fastrender.time_since.
    return mark_safe(fastrender.time_since(value, timezone.now()))  # noqa: S308


@register.simple_tag
def workspace_rows(items, base_url: str) -> SafeString:
    """The workspace table's rows (workspaces/fastrender.py says why they are built in Python)."""
    tz = timezone.get_current_timezone()
    # Every value in the markup is escaped by fastrender.workspace_rows.
    return mark_safe(fastrender.workspace_rows(items, base_url=base_url, tz=tz))  # noqa: S308


@register.simple_tag
def status_chart(rows) -> SafeString:
    """The status overview's bar chart; `rows` are (status, count, percent, href)."""
    # Every value in the markup is escaped by fastrender.status_chart.
    return mark_safe(fastrender.status_chart(rows))  # noqa: S308


@register.simple_tag
def picker_options(options, field, selected, trigger_url="", trigger_target="") -> SafeString:
    """A wizard picker's radio options (built in Python like the workspace rows)."""
    # Every value in the markup is escaped by fastrender.picker_options.
    return mark_safe(  # noqa: S308
        fastrender.picker_options(
            options,
            field=str(field),
            selected=str(selected or ""),
            trigger_url=str(trigger_url or ""),
            trigger_target=str(trigger_target or ""),
        )
    )


@register.simple_tag
def choice_input(radio) -> SafeString:
    """`{{ radio.tag }}` for a radio/checkbox option, rendered in Python (same markup)."""
    # Every value in the markup is escaped by fastrender.choice_input.
    return mark_safe(fastrender.choice_input(radio.data))  # noqa: S308


PROVISIONER_LABELS = {
    "opentofu": "OpenTofu",
    "terraform": "Terraform",
    "terragrunt": "Terragrunt",
    "awscdk": "AWS CDK",
}


@register.filter
def provisioner_label(provisioner: str) -> str:
    return PROVISIONER_LABELS.get(provisioner, provisioner)
