"""The catalogue: tests and analytes are checked before they are saved; nothing half-written."""

from decimal import Decimal

import pytest

from labs import services
from labs.models import Analyte, LabTest
from labs.selectors import catalogue

from .factories import AnalyteFactory, LabTestFactory

pytestmark = pytest.mark.django_db

GOOD = dict(code="CBC", name="Complete blood count", section="haematology", sample_type="Venous blood (EDTA)",
            price="450.00", preparation="", turnaround_hours=6)


def test_create_lab_test_stores_it_for_the_hospital(hospital, lab_worker):
    test = services.create_lab_test(hospital=hospital, by=lab_worker, **GOOD)

    assert (test.hospital, test.code, test.price, test.active) == (hospital, "CBC", Decimal("450.00"), True)


def test_a_code_is_unique_per_hospital_in_any_letter_case(hospital, other_hospital, lab_worker):
    services.create_lab_test(hospital=hospital, by=lab_worker, **GOOD)

    with pytest.raises(services.CatalogueError) as error:
        services.create_lab_test(hospital=hospital, by=lab_worker, **dict(GOOD, code="cbc"))
    assert error.value.field == "code" and "already has a test with the code cbc" in str(error.value)
    assert services.create_lab_test(hospital=other_hospital, by=lab_worker, **GOOD).code == "CBC"
    assert LabTest.objects.for_hospital(hospital).count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": ""}, "code"),
    ({"code": "C B C"}, "code"),
    ({"name": "  "}, "name"),
    ({"section": "astrology"}, "section"),
    ({"price": "-1"}, "price"),
    ({"price": "ten"}, "price"),
    ({"price": "1.005"}, "price"),
    ({"price": "1e12"}, "price"),
    ({"turnaround_hours": "0"}, "turnaround_hours"),
    ({"turnaround_hours": "soon"}, "turnaround_hours"),
    ({"sample_type": ""}, "sample_type"),
])
def test_bad_test_input_is_refused_with_its_field_and_nothing_saved(hospital, lab_worker, changes, field):
    with pytest.raises(services.CatalogueError) as error:
        services.create_lab_test(hospital=hospital, by=lab_worker, **dict(GOOD, **changes))

    assert error.value.field == field
    assert error.value.message_dict == {field: [str(error.value)]}
    assert not LabTest.objects.exists()


def test_update_lab_test_changes_price_and_refuses_a_taken_code(hospital, lab_worker):
    cbc = services.create_lab_test(hospital=hospital, by=lab_worker, **GOOD)
    fbs = services.create_lab_test(hospital=hospital, by=lab_worker, **dict(GOOD, code="FBS", name="Glucose"))

    services.update_lab_test(lab_test=cbc, by=lab_worker, price="500", active=False)
    with pytest.raises(services.CatalogueError) as error:
        services.update_lab_test(lab_test=fbs, by=lab_worker, code="Cbc")

    cbc.refresh_from_db()
    fbs.refresh_from_db()
    assert (cbc.price, cbc.active, fbs.code, error.value.field) == (Decimal("500.00"), False, "FBS", "code")


def test_analytes_are_checked(hospital):
    test = LabTestFactory(hospital=hospital)
    first = services.add_analyte(lab_test=test, name="Haemoglobin", unit="g/dL")
    second = services.add_analyte(lab_test=test, name="WBC", unit="×10⁹/L")

    assert (first.order, second.order, first.hospital_id) == (1, 2, hospital.pk)
    for fields, field in [({"name": "haemoglobin"}, "name"), ({"name": "X", "result_kind": "colour"}, "result_kind"),
                          ({"name": "NS1", "result_kind": "choice", "choices": "Positive"}, "choices"),
                          ({"name": "X", "decimals": "9"}, "decimals"), ({"name": "X", "max_value": "0"}, "max_value")]:
        with pytest.raises(services.CatalogueError) as error:
            services.add_analyte(lab_test=test, **fields)
        assert error.value.field == field
    assert Analyte.objects.filter(lab_test=test).count() == 2
    ns1 = services.add_analyte(lab_test=test, name="NS1", result_kind="choice", choices=" Positive\n\nNegative ")
    assert ns1.choice_list == ["Positive", "Negative"]
    services.update_analyte(analyte=ns1, unit="index")
    ns1.refresh_from_db()
    assert ns1.unit == "index"


def test_catalogue_searches_code_and_name_and_hides_withdrawn_tests(hospital, other_hospital):
    LabTestFactory(hospital=hospital, code="TSH", name="Thyroid stimulating hormone")
    LabTestFactory(hospital=hospital, code="ALT", name="Alanine aminotransferase (SGPT)")
    LabTestFactory(hospital=hospital, code="OLD", name="Thyroid old", active=False)
    LabTestFactory(hospital=other_hospital, code="TSH2", name="Thyroid elsewhere")

    assert [t.code for t in catalogue(hospital, q="thyroid")] == ["TSH"]
    assert [t.code for t in catalogue(hospital, q="sgpt")] == ["ALT"]
    assert [t.code for t in catalogue(hospital, q="tsh")] == ["TSH"]
    assert {t.code for t in catalogue(hospital, include_inactive=True)} == {"TSH", "ALT", "OLD"}


def test_catalogue_query_count_is_flat(hospital, django_assert_max_num_queries):
    def fill(count):
        for _ in range(count):
            AnalyteFactory(lab_test=LabTestFactory(hospital=hospital))

    fill(2)
    with django_assert_max_num_queries(3):
        assert [t.analytes.all()[0].ranges.all() for t in catalogue(hospital)]
    fill(20)
    with django_assert_max_num_queries(3):
        assert len([t.analytes.all()[0].ranges.all() for t in catalogue(hospital)]) == 22
