"""factory-boy factories for prescriptions and documents, in the same hospital as their doctor."""

from datetime import date

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from accounts.tests.factories import PatientFactory
from hospitals.tests.factories import MembershipFactory
from records.models import MedicalDocument, Prescription, PrescriptionItem

# The smallest PDF a reader accepts: enough for a download test.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class PrescriptionFactory(DjangoModelFactory):
    """A draft; issue it with records.services.issue_prescription."""

    class Meta:
        model = Prescription

    membership = factory.SubFactory(MembershipFactory)
    hospital = factory.SelfAttribute("membership.hospital")
    patient = factory.SubFactory(PatientFactory)
    diagnosis = "Essential hypertension"
    advice = "Less salt; walk 30 minutes a day."


class PrescriptionItemFactory(DjangoModelFactory):
    class Meta:
        model = PrescriptionItem

    prescription = factory.SubFactory(PrescriptionFactory)
    hospital = factory.SelfAttribute("prescription.hospital")
    medicine_name = factory.Sequence(lambda n: f"Amlodipine {n}")
    strength = "5 mg"
    dose = "1 tablet"
    frequency = "1+0+0"
    duration = "30 days"
    instructions = "After breakfast"


class MedicalDocumentFactory(DjangoModelFactory):
    """A patient's upload (no hospital) holding a tiny PDF."""

    class Meta:
        model = MedicalDocument

    patient = factory.SubFactory(PatientFactory)
    title = "Blood test 2024"
    category = MedicalDocument.Category.REPORT
    document_date = date(2024, 5, 1)
    source_name = "Popular Diagnostic"
    file = factory.LazyFunction(lambda: ContentFile(TINY_PDF, name="report.pdf"))
    file_kind = "pdf"
    original_name = "report.pdf"
    size = len(TINY_PDF)
