"""French number formatting for the coverage pages and files: thousands separated by a narrow
no-break space (U+202F), decimal comma (« 12 345 », « 79,2 »)."""

from decimal import Decimal

from django import template

register = template.Library()

NARROW_NBSP = "\u202f"


def fr_number(value) -> str:
    """« 1 234 567 » for integers, « 79,2 » for decimals (one decimal, as computed)."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal | float):
        text = f"{Decimal(value):,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        return str(value)
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def spreadsheet_number(value) -> str:
    """A number as French spreadsheets read it in a « ; » CSV: no thousands separator (Excel
    would take « 1 234 » for text), decimal comma."""
    if isinstance(value, Decimal | float):
        return f"{Decimal(value):.1f}".replace(".", ",")
    return str(value)


@register.filter(name="fr_number")
def fr_number_filter(value):
    return fr_number(value)


@register.filter
def fr_percent(value):
    """« 79,2 % » with a narrow no-break space before the sign."""
    return f"{fr_number(value)}{NARROW_NBSP}%" if value not in (None, "") else ""
