"""Menu entries that fit the role: coverage for département staff and superusers only (a
mediator following it met a 403), « Mon lieu » for whoever keeps venues current."""

from django import template

register = template.Library()


@register.filter
def sees_coverage(user) -> bool:
    from directory.models import DepartementStaff

    return DepartementStaff.oversees_any(user)


@register.filter
def keeps_venues(user) -> bool:
    from directory.models import Venue

    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or Venue.objects.editable_by(user).exists()
