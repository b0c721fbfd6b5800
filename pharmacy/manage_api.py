"""The pharmacist's JSON API under /api/v1/manage/<hospital>/pharmacy/: the desk's services behind the same guard.

Errors are JSON naming the field at fault, as pharmacy.services names it (``{"quantity": ["…"]}``);
another hospital's medicine or order is a 404.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from healthstack.api import IdField
from hospitals.models import Membership
from hospitals.permissions import HospitalRolePermission

from . import selectors, services
from .models import Medicine, MedicineOrder, MedicineOrderLine, StockBatch

Role = Membership.Role


class StockMedicineSerializer(serializers.ModelSerializer):
    units_on_hand = serializers.IntegerField(read_only=True, help_text="Units in unexpired batches.")
    units_reserved = serializers.IntegerField(read_only=True)
    units_available = serializers.IntegerField(read_only=True, help_text="Free to sell: on hand minus reserved.")
    availability = serializers.ChoiceField(choices=selectors.Availability.choices, read_only=True)
    next_expiry = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Medicine
        fields = ["id", "generic_name", "brand_name", "strength", "dosage_form", "unit", "pack", "unit_price",
                  "currency", "prescription_only", "reorder_level", "active", "manufacturer", "units_on_hand",
                  "units_reserved", "units_available", "availability", "next_expiry"]
        read_only_fields = fields


class MedicineInputSerializer(serializers.Serializer):
    generic_name = serializers.CharField(max_length=120)
    brand_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    strength = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    dosage_form = serializers.ChoiceField(choices=Medicine.DosageForm.choices)
    unit = serializers.CharField(max_length=30)
    pack = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    prescription_only = serializers.BooleanField(required=False, default=False)
    reorder_level = serializers.IntegerField(min_value=0, max_value=services.MAX_BATCH_QUANTITY, required=False,
                                             default=0)
    active = serializers.BooleanField(required=False, default=True)
    manufacturer = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class BatchInputSerializer(serializers.Serializer):
    batch_number = serializers.CharField(max_length=40)
    expiry_date = serializers.DateField(help_text="Must be after today (the hospital's date).")
    quantity = serializers.IntegerField(min_value=1, max_value=services.MAX_BATCH_QUANTITY)
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, help_text="Unit cost.")
    supplier = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class BatchSerializer(serializers.ModelSerializer):
    medicine = serializers.IntegerField(source="medicine_id", read_only=True)

    class Meta:
        model = StockBatch
        fields = ["id", "medicine", "batch_number", "expiry_date", "quantity_received", "quantity_on_hand",
                  "quantity_reserved", "cost", "supplier", "received_at"]
        read_only_fields = fields


class DeskOrderLineSerializer(serializers.ModelSerializer):
    medicine = serializers.IntegerField(source="medicine_id", read_only=True)
    medicine_name = serializers.CharField(source="medicine.display_name", read_only=True)
    unit_price = serializers.DecimalField(source="charged_unit_price", max_digits=12, decimal_places=2,
                                          read_only=True)

    class Meta:
        model = MedicineOrderLine
        fields = ["id", "medicine", "medicine_name", "quantity", "unit_price", "quantity_dispensed"]
        read_only_fields = fields


class DeskOrderSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    has_prescription = serializers.SerializerMethodField()
    lines = DeskOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = MedicineOrder
        fields = ["id", "number", "status", "status_display", "patient_name", "amount", "currency", "delivery",
                  "delivery_address", "delivery_fee", "fill_note", "refund_due", "paid_at", "ready_at",
                  "has_prescription", "lines"]
        read_only_fields = fields

    def get_has_prescription(self, order) -> bool:
        return order.prescription_id is not None


class DispensedLineSerializer(serializers.Serializer):
    line = IdField(help_text="An order line's id.")
    quantity = serializers.IntegerField(min_value=0, max_value=services.MAX_BATCH_QUANTITY)


class ReadyInputSerializer(serializers.Serializer):
    dispensed = DispensedLineSerializer(many=True, required=False,
                                        help_text="Units handed over per line; a line left out is filled in full.")
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="",
                                 help_text="Required when a line is filled only in part.")


def _error(exc: services.PharmacyError) -> Response:
    return Response({exc.field or "non_field_errors": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)


class PharmacyDeskMixin:
    permission_classes = [HospitalRolePermission]
    allowed_roles = (Role.PHARMACIST, Role.ADMIN)

    def desk_medicine(self, pk) -> Medicine:
        return get_object_or_404(Medicine.objects.for_hospital(self.request.hospital), pk=pk)

    def desk_order(self, pk) -> MedicineOrder:
        return get_object_or_404(MedicineOrder.objects.for_hospital(self.request.hospital).placed().with_people(),
                                 pk=pk)

    def order_answer(self, order) -> Response:
        order = selectors.orders_queue(self.request.hospital, status=order.status).get(pk=order.pk)
        return Response(DeskOrderSerializer(order).data)


class DeskMedicines(PharmacyDeskMixin, ListAPIView):
    """The hospital's medicines with their stock (``?q=`` generic or brand name); POST adds one to the catalogue."""

    serializer_class = StockMedicineSerializer

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Generic or brand name.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.stock_list(self.request.hospital, q=self.request.query_params.get("q", "")[:100])

    @extend_schema(request=MedicineInputSerializer, responses={201: StockMedicineSerializer})
    def post(self, request, hospital_slug):
        data = MedicineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            medicine = services.create_medicine(hospital=request.hospital, by=request.user, **data.validated_data)
        except services.PharmacyError as exc:
            return _error(exc)
        medicine = selectors.stock_list(request.hospital).get(pk=medicine.pk)
        return Response(StockMedicineSerializer(medicine).data, status=status.HTTP_201_CREATED)


