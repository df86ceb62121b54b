"""Database faults answer a plain 503 page at once: no traceback, no hang. (The real stop and
restart of PostgreSQL under load is in bench/loadtest.py, `make loadtest`.)"""

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import include, path


class ExplodingQuerySet:
    """Stands for a queryset whose evaluation happens in the template, after the view returned."""

    def __iter__(self):
        raise OperationalError('connection to server on socket "/tmp/.s.PGSQL.5432" failed')


def view_operational_error(request):
    raise OperationalError("could not connect to server: Connection refused")


def view_interface_error(request):
    raise InterfaceError("connection already closed")


def view_lazy_error(request):
    return TemplateResponse(request, "503_probe.html", {"items": ExplodingQuerySet()})


def view_ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("operational/", view_operational_error),
    path("interface/", view_interface_error),
    path("lazy/", view_lazy_error),
    path("ok/", view_ok),
    # The real routes too: templates and context processors reverse them.
    path("", include("mediation.urls")),
]

# django_db: the middleware closes broken connections, which touches the connection handler.
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def probe_template(settings, tmp_path):
    (tmp_path / "503_probe.html").write_text("{% for item in items %}{{ item }}{% endfor %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]


def assert_plain_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Service momentanément indisponible" in body
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert "socket" not in body


@pytest.mark.parametrize("url", ["/operational/", "/interface/"])
def test_database_errors_in_a_view_give_the_503_page(client, url, settings):
    settings.DEBUG = False
    assert_plain_503(client.get(url))


def test_database_error_while_rendering_gives_the_503_page(client, settings, probe_template):
    settings.DEBUG = False
    assert_plain_503(client.get("/lazy/"))


def test_the_next_request_is_served_normally(client):
    client.get("/operational/")
    response = client.get("/ok/")
    assert response.status_code == 200


def test_healthz_says_unavailable_when_the_query_fails(client, monkeypatch):
    from directory.views import health

    class DownConnection:
        def cursor(self):
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(health, "connection", DownConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False}
