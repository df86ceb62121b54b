"""E-mails sent by the back office: reports to moderate, freshness reminders, invitations.

Plain-text e-mails rendered from templates (templates/directory/emails/), sent with Django's
configured backend (console by default, SMTP when ``EMAIL_HOST`` is set)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _send(template: str, context: dict, recipients) -> int:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    # The recipient is not the person whose request triggers the e-mail (a resident reporting, an
    # admin inviting): write in the site's language, not in the sender's browser language.
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"directory/emails/{template}_subject.txt", context).split())
        body = render_to_string(f"directory/emails/{template}.txt", context)
    # One message per recipient: members of different structures never see each other's address.
    sent = 0
    for address in recipients:
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    return sent


def report_recipients(venue) -> set[str]:
    """The venue structure's members and the staff of its département."""
    User = get_user_model()
    users = User.objects.filter(is_active=True).exclude(email="")
    members = users.filter(memberships__structure_id=venue.structure_id) if venue.structure_id else users.none()
    staff = users.filter(departement_assignments__departement__communes__pk=venue.commune_id)
    return set(members.values_list("email", flat=True)) | set(staff.values_list("email", flat=True))


def notify_report(report) -> int:
    venue = report.venue
    context = {
        "report": report,
        "venue": venue,
        "admin_url": absolute(reverse("admin:directory_report_change", args=[report.pk])),
        "venue_url": absolute(venue.get_absolute_url()),
    }
    return _send("report", context, report_recipients(venue))


def send_freshness_reminder(user, venues) -> int:
    """One e-mail to ``user`` listing their stale ``venues``, each with its confirm link."""
    items = [
        {
            "venue": venue,
            "confirm_url": absolute(reverse("admin:directory_venue_confirm", args=[venue.pk])),
            "change_url": absolute(reverse("admin:directory_venue_change", args=[venue.pk])),
        }
        for venue in venues
    ]
    context = {"user": user, "items": items, "threshold_days": settings.FRESHNESS_THRESHOLD_DAYS}
    return _send("freshness_reminder", context, [user.email])


def send_invitation_email(invitation, link: str | None, respond_url: str) -> int:
    context = {
        "invitation": invitation,
        "link": link,
        "respond_url": respond_url,
        "admin_url": absolute(reverse("admin:index")),
        "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    return _send("invitation", context, [invitation.email])
