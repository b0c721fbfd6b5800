"""The prescription rules: how much a prescribed course allows, and whether a prescribed name is a medicine.

Pure functions of plain values (the texts a doctor wrote, a medicine's names and form): no
queries, no writes. ``pharmacy.services.allowances`` applies them to a patient's prescriptions.
"""

import math
import re
from decimal import Decimal

from records.models import PrescriptionItem

from ..models import MAX_LINE_QUANTITY, Medicine

# A prescription item whose course cannot be counted (see prescribed_quantity) allows this many units.
UNCOUNTED_COURSE_UNITS = 10

_FREQUENCY = re.compile(r"^\s*(\d+(?:\.\d+)?(?:\s*\+\s*\d+(?:\.\d+)?)+)\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*(day|days|d|week|weeks|wk|wks|month|months|mo)\b", re.IGNORECASE)
_DOSE = re.compile(r"^\s*(\d+(?:\.\d+)?|\d+\s*/\s*\d+|½)")
_DAYS_PER = {"d": 1, "day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "month": 30, "months": 30,
             "mo": 30}


def _course_days(duration: str) -> int | None:
    match = _DURATION.match(duration or "")
    return int(match.group(1)) * _DAYS_PER[match.group(2).lower()] if match else None


def _per_dose(dose: str) -> Decimal:
    match = _DOSE.match(dose or "")
    if not match:
        return Decimal(1)
    text = match.group(1).replace(" ", "")
    if text == "½":
        return Decimal("0.5")
    if "/" in text:
        top, bottom = text.split("/")
        return Decimal(top) / Decimal(bottom) if int(bottom) else Decimal(1)
    return Decimal(text)


def course_units(*, dosage_form: str, dose: str, frequency: str, duration: str) -> int:
    """How many units of a medicine of ``dosage_form`` a course written as ``dose``, ``frequency``, ``duration`` allows.

    The rule, from how Bangladeshi prescriptions write a course:

    - tablets and capsules are counted: the doses a day (the sum of a "1+0+1" frequency) times
      the amount per dose (a leading number of the dose, "½ tablet", default 1) times the days
      of the duration ("7 days", "2 weeks", "1 month" = 30 days), rounded up;
    - any other form (a syrup, a cream, an inhaler) lasts many doses: one unit per started
      30 days of the course, at least one;
    - when the course cannot be counted (no "a+b+c" frequency or no duration in days, weeks
      or months, "continue"), at most ``UNCOUNTED_COURSE_UNITS`` units.
    """
    days = _course_days(duration)
    if dosage_form not in Medicine.COUNTED_FORMS:
        return max(1, math.ceil(days / 30)) if days else 1
    counted = _FREQUENCY.match(frequency or "")
    if not counted or not days:
        return UNCOUNTED_COURSE_UNITS
    per_day = sum(Decimal(part.strip()) for part in counted.group(1).split("+"))
    units = math.ceil(per_day * _per_dose(dose) * days)
    return max(1, min(units, MAX_LINE_QUANTITY))


def prescribed_quantity(item: PrescriptionItem, medicine: Medicine) -> int:
    """How many units of ``medicine`` the prescription ``item`` allows (prescription items state no quantity).

    ``course_units`` states the rule; this reads the item's dose, frequency and duration and the
    medicine's dosage form, nothing else.
    """
    return course_units(dosage_form=medicine.dosage_form, dose=item.dose, frequency=item.frequency,
                        duration=item.duration)


def _normal_strength(text: str) -> str:
    return re.sub(r"\s+", "", (text or "").lower())


def names_match(*, prescribed_name: str, prescribed_strength: str, generic_name: str, brand_name: str,
                strength: str) -> bool:
    """A prescribed name is this medicine: its generic name (or brand name) ignoring case, and the same strength if both say one."""
    name = (prescribed_name or "").strip().lower()
    names = {generic_name.strip().lower()}
    if brand_name:
        names.add(brand_name.strip().lower())
    if name not in names:
        return False
    return not (prescribed_strength and strength) or _normal_strength(prescribed_strength) == _normal_strength(strength)


def item_names_medicine(item: PrescriptionItem, medicine: Medicine) -> bool:
    """``names_match`` for a prescription item and a medicine (their names and strengths only)."""
    return names_match(prescribed_name=item.medicine_name, prescribed_strength=item.strength,
                       generic_name=medicine.generic_name, brand_name=medicine.brand_name, strength=medicine.strength)
