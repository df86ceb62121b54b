"""The door poster printed by Chromium: one A4 page, filled, the status and closure message in
the largest type, one QR code per group, no axe violation."""

import re

import pytest

from directory import enums
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.world import build_directory_world
from tests.factories import ChannelFactory

# Font sizes (px) of every element that holds text in the poster, and the blank heights.
MEASURE = """() => {
  const poster = document.querySelector('.poster');
  const sizes = [];
  const boxes = [];
  for (const el of poster.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    sizes.push([el.className || el.tagName, parseFloat(getComputedStyle(el).fontSize)]);
    boxes.push([r.top, r.bottom]);
  }
  boxes.sort((a, b) => a[0] - b[0]);
  const top = poster.getBoundingClientRect().top, height = poster.getBoundingClientRect().height;
  let reach = top, largestGap = 0;
  for (const [t, b] of boxes) { largestGap = Math.max(largestGap, t - reach); reach = Math.max(reach, b); }
  return {sizes, largestGap, height, qr: poster.querySelectorAll('svg.qr-code').length,
          clipped: poster.scrollHeight - poster.clientHeight,
          parts: [...poster.children].map(c => c.className + ' ' + Math.round(c.getBoundingClientRect().height))};
}"""


# A4 at 96 px per inch; @page margins (12 mm) leave 186 mm (703 px) of printable width.
A4_VIEWPORT = {"width": 703, "height": 1028}


@pytest.fixture
def world(live_server):
    return build_directory_world()


def count_pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.parametrize(
    "message",
    [
        "Fermé pour travaux jusqu'à la rentrée.",
        "Fermé jusqu'à nouvel ordre : le centre répond au téléphone et par courrier.",
        "Fermé pour travaux. " * 6,
        "Fermé pour travaux. " * 15,
    ],
)
def test_a_closed_venues_poster_fits_one_filled_page_with_the_message_largest(page, base_url, world, message):
    venue = world.pevele  # temporarily closed
    closure = venue.closures.get()
    closure.public_message = message.strip()
    closure.save()
    ChannelFactory(venue=venue, kind=enums.ChannelKind.SMS, value="+33639980404")
    ChannelFactory(venue=venue, kind=enums.ChannelKind.WHATSAPP, value="https://chat.whatsapp.com/AbCdEfGhIj1234")
    ChannelFactory(venue=venue, kind=enums.ChannelKind.FACEBOOK, value="https://www.facebook.com/groups/entraide")
    ChannelFactory(venue=venue, kind=enums.ChannelKind.VIDEO_CLASS, value="https://meet.jit.si/atelier")
    page.goto(f"{base_url}{venue.get_absolute_url()}affiche/")
    page.emulate_media(media="print")
    page.set_viewport_size(A4_VIEWPORT)  # lay out at the paper's width, as page.pdf does
    measured = page.evaluate(MEASURE)
    sizes = dict(measured["sizes"])
    detail = sizes["poster-detail"]
    others = {name: size for name, size in measured["sizes"] if name not in {"poster-detail", "poster-headline"}}
    assert all(size <= detail for size in others.values()), (detail, others)
    assert sizes["poster-headline"] == detail
    assert measured["qr"] == 4  # three groups and the venue page
    assert measured["clipped"] <= 1, (
        page.locator(".poster").get_attribute("class"),
        measured["clipped"],
        measured["parts"],
    )  # nothing cut off
    # Filled: no blank band taller than a fifth of the page.
    assert measured["largestGap"] < measured["height"] / 5, measured
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert count_pdf_pages(pdf) == 1
    assert page.console_problems == []


def test_the_poster_has_no_axe_violations(axe_page, base_url, world):
    venue = world.pevele
    ChannelFactory(venue=venue, kind=enums.ChannelKind.WHATSAPP, value="https://chat.whatsapp.com/AbCdEfGhIj1234")
    axe_page.goto(f"{base_url}{venue.get_absolute_url()}affiche/")
    violations = axe_violations(axe_page)
    assert violations == [], format_violations(violations)


def test_a_busy_open_venues_poster_is_not_cut_off(page, base_url, world):
    venue = world.mediatheque
    venue.opening_hours = "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
    venue.save()
    for n in range(6):
        ChannelFactory(venue=venue, kind=enums.ChannelKind.PHONE, value=f"+3335301{n:04d}", label=f"Atelier {n}")
        ChannelFactory(venue=venue, kind=enums.ChannelKind.WEBSITE, value=f"https://site{n}.example.org/")
    ChannelFactory(venue=venue, kind=enums.ChannelKind.WHATSAPP, value="https://chat.whatsapp.com/AbCdEfGhIj1234")
    page.goto(f"{base_url}{venue.get_absolute_url()}affiche/")
    page.emulate_media(media="print")
    page.set_viewport_size(A4_VIEWPORT)  # lay out at the paper's width, as page.pdf does
    measured = page.evaluate(MEASURE)
    assert measured["clipped"] <= 1, measured
    assert count_pdf_pages(page.pdf(format="A4", print_background=True, prefer_css_page_size=True)) == 1
