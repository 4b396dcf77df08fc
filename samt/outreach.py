"""The outreach kit of clause 1: a poster and a brochure for every branch and broker office, each with a QR code
that carries the place's tag, and the count of scans per place and Tehran day.

A tag names one existing branch ("b" and its code) or broker office ("o" and its code), never a person: scanning
counts the poster, not who read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from samt.access import branch_for_user_or_404, office_for_user_or_404, visible_branches, visible_offices
from samt.jalali import TEHRAN, JalaliMonth
from samt.models import Branch, BrokerOffice, OfficeStatus, OutreachScan, Province, User
from samt.persian import search_key
from samt.qr import qr_svg

Place = Branch | BrokerOffice
_TAG = re.compile(r"([bo])([0-9]{3,8})")
KITS = {"poster": ("پوستر", "A3"), "brochure": ("بروشور", "A5")}  # name and paper size


def place_tag(place: Place) -> str:
    return f"{'b' if isinstance(place, Branch) else 'o'}{place.code}"


def place_for_tag(tag: str) -> Place | None:
    """The branch or open broker office a tag names; None for anything else (a made-up tag counts nothing)."""
    match = _TAG.fullmatch(tag)
    if match is None:
        return None
    if match[1] == "b":
        return Branch.objects.select_related("province").filter(code=match[2]).first()
    return (BrokerOffice.objects.select_related("province", "branch").exclude(status=OfficeStatus.CLOSED)
            .filter(code=match[2]).first())


def place_for_user_or_404(user: User, tag: str) -> Place:
    """The place of a kit page, if the reader may download its kit: their branch, their office, HQ's province."""
    match = _TAG.fullmatch(tag)
    if match is None:
        raise Http404
    if match[1] == "b":
        return branch_for_user_or_404(user, match[2])
    office = office_for_user_or_404(user, match[2])
    if office.status == OfficeStatus.CLOSED:
        raise Http404
    return office


def scan_url(place: Place) -> str:
    """What the printed QR carries: the portal's own address (a setting), then the place's short path."""
    return f"{settings.SAMT_SITE_URL}{reverse('samt:scan', args=[place_tag(place)])}"


def portal_address() -> str:
    """The portal's address as a poster prints it: no scheme, no trailing slash."""
    return re.sub(r"^https?://", "", settings.SAMT_SITE_URL)


def scan_record(*, place: Place, now: datetime | None = None) -> None:
    """One more scan of the place's QR today (Tehran). Insert the day's row if missing, then add one in the
    database (F), so concurrent scans never lose a count. Not an audited action: it changes no one's record."""
    day = timezone.localtime(now or timezone.now(), TEHRAN).date()
    key: dict[str, Place] = {"branch": place} if isinstance(place, Branch) else {"office": place}
    with transaction.atomic():
        OutreachScan.objects.bulk_create([OutreachScan(**key, day=day)], ignore_conflicts=True)
        OutreachScan.objects.filter(**key, day=day).update(scans=F("scans") + 1)


@dataclass(frozen=True)
class Kit:
    """One place's kit as the poster and brochure print it (and the public page names, when a scan lands there)."""

    tag: str
    is_office: bool
    title: str  # the place's name as a heading
    address: str
    hours: str
    phone: str
    branch: Branch | None  # where the place's people ask for their username and password
    url: str  # what the QR carries

    @property
    def portal(self) -> str:
        return portal_address()

    @property
    def qr(self) -> str:
        return qr_svg(self.url)


def kit_for(place: Place) -> Kit:
    if isinstance(place, Branch):
        return Kit(tag=place_tag(place), is_office=False, title=place.name, address=place.address,
                   hours=place.opening_hours, phone=place.phone, branch=place, url=scan_url(place))
    return Kit(tag=place_tag(place), is_office=True, title=place.name, address=place.address, hours="", phone="",
               branch=place.branch, url=scan_url(place))


@dataclass(frozen=True)
class KitRow:
    kit: Kit
    scans: int  # in the month shown


def kits_for(user: User, month: JalaliMonth) -> list[KitRow]:
    """Every kit the reader may download, with its scans in `month`: branches first, then offices."""
    branches = list(visible_branches(user).select_related("province").order_by("code"))
    offices = list(visible_offices(user).select_related("province", "branch").exclude(status=OfficeStatus.CLOSED)
                   .order_by("code"))
    in_month = OutreachScan.objects.filter(day__gte=month.first_day, day__lte=month.last_day)
    by_branch = dict(in_month.filter(branch__in=branches).values("branch").annotate(n=Sum("scans"))
                     .values_list("branch", "n"))
    by_office = dict(in_month.filter(office__in=offices).values("office").annotate(n=Sum("scans"))
                     .values_list("office", "n"))
    return ([KitRow(kit=kit_for(branch), scans=by_branch.get(branch.pk, 0)) for branch in branches]
            + [KitRow(kit=kit_for(office), scans=by_office.get(office.pk, 0)) for office in offices])


# The public list of branches ("find your branch") ------------------------------------------------------------------

def branch_directory(query: str = "") -> list[tuple[Province, list[tuple[str, list[Branch]]]]]:
    """Branches grouped by province, then city, in name order; `query` narrows them to those whose name, city,
    address, province or code contains it, however its digits and letters were typed (a country has a few hundred
    branches, so the match runs here, on one spelling of both sides)."""
    wanted = search_key(query)
    directory: list[tuple[Province, list[tuple[str, list[Branch]]]]] = []
    for branch in Branch.objects.select_related("province").order_by("province__name", "city", "name"):
        text = search_key(f"{branch.name} {branch.city} {branch.address} {branch.province.name} {branch.code}")
        if wanted not in text:
            continue
        if not directory or directory[-1][0] != branch.province:
            directory.append((branch.province, []))
        cities = directory[-1][1]
        if not cities or cities[-1][0] != branch.city:
            cities.append((branch.city, []))
        cities[-1][1].append(branch)
    return directory
