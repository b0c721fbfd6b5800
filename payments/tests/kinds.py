"""One awaiting-payment payable of each registered kind, checked out through its domain's own service.

``KINDS`` maps the registry name to a maker ``make(patient, hospital, now) -> payable``; the
payments tests that hold for every payable (the expiry sweep, the contract) are parametrized over it.
"""

from datetime import time, timedelta
from decimal import Decimal
from itertools import count

from appointments.tests.factories import ScheduleRuleFactory
from hospitals.tests.factories import MembershipFactory

_numbers = count(1)
_visits = count(0)


def appointment(patient, hospital, now, *, fee=Decimal("500.00")):
    from appointments import services
    from appointments.slots import local_now

    doctor = MembershipFactory(hospital=hospital, role="doctor", consultation_fee=fee)
    visit = next(_visits)  # each on its own day and hour: never the patient's own overlap
    day = local_now(hospital, now).date() + timedelta(days=1 + visit % 6)
    ScheduleRuleFactory(membership=doctor, weekday=day.weekday(), start_time=time(9, 0), end_time=time(13, 0),
                        slot_minutes=15)
    return services.book_appointment(patient=patient, membership=doctor, day=day, start=time(9 + visit // 6 % 4, 0),
                                     reason="Fever for three days", now=now)


def lab_order(patient, hospital, now, *, price=Decimal("300.00")):
    from labs import services
    from labs.tests.factories import LabTestFactory

    test = LabTestFactory(hospital=hospital, price=price)
    cart = services.add_to_cart(patient=patient, lab_test=test).order
    return services.checkout(order=cart, by=patient, now=now)


def medicine_order(patient, hospital, now, *, price=Decimal("12.00")):
    from pharmacy import services
    from pharmacy.tests.factories import MedicineFactory

    pharmacist = MembershipFactory(hospital=hospital, role="pharmacist").user
    medicine = MedicineFactory(hospital=hospital, unit_price=price)
    services.receive_stock(medicine=medicine, by=pharmacist, batch_number=f"B{next(_numbers):04d}",
                           expiry_date=now.date() + timedelta(days=365), quantity=10, cost="1.00")
    services.add_to_cart(patient=patient, medicine=medicine, quantity=2)
    cart = services.open_cart(patient=patient, hospital=hospital)
    return services.checkout(patient=patient, order=cart, now=now)


KINDS = {"appointment": appointment, "lab_order": lab_order, "medicine_order": medicine_order}

# The status a payable of each kind moves to once paid.
PAID_STATUS = {"appointment": "requested", "lab_order": "paid", "medicine_order": "paid"}
# An amount over zero but under the gateway's smallest payment, as each kind's own price.
TOO_SMALL = {"appointment": {"fee": Decimal("9.99")}, "lab_order": {"price": Decimal("9.99")},
             "medicine_order": {"price": Decimal("4.99")}}  # two units: 9.98


def cancel(payable, by):
    """The payer cancels ``payable`` through its domain's own service (before its point of no return)."""
    if payable.payable_kind == "appointment":
        from appointments.services import cancel_appointment

        return cancel_appointment(appointment=payable, by=by, reason="Plans changed")
    if payable.payable_kind == "lab_order":
        from labs.services import cancel_order
    else:
        from pharmacy.services import cancel_order
    return cancel_order(order=payable, by=by, reason="Plans changed")
