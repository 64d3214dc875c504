from django import template
from django.utils.safestring import SafeString, mark_safe

from workspaces import fastrender, selectors

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """`apply_needed` → `Apply needed`: Harness status values as people read them."""
    return selectors.status_label(status)


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
