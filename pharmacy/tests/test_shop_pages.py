"""The patient's pharmacy pages: the shop, the medicine cart on /me/cart/, checkout and pay,
"Buy these medicines", the order page (pay, cancel, live) and who may open each."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import PatientFactory
from hospitals.tests.factories import HospitalFactory
from payments.models import Payment
from pharmacy import services
from pharmacy.models import MedicineOrder
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.conftest import TODAY
from pharmacy.tests.factories import MedicineFactory

pytestmark = pytest.mark.django_db
Status = MedicineOrder.Status


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _follow_messages(client, response) -> list[str]:
    return _messages(client.get(response["Location"]))


@pytest.fixture
def shopper(client_for, patient):
    return client_for(patient)


@pytest.fixture
def stocked(medicine, receive):
    receive(medicine, 50)
    return medicine


# The shop ------------------------------------------------------------------------------------

def test_shop_lists_medicines_with_availability_price_and_prescription_badge(client, hospital, receive):
    plenty = MedicineFactory(hospital=hospital, generic_name="Paracetamol", brand_name="Napa", reorder_level=5,
                             unit_price=Decimal("1.20"))
    few = MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo", reorder_level=10)
    MedicineFactory(hospital=hospital, generic_name="Cetirizine", brand_name="Alatrol")
    rx = MedicineFactory(hospital=hospital, generic_name="Azithromycin", brand_name="Zimax", prescription_only=True)
    MedicineFactory(hospital=hospital, generic_name="Hidden", brand_name="Gone", active=False)
    receive(plenty, 100)
    receive(few, 3)
    receive(rx, 30)

    response = client.get(reverse("pharmacy:shop", args=[hospital.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    names = [m.brand_name for m in response.context["page_obj"]]
    assert names == ["Zimax", "Alatrol", "Seclo", "Napa"]
    words = {m.brand_name: m.availability for m in response.context["page_obj"]}
    assert words == {"Zimax": "in_stock", "Alatrol": "out_of_stock", "Seclo": "few_left", "Napa": "in_stock"}
    assert "Only 3 left" in html and "Out of stock" in html and "Prescription only" in html
    assert "৳1.20" in html or "1.20" in html
    assert "Gone" not in html


def test_shop_searches_generic_and_brand_names(client, hospital):
    MedicineFactory(hospital=hospital, generic_name="Paracetamol", brand_name="Napa")
    MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo")

    by_brand = client.get(reverse("pharmacy:shop", args=[hospital.slug]), {"q": "sec"})
    by_generic = client.get(reverse("pharmacy:shop", args=[hospital.slug]), {"q": "PARACET"})
    nothing = client.get(reverse("pharmacy:shop", args=[hospital.slug]), {"q": "zzz"})

    assert [m.brand_name for m in by_brand.context["page_obj"]] == ["Seclo"]
    assert [m.brand_name for m in by_generic.context["page_obj"]] == ["Napa"]
    assert "No medicine matches your search" in nothing.content.decode()


def test_shop_paginates(client, hospital, settings):
    settings.PAGE_SIZE = 5
    for n in range(12):
        MedicineFactory(hospital=hospital, generic_name=f"Generic {n:02d}")

    second = client.get(reverse("pharmacy:shop", args=[hospital.slug]), {"page": 3})

    assert [m.generic_name for m in second.context["page_obj"]] == ["Generic 10", "Generic 11"]


def test_shop_of_an_unlisted_hospital_is_404(client):
    pending = HospitalFactory(status="pending")
    assert client.get(reverse("pharmacy:shop", args=[pending.slug])).status_code == 404


def test_hospital_page_links_to_its_pharmacy(client, hospital, doctor_membership):
    html = client.get(reverse("hospitals:hospital-detail", args=[hospital.slug])).content.decode()
    assert reverse("pharmacy:shop", args=[hospital.slug]) in html


def _shop_queries(client, hospital) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("pharmacy:shop", args=[hospital.slug])).status_code == 200
    return len(queries)


def test_shop_query_count_stays_flat_with_ten_times_the_medicines(shopper, hospital, receive):
    def stock(count):
        for _ in range(count):
            medicine = MedicineFactory(hospital=hospital)
            receive(medicine, 5)

    stock(3)
    few = _shop_queries(shopper, hospital)
    stock(30)
    many = _shop_queries(shopper, hospital)

    assert few == many <= 15


# Adding to the cart -----------------------------------------------------------------------------

def _add(client, medicine, quantity):
    return client.post(reverse("pharmacy:add", args=[medicine.hospital.slug]),
                       {"medicine": medicine.pk, "quantity": quantity})


def test_adding_to_the_cart_needs_a_login(client, stocked):
    response = _add(client, stocked, 1)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not MedicineOrder.objects.exists()


def test_adding_to_the_cart_puts_the_medicine_in_the_hospitals_cart(shopper, patient, stocked):
    response = _add(shopper, stocked, 3)

    assert response.status_code == 303
    cart = MedicineOrder.objects.get(patient=patient)
    assert cart.status == Status.CART
    assert [(line.medicine_id, line.quantity) for line in cart.lines.all()] == [(stocked.pk, 3)]
    assert any("is in your cart" in m for m in _follow_messages(shopper, response))


@pytest.mark.parametrize("quantity", ["0", "-2", "1.5", "1001", "99999999999999999999", "abc", ""])
def test_adding_a_bad_quantity_says_so_and_adds_nothing(shopper, stocked, quantity):
    response = _add(shopper, stocked, quantity)

    assert response.status_code == 303
    assert any("whole number from 1 to 1000" in m for m in _follow_messages(shopper, response))
    assert not MedicineOrder.objects.filter(lines__isnull=False).exists()


@pytest.mark.parametrize("medicine", ["", "abc", "²", "-1", "99999999999999999999999"])
def test_adding_without_a_real_medicine_id_is_refused_or_404(shopper, hospital, medicine):
    response = shopper.post(reverse("pharmacy:add", args=[hospital.slug]), {"medicine": medicine, "quantity": 1})
    assert response.status_code in (303, 404)
    assert not MedicineOrder.objects.filter(lines__isnull=False).exists()


def test_adding_a_prescription_only_medicine_without_a_prescription_is_refused(shopper, hospital, receive):
    rx = MedicineFactory(hospital=hospital, generic_name="Azithromycin", brand_name="Zimax", prescription_only=True)
    receive(rx, 10)

    response = _add(shopper, rx, 1)

    assert any("sold only on prescription" in m for m in _follow_messages(shopper, response))
    assert not MedicineOrder.objects.filter(lines__isnull=False).exists()


def test_prescription_refusals_name_the_medicine_once(shopper, patient, hospital, receive, issued_prescription):
    atenolol = MedicineFactory(hospital=hospital, generic_name="Atenolol", brand_name="Tenoren", strength="50 mg",
                               prescription_only=True)
    azithromycin = MedicineFactory(hospital=hospital, generic_name="Azithromycin", brand_name="Zimax",
                                   strength="500 mg", prescription_only=True)
    receive(atenolol, 10)
    receive(azithromycin, 100)
    issued_prescription(patient, [{"medicine_name": "Azithromycin", "strength": "500 mg", "frequency": "1+0+0",
                                   "duration": "5 days"}])
    services.add_to_cart(patient=patient, medicine=azithromycin, quantity=5)
    line = MedicineOrder.objects.get(patient=patient).lines.get()

    refused = _follow_messages(shopper, _add(shopper, atenolol, 1))
    too_many = _follow_messages(shopper, shopper.post(reverse("pharmacy:line-update", args=[line.pk]),
                                                      {"quantity": 6}))
    not_a_number = _follow_messages(shopper, shopper.post(reverse("pharmacy:line-update", args=[line.pk]),
                                                          {"quantity": "many"}))

    assert refused == ["Atenolol (Tenoren) 50 mg is sold only on prescription: "
                       "it must be on an issued prescription of yours."]
    assert too_many == ["Your prescription allows at most 5 of Azithromycin (Zimax) 500 mg."]
    assert len(not_a_number) == 1 and not_a_number[0].startswith("Azithromycin (Zimax) 500 mg: ")


def test_someone_elses_prescription_does_not_let_a_patient_buy(shopper, hospital, receive, issued_prescription):
    rx = MedicineFactory(hospital=hospital, generic_name="Azithromycin", strength="500 mg", prescription_only=True)
    receive(rx, 10)
    issued_prescription(PatientFactory(), [{"medicine_name": "Azithromycin", "strength": "500 mg"}])

    response = _add(shopper, rx, 1)

    assert any("sold only on prescription" in m for m in _follow_messages(shopper, response))


def test_above_the_prescribed_quantity_is_refused(shopper, patient, hospital, receive, issued_prescription):
    rx = MedicineFactory(hospital=hospital, generic_name="Azithromycin", strength="500 mg", prescription_only=True)
    receive(rx, 100)
    issued_prescription(patient, [{"medicine_name": "Azithromycin", "strength": "500 mg", "frequency": "1+0+0",
                                   "duration": "5 days"}])

    refused = _follow_messages(shopper, _add(shopper, rx, 6))
    allowed = _follow_messages(shopper, _add(shopper, rx, 5))

    assert any("allows at most 5" in m for m in refused)
    assert any("is in your cart" in m for m in allowed)


def test_another_hospitals_medicine_through_this_hospitals_shop_is_404(shopper, hospital, other_hospital, receive):
    elsewhere = MedicineFactory(hospital=other_hospital)
    receive(elsewhere, 5)

    response = shopper.post(reverse("pharmacy:add", args=[hospital.slug]), {"medicine": elsewhere.pk, "quantity": 1})

    assert response.status_code == 404


# The cart --------------------------------------------------------------------------------------

def test_cart_shows_lines_total_and_problems(shopper, patient, hospital, stocked, pharmacist):
    other = MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo",
                            unit_price=Decimal("5.00"))
    services.add_to_cart(patient=patient, medicine=stocked, quantity=2)
    services.add_to_cart(patient=patient, medicine=other, quantity=1)
    services.update_medicine(medicine=stocked, by=pharmacist, unit_price="15.00")

    response = shopper.get(reverse("me:cart"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="medicine-cart"' in html and "Green Life Hospital" in html
    kinds = sorted(p.kind for entry in response.context["sections"] for cart in entry["context"].get("carts", [])
                   for p in [p for line in cart["lines"] for p in line["problems"]])
    assert kinds == ["repriced", "short"]
    assert "changed from" in html and "out of stock" in html
    assert "Checkout and pay" in html


def test_cart_quantity_edit_and_remove(shopper, patient, stocked):
    line = services.add_to_cart(patient=patient, medicine=stocked, quantity=2)

    shopper.post(reverse("pharmacy:line-update", args=[line.pk]), {"quantity": "7"})
    line.refresh_from_db()
    bad = shopper.post(reverse("pharmacy:line-update", args=[line.pk]), {"quantity": "0"})
    line.refresh_from_db()
    assert line.quantity == 7
    assert any("whole number" in m for m in _follow_messages(shopper, bad))

    shopper.post(reverse("pharmacy:line-remove", args=[line.pk]))
    assert not line.order.lines.exists()
    assert "Your cart is empty" in shopper.get(reverse("me:cart")).content.decode()


def test_another_patients_cart_line_is_404(client_for, patient, stocked):
    line = services.add_to_cart(patient=patient, medicine=stocked, quantity=2)
    stranger = client_for(PatientFactory())

    assert stranger.post(reverse("pharmacy:line-update", args=[line.pk]), {"quantity": "1"}).status_code == 404
    assert stranger.post(reverse("pharmacy:line-remove", args=[line.pk])).status_code == 404
    assert stranger.post(reverse("pharmacy:checkout", args=[line.order_id])).status_code == 404


def test_cart_offers_delivery_only_where_the_hospital_does(shopper, patient, hospital, stocked, hospital_admin):
    services.add_to_cart(patient=patient, medicine=stocked, quantity=2)
    assert "Home delivery" not in shopper.get(reverse("me:cart")).content.decode()

    services.update_pharmacy_settings(hospital=hospital, by=hospital_admin, delivery_offered=True, delivery_fee="60")

    html = shopper.get(reverse("me:cart")).content.decode()
    assert "Home delivery" in html and "60.00" in html


def _cart_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("me:cart")).status_code == 200
    return len(queries)


def test_cart_query_count_stays_flat_with_ten_times_the_lines_and_orders(shopper, patient, hospital, receive,
                                                                         order_for):
    def fill(count):
        for _ in range(count):
            medicine = MedicineFactory(hospital=hospital)
            receive(medicine, 50)
            services.add_to_cart(patient=patient, medicine=medicine, quantity=1)

    def placed(count):
        for _ in range(count):
            medicine = MedicineFactory(hospital=hospital, unit_price=Decimal("20.00"))
            receive(medicine, 50)
            cart = services.open_cart(patient=patient, hospital=hospital)
            keep = list(cart.lines.all())
            for line in keep:
                services.remove_from_cart(patient=patient, line=line)
            services.add_to_cart(patient=patient, medicine=medicine, quantity=1)
            services.checkout(patient=patient, order=services.open_cart(patient=patient, hospital=hospital))

    placed(1)
    fill(2)
    few = _cart_queries(shopper)
    fill(20)
    placed(10)
    fill(20)
    many = _cart_queries(shopper)

    assert few == many <= 15


# Checkout and pay -------------------------------------------------------------------------------

def _checkout(client, cart, **data):
    prefix = f"cart{cart.pk}"
    return client.post(reverse("pharmacy:checkout", args=[cart.pk]),
                       {f"{prefix}-{name}": value for name, value in {"delivery": "pickup", **data}.items()})


def test_checkout_reserves_the_stock_and_opens_a_payment_for_the_fixed_amount(shopper, patient, stocked, settings):
    # No gateway answers here (the browser journey pays through the live sandbox): the order
    # stays reserved and awaiting payment, and its page says to try again.
    settings.SSLCOMMERZ_BASE_URL = "http://127.0.0.1:9/sandbox/sslcommerz"
    settings.PAYMENT_GATEWAY_TIMEOUT = 1
    services.add_to_cart(patient=patient, medicine=stocked, quantity=2)
    cart = services.open_cart(patient=patient, hospital=stocked.hospital)

    response = _checkout(shopper, cart)

    cart.refresh_from_db()
    assert cart.status == Status.AWAITING_PAYMENT and cart.amount == Decimal("24.00")
    assert stocked.batches.get().quantity_reserved == 2
    payment = Payment.objects.get()
    assert (payment.amount, payment.object_id) == (Decimal("24.00"), cart.pk)
    assert response.status_code == 303 and response["Location"] == reverse("pharmacy:order", args=[cart.pk])
    page = shopper.get(response["Location"])
    assert 'data-testid="pay"' in page.content.decode() and _messages(page)
    assert_ledger_balanced()


def test_checkout_with_more_than_in_stock_says_only_n_left_beside_the_line(shopper, patient, medicine, receive):
    receive(medicine, 3)
    line = services.add_to_cart(patient=patient, medicine=medicine, quantity=5)

    response = _checkout(shopper, line.order)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="line-error"' in html and "Only 3 left" in html
    line.order.refresh_from_db()
    assert line.order.status == Status.CART
    assert medicine.batches.get().quantity_reserved == 0


def test_checkout_with_home_delivery_needs_an_address_beside_the_field(shopper, patient, hospital, stocked,
                                                                      hospital_admin):
    services.update_pharmacy_settings(hospital=hospital, by=hospital_admin, delivery_offered=True, delivery_fee="60")
    line = services.add_to_cart(patient=patient, medicine=stocked, quantity=2)

    response = _checkout(shopper, line.order, delivery="home", delivery_address="  ")

    assert response.status_code == 400
    assert "Give the address to deliver to." in response.content.decode()
    assert 'is-invalid' in response.content.decode()

    ok = _checkout(shopper, line.order, delivery="home", delivery_address="House 4, Road 2, Dhanmondi")
    order = MedicineOrder.objects.get(pk=line.order_id)
    assert ok.status_code == 303
    assert (order.delivery, order.delivery_fee, order.amount) == (True, Decimal("60.00"), Decimal("84.00"))


def test_checkout_refuses_delivery_where_it_is_not_offered(shopper, patient, stocked):
    line = services.add_to_cart(patient=patient, medicine=stocked, quantity=2)

    response = _checkout(shopper, line.order, delivery="home", delivery_address="Somewhere")

    assert response.status_code == 400
    line.order.refresh_from_db()
    assert line.order.status == Status.CART


def test_checkout_under_the_smallest_payment_is_refused(shopper, patient, hospital, receive):
    cheap = MedicineFactory(hospital=hospital, unit_price=Decimal("2.00"))
    receive(cheap, 10)
    line = services.add_to_cart(patient=patient, medicine=cheap, quantity=1)

    response = _checkout(shopper, line.order)

    assert response.status_code == 400
    assert "The smallest amount that can be paid online is BDT 10.00" in response.content.decode()


# "Buy these medicines" -------------------------------------------------------------------------

def test_buy_these_medicines_fills_the_cart_and_names_what_is_not_stocked(shopper, patient, hospital, receive,
                                                                        issued_prescription):
    rx = MedicineFactory(hospital=hospital, generic_name="Azithromycin", strength="500 mg", prescription_only=True)
    receive(rx, 100)
    prescription = issued_prescription(patient, [
        {"medicine_name": "Azithromycin", "strength": "500 mg", "frequency": "1+0+0", "duration": "5 days"},
        {"medicine_name": "Unobtainium", "strength": "1 mg"},
    ])

    page = shopper.get(reverse("records:prescription", args=[prescription.pk])).content.decode()
    assert "Buy these medicines" in page
    response = shopper.post(reverse("pharmacy:buy-prescription", args=[prescription.pk]))

    assert response.status_code == 303 and response["Location"] == reverse("me:cart")
    notes = _follow_messages(shopper, response)
    assert any("Unobtainium 1 mg: Not stocked at this pharmacy." in m for m in notes)
    cart = services.open_cart(patient=patient, hospital=hospital)
    assert [(line.medicine_id, line.quantity) for line in cart.lines.all()] == [(rx.pk, 5)]


def test_buy_these_medicines_from_someone_elses_prescription_is_404(shopper, issued_prescription):
    prescription = issued_prescription(PatientFactory(), [{"medicine_name": "Azithromycin"}])
    assert shopper.post(reverse("pharmacy:buy-prescription", args=[prescription.pk])).status_code == 404


# The order page ---------------------------------------------------------------------------------

def test_order_page_shows_status_history_lines_and_pay(shopper, stocked, order_for):
    order = order_for(stocked, 2)

    response = shopper.get(reverse("pharmacy:order", args=[order.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="awaiting_payment"' in html and 'data-testid="pay"' in html
    assert f'data-live-socket="/ws/medicine-orders/{order.pk}/"' in html
    assert "Awaiting payment" in html and "24.00" in html


def test_order_page_after_ready_shows_the_batches_dispensed(shopper, stocked, paid_order, pharmacist):
    order = paid_order(stocked, 2)
    services.start_preparing(order=order, by=pharmacist)
    services.mark_ready(order=order, by=pharmacist)
    batch = stocked.batches.get()

    html = shopper.get(reverse("pharmacy:order", args=[order.pk])).content.decode()

    assert 'data-status="ready"' in html and "2 of 2 handed over" in html and batch.batch_number in html
    assert 'data-testid="cancel"' not in html and 'data-testid="pay"' not in html


def test_paying_twice_is_refused_with_a_message(shopper, stocked, paid_order):
    order = paid_order(stocked, 2)

    response = shopper.post(reverse("payments:start", args=["medicine_order", order.pk]))

    assert response.status_code == 303 and response["Location"] == reverse("pharmacy:order", args=[order.pk])
    assert any("can no longer be paid" in m or "already paid" in m for m in _follow_messages(shopper, response))


def test_cancel_before_payment_releases_the_stock(shopper, stocked, order_for):
    order = order_for(stocked, 2)

    response = shopper.post(reverse("pharmacy:order-cancel", args=[order.pk]))

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert stocked.batches.get().quantity_reserved == 0
    assert any("go back on the shelf" in m for m in _follow_messages(shopper, response))


def test_cancel_after_payment_explains_the_refund(shopper, stocked, paid_order):
    order = paid_order(stocked, 2)
    html = shopper.get(reverse("pharmacy:order", args=[order.pk])).content.decode()
    assert "refunded in full" in html

    response = shopper.post(reverse("pharmacy:order-cancel", args=[order.pk]))

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert any("refunded in full" in m for m in _follow_messages(shopper, response))


def test_cancel_once_ready_is_refused(shopper, stocked, paid_order, pharmacist):
    order = paid_order(stocked, 2)
    services.start_preparing(order=order, by=pharmacist)
    services.mark_ready(order=order, by=pharmacist)

    response = shopper.post(reverse("pharmacy:order-cancel", args=[order.pk]))

    order.refresh_from_db()
    assert order.status == Status.READY
    assert any("cannot become cancelled" in m for m in _follow_messages(shopper, response))


# Who may open what ------------------------------------------------------------------------------

PATIENT_PAGES = [
    ("get", "pharmacy:order", "order"), ("post", "pharmacy:order-cancel", "order"),
    ("post", "pharmacy:line-update", "line"),
    ("post", "pharmacy:line-remove", "line"), ("post", "pharmacy:checkout", "cart"),
    ("post", "pharmacy:buy-prescription", "prescription"),
]


@pytest.fixture
def owned(patient, hospital, receive, order_for, issued_prescription):
    medicine = MedicineFactory(hospital=hospital, unit_price=Decimal("12.00"))
    receive(medicine, 50)
    order = order_for(medicine, 2)
    line = services.add_to_cart(patient=patient, medicine=medicine, quantity=1)
    prescription = issued_prescription(patient, [{"medicine_name": medicine.generic_name}])
    return {"order": order.pk, "line": line.pk, "cart": line.order_id, "prescription": prescription.pk}


@pytest.mark.parametrize("method,name,key", PATIENT_PAGES)
def test_patient_pages_send_anonymous_visitors_to_login(client, owned, method, name, key):
    response = getattr(client, method)(reverse(name, args=[owned[key]]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("method,name,key", PATIENT_PAGES)
@pytest.mark.parametrize("who", ["other_patient", "pharmacist", "doctor"])
def test_patient_pages_are_404_for_anyone_but_the_patient(client_for, owned, method, name, key, who, request):
    user = PatientFactory() if who == "other_patient" else request.getfixturevalue(who)
    response = getattr(client_for(user), method)(reverse(name, args=[owned[key]]))
    assert response.status_code == 404


def test_the_patient_opens_their_order_page(shopper, owned):
    assert shopper.get(reverse("pharmacy:order", args=[owned["order"]])).status_code == 200


def test_a_cart_is_not_an_order_page(shopper, owned):
    assert shopper.get(reverse("pharmacy:order", args=[owned["cart"]])).status_code == 404


def test_staff_cannot_add_to_a_cart(client_for, pharmacist, stocked):
    staff = client_for(pharmacist)
    response = _add(staff, stocked, 1)
    assert any("Only patients can buy medicines" in m for m in _follow_messages(staff, response))


def test_the_doctor_sees_on_the_patients_record_which_medicines_were_dispensed(client_for, doctor, doctor_membership,
                                                                              patient, stocked, paid_order, pharmacist):
    from appointments.tests.factories import AppointmentFactory

    AppointmentFactory(membership=doctor_membership, patient=patient, status="completed", date=TODAY)
    order = paid_order(stocked, 2)
    services.start_preparing(order=order, by=pharmacist)
    services.mark_ready(order=order, by=pharmacist)

    response = client_for(doctor).get(reverse("clinical:patient", args=[doctor_membership.hospital.slug, patient.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Medicines dispensed" in html and "Paracetamol" in html and order.number in html


def test_order_page_query_count_stays_flat_with_ten_times_the_lines(shopper, patient, hospital, receive, pharmacist):
    def order_with(count):
        cart = services.open_cart(patient=patient, hospital=hospital)
        for _ in range(count):
            medicine = MedicineFactory(hospital=hospital, unit_price=Decimal("20.00"))
            receive(medicine, 3, expires_in_days=100)
            receive(medicine, 3, expires_in_days=200)
            services.add_to_cart(patient=patient, medicine=medicine, quantity=5)
        order = services.checkout(patient=patient, order=cart)
        order = services.mark_order_paid(order=order, by=patient)
        services.start_preparing(order=order, by=pharmacist)
        return services.mark_ready(order=order, by=pharmacist)

    def measure(order):
        with CaptureQueriesContext(connection) as queries:
            assert shopper.get(reverse("pharmacy:order", args=[order.pk])).status_code == 200
        return len(queries)

    few = measure(order_with(1))
    many = measure(order_with(10))

    assert few == many <= 15


def test_paying_someone_elses_medicine_order_is_404_and_anonymous_go_to_login(client, client_for, owned):
    url = reverse("payments:start", args=["medicine_order", owned["order"]])
    anonymous = client.post(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    assert client_for(PatientFactory()).post(url).status_code == 404
    assert not Payment.objects.exists()


def test_buy_these_medicines_is_a_part_of_the_patients_issued_prescription_only(shopper, client_for, doctor, hospital,
                                                                               patient, issued_prescription):
    from appointments.tests.factories import AppointmentFactory

    AppointmentFactory(membership=doctor.memberships.get(), patient=patient, status="completed", date=TODAY)
    prescription = issued_prescription(patient, [{"medicine_name": "Azithromycin"}])

    own = shopper.get(reverse("records:prescription", args=[prescription.pk])).content.decode()
    staff = client_for(doctor).get(reverse("clinical:prescription", args=[hospital.slug, prescription.pk]))

    assert 'data-prescription-part="medicines"' in own and "Buy these medicines" in own
    assert staff.status_code == 200 and "Buy these medicines" not in staff.content.decode()
