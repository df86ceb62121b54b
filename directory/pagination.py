"""Pagination of venue lists: ``VenuePaginator`` reads a page's ids first and counts only when
it must."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property

# The default order of the list (French order: ``Venue.sort_name``), and of the API's cursor.
DEFAULT_ORDER = ("sort_name", "pk")
# A text search's order: ``search_rank`` is the same for every venue a search returns (its
# tiers never mix), so this is list order too.
SEARCH_ORDER = ("-search_rank", "sort_name", "pk")

# Text searches, bounded walk. For a page in name order PostgreSQL walks the name index and
# tests each venue, betting that matches are spread through the alphabet. When they cluster
# far into it (« médiathèque »: names start with the word) the walk tested 140,000 venues
# before the first match (``make bench SCALE=10``, measure ``text_common``). So the walk stops
# at the WALK_LIMIT-th name of the directory; when the page is not all there, the matches past
# that name come from the full-text index (no walk) and are sorted. One statement: the second
# part runs only when the walk fell short; its ``name || ''`` (same value, same collation)
# keeps PostgreSQL from reading a name index for it. Pages past WALK_LIMIT results keep the plain walk.
WALK_LIMIT = 3000
# No directory has this many venues: a page starting past it is past the end, answered like any
# other page past the end (last page on /lieux/, 404 in the API) without asking PostgreSQL,
# whose OFFSET is a bigint (a page number of 20 digits was a 500, « bigint out of range »).
MAX_OFFSET = 10**12
# The WALK_LIMIT-th name of the directory.
WALK_BOUND_SQL = (
    "SELECT max(f.sort_name) FROM (SELECT sort_name FROM directory_venue ORDER BY sort_name, id LIMIT %s) AS f"
)
BOUNDED_WALK_SQL = """
WITH walk AS MATERIALIZED (
    SELECT m.pk, m.name FROM ({matches}) AS m(pk, name)
    WHERE m.name <= ({bound})
    ORDER BY m.name, m.pk
    LIMIT %s
)
SELECT page.pk FROM (
    SELECT pk, name FROM walk
    UNION ALL
    SELECT m.pk, m.name FROM ({matches}) AS m(pk, name)
    WHERE (SELECT count(*) FROM walk) < %s
      AND (m.name || '') > ({bound})
) AS page
ORDER BY page.name, page.pk
OFFSET %s LIMIT %s
"""
# The matches of a list that is only a text search, from the narrow ``VenueSearchEntry`` rows
# (id, sort name, closing date, last confirmation, vector): half the pages of the venue table
# for the same matches. Venues hidden as unverified (``VenueQuerySet.shown_by_default``) are
# left out here too.
ENTRIES_MATCHES_SQL = """
SELECT e.venue_id, e.sort_name FROM directory_venuesearchentry e
WHERE e.search_vector @@ {query} AND (e.closed_permanently_on IS NULL OR e.closed_permanently_on > %s)
  AND e.last_checked_at >= %s
