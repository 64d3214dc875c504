from django import template

from workspaces import selectors

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


@register.filter
def provisioner_label(provisioner: str) -> str:
    """`opentofu` → `OpenTofu`."""
    return selectors.provisioner_label(provisioner)
