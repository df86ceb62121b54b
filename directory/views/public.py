"""Public pages: home (scenario chooser), directory list, venue sheet.

Placeholder views replaced by the full implementation of the directory issue."""

from django.shortcuts import get_object_or_404, render

from directory.enums import AccessScenario
from directory.models import Venue


def home(request):
    return render(request, "directory/home.html", {"scenarios": list(AccessScenario)})


def venue_list(request):
    venues = Venue.objects.public().prefetch_related("channels", "closures")[:20]
    return render(request, "directory/venue_list.html", {"venues": venues})


def venue_detail(request, slug):
    venue = get_object_or_404(Venue.objects.public().prefetch_related("channels", "closures"), slug=slug)
    return render(request, "directory/venue_detail.html", {"venue": venue})