"""


class VenuePage(Page):
    """A page that knows from its own read whether another follows (``has_next``), so that
    a capped total (``VenuePaginator(count_limit=…)``) never hides the « next » link nor
    breaks the « previous » one. ``at_limit``: more venues follow but the list shows no more
    pages (``VenuePaginator(max_pages=…)``): the page asks to refine the search."""

    def __init__(self, object_list, number, paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.at_limit = more and paginator.max_pages is not None and number >= paginator.max_pages
        self.more = more and not self.at_limit

    def has_next(self):
        return self.more

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        # Django's checks it against num_pages, which a capped count makes too small.
        if self.number <= 1:
            raise EmptyPage(self.paginator.error_messages["min_page"])
        return self.number - 1


class PageBeyondLimit(EmptyPage):
    """A page number past ``VenuePaginator.max_pages``."""


class VenuePaginator(Paginator):
    """A ``Paginator`` of venue querysets that filters once and counts only when it must.

    ``page(n)`` reads the ids of page ``n`` plus one (sort keys and ids only, often an index
    range), then the full rows of those ids alone: the filter conditions run once, and sorting
    never carries whole rows. When that read ends the list (fewer ids than a page), the total
    follows from it and no ``COUNT`` query runs: most searches by commune, postal code or name
    fit on one page. With ``count_limit``, lists in filter order read on to the cap
    (``_reads_to_cap``), so their capped total comes from the same read. Otherwise ``count`` runs
    lazily, when the page shows the total.

    ``count_limit`` (the HTML list uses 500) stops counting past that many venues:
    ``count_is_capped`` is then true and ``count`` is ``count_limit``. « More than 500 venues »
    is all a resident needs; ``exact_count()`` still counts all. The API keeps exact counts.

    ``max_pages`` (the HTML list uses ``DIRECTORY_MAX_PAGES``): pages past it raise
    ``PageBeyondLimit``, and the last one says « affinez votre recherche » instead of offering
    a next page. Nobody reads page 5,000 of a list; an ``OFFSET`` that deep read every entry
    before it. Harvesters page the API with a cursor instead (``keyset_page``).

    Meant for ``VenueFilter`` querysets: their joins are many-to-one (commune, structure), so
    dropping the conditions from the rows query cannot duplicate rows. ``orphans`` is not
    supported (the public list and the API do not use it)."""

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        *,
        count_limit=None,
        max_pages=None,
        full_text=None,
        near=None,
        rows=None,
        **kwargs,
    ):
        if orphans:
            raise ValueError("VenuePaginator does not support orphans")
        super().__init__(object_list, per_page, 0, allow_empty_first_page, **kwargs)
        self.count_limit = count_limit
        self.max_pages = max_pages
        # ``(query, day, shown_since)`` when ``object_list`` is only the full-text search
        # ``query`` (``VenueQuerySet.text_search``) of the venues not closed for good on ``day``
        # and confirmed since ``shown_since`` (the default results): its pages then come from
        # ``VenueSearchEntry``.
        self.full_text = full_text
        # The (lat, lon) of a ``near()`` list: in distance order its pages' ids come from
        # ``VenueQuerySet.nearest_ids`` (the KNN index walk for venues at their home base, the
        # few mobile venues placed by their stops apart, one statement), not from computing
        # every venue's distance.
        self.near = near
        # Where a page's rows come from: a queryset with the cards' select_related and
        # annotations but none of the list's conditions (``VenueFilter.page_rows``), read by
        # the page's ids and put in their order. None: ``object_list`` itself, conditions
        # tested again on the page's rows (the API).
        self.rows = rows
        self._capped = False

    @cached_property
    def count(self):
        if self.count_limit is None:
            return self.exact_count()
        # COUNT(*) over a LIMITed subquery: at most count_limit + 1 rows are ever read.
        found = self.object_list.order_by().values("pk")[: self.count_limit + 1].count()
        if found > self.count_limit:
            self._capped = True
            return self.count_limit
        return found

    @property
    def count_is_capped(self) -> bool:
        self.count  # noqa: B018  (counts first if needed)
        return self._capped

    def exact_count(self) -> int:
        return self.object_list.count()

    def last_page_number(self) -> int:
        """The number of the last page, counted exactly even past ``count_limit``, never
        past ``max_pages``."""
        if self.max_pages is not None:
            # Only what the list shows is counted: at most max_pages pages of rows.
            shown = self.object_list.order_by().values("pk")[: self.max_pages * self.per_page].count()
            return max(1, -(-shown // self.per_page))
        count = self.count if self.count_limit is None else self.exact_count()
        return max(1, -(-count // self.per_page))

    def page(self, number):
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if self.max_pages is not None and number > self.max_pages:
            raise PageBeyondLimit(self.error_messages["no_results"])
        bottom = (number - 1) * self.per_page
        if bottom > MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        to_cap = self._reads_to_cap(bottom)
        read = max(self.per_page + 1, self.count_limit + 1 - bottom) if to_cap else self.per_page + 1
        ids = list(self._ids(bottom, read))
        more = len(ids) > self.per_page
        if to_cap and (ids or number == 1):
            # Read up to the cap: the total is known without a COUNT.
            total = bottom + len(ids)
            self._capped = total > self.count_limit
            self.__dict__["count"] = min(total, self.count_limit)
        if more:
            ids = ids[: self.per_page]  # more pages follow: the total may need a COUNT
        elif ids or (number == 1 and self.allow_empty_first_page):
            self.__dict__["count"] = bottom + len(ids)  # the last page: the total is known
        else:
            raise EmptyPage(self.error_messages["no_results"])
        if self.rows is None:
            return VenuePage(rows_of(self.object_list, ids), number, self, more)
        found = {venue.pk: venue for venue in self.rows.filter(pk__in=ids)}
        return VenuePage([found[pk] for pk in ids if pk in found], number, self, more)

    def _reads_to_cap(self, offset: int) -> bool:
        """Whether the page starting at ``offset`` reads its ids on to the count's cap
        (``count_limit``), so that the capped total comes from the same read. Worth it for
        lists in filter order: the ids past the page cost little next to the matches' filter,
        which a separate ``COUNT`` ran a second time (with its own planning and round trip)
        whenever the page was full. Text searches (the bounded walk) and distance lists (the
        KNN walk) read one page: their walks stop early, where reading to the cap walks on."""
        if self.count_limit is None or offset >= self.count_limit or self.near is not None:
            return False
        return not self._in_search_order

    @cached_property
    def _in_search_order(self) -> bool:
        return tuple(self.object_list.query.order_by) == SEARCH_ORDER

    def _ids(self, offset: int, limit: int):
        if self.near is not None:
            ids = self.object_list.nearest_ids(self.near, offset, limit)
            if ids is not None:
                return ids
        if self._in_search_order and offset + limit <= WALK_LIMIT:
            return self._search_ids(offset, limit)
        return self.object_list.values_list("pk", flat=True)[offset : offset + limit]

    def _search_ids(self, offset: int, limit: int) -> list[int]:
        """The ids of a text search's page, by the bounded walk (``BOUNDED_WALK_SQL``) over its
        matches: Django's SQL for the list, or ``ENTRIES_MATCHES_SQL`` for a list that is only
        a text search."""
        if self.full_text is not None:
            text_search, day, shown_since = self.full_text
            compiler = self.object_list.query.get_compiler(using=self.object_list.db)
            query, query_params = compiler.compile(text_search)
            matches = ENTRIES_MATCHES_SQL.format(query=query)
            params = [*query_params, day, shown_since]
        else:
            try:
                matches, params = self.object_list.order_by().values_list("pk", "sort_name").query.sql_with_params()
            except EmptyResultSet:  # ``none()``: a search nothing looks like
                return []
        wanted = offset + limit
        sql = BOUNDED_WALK_SQL.format(matches=matches, bound=WALK_BOUND_SQL)
        arguments = [*params, WALK_LIMIT, wanted, *params, wanted, WALK_LIMIT, offset, limit]
        with connections[self.object_list.db].cursor() as cursor:
            # Django's own SQL for the filters or the full-text query, with their parameters;
            # the frame is constant.
            cursor.execute(sql, arguments)  # nosec B608
            return [row[0] for row in cursor.fetchall()]


def rows_of(queryset, ids):
    """The full rows of ``ids`` in ``queryset``'s order, with its select_related, annotations
    and prefetches. Its conditions are kept (tested again on those few rows by their primary
    key): cheaper to read than to strip from a Django query."""
    return queryset.filter(pk__in=ids)


# --- keyset pages (the API's cursor) ---------------------------------------------------------


def keyset_page(queryset, after: tuple[str, int] | None, size: int) -> tuple[list, bool]:
    """The ``size`` venues of ``queryset`` (in ``DEFAULT_ORDER``) that come after the sort key
    ``after`` (``(sort_name, pk)`` of the last venue of the previous page; None: from the
    start), and whether more follow. A range of the ``(sort_name, id)`` index whatever the
    depth: a harvester's page 10,000 costs what page 1 does."""
    ids = queryset.values_list("pk", flat=True)
    if after is not None:
        ids = ids.filter(KeysetAfter(*after))
    ids = list(ids[: size + 1])
    more = len(ids) > size
    return list(rows_of(queryset, ids[:size])), more


class KeysetAfter(RawSQL):
    """``(sort_name, id) > (%s, %s)``: a row comparison PostgreSQL reads as an index range
    (an ``OR`` of two conditions is filtered row by row instead)."""

    conditional = True

    def __init__(self, sort_name: str, pk: int):
        super().__init__(
            '("directory_venue"."sort_name", "directory_venue"."id") > (%s, %s)',
            (sort_name, pk),
            output_field=BooleanField(),
        )