class DeskReceiveBatch(PharmacyDeskMixin, APIView):
    """Receive a batch of one of the hospital's medicines: a future expiry, whole units, a unit cost."""

    @extend_schema(request=BatchInputSerializer, responses={201: BatchSerializer})
    def post(self, request, hospital_slug, pk):
        medicine = self.desk_medicine(pk)
        data = BatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            batch = services.receive_stock(medicine=medicine, by=request.user, **data.validated_data)
        except services.PharmacyError as exc:
            return _error(exc)
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class DeskOrders(PharmacyDeskMixin, ListAPIView):
    """The hospital's medicine orders: ``?status=`` one status, or by default everything still to hand over."""

    serializer_class = DeskOrderSerializer

    @extend_schema(parameters=[OpenApiParameter(
        "status", OpenApiTypes.STR, enum=[s for s in MedicineOrder.Status.values if s != MedicineOrder.Status.CART])])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "")
        if wanted and (wanted not in MedicineOrder.Status.values or wanted == MedicineOrder.Status.CART):
            raise ValidationError({"status": [_("Choose one of the order statuses (not cart).")]})
        return selectors.orders_queue(self.request.hospital, status=wanted or None)


class DeskOrderReady(PharmacyDeskMixin, APIView):
    """Dispense a paid (or preparing) order and tell the patient: the reserved batches, earliest expiry first.

    A paid order is moved to preparing first. ``dispensed`` hands over part of a line (with a ``note``).
    """

    @extend_schema(request=ReadyInputSerializer, responses=DeskOrderSerializer)
    def post(self, request, hospital_slug, pk):
        order = self.desk_order(pk)
        data = ReadyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispensed = {row["line"]: row["quantity"] for row in data.validated_data.get("dispensed", [])}
        try:
            if order.status == MedicineOrder.Status.PAID:
                order = services.start_preparing(order=order, by=request.user)
            order = services.mark_ready(order=order, by=request.user, dispensed=dispensed,
                                        note=data.validated_data["note"])
        except services.PharmacyError as exc:
            return _error(exc)
        return self.order_answer(order)


class DeskOrderCollected(PharmacyDeskMixin, APIView):
    """The patient collected a ready order at the counter."""

    @extend_schema(request=None, responses=DeskOrderSerializer)
    def post(self, request, hospital_slug, pk):
        try:
            order = services.mark_collected(order=self.desk_order(pk), by=request.user)
        except services.PharmacyError as exc:
            return _error(exc)
        return self.order_answer(order)
