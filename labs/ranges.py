"""Reference ranges: which one applies to a patient, whether a set of ranges is consistent, and the flag.

Flags are computed, never typed: a value inside ``[low, high]`` has no flag; below ``low`` it
is L and above ``high`` H; below ``critical_low`` LL and above ``critical_high`` HH (each
limit is the last value on its own side, so a value equal to ``high`` is normal and one equal
to ``critical_high`` is high, not critical).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from .models import ADULT_AGE_DAYS, ReferenceRange

Sex = ReferenceRange.Sex
KNOWN_SEXES = (Sex.FEMALE, Sex.MALE)


@dataclass(frozen=True)
class RangeProblem:
    field: str
    message: str


def _band_overlaps(a: ReferenceRange, b: ReferenceRange) -> bool:
    a_to = a.age_to_days if a.age_to_days is not None else float("inf")
    b_to = b.age_to_days if b.age_to_days is not None else float("inf")
    return a.age_from_days <= b_to and b.age_from_days <= a_to


def _sexes_overlap(a: str, b: str) -> bool:
    return a == b or Sex.ANY in (a, b)


def range_problem(candidate: ReferenceRange, others=None) -> RangeProblem | None:
    """What is wrong with ``candidate`` (limits out of order, or an overlap with ``others``), or None.

    ``others`` defaults to the analyte's other stored ranges. The limits must read
    critical_low ≤ low ≤ high ≤ critical_high wherever both ends of a pair are given.
    """
    if candidate.age_to_days is not None and candidate.age_to_days < candidate.age_from_days:
        return RangeProblem("age_to_days", _("The age band must end on or after the day it starts."))
    pairs = [
        ("high", candidate.low, candidate.high, _("The high limit must not be below the low limit.")),
        ("critical_low", candidate.critical_low, candidate.low,
         _("The critical low limit must not be above the low limit.")),
        ("critical_high", candidate.high, candidate.critical_high,
         _("The critical high limit must not be below the high limit.")),
        ("critical_high", candidate.critical_low, candidate.critical_high,
         _("The critical high limit must not be below the critical low limit.")),
    ]
    for field, lower, upper, message in pairs:
        if lower is not None and upper is not None and Decimal(lower) > Decimal(upper):
            return RangeProblem(field, message)
    if others is None:
        others = ReferenceRange.objects.filter(analyte_id=candidate.analyte_id).exclude(pk=candidate.pk)
    for other in others:
        if other.pk == candidate.pk and candidate.pk is not None:
            continue
        if _sexes_overlap(candidate.sex, other.sex) and _band_overlaps(candidate, other):
            upper = other.age_to_days if other.age_to_days is not None else "…"
            return RangeProblem("age_from_days", _(
                "This overlaps the %(sex)s range for ages %(start)s–%(end)s days; "
                "one sex and age may have only one range."
            ) % {"sex": other.get_sex_display().lower(), "start": other.age_from_days, "end": upper})
    return None


def age_in_days(birth_date: date | None, on: date) -> int | None:
    """Days from ``birth_date`` to ``on`` (the collection date), or None when the birth date is not known."""
    if birth_date is None or birth_date > on:
        return None
    return (on - birth_date).days


def _widest(ranges: list[ReferenceRange]) -> ReferenceRange:
    """An unsaved range spanning every one of ``ranges``: what a patient of unknown sex is measured against."""
    def pick(values, choose):
        values = [value for value in values if value is not None]
        return choose(values) if values else None

    first = ranges[0]
    return ReferenceRange(
        hospital_id=first.hospital_id, analyte_id=first.analyte_id, sex=Sex.ANY,
        age_from_days=min(r.age_from_days for r in ranges),
        age_to_days=None if any(r.age_to_days is None for r in ranges) else max(r.age_to_days for r in ranges),
        low=pick([r.low for r in ranges], min), high=pick([r.high for r in ranges], max),
        critical_low=pick([r.critical_low for r in ranges], min),
        critical_high=pick([r.critical_high for r in ranges], max),
        interpretation=first.interpretation,
    )


def choose_range(analyte, sex: str | None, age_days: int | None, *, ranges=None) -> ReferenceRange | None:
    """The reference range for a patient of ``sex`` aged ``age_days`` on the collection date, or None.

    The range of the patient's own sex comes before an "any" range. With no birth date the
    patient is taken as an adult; with no sex (or one the ranges do not name) the "any" range
    is used, or else one spanning every sex's range (the widest, unsaved). ``ranges`` (the
    analyte's ranges, prefetched) saves a query per analyte.
    """
    ranges = list(analyte.ranges.all() if ranges is None else ranges)
    age = ADULT_AGE_DAYS if age_days is None else age_days
    covering = [r for r in ranges if r.covers(age)]
    if sex in KNOWN_SEXES:
        own = [r for r in covering if r.sex == sex]
        if own:
            return own[0]
    anyone = [r for r in covering if r.sex == Sex.ANY]
    if anyone:
        return anyone[0]
    if sex in KNOWN_SEXES or not covering:
        return None
    return _widest(covering)


def ranges_assumed(sex: str | None, age_days: int | None) -> bool:
    """Were the ranges chosen without knowing the patient's sex or age (the report says so)?"""
    return age_days is None or sex not in KNOWN_SEXES


def flag(value: Decimal | None, reference: ReferenceRange | None) -> str:
    """"", "L", "H", "LL" or "HH" for ``value`` against ``reference`` (anything with the four limits)."""
    if value is None or reference is None:
        return ""
    critical_low = getattr(reference, "critical_low", None)
    critical_high = getattr(reference, "critical_high", None)
    if critical_low is not None and value < critical_low:
        return "LL"
    if critical_high is not None and value > critical_high:
        return "HH"
    if reference.low is not None and value < reference.low:
        return "L"
    if reference.high is not None and value > reference.high:
        return "H"
    return ""
