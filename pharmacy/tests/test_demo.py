"""The pharmacy demo: sixty medicines per hospital, the stock examples, orders in every state, once."""

import pytest
from django.db.models import Count

from hospitals.demo import DHAKA, seed
from pharmacy.models import Medicine, MedicineOrder, StockBatch, StockMovement
from pharmacy.selectors import Availability, assert_ledger_balanced, desk_dashboard, shop_medicines

pytestmark = pytest.mark.django_db


def test_demo_stocks_every_hospital_and_has_orders_in_every_state_once(seeded_demo):
    counts = (Medicine.objects.count(), StockBatch.objects.count(), StockMovement.objects.count(),
              MedicineOrder.objects.count())

    seed()

    assert (Medicine.objects.count(), StockBatch.objects.count(), StockMovement.objects.count(),
            MedicineOrder.objects.count()) == counts
    per_hospital = Medicine.objects.values("hospital").annotate(n=Count("pk"))
    assert len(per_hospital) >= 3 and all(55 <= row["n"] <= 70 for row in per_hospital)
    assert_ledger_balanced()

    dhaka = seeded_demo.hospitals[DHAKA]
    board = desk_dashboard(dhaka)
    assert board.expired_batches == 1 and board.expired_value > 0
    assert board.expiring[30] >= 1
    assert board.to_prepare == 2 and board.ready == 1
    availability = {m.brand_name: m.availability for m in shop_medicines(dhaka)}
    assert availability["Monas"] == Availability.FEW_LEFT and availability["Napa"] == Availability.IN_STOCK
    assert set(MedicineOrder.objects.for_hospital(dhaka).values_list("status", flat=True)) == set(
        MedicineOrder.Status.values)
    prescribed = MedicineOrder.objects.for_hospital(dhaka).filter(
        lines__medicine__prescription_only=True, lines__prescription_item__isnull=False).distinct().get()
    assert prescribed.prescription.status == "issued"
    assert prescribed.status == MedicineOrder.Status.COLLECTED
    assert all(order.amount > 0 for order in MedicineOrder.objects.placed())
