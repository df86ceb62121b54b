"""A small world for back-office tests: two structures in the Nord (A in Lille, B in the
Pévèle), one in the Pas-de-Calais (C), and one user per role. Shared by tests/test_admin_*.py,
tests/test_permissions_matrix.py and tests/test_concurrency.py."""

from html.parser import HTMLParser
from types import SimpleNamespace

from directory import enums
from directory.models import Invitation, PartnerKey, Report
from tests.factories import (
    ChannelFactory,
    ClosurePeriodFactory,
    DepartementStaffFactory,
    MembershipFactory,
    StructureFactory,
    UserFactory,
    VenueFactory,
    build_hauts_de_france,
)

PASSWORD = "gardezlelien"
ROLES = ["anonymous", "mediator_a", "manager_a", "mediator_b", "staff_59", "staff_62", "superuser"]


def build_world():
    hdf = build_hauts_de_france()
    a = StructureFactory(name="Centres sociaux de Lille", departement=hdf.nord)
    b = StructureFactory(name="Espace numérique de la Pévèle", departement=hdf.nord)
    c = StructureFactory(name="Médiathèque d'Arras", departement=hdf.pdc)
    venue_a = VenueFactory(name="Centre social Lazare Garreau", structure=a, commune=hdf.lille, postal_code="59000")
    venue_b = VenueFactory(name="Médiathèque de Cysoing", structure=b, commune=hdf.cysoing, postal_code="59830")
    venue_c = VenueFactory(name="Médiathèque Saint-Vaast", structure=c, commune=hdf.arras, postal_code="62000")
    users = {
        "mediator_a": UserFactory(username="mediator_a"),
        "manager_a": UserFactory(username="manager_a"),
        "mediator_b": UserFactory(username="mediator_b"),
        "staff_59": UserFactory(username="staff_59"),
        "staff_62": UserFactory(username="staff_62"),
        "superuser": UserFactory(username="superuser", is_superuser=True),
    }
    MembershipFactory(user=users["mediator_a"], structure=a)
    MembershipFactory(user=users["manager_a"], structure=a, manager=True)
    MembershipFactory(user=users["mediator_b"], structure=b)
    MembershipFactory(user=UserFactory(username="manager_c"), structure=c, manager=True)
    DepartementStaffFactory(user=users["staff_59"], departement=hdf.nord)
    DepartementStaffFactory(user=users["staff_62"], departement=hdf.pdc)
    objects = {}
    for key, venue, structure in [("a", venue_a, a), ("b", venue_b, b), ("c", venue_c, c)]:
        objects[key] = SimpleNamespace(
            venue=venue,
            structure=structure,
            channel=ChannelFactory(venue=venue),
            closureperiod=ClosurePeriodFactory(venue=venue),
            membership=structure.memberships.order_by("pk").first(),
            invitation=Invitation.objects.create(structure=structure, email=f"invite-{key}@example.org"),
            report=Report.objects.create(venue=venue, topic=enums.ReportTopic.HOURS, comment="Horaires changés"),
            partnerkey=_partner_key(f"Partenaire {key}", structure.departement),
        )
    return SimpleNamespace(hdf=hdf, users=users, objects=objects, structures={"a": a, "b": b, "c": c})


def _partner_key(name, departement):
    key = PartnerKey(name=name, contact_email="partenaire@example.org", departement=departement)
    key.allowed_hosts = [f"www.{name.split()[-1]}.example.org"]
    key.issue()
    key.save()
    return key


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


class FormScraper(HTMLParser):
    """Collects what a browser would submit from the first form with ``form_id`` (or the
    first form): inputs, checked boxes, selected options, textareas."""

    def __init__(self, form_id=None):
        super().__init__()
        self.form_id = form_id
        self.depth = 0
        self.done = False
        self.data = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and self.depth == 0:
            if self.form_id is None or attrs.get("id") == self.form_id:
                self.depth = 1
            return
        if not self.depth:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
                return
            self.data.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            self.data.append((name, value[1:] if value.startswith("\n") else value))
            self._textarea = None
        elif tag == "form":
            self.depth = 0
            self.done = True


def scrape_form(html, form_id=None):
    """The form's data as a dict of lists (for the test client: multi-valued fields)."""
    parser = FormScraper(form_id)
    parser.feed(html)
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data
