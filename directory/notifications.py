"""E-mails sent by the back office: reports to moderate, freshness reminders, invitations.

Plain-text e-mails rendered from templates (templates/directory/emails/), sent with Django's
configured backend (console by default, SMTP when ``EMAIL_HOST`` is set)."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext


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


def quoted(text: str) -> str:
    """``text`` as an e-mail quotation: every line starts with « > », so nothing a resident
    types can pass for the e-mail's own lines (links, signature)."""
    return "\n".join(f"> {line}".rstrip() for line in (text or "").splitlines() or [""])


def notify_report(report) -> int:
    venue = report.venue
    context = {
        "report": report,
        # After the real links, quoted and delimited (issue 17): the comment is anonymous text.
        "quoted_comment": quoted(report.comment),
        "quoted_contact": " ".join((report.contact or "").split()),
        "venue": venue,
        "admin_url": absolute(reverse("admin:directory_report_change", args=[report.pk])),
        "venue_url": absolute(venue.get_absolute_url()),
    }
    return _send("report", context, report_recipients(venue))


def next_freshness_step(venue) -> str:
    """What happens next without a confirmation, in words, for the reminder e-mail."""
    from directory.models import Venue

    checked = venue.last_checked_at
    if checked is None:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return _next_step(venue, checked, Venue)


def _next_step(venue, checked, Venue) -> str:
    stale_on = timezone.localdate(checked + datetime.timedelta(days=settings.FRESHNESS_THRESHOLD_DAYS))
    hidden_on = timezone.localdate(checked + datetime.timedelta(days=settings.FRESHNESS_HIDE_AFTER_DAYS))
    if checked < Venue.hiding_cutoff():
        return gettext("retiré des résultats de recherche depuis le %(date)s") % {
            "date": date_format(hidden_on, "j F Y")
        }
    if venue.is_stale:
        return gettext("sera retiré des résultats de recherche le %(date)s") % {"date": date_format(hidden_on, "j F Y")}
    return gettext("sera signalé « non vérifié » le %(date)s") % {"date": date_format(stale_on, "j F Y")}


def send_freshness_reminder(user, venues, flags=None, due=None) -> int:
    """One e-mail to ``user`` listing their ``venues``, each with its confirm link and its
    « Mon lieu » link. ``flags``: venue id → its flagged ``ChannelCheck`` rows (channel
    selected), listed with the reason; ``due``: the ids of the venues due for a freshness
    reminder (default: all); the others are in the e-mail for their flagged channels only."""
    from directory.channel_checks import flag_notice

    flags = flags or {}
    due = {venue.pk for venue in venues} if due is None else set(due)
    with translation.override(settings.LANGUAGE_CODE):
        items = [
            {
                "venue": venue,
                "due": venue.pk in due,
                "confirm_url": absolute(reverse("admin:directory_venue_confirm", args=[venue.pk])),
                # Mediators keep their venues on « Mon lieu ».
                "change_url": absolute(reverse("directory:workspace_venue", args=[venue.pk])),
                "next_step": next_freshness_step(venue) if venue.pk in due else "",
                "flags": [
                    {
                        "label": check.channel.display_label,
                        "value": check.channel.display_value,
                        "notice": flag_notice(check),
                    }
                    for check in flags.get(venue.pk, [])
                ],
            }
            for venue in venues
        ]
    context = {
        "user": user,
        "items": items,
        "due_count": sum(1 for item in items if item["due"]),
        "flag_count": sum(len(item["flags"]) for item in items),
        "threshold_days": settings.FRESHNESS_THRESHOLD_DAYS,
    }
    template = "freshness_reminder" if context["due_count"] else "channel_flags"
    return _send(template, context, [user.email])


def send_invitation_email(invitation, link: str | None, respond_url: str) -> int:
    context = {
        "invitation": invitation,
        "link": link,
        "respond_url": respond_url,
        "admin_url": absolute(reverse("admin:index")),
        "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    return _send("invitation", context, [invitation.email])
