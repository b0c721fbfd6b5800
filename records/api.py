"""JSON API for the patient's own record: prescriptions and uploaded documents.

The same services and rules as /me/records/: a patient sees their own issued prescriptions
and uploads; files are checked by content by the one upload checker.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import form_errors

from . import services
from .forms import MedicalDocumentForm
from .models import MedicalDocument, Prescription, PrescriptionItem


class PrescriptionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrescriptionItem
        fields = ["medicine_name", "strength", "dose", "frequency", "duration", "instructions"]


class PrescriptionSerializer(serializers.ModelSerializer):
    hospital = serializers.CharField(source="hospital.name")
    doctor = serializers.CharField(source="membership.user.full_name")
    verification_code = serializers.CharField(source="document_code.code", default=None, allow_null=True)
    items = PrescriptionItemSerializer(many=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Prescription
        fields = ["id", "hospital", "doctor", "status", "version", "issued_at", "diagnosis", "advice",
                  "recommended_tests", "follow_up_date", "verification_code", "items", "pdf_url"]

    def get_pdf_url(self, prescription) -> str:
        return reverse("records:prescription-pdf", args=[prescription.pk])


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = MedicalDocument
        fields = ["id", "title", "category", "document_date", "source_name", "file_kind", "size", "uploaded_at",
                  "download_url"]

    def get_download_url(self, document) -> str:
        return reverse("records:document", args=[document.pk])


def _own_prescriptions(user):
    return (Prescription.objects.for_patient(user).visible_to_patient().with_people()
            .prefetch_related("items").order_by("-issued_at"))


class MyPrescriptions(ListAPIView):
    """The signed-in patient's issued (and superseded) prescriptions, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = PrescriptionSerializer

    def get_queryset(self):
        return _own_prescriptions(self.request.user)


class MyPrescription(RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PrescriptionSerializer

    def get_queryset(self):
        return _own_prescriptions(self.request.user)


class MyDocuments(ListAPIView):
    """GET: the patient's uploaded records. POST (multipart): upload one."""

    permission_classes = [IsAuthenticated]
    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return MedicalDocument.objects.for_patient(self.request.user).order_by("-document_date", "-pk")

    @extend_schema(
        request={"multipart/form-data": inline_serializer("DocumentUpload", {
            "title": serializers.CharField(), "category": serializers.ChoiceField(MedicalDocument.Category.choices),
            "document_date": serializers.DateField(), "source_name": serializers.CharField(required=False),
            "file": serializers.FileField(),
        })},
        responses={201: DocumentSerializer},
    )
    def post(self, request):
        if not request.user.is_patient:
            return Response({"detail": "Only patients keep a health record here."}, status=status.HTTP_403_FORBIDDEN)
        form = MedicalDocumentForm(request.data, request.FILES)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        document = services.add_medical_document(
            patient=request.user, upload=data["file"], title=data["title"], category=data["category"],
            document_date=data["document_date"], source_name=data["source_name"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class MyDocument(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        document = get_object_or_404(MedicalDocument.objects.for_patient(request.user), pk=pk)
        try:
            services.delete_medical_document(document=document)
        except services.RecordsError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)
