"""Property-based run of the public API against its own OpenAPI schema (schemathesis).

The schema is fetched from the live application (``/api/schema/``) and every operation is
called through the WSGI handler, against the test database seeded below: no 5xx, and every
response (status, headers, content type, body) conforms to the schema. Bounded to keep the
run short: ``MAX_EXAMPLES`` generated cases per operation and generation mode (positive and
negative), a few hundred requests in all."""

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from directory import enums
from mediation.wsgi import application
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

MAX_EXAMPLES = 75


@pytest.fixture(autouse=True)
def api_data(db, hauts_de_france, settings):
    # One client sends hundreds of requests here: lift the per-client limit for this run only.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    t = hauts_de_france
    venue = VenueFactory(
        name="Centre social Arbrisseau", commune=t.lille, postal_code="59000", slug="centre-social-arbrisseau"
    )
    ChannelFactory(venue=venue)
    ChannelFactory(venue=venue, signage=True)
    ChannelFactory(venue=venue, whatsapp=True)
    closed = VenueFactory(commune=t.arras, postal_code="62000", latitude=None, longitude=None, typologie=["BIB"])
    ChannelFactory(venue=closed, sms=True)
    ClosurePeriodFactory(venue=closed, starts_on=timezone.localdate() - datetime.timedelta(days=2), ends_on=None)
    VenueFactory(commune=t.lille, postal_code="59000", closed_for_good=True, structure=None)
    area = VenueFactory(commune=t.cysoing, postal_code="59830", service_area=enums.ServiceArea.COMMUNES, stale=True)
    area.service_area_communes.set([t.cysoing, t.templeuve])
    ChannelFactory(venue=area, email=True)
    # The real WSGI handler closes the database connection after each request, which would end
    # the test's transaction; Django's test client avoids this the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Generating the schema touches no table, so it can be fetched from the app at collection time.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case):
    # Every check but the two that judge *which* 4xx a request deserves: a well-formed but
    # unknown commune code is a 400 by design, and Django's form fields strip spaces that a
    # schema pattern would not allow. Server errors and response conformance are all checked.
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance, negative_data_rejection])
    assert response.status_code < 500
