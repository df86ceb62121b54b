"""``/api/v1/``: what the API offers, as links (the DRF root view's answer)."""

from collections import OrderedDict

from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRoot(APIView):
    """Gardez le lien, API publique v1 : les liens de ses ressources et de sa documentation."""

    # Links only: nothing to describe in the OpenAPI document.
    schema = None

    def get(self, request, format=None):
        return Response(
            OrderedDict(
                [
                    ("lieux", reverse("api:venue-list", request=request, format=format)),
                    ("schema", reverse("api:schema", request=request)),
                    ("documentation", reverse("api:docs", request=request)),
                    ("open_data", reverse("directory:open_data", request=request)),
                ]
            )
        )
