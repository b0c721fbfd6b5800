"""The hospital's test catalogue: tests, their analytes and the analytes' reference ranges.

Every refusal is a CatalogueError naming the field; nothing is written when one is raised.
"""

import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..models import Analyte, CatalogueError, LabTest, ReferenceRange
from ..ranges import range_problem
from ._common import _boolean, _decimal, _integer, _text

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_PRICE = Decimal("10000000")
MAX_TURNAROUND_HOURS = 24 * 90

TEST_FIELDS = ("code", "name", "section", "sample_type", "preparation", "price", "turnaround_hours", "active",
               "requires_prescription")


def _clean_test_fields(hospital, fields: dict, *, instance: LabTest | None = None) -> dict:
    unknown = set(fields) - set(TEST_FIELDS)
    if unknown:
        raise CatalogueError(_("Unknown field."), field=sorted(unknown)[0])
    clean = {}
    if "code" in fields:
        code = _text(fields["code"], "code", max_length=20)
        if not CODE_PATTERN.match(code):
            raise CatalogueError(
                _("Use letters, digits, dots, dashes or underscores, starting with a letter or digit."), field="code")
        taken = LabTest.objects.for_hospital(hospital).filter(code__iexact=code)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise CatalogueError(_("This hospital already has a test with the code %(code)s.") % {"code": code},
                                 field="code")
        clean["code"] = code
    if "name" in fields:
        clean["name"] = _text(fields["name"], "name")
    if "section" in fields:
        if fields["section"] not in LabTest.Section.values:
            raise CatalogueError(_("Choose a section from the list."), field="section")
        clean["section"] = fields["section"]
    if "sample_type" in fields:
        clean["sample_type"] = _text(fields["sample_type"], "sample_type", max_length=80)
    if "preparation" in fields:
        clean["preparation"] = _text(fields["preparation"], "preparation", required=False, max_length=1000)
    if "price" in fields:
        price = _decimal(fields["price"], "price", required=True)
        if price < 0:
            raise CatalogueError(_("A price cannot be negative."), field="price")
        if price >= MAX_PRICE or price != price.quantize(Decimal("0.01")):
            raise CatalogueError(_("Enter a price below 10,000,000 with at most two decimals."), field="price")
        clean["price"] = price.quantize(Decimal("0.01"))
    if "turnaround_hours" in fields:
        clean["turnaround_hours"] = _integer(fields["turnaround_hours"], "turnaround_hours", minimum=1,
                                             maximum=MAX_TURNAROUND_HOURS)
    for name in ("active", "requires_prescription"):
        if name in fields:
            clean[name] = _boolean(fields[name])
    return clean


@transaction.atomic
def create_lab_test(*, hospital, by, code, name, section, sample_type, price, preparation: str = "",
                    turnaround_hours=24, active: bool = True, requires_prescription: bool = False) -> LabTest:
    """Add a test to ``hospital``'s catalogue; return it.

    Raises CatalogueError (with the field) for a missing or malformed value or a code the
    hospital already uses, in any letter case.
    """
    fields = _clean_test_fields(hospital, dict(
        code=code, name=name, section=section, sample_type=sample_type, price=price, preparation=preparation,
        turnaround_hours=turnaround_hours, active=active, requires_prescription=requires_prescription,
    ))
    try:
        with transaction.atomic():
            return LabTest.objects.create(hospital=hospital, **fields)
    except IntegrityError:
        raise CatalogueError(_("This hospital already has a test with the code %(code)s.") % {"code": fields["code"]},
                             field="code") from None


@transaction.atomic
def update_lab_test(*, lab_test: LabTest, by, **fields) -> LabTest:
    """Change some of a test's fields (``TEST_FIELDS``); a price change applies to carts from now on
    (``cart_problems`` tells the patients whose carts hold the old price); paid orders keep theirs."""
    lab_test = LabTest.objects.select_for_update().get(pk=lab_test.pk)
    clean = _clean_test_fields(lab_test.hospital, fields, instance=lab_test)
    for name, value in clean.items():
        setattr(lab_test, name, value)
    try:
        with transaction.atomic():
            lab_test.save()
    except IntegrityError:
        raise CatalogueError(_("This hospital already has a test with the code %(code)s.") % {"code": lab_test.code},
                             field="code") from None
    return lab_test


ANALYTE_FIELDS = ("name", "unit", "result_kind", "choices", "decimals", "max_value", "order")


