"""factory-boy factories for the pharmacy: medicines of a hospital (stock is received through the services)."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from hospitals.tests.factories import HospitalFactory
from pharmacy.models import Medicine


class MedicineFactory(DjangoModelFactory):
    class Meta:
        model = Medicine

    hospital = factory.SubFactory(HospitalFactory)
    generic_name = factory.Sequence(lambda n: f"Generic {n}")
    brand_name = factory.Sequence(lambda n: f"Brand {n}")
    strength = "500 mg"
    dosage_form = Medicine.DosageForm.TABLET
    unit = "tablet"
    pack = "strip of 10"
    unit_price = Decimal("10.00")
    reorder_level = 5
    manufacturer = "Square Pharmaceuticals"
