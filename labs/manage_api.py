"""The lab desk's JSON API under /api/v1/manage/<hospital>/lab/: the same guard and services as the pages.

Errors are JSON naming the field at fault (an analyte's id for a result); another hospital's
order is a 404.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hospitals.models import Membership
from hospitals.permissions import HospitalRolePermission

from . import selectors, services
from .models import LabError, LabOrder, LabReport, LabResult

Role = Membership.Role


class DeskLabOrderLineSerializer(serializers.Serializer):
    test_id = serializers.IntegerField(source="lab_test.id")
    code = serializers.CharField(source="lab_test.code")
    name = serializers.CharField(source="lab_test.name")
    sample_type = serializers.CharField(source="lab_test.sample_type")


class DeskLabOrderSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name")
    patient_number = serializers.CharField(source="patient.patient_profile.patient_number", allow_null=True,
                                           default=None)
    status_display = serializers.CharField(source="get_status_display")
    ordering_doctor = serializers.SerializerMethodField()
    tests = DeskLabOrderLineSerializer(source="lines", many=True)
    critical_pending = serializers.BooleanField()

    class Meta:
        model = LabOrder
        fields = ["id", "status", "status_display", "accession", "patient_name", "patient_number",
                  "ordering_doctor", "tests", "amount", "currency", "collected_at", "due_at", "reported_at",
                  "has_critical", "critical_pending", "critical_acknowledged_at", "created_at"]
        read_only_fields = fields

    def get_ordering_doctor(self, order) -> str:
        membership = order.ordering_membership
        return membership.user.full_name if membership else ""


class DeskResultSerializer(serializers.ModelSerializer):
    analyte_id = serializers.IntegerField(source="analyte.id")
    analyte = serializers.CharField(source="analyte.name")

    class Meta:
        model = LabResult
        fields = ["analyte_id", "analyte", "value_text", "unit", "flag", "range_text"]
        read_only_fields = fields


class DeskReportSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="document_code.code")
    verified_by = serializers.CharField(source="verified_by.full_name")
    results = DeskResultSerializer(many=True)

    class Meta:
        model = LabReport
        fields = ["id", "version", "verified_at", "verified_by", "code", "results"]
        read_only_fields = fields


class LabResultsBody(serializers.Serializer):
    """Results by analyte id: ``{"<analyte id>": "<value>"}`` (the schema below says so; the view reads it)."""


class LabResultsBodySchema(OpenApiSerializerExtension):
    target_class = LabResultsBody

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": "Results by analyte id: {\"<analyte id>\": \"<value>\"}; blank values are left out.",
            "properties": {},
            "additionalProperties": {"type": "string"},
            "example": {"12": "13.5"},
        }


def _error(error: LabError) -> Response:
    return Response(error.message_dict if error.field or error.errors else {"non_field_errors": [error.message]},
                    status=status.HTTP_400_BAD_REQUEST)


class LabDeskMixin:
    permission_classes = [HospitalRolePermission]
    allowed_roles = (Role.LAB_WORKER, Role.ADMIN)

    def desk_order(self, pk) -> LabOrder:
        return get_object_or_404(LabOrder.objects.for_hospital(self.request.hospital).placed(), pk=pk)

    def answer(self, order) -> Response:
        order = selectors.lab_queue(self.request.hospital).get(pk=order.pk)
        return Response(DeskLabOrderSerializer(order).data)


class DeskLabOrders(LabDeskMixin, ListAPIView):
    """The lab queue: the hospital's placed lab orders, newest first; ``status`` is a status or one of
    at_lab, overdue, reported_today, critical; ``q`` searches patient name, patient number and accession."""

    serializer_class = DeskLabOrderSerializer

    @extend_schema(parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=[*selectors.QUEUE_FILTERS,
                                                            *[s for s in LabOrder.Status.values if s != "cart"]]),
        OpenApiParameter("q", OpenApiTypes.STR),
    ])
    def get(self, request, *args, **kwargs):
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in (*selectors.QUEUE_FILTERS, *LabOrder.Status.values):
            return Response({"status": [_("Choose a status of the list.")]}, status=status.HTTP_400_BAD_REQUEST)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.lab_queue(self.request.hospital, status=params.get("status", ""),
                                   q=params.get("q", "")[:100])


class CollectSample(LabDeskMixin, APIView):
    """Collect the sample of a paid order: it gets its accession number."""

    @extend_schema(request=None, responses=DeskLabOrderSerializer)
    def post(self, request, hospital_slug, pk):
        try:
            order = services.collect_sample(order=self.desk_order(pk), by=request.user)
        except LabError as error:
            return _error(error)
        return self.answer(order)


class EnterResults(LabDeskMixin, APIView):
    """Type results of a collected order: ``{"<analyte id>": "<value>"}``; errors are named by analyte id."""

    @extend_schema(request=LabResultsBody, responses=DeskLabOrderSerializer)
    def post(self, request, hospital_slug, pk):
        order = self.desk_order(pk)
        values = {str(key): value for key, value in request.data.items()}
        wrong = [key for key, value in values.items()
                 if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float)))]
        if wrong:
            return Response({key: [_("Give the result as text or a number.")] for key in wrong},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            services.enter_results(order=order, values=values, by=request.user)
        except LabError as error:
            return _error(error)
        return self.answer(order)


class VerifyReport(LabDeskMixin, APIView):
    """Verify an order's results and issue its report; a missing result is named by analyte id."""

    @extend_schema(request=None, responses=DeskReportSerializer)
    def post(self, request, hospital_slug, pk):
        try:
            report = services.verify_and_report(order=self.desk_order(pk), by=request.user)
        except LabError as error:
            return _error(error)
        report = selectors.report_versions(report.order).get(pk=report.pk)
        return Response(DeskReportSerializer(report).data)
