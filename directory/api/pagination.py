"""Pages of ``/api/v1/lieux/``: page numbers for the first pages of any search, a cursor
(keyset) for whoever walks the whole list.

In the default order (``sort_name``, id) the « next » link always carries ``curseur``, the
sort key of the page's last venue: the next page is a range of the ``(sort_name, id)`` index,
as fast at page 10,000 as at page 2, and a venue added or renamed meanwhile never shifts the
pages as an offset would. Searches with their own order (distance, place, relevance) keep page
numbers, up to ``DIRECTORY_MAX_PAGES`` like the HTML list: past that, refine the search.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.conf import settings
from django.core.paginator import InvalidPage
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from directory.pagination import DEFAULT_ORDER, PageBeyondLimit, VenuePaginator, keyset_page

PAGE = "page"
PAGE_SIZE = "page_size"
CURSOR = "curseur"


def encode_cursor(sort_name: str, pk: int) -> str:
    raw = json.dumps([sort_name, pk], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[str, int] | None:
    """The (sort name, id) of a cursor, or None when it is not one of ours."""
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode())
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], str)
        or len(value[0]) > 250
        or "\x00" in value[0]
        or not isinstance(value[1], int)
        or isinstance(value[1], bool)
        or not 0 < value[1] < 2**63
    ):
        return None
    return value[0], value[1]


class VenuePagination(BasePagination):
    page_size = 20
    max_page_size = 100

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(PAGE_SIZE)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({PAGE_SIZE: [_("La taille de page doit être un nombre entier, de 1 à 100.")]})
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        self.keyset = tuple(queryset.query.order_by) == DEFAULT_ORDER
        raw_cursor = request.query_params.get(CURSOR)
        self.number = None
        if raw_cursor is not None:
            if not self.keyset:
                raise ValidationError(
                    {CURSOR: [_("Le curseur ne sert que dans l'ordre par défaut (sans q, near ni commune).")]}
                )
            if PAGE in request.query_params:
                raise ValidationError({CURSOR: [_("Donnez soit « curseur », soit « page », pas les deux.")]})
            after = decode_cursor(raw_cursor)
            if after is None:
                raise ValidationError(
                    {CURSOR: [_("Curseur invalide : reprenez le lien `next` de la page précédente.")]}
                )
            rows, self.more = keyset_page(queryset, after, size)
            # Counting the whole list would read it all on every page: the first page has it.
            self.count = None
        else:
            paginator = VenuePaginator(
                queryset, size, max_pages=settings.DIRECTORY_MAX_PAGES, near=getattr(view, "near_point", None)
            )
            try:
                page = paginator.page(request.query_params.get(PAGE, 1))
            except PageBeyondLimit:
                raise NotFound(
                    _(
                        "Au-delà de la page %(count)d, affinez la recherche ; pour parcourir toute la liste, "
                        "suivez les liens `next` (curseur) dans l'ordre par défaut."
                    )
                    % {"count": settings.DIRECTORY_MAX_PAGES}
                ) from None
            except InvalidPage:
                raise NotFound(_("Page invalide : elle n'existe pas.")) from None
            rows = list(page.object_list)
            self.number = page.number
            self.more = page.has_next() or (self.keyset and page.at_limit)
            self.count = paginator.count
        self.rows = rows
        return rows

    def get_next_link(self):
        if not self.more or not self.rows:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), PAGE)
        if self.keyset:
            last = self.rows[-1]
            return replace_query_param(url, CURSOR, encode_cursor(last.sort_name, last.pk))
        return replace_query_param(url, PAGE, self.number + 1)

    def get_previous_link(self):
        # Cursor pages go forward only (a harvest); numbered pages link back.
        if self.number is None or self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, PAGE)
        return replace_query_param(url, PAGE, self.number - 1)

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": str(_("Nombre de lieux de la liste (null sur les pages suivies par curseur).")),
                },
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": PAGE,
                "required": False,
                "in": "query",
                "description": str(
                    _("Numéro de page, de 1 à %(count)d (au-delà : le curseur).")
                    % {"count": settings.DIRECTORY_MAX_PAGES}
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": PAGE_SIZE,
                "required": False,
                "in": "query",
                "description": str(_("Nombre de lieux par page (20 par défaut, 100 au plus).")),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": CURSOR,
                "required": False,
                "in": "query",
                "description": str(
                    _(
                        "Position dans la liste, donnée par le lien `next` : pour parcourir toute la liste dans "
                        "l'ordre par défaut, à temps constant quelle que soit la profondeur."
                    )
                ),
                "schema": {"type": "string"},
            },
        ]
