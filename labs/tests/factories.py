"""factory-boy factories for the lab catalogue, in the same hospital as their test."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from hospitals.tests.factories import HospitalFactory
from labs.models import Analyte, LabTest, ReferenceRange


class LabTestFactory(DjangoModelFactory):
    class Meta:
        model = LabTest

    hospital = factory.SubFactory(HospitalFactory)
    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"Test {n}")
    section = LabTest.Section.BIOCHEMISTRY
    sample_type = "Venous blood (serum)"
    preparation = ""
    price = Decimal("500.00")
    turnaround_hours = 24


class AnalyteFactory(DjangoModelFactory):
    class Meta:
        model = Analyte

    lab_test = factory.SubFactory(LabTestFactory)
    hospital = factory.SelfAttribute("lab_test.hospital")
    name = factory.Sequence(lambda n: f"Analyte {n}")
    unit = "mmol/L"
    result_kind = Analyte.Kind.NUMERIC
    decimals = 1
    order = factory.Sequence(lambda n: n)


class ReferenceRangeFactory(DjangoModelFactory):
    class Meta:
        model = ReferenceRange

    analyte = factory.SubFactory(AnalyteFactory)
    hospital = factory.SelfAttribute("analyte.hospital")
    sex = ReferenceRange.Sex.ANY
    age_from_days = 0
    age_to_days = None
