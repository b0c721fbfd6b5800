"""Carts and checkout: one cart per hospital, prescription-only tests, prices fixed at checkout, catalogue
changes the cart reports, and the one-step order the API uses."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import PatientFactory, UserFactory
from labs import services
from labs.models import LabOrder, LabOrderLine, PrescriptionLabTest
from labs.selectors import patient_carts

from .conftest import NOW
from .factories import LabTestFactory

pytestmark = pytest.mark.django_db


def test_recommend_tests_sets_the_prescriptions_tests(doctor_membership, female_patient, haemoglobin_test,
                                                      glucose_test):
    from records.tests.factories import PrescriptionFactory

    draft = PrescriptionFactory(membership=doctor_membership, patient=female_patient)
    services.recommend_tests(prescription=draft, tests=[haemoglobin_test, glucose_test.pk], by=doctor_membership.user)
    links = services.recommend_tests(prescription=draft, tests=[glucose_test], by=doctor_membership.user)

    assert [link.lab_test for link in links] == [glucose_test]


def test_recommend_tests_refuses_another_hospitals_test_an_issued_prescription_and_another_doctor(
        doctor_membership, female_patient, haemoglobin_test, other_hospital, issued_prescription):
    from records.tests.factories import PrescriptionFactory

    draft = PrescriptionFactory(membership=doctor_membership, patient=female_patient)
    elsewhere = LabTestFactory(hospital=other_hospital)
    for kwargs in ({"tests": [elsewhere.pk]}, {"tests": ["abc"]}):
        with pytest.raises(services.CartError) as error:
            services.recommend_tests(prescription=draft, by=doctor_membership.user, **kwargs)
        assert error.value.field == "lab_tests"
    with pytest.raises(services.CartError, match="Only the doctor"):
        services.recommend_tests(prescription=draft, tests=[haemoglobin_test], by=UserFactory())
    with pytest.raises(services.CartError, match="never changes"):
        services.recommend_tests(prescription=issued_prescription(), tests=[haemoglobin_test],
                                 by=doctor_membership.user)
    assert not PrescriptionLabTest.objects.exists()


def test_add_to_cart_opens_one_cart_per_hospital_at_todays_price(female_patient, haemoglobin_test, glucose_test,
                                                                 other_hospital):
    elsewhere = LabTestFactory(hospital=other_hospital, price=Decimal("90.00"))

    first = services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test)
    second = services.add_to_cart(patient=female_patient, lab_test=glucose_test)
    third = services.add_to_cart(patient=female_patient, lab_test=elsewhere)

    assert first.order_id == second.order_id != third.order_id
    assert (first.price, third.price) == (Decimal("300.00"), Decimal("90.00"))
    carts = list(patient_carts(female_patient))
    assert len(carts) == 2 and all(len({line.lab_test.hospital_id for line in c.lines.all()}) == 1 for c in carts)
    assert carts[0].status_changes.get().to_status == "cart"


def test_the_same_test_twice_or_a_withdrawn_test_is_refused(female_patient, haemoglobin_test):
    services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test)
    with pytest.raises(services.CartError, match="already in your cart"):
        services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test)
    withdrawn = LabTestFactory(hospital=haemoglobin_test.hospital, active=False)
    with pytest.raises(services.CartError, match="no longer offered") as error:
        services.add_to_cart(patient=female_patient, lab_test=withdrawn)
    assert error.value.field == "lab_test"
    assert LabOrderLine.objects.count() == 1


def test_only_patients_have_carts(doctor, haemoglobin_test):
    with pytest.raises(services.CartError, match="Only patients"):
        services.add_to_cart(patient=doctor, lab_test=haemoglobin_test)


def test_a_prescription_only_test_needs_a_prescription_of_this_patient_that_recommends_it(
        female_patient, haemoglobin_test, glucose_test, issued_prescription):
    haemoglobin_test.requires_prescription = True
    haemoglobin_test.save()

    with pytest.raises(services.CartError, match="needs a prescription") as error:
        services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test)
    assert error.value.field == "lab_test"
    unrelated = issued_prescription([glucose_test])
    with pytest.raises(services.CartError, match="does not recommend Haemoglobin") as error:
        services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test, prescription=unrelated)
    assert error.value.field == "prescription"
    someone_else = PatientFactory()
    theirs = issued_prescription([haemoglobin_test], patient=someone_else)
    with pytest.raises(services.CartError, match="one of your issued prescriptions") as error:
        services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test, prescription=theirs)
    assert error.value.field == "prescription"
    assert not LabOrderLine.objects.filter(order__patient=female_patient).exists()

    mine = issued_prescription([haemoglobin_test])
    line = services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test)  # found among theirs
    assert line.prescription == mine
    assert (line.order.prescription, line.order.ordering_membership) == (mine, mine.membership)


def test_a_draft_prescription_does_not_count(female_patient, haemoglobin_test, doctor_membership):
    from records.tests.factories import PrescriptionFactory

    haemoglobin_test.requires_prescription = True
    haemoglobin_test.save()
    draft = PrescriptionFactory(membership=doctor_membership, patient=female_patient)
    services.recommend_tests(prescription=draft, tests=[haemoglobin_test], by=doctor_membership.user)

    with pytest.raises(services.CartError):
        services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test, prescription=draft)


def test_cart_says_when_a_test_was_withdrawn_or_repriced_and_checkout_waits(female_patient, haemoglobin_test,
                                                                           glucose_test, lab_worker):
    cart = services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test).order
    services.add_to_cart(patient=female_patient, lab_test=glucose_test)
    services.update_lab_test(lab_test=haemoglobin_test, by=lab_worker, price="350.00")
    services.update_lab_test(lab_test=glucose_test, by=lab_worker, active=False)

    problems = services.cart_problems(cart)
    assert [(p.line.lab_test, p.kind) for p in problems] == [(haemoglobin_test, "repriced"),
                                                            (glucose_test, "inactive")]
    assert "300.00" in str(problems[0].message) and "350.00" in str(problems[0].message)
    with pytest.raises(services.CartError) as error:
        services.checkout(order=cart, by=female_patient, now=NOW)
    assert error.value.field == "lines"
    cart.refresh_from_db()
    assert cart.status == "cart" and cart.amount == 0

    services.accept_cart_changes(order=cart, by=female_patient)
    assert services.cart_problems(cart) == []
    order = services.checkout(order=cart, by=female_patient, now=NOW)
    assert (order.status, order.amount) == ("awaiting_payment", Decimal("350.00"))


def test_checkout_fixes_the_amount_and_holds_it(female_patient, haemoglobin_test, glucose_test, lab_worker,
                                                settings):
    settings.PAYMENT_HOLD_MINUTES = 15
    cart = services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test).order
    services.add_to_cart(patient=female_patient, lab_test=glucose_test)

    order = services.checkout(order=cart, by=female_patient, now=NOW)
    services.update_lab_test(lab_test=haemoglobin_test, by=lab_worker, price="999.00")

    order.refresh_from_db()
    assert (order.status, order.amount, order.hold_expires_at) == (
        "awaiting_payment", Decimal("500.00"), NOW + timedelta(minutes=15))
    assert sorted(order.lines.values_list("price_at_checkout", flat=True)) == [Decimal("200.00"), Decimal("300.00")]
    assert services.cart_problems(order)  # the catalogue moved on; the order's amount did not
    # A new cart can open while the old one awaits payment.
    assert services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test).price == Decimal("999.00")


def test_checkout_refuses_an_empty_cart_and_someone_elses(female_patient, haemoglobin_test):
    line = services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test)
    with pytest.raises(services.CartError, match="not your cart"):
        services.checkout(order=line.order, by=PatientFactory())
    services.remove_from_cart(line=line, by=female_patient)
    with pytest.raises(services.CartError, match="empty") as error:
        services.checkout(order=line.order, by=female_patient)
    assert error.value.field == "lines"


def test_remove_from_cart_only_while_it_is_a_cart(female_patient, haemoglobin_test, glucose_test):
    line = services.add_to_cart(patient=female_patient, lab_test=haemoglobin_test)
    services.add_to_cart(patient=female_patient, lab_test=glucose_test)
    services.checkout(order=line.order, by=female_patient, now=NOW)

    with pytest.raises(services.CartError, match="checked out"):
        services.remove_from_cart(line=line, by=female_patient)
    assert LabOrderLine.objects.filter(pk=line.pk).exists()


def test_a_free_order_is_paid_at_checkout(female_patient, hospital):
    free = LabTestFactory(hospital=hospital, price=Decimal("0.00"))
    cart = services.add_to_cart(patient=female_patient, lab_test=free).order

    assert services.checkout(order=cart, by=female_patient, now=NOW).status == "paid"


def test_an_order_under_the_gateways_smallest_payment_is_refused_at_checkout(female_patient, hospital):
    cheap = LabTestFactory(hospital=hospital, price=Decimal("9.99"))
    cart = services.add_to_cart(patient=female_patient, lab_test=cheap).order

    with pytest.raises(services.CartError, match="smallest amount that can be paid online is BDT 10.00") as error:
        services.checkout(order=cart, by=female_patient, now=NOW)
    assert error.value.field == "lines"
    cart.refresh_from_db()
    assert (cart.status, cart.hold_expires_at) == ("cart", None)


def test_order_tests_from_prescription_fills_the_cart(female_patient, haemoglobin_test, glucose_test,
                                                      issued_prescription):
    prescription = issued_prescription([haemoglobin_test, glucose_test])
    services.add_to_cart(patient=female_patient, lab_test=glucose_test)

    cart = services.order_tests_from_prescription(patient=female_patient, prescription=prescription, now=NOW)

    assert sorted(cart.lines.values_list("lab_test__code", flat=True)) == ["FBS", "HB"]
    assert cart.prescription == prescription
    with pytest.raises(services.CartError) as error:
        services.order_tests_from_prescription(patient=PatientFactory(), prescription=prescription)
    assert error.value.field == "prescription"
    with pytest.raises(services.CartError, match="recommends no test"):
        services.order_tests_from_prescription(patient=female_patient, prescription=issued_prescription())


def test_order_tests_places_an_order_awaiting_payment_beside_the_cart(female_patient, haemoglobin_test,
                                                                      glucose_test, hospital):
    services.add_to_cart(patient=female_patient, lab_test=glucose_test)

    order = services.order_tests(patient=female_patient, hospital=hospital,
                                 tests=[haemoglobin_test.pk, glucose_test.pk, haemoglobin_test.pk], now=NOW)

    assert (order.status, order.amount, order.lines.count()) == ("awaiting_payment", Decimal("500.00"), 2)
    assert list(order.status_changes.values_list("from_status", "to_status")) == [("", "awaiting_payment")]
    assert LabOrder.objects.carts().count() == 1


@pytest.mark.parametrize("tests", [[], ["x"], [999999]])
def test_order_tests_refuses_bad_test_ids_with_the_field(female_patient, hospital, tests):
    with pytest.raises(services.CartError) as error:
        services.order_tests(patient=female_patient, hospital=hospital, tests=tests)

    assert error.value.field == "tests"
    assert not LabOrder.objects.exists()


def test_order_tests_refuses_another_hospitals_test_and_writes_nothing(female_patient, hospital,
                                                                       haemoglobin_test, other_hospital):
    elsewhere = LabTestFactory(hospital=other_hospital)

    with pytest.raises(services.CartError, match="not in Green Life Hospital's catalogue") as error:
        services.order_tests(patient=female_patient, hospital=hospital, tests=[haemoglobin_test.pk, elsewhere.pk])

    assert error.value.field == "tests"
    assert not LabOrder.objects.exists()


def test_order_tests_refuses_a_prescription_only_test_without_its_prescription(female_patient, hospital,
                                                                               haemoglobin_test):
    haemoglobin_test.requires_prescription = True
    haemoglobin_test.save()

    with pytest.raises(services.CartError, match="needs a prescription") as error:
        services.order_tests(patient=female_patient, hospital=hospital, tests=[haemoglobin_test.pk])
    assert error.value.field == "tests"
    with pytest.raises(services.CartError) as error:
        services.order_tests(patient=female_patient, hospital=hospital, tests=[haemoglobin_test.pk],
                             prescription="12345")
    assert error.value.field == "prescription"
    assert not LabOrder.objects.exists()
