"""Issue 17, the attack on `make serve`: each finding fixed at its mechanism has its test here
(rate limits: tests/test_ratelimits.py; SMS webhook: tests/test_sms_security.py)."""

import pytest

from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

LIST = "/lieux/"
API = "/api/v1/lieux/"
HUGE = "9" * 40


# --- 8: a page number beyond bigint --------------------------------------------------------


@pytest.mark.parametrize("number", [HUGE, str(2**63), "461168601842738791", "1e400"])
def test_a_huge_page_number_shows_the_last_page(client, hauts_de_france, number):
    VenueFactory(name="Lieu unique", commune=hauts_de_france.lille)
    response = client.get(LIST, {"page": number})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lieu unique" in html
    assert "Cette page n&#x27;existe pas" in html or "Numéro de page invalide" in html


@pytest.mark.parametrize("number", [HUGE, str(2**63), "461168601842738791"])
def test_a_huge_api_page_number_is_a_404_like_other_pages_past_the_end(client, hauts_de_france, number):
    VenueFactory(name="Lieu unique", commune=hauts_de_france.lille)
    response = client.get(API, {"page": number})
    assert response.status_code == 404
    assert "detail" in response.json()
