"""What changed since a time: the change feed for re-users (issue 19, part 4).

Hubs and the national map re-import whole files; this lets them fetch only the venues created,
updated or removed since their last harvest. Everything comes from the history the directory
already keeps (django-simple-history): a venue's own rows, and the rows of its channels and
closures (a new WhatsApp group or a closure changes what residents see, so it counts as an
update of the venue).

One entry per venue: its latest change in the window and what happened to it over the window
(``creation`` if it was created in it, ``suppression`` if its last venue row is a deletion,
else ``modification``). Entries are ordered by (last change, venue id), and the cursor is that
pair: a page costs the events since ``since`` plus an index range, whatever the page's depth.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from directory.models import Venue

MAX_LIMIT = 200


class ChangeKind:
    CREATED = "creation"
    UPDATED = "modification"
    REMOVED = "suppression"


@dataclass(frozen=True)
class Change:
    venue_id: int
    at: datetime.datetime
    kind: str
    slug: str
    name: str
    commune_id: str | None

    @property
    def cursor(self) -> str:
        return encode_cursor(self.at, self.venue_id)


def encode_cursor(at: datetime.datetime, venue_id: int) -> str:
    raw = f"{at.astimezone(datetime.UTC).isoformat()}|{venue_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime.datetime, int] | None:
    """The (time, venue id) pair of a cursor, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        at_text, id_text = raw.split("|")
        at = datetime.datetime.fromisoformat(at_text)
        venue_id = int(id_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    if at.tzinfo is None or not (0 < venue_id < 2**63):
        return None
    return at, venue_id


def _territory_sql(level: str | None) -> tuple[str, str]:
    """SQL conditions restricting the venue rows and the channel/closure rows to a territory
    (``%(territory)s``), by the commune the venue is (or was, when deleted) located in."""
    if level is None:
        return "", ""
    communes = {
        "commune": "SELECT %(territory)s",
        "departement": "SELECT code FROM directory_commune WHERE departement_id = %(territory)s",
        "epci": "SELECT code FROM directory_commune WHERE epci_id = %(territory)s",
    }[level]
    return (
        f" AND h.commune_id IN ({communes})",
        f" AND h.venue_id IN (SELECT id FROM directory_venue WHERE commune_id IN ({communes}))",  # noqa: S608  # nosec B608
    )


def changes_since(
    since: datetime.datetime,
    after: tuple[datetime.datetime, int] | None = None,
    limit: int = 100,
    territory: tuple[str, str] | None = None,
    newest_first: bool = False,
) -> list[Change]:
    """Up to ``limit`` venues changed after ``since``, after the cursor ``after``, optionally in
    a territory ``(level, code)`` with level « commune », « departement » or « epci ».
    ``newest_first`` (feeds: the latest changes) ignores the cursor."""
    limit = max(1, min(limit, MAX_LIMIT))
    venue_scope, child_scope = _territory_sql(territory[0] if territory else None)
    params = {"since": since, "limit": limit, "territory": territory[1] if territory else None}
    cursor_sql = ""
    if after is not None and not newest_first:
        cursor_sql = "HAVING (max(at), venue_id) > (%(after_at)s, %(after_id)s)"
        params.update(after_at=after[0], after_id=after[1])
    # The table names are constants; every value is a parameter.
    sql = f"""
        WITH events AS (
            SELECT h.id AS venue_id, h.history_date AS at, h.history_type AS kind, h.history_id AS hid
              FROM directory_historicalvenue h WHERE h.history_date > %(since)s{venue_scope}
            UNION ALL
            SELECT h.venue_id, h.history_date, '~', NULL
              FROM directory_historicalchannel h
             WHERE h.history_date > %(since)s AND h.venue_id IS NOT NULL{child_scope}
            UNION ALL
            SELECT h.venue_id, h.history_date, '~', NULL
              FROM directory_historicalclosureperiod h
             WHERE h.history_date > %(since)s AND h.venue_id IS NOT NULL{child_scope}
        )
        SELECT venue_id, max(at) AS last_at, bool_or(kind = '+') AS created,
               (array_agg(kind ORDER BY at DESC, hid DESC) FILTER (WHERE hid IS NOT NULL))[1] AS last_venue_kind
          FROM events
         GROUP BY venue_id
         {cursor_sql}
         ORDER BY {"last_at DESC, venue_id DESC" if newest_first else "last_at, venue_id"}
         LIMIT %(limit)s
    """  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    current = {v["id"]: v for v in Venue.objects.filter(id__in=ids).values("id", "slug", "name", "commune_id")}
    missing = [i for i in ids if i not in current]
    if missing:
        # Deleted venues: their last history row still has their public identifier.
        for row in (
            Venue.history.filter(id__in=missing)
            .order_by("id", "-history_date", "-history_id")
            .distinct("id")
            .values("id", "slug", "name", "commune_id")
        ):
            current[row["id"]] = row
    changes = []
    for venue_id, last_at, created, last_venue_kind in rows:
        venue = current.get(venue_id)
        if venue is None:  # a channel row of a venue that has no history at all
            continue
        if last_venue_kind == "-" or venue_id in missing:
            kind = ChangeKind.REMOVED
        elif created:
            kind = ChangeKind.CREATED
        else:
            kind = ChangeKind.UPDATED
        changes.append(Change(venue_id, last_at, kind, venue["slug"], venue["name"], venue["commune_id"]))
    return changes


def parse_since(text: str) -> datetime.datetime | None:
    """An ISO 8601 date or date-time (« 2026-11-30 », « 2026-11-30T08:00:00+01:00 »; without
    a zone, Paris time), or None when it is not one."""
    text = (text or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        if len(text) == 10:
            at = datetime.datetime.combine(datetime.date.fromisoformat(text), datetime.time.min)
        else:
            at = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        at = timezone.make_aware(at)
    if at.year < 2000:
        return None
    return at


def territory_level(code: str) -> tuple[str, str] | None:
    """(« commune » | « departement » | « epci », code) for an existing territory's code."""
    from directory.models import Commune, Departement, Epci

    code = (code or "").strip().upper()
    if len(code) == 9 and code.isdigit():
        model, level = Epci, "epci"
    elif len(code) == 5 and (code.isdigit() or code[:2] in ("2A", "2B")):
        model, level = Commune, "commune"
    elif len(code) in (2, 3) and (code.isdigit() or code in ("2A", "2B")):
        model, level = Departement, "departement"
    else:
        return None
    return (level, code) if model.objects.filter(code=code).exists() else None
