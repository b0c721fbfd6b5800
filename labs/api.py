"""JSON API for the patient's side of the laboratory: the public catalogue, lab orders and reports.

The same services and rules as the pages: a patient sees only their own orders and reports
(anyone else's is a 404); every refusal is a 400 naming the field at fault.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from healthstack.api import IdField
from hospitals.models import Hospital

from . import selectors, services
from .models import Analyte, LabError, LabOrder, LabOrderLine, LabReport, LabResult, LabTest

MAX_TESTS_PER_ORDER = 50
FIELD_NAMES = {"lab_test": "tests", "lines": "tests", "__all__": "non_field_errors", "patient": "non_field_errors",
               "order": "non_field_errors"}


def lab_error(error: LabError) -> Response:
    """A service's refusal as the API's one error shape: {field: [messages]}, a 400."""
    errors = {}
    for field, messages in error.message_dict.items():
        errors.setdefault(FIELD_NAMES.get(field, field), []).extend(messages)
    return Response(errors, status=status.HTTP_400_BAD_REQUEST)


class AnalyteSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(source="choice_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Analyte
        fields = ["id", "name", "unit", "result_kind", "choices", "decimals"]
        read_only_fields = fields


class LabTestSerializer(serializers.ModelSerializer):
    analytes = AnalyteSerializer(many=True, read_only=True)

    class Meta:
        model = LabTest
        fields = ["id", "code", "name", "section", "sample_type", "preparation", "price", "currency",
                  "turnaround_hours", "requires_prescription", "analytes"]
        read_only_fields = fields


class PatientLabOrderLineSerializer(serializers.ModelSerializer):
    test = serializers.IntegerField(source="lab_test_id", read_only=True)
    code = serializers.CharField(source="lab_test.code", read_only=True)
    name = serializers.CharField(source="lab_test.name", read_only=True)
    price = serializers.SerializerMethodField()

    class Meta:
        model = LabOrderLine
        fields = ["test", "code", "name", "price"]
        read_only_fields = fields

    def get_price(self, line) -> str:
        return f"{line.price_at_checkout if line.price_at_checkout is not None else line.price:.2f}"


class LabOrderSerializer(serializers.ModelSerializer):
    hospital = serializers.CharField(source="hospital.slug", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    tests = PatientLabOrderLineSerializer(source="lines", many=True, read_only=True)
    page_url = serializers.SerializerMethodField()
    pay_url = serializers.SerializerMethodField(help_text="POST here (signed in on the web) to pay; null when "
                                                          "nothing is due.")

    class Meta:
        model = LabOrder
        fields = ["id", "hospital", "hospital_name", "status", "status_display", "accession", "amount", "currency",
                  "hold_expires_at", "prescription", "tests", "created_at", "collected_at", "reported_at",
                  "page_url", "pay_url"]
        read_only_fields = fields

    def get_page_url(self, order) -> str:
        return reverse("labs:order", args=[order.pk])

    def get_pay_url(self, order) -> str | None:
        return reverse("payments:start", args=[order.payable_kind, order.pk]) if order.can_be_paid() else None


class LabResultSerializer(serializers.ModelSerializer):
    analyte = serializers.CharField(source="analyte.name", read_only=True)
    test = serializers.CharField(source="line.lab_test.code", read_only=True)
    value = serializers.CharField(source="value_text", read_only=True)
    reference_range = serializers.CharField(source="range_text", read_only=True)
    flag_display = serializers.CharField(source="get_flag_display", read_only=True)

    class Meta:
        model = LabResult
        fields = ["analyte", "test", "value", "unit", "reference_range", "ref_low", "ref_high", "ref_critical_low",
                  "ref_critical_high", "flag", "flag_display"]
        read_only_fields = fields


class LabReportSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id", read_only=True)
    hospital_name = serializers.CharField(source="order.hospital.name", read_only=True)
    accession = serializers.CharField(source="order.accession", read_only=True)
    verification_code = serializers.CharField(source="document_code.code", read_only=True)
    supersedes = serializers.IntegerField(source="supersedes_id", read_only=True, allow_null=True)
    results = LabResultSerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = LabReport
        fields = ["id", "order", "hospital_name", "accession", "version", "supersedes", "verified_at",
                  "ranges_assumed", "verification_code", "results", "pdf_url", "verify_url"]
        read_only_fields = fields

    def get_pdf_url(self, report) -> str:
        return reverse("labs:report-pdf", args=[report.pk])

    def get_verify_url(self, report) -> str:
        return reverse("verify", args=[report.document_code.code])


class TestIdsField(serializers.ListField):
    """A list of test ids whose errors name the field, not each position ({"tests": ["…"]})."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                raise serializers.ValidationError([_("Give the tests as a list of test ids (whole numbers).")]) \
                    from None
            raise


class OrderRequestSerializer(serializers.Serializer):
    hospital = serializers.SlugField(help_text="The hospital's slug.")
    tests = TestIdsField(child=IdField(), min_length=1, max_length=MAX_TESTS_PER_ORDER,
                         help_text="Lab test ids of that hospital.")
    prescription = IdField(required=False, allow_null=True,
                           help_text="One of your issued prescriptions that recommends the tests.")


class LabCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class HospitalLabTests(ListAPIView):
    """A hospital's offered lab tests with their analytes, searched by code or name (``?q=``)."""

    permission_classes = [AllowAny]
    serializer_class = LabTestSerializer

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Part of a code or name.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        hospital = get_object_or_404(Hospital.objects.approved(), slug=self.kwargs["slug"])
        return selectors.catalogue(hospital, q=str(self.request.query_params.get("q", ""))[:100])


def _own_orders(user):
    return LabOrder.objects.for_patient(user).placed().with_people().with_lines().order_by("-created_at", "-id")


class MyLabOrders(ListAPIView):
    """GET: the signed-in patient's lab orders, newest first. POST: order tests of one hospital (awaiting payment)."""

    permission_classes = [IsAuthenticated]
    serializer_class = LabOrderSerializer

    def get_queryset(self):
        return _own_orders(self.request.user)

    @extend_schema(request=OrderRequestSerializer, responses={201: LabOrderSerializer})
    def post(self, request):
        asked = OrderRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        hospital = Hospital.objects.approved().filter(slug=data["hospital"]).first()
        if hospital is None:
            return Response({"hospital": ["No such hospital takes lab orders."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            order = services.order_tests(patient=request.user, hospital=hospital, tests=data["tests"],
                                         prescription=data.get("prescription"))
        except LabError as error:
            return lab_error(error)
        return Response(LabOrderSerializer(_own_orders(request.user).get(pk=order.pk)).data,
                        status=status.HTTP_201_CREATED)


class MyLabOrder(RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = LabOrderSerializer

    def get_queryset(self):
        return _own_orders(self.request.user)


class CancelLabOrder(APIView):
    """Cancel one of your lab orders before its sample is taken (a paid one is refunded in full)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=LabCancelSerializer, responses=LabOrderSerializer)
    def post(self, request, pk):
        order = get_object_or_404(_own_orders(request.user), pk=pk)
        reason = LabCancelSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        try:
            services.cancel_order(order=order, by=request.user, reason=reason.validated_data.get("reason", ""))
        except LabError as error:
            return lab_error(error)
        return Response(LabOrderSerializer(_own_orders(request.user).get(pk=order.pk)).data)


class MyLabReports(ListAPIView):
    """The signed-in patient's current lab reports (corrected versions replace the ones they supersede)."""

    permission_classes = [IsAuthenticated]
    serializer_class = LabReportSerializer

    def get_queryset(self):
        return selectors.patient_reports(self.request.user).order_by("-verified_at", "-id")
