from django import template

register = template.Library()

CHART_ROW_HEIGHT = 28
CHART_BAR_MAX = 190


@register.filter
def status_label(status: str) -> str:
    """`apply_needed` → `Apply needed`: Harness status values as people read them."""
    return str(status).replace("_", " ").capitalize()


@register.filter
def chart_height(rows: int) -> int:
    return max(1, int(rows)) * CHART_ROW_HEIGHT


@register.filter
def chart_row_y(index: int) -> int:
    return int(index) * CHART_ROW_HEIGHT


@register.filter
def chart_bar_width(percent: int) -> int:
    """Bar length for a share of the largest count; a non-zero count is always visible."""
    percent = int(percent)
    return max(2 if percent else 0, round(CHART_BAR_MAX * percent / 100))


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


PROVISIONER_LABELS = {
    "opentofu": "OpenTofu",
    "terraform": "Terraform",
    "terragrunt": "Terragrunt",
    "awscdk": "AWS CDK",
}


@register.filter
def provisioner_label(provisioner: str) -> str:
    return PROVISIONER_LABELS.get(provisioner, provisioner)
