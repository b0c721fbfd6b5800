"""Reference ranges: the range a patient is measured against (age bands in days, sex), every flag, and
the rules that keep one analyte's ranges from contradicting each other."""

from datetime import date
from decimal import Decimal

import pytest

from labs import services
from labs.models import ADULT_AGE_DAYS, ReferenceRange
from labs.ranges import age_in_days, choose_range, flag

from .factories import AnalyteFactory, ReferenceRangeFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(("sex", "age_days", "expected"), [
    ("female", 0, ("14", "24")),  # born today: the newborn band
    ("male", 28, ("14", "24")),  # the last newborn day
    ("male", 29, ("11", "14")),  # the first child day
    ("female", 6574, ("11", "14")),  # the day before 18
    ("female", 6575, ("12.0", "15.5")),  # adult, own sex
    ("male", 6575, ("13.5", "17.5")),
    ("male", 30000, ("13.5", "17.5")),  # no upper age on the adult band
])
def test_choose_range_at_the_age_band_edges_and_by_sex(haemoglobin, sex, age_days, expected):
    chosen = choose_range(haemoglobin, sex, age_days)

    assert (chosen.low, chosen.high) == (D(expected[0]), D(expected[1]))


def test_choose_range_prefers_the_patients_own_sex_over_any(hospital):
    analyte = AnalyteFactory(lab_test__hospital=hospital)
    ReferenceRangeFactory(analyte=analyte, sex="any", age_from_days=0, age_to_days=99, low=1, high=2)
    ReferenceRangeFactory(analyte=analyte, sex="female", age_from_days=100, low=3, high=4)

    assert choose_range(analyte, "female", 150).low == 3
    assert choose_range(analyte, "male", 150) is None  # nothing for men of that age: no range, no flag
    assert choose_range(analyte, "male", 50).low == 1


def test_a_patient_of_unknown_sex_is_measured_against_the_widest_adult_range(haemoglobin):
    for sex in ("", "other", None):
        chosen = choose_range(haemoglobin, sex, 10000)
        assert (chosen.low, chosen.high, chosen.critical_low, chosen.critical_high) == (D("12.0"), D("17.5"), 7, 20)
        assert chosen.pk is None  # made for this report, not stored


def test_a_patient_without_a_birth_date_is_taken_as_an_adult(haemoglobin):
    assert age_in_days(None, date(2026, 3, 5)) is None
    assert choose_range(haemoglobin, "male", None).low == D("13.5")
    assert choose_range(haemoglobin, "male", ADULT_AGE_DAYS).low == D("13.5")


def test_age_is_counted_to_the_collection_date():
    assert age_in_days(date(2026, 2, 5), date(2026, 3, 5)) == 28
    assert age_in_days(date(2026, 3, 6), date(2026, 3, 5)) is None  # born after the sample: not a real age


@pytest.mark.parametrize(("value", "expected"), [
    ("6.9", "LL"), ("7", "L"), ("11.9", "L"), ("12.0", ""), ("14", ""), ("15.5", ""), ("15.6", "H"),
    ("20", "H"), ("20.1", "HH"),
])
def test_flag_for_every_side_of_every_limit(value, expected):
    reference = ReferenceRange(low=D("12.0"), high=D("15.5"), critical_low=D("7"), critical_high=D("20"))

    assert flag(D(value), reference) == expected


def test_flag_with_one_sided_or_no_range():
    assert flag(D("6.0"), ReferenceRange(high=D("5.6"))) == "H"
    assert flag(D("0.1"), ReferenceRange(high=D("5.6"))) == ""
    assert flag(D("0.1"), None) == ""
    assert flag(None, ReferenceRange(low=1, high=2)) == ""


def test_overlapping_range_for_the_same_sex_and_age_is_refused_with_the_field(haemoglobin):
    before = haemoglobin.ranges.count()

    with pytest.raises(services.CatalogueError) as error:
        services.add_reference_range(analyte=haemoglobin, sex="female", age_from_days=20000, low="11", high="15")

    assert error.value.field == "age_from_days" and "overlaps" in str(error.value)
    assert haemoglobin.ranges.count() == before


def test_any_sex_overlaps_both_sexes(haemoglobin):
    with pytest.raises(services.CatalogueError, match="overlaps"):
        services.add_reference_range(analyte=haemoglobin, sex="any", age_from_days=7000, age_to_days=8000, low="1",
                                     high="2")


def test_adjacent_bands_and_other_sexes_are_fine(hospital):
    analyte = AnalyteFactory(lab_test__hospital=hospital)
    services.add_reference_range(analyte=analyte, sex="female", age_from_days=0, age_to_days=28, low="1", high="2")
    services.add_reference_range(analyte=analyte, sex="female", age_from_days=29, low="3", high="4")
    services.add_reference_range(analyte=analyte, sex="male", age_from_days=0, low="5", high="6")

    assert analyte.ranges.count() == 3


@pytest.mark.parametrize(("fields", "field"), [
    ({"low": "5", "high": "4"}, "high"),
    ({"low": "5", "high": "9", "critical_low": "6"}, "critical_low"),
    ({"low": "5", "high": "9", "critical_high": "8"}, "critical_high"),
    ({"critical_low": "6", "critical_high": "5"}, "critical_high"),
    ({"low": "abc"}, "low"),
    ({"low": "1", "age_from_days": "-1"}, "age_from_days"),
    ({"low": "1", "age_from_days": "30", "age_to_days": "10"}, "age_to_days"),
    ({"low": "1", "sex": "unknown"}, "sex"),
    ({}, "low"),
])
def test_range_with_limits_out_of_order_is_refused_with_the_field(hospital, fields, field):
    analyte = AnalyteFactory(lab_test__hospital=hospital)

    with pytest.raises(services.CatalogueError) as error:
        services.add_reference_range(analyte=analyte, **fields)

    assert error.value.field == field
    assert analyte.ranges.count() == 0


def test_updating_a_range_into_an_overlap_is_refused(haemoglobin):
    child = haemoglobin.ranges.get(age_from_days=29)

    with pytest.raises(services.CatalogueError, match="overlaps"):
        services.update_reference_range(reference_range=child, age_to_days="7000")
    child.refresh_from_db()
    assert child.age_to_days == 6574
    services.update_reference_range(reference_range=child, high="14.5")
    child.refresh_from_db()
    assert child.high == D("14.5")


def test_text_analytes_have_no_ranges(hospital):
    analyte = AnalyteFactory(lab_test__hospital=hospital, result_kind="text")

    with pytest.raises(services.CatalogueError) as error:
        services.add_reference_range(analyte=analyte, low="1")
    assert error.value.field == "analyte"