def _clean_analyte_fields(lab_test: LabTest, fields: dict, *, instance: Analyte | None = None) -> dict:
    unknown = set(fields) - set(ANALYTE_FIELDS)
    if unknown:
        raise CatalogueError(_("Unknown field."), field=sorted(unknown)[0])
    clean = {}
    if "name" in fields:
        clean["name"] = _text(fields["name"], "name", max_length=120)
        taken = lab_test.analytes.filter(name__iexact=clean["name"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise CatalogueError(_("This test already has an analyte of that name."), field="name")
    if "unit" in fields:
        clean["unit"] = _text(fields["unit"], "unit", required=False, max_length=30)
    if "result_kind" in fields:
        if fields["result_kind"] not in Analyte.Kind.values:
            raise CatalogueError(_("Choose number, text or choice."), field="result_kind")
        clean["result_kind"] = fields["result_kind"]
    if "choices" in fields:
        clean["choices"] = "\n".join(
            line.strip() for line in str(fields["choices"] or "").splitlines() if line.strip())
    if "decimals" in fields:
        clean["decimals"] = _integer(fields["decimals"], "decimals", minimum=0, maximum=6)
    if "max_value" in fields:
        maximum = _decimal(fields["max_value"], "max_value", required=True)
        if maximum <= 0 or maximum > Decimal("1000000000"):
            raise CatalogueError(_("Enter a positive number up to 1,000,000,000."), field="max_value")
        clean["max_value"] = maximum
    if "order" in fields:
        clean["order"] = _integer(fields["order"], "order", minimum=0, maximum=1000)
    kind = clean.get("result_kind", instance.result_kind if instance else Analyte.Kind.NUMERIC)
    choices = clean.get("choices", instance.choices if instance else "")
    if kind == Analyte.Kind.CHOICE and len([c for c in choices.splitlines() if c.strip()]) < 2:
        raise CatalogueError(_("Give at least two choices, one per line."), field="choices")
    return clean


@transaction.atomic
def add_analyte(*, lab_test: LabTest, name, unit: str = "", result_kind: str = Analyte.Kind.NUMERIC,
                choices: str = "", decimals=1, max_value=None, order=None) -> Analyte:
    """Add an analyte to a test (placed last unless ``order`` is given); raises CatalogueError with the field."""
    lab_test = LabTest.objects.select_for_update().get(pk=lab_test.pk)
    fields = dict(name=name, unit=unit, result_kind=result_kind, choices=choices, decimals=decimals)
    if max_value is not None:
        fields["max_value"] = max_value
    if order is not None:
        fields["order"] = order
    clean = _clean_analyte_fields(lab_test, fields)
    if "order" not in clean:
        clean["order"] = (lab_test.analytes.aggregate(last=Max("order"))["last"] or 0) + 1
    return Analyte.objects.create(hospital_id=lab_test.hospital_id, lab_test=lab_test, **clean)


@transaction.atomic
def update_analyte(*, analyte: Analyte, **fields) -> Analyte:
    """Change some of an analyte's fields (``ANALYTE_FIELDS``); reports already made keep what they printed."""
    analyte = Analyte.objects.select_for_update().select_related("lab_test").get(pk=analyte.pk)
    for name, value in _clean_analyte_fields(analyte.lab_test, fields, instance=analyte).items():
        setattr(analyte, name, value)
    analyte.save()
    return analyte


RANGE_FIELDS = ("sex", "age_from_days", "age_to_days", "low", "high", "critical_low", "critical_high",
                "interpretation")
MAX_AGE_DAYS = 150 * 366


def _apply_range_fields(reference: ReferenceRange, fields: dict) -> ReferenceRange:
    unknown = set(fields) - set(RANGE_FIELDS)
    if unknown:
        raise CatalogueError(_("Unknown field."), field=sorted(unknown)[0])
    if "sex" in fields:
        if fields["sex"] not in ReferenceRange.Sex.values:
            raise CatalogueError(_("Choose any, female or male."), field="sex")
        reference.sex = fields["sex"]
    if "age_from_days" in fields:
        reference.age_from_days = _integer(fields["age_from_days"], "age_from_days", minimum=0, maximum=MAX_AGE_DAYS)
    if "age_to_days" in fields:
        reference.age_to_days = _integer(fields["age_to_days"], "age_to_days", minimum=0, maximum=MAX_AGE_DAYS,
                                         required=False)
    for name in ("low", "high", "critical_low", "critical_high"):
        if name in fields:
            value = _decimal(fields[name], name)
            if value is not None and abs(value) >= Decimal("1000000000000"):
                raise CatalogueError(_("Enter a smaller number."), field=name)
            setattr(reference, name, value)
    if "interpretation" in fields:
        reference.interpretation = _text(fields["interpretation"], "interpretation", required=False, max_length=1000)
    return reference


def _save_range(reference: ReferenceRange) -> ReferenceRange:
    # The analyte's row is the lock: two ranges saved at once cannot both miss each other's overlap.
    analyte = Analyte.objects.select_for_update().get(pk=reference.analyte_id)
    if not analyte.is_numeric:
        raise CatalogueError(_("Only numeric analytes have reference ranges."), field="analyte")
    if all(getattr(reference, name) is None for name in ("low", "high", "critical_low", "critical_high")):
        raise CatalogueError(_("Give at least one limit."), field="low")
    problem = range_problem(reference)
    if problem is not None:
        raise CatalogueError(problem.message, field=problem.field)
    reference.save()
    return reference


@transaction.atomic
def add_reference_range(*, analyte: Analyte, **fields) -> ReferenceRange:
    """Add a reference range to a numeric analyte; return it.

    Raises CatalogueError (with the field) for limits out of order
    (critical_low ≤ low ≤ high ≤ critical_high) or a band overlapping another range of the
    same sex ("any" overlaps both) and age. Locks the analyte row.
    """
    reference = ReferenceRange(analyte_id=analyte.pk, hospital_id=analyte.hospital_id)
    return _save_range(_apply_range_fields(reference, fields))


@transaction.atomic
def update_reference_range(*, reference_range: ReferenceRange, **fields) -> ReferenceRange:
    """Change a reference range under the same rules as ``add_reference_range``; reports keep their copy."""
    reference = ReferenceRange.objects.select_for_update().get(pk=reference_range.pk)
    return _save_range(_apply_range_fields(reference, fields))


@transaction.atomic
def delete_reference_range(*, reference_range: ReferenceRange) -> None:
    """Remove a reference range (reports made with it keep their copy of its limits)."""
    ReferenceRange.objects.filter(pk=reference_range.pk).delete()
