"""JSON API of the patient's pharmacy: a hospital's medicines, and the patient's medicine orders.

The same services and rules as the pages. Errors name the field; an order's per-item errors
come as ``{"items": [{}, {"quantity": ["Only 3 left of …"]}]}``, one entry per item sent.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from healthstack.api import IdField
from hospitals.models import Hospital

from . import selectors, services
from .models import MAX_LINE_QUANTITY, MedicineOrder, MedicineOrderLine, PharmacyError


class MedicineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    generic_name = serializers.CharField()
    brand_name = serializers.CharField()
    strength = serializers.CharField()
    dosage_form = serializers.CharField()
    unit = serializers.CharField()
    pack = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    prescription_only = serializers.BooleanField()
    manufacturer = serializers.CharField()
    availability = serializers.ChoiceField(choices=selectors.Availability.choices,
                                           help_text="in_stock, few_left or out_of_stock")
    units_available = serializers.IntegerField(help_text="Units free to buy now.")


class OrderLineSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="medicine.display_name", read_only=True)
    unit_price = serializers.DecimalField(source="charged_unit_price", max_digits=12, decimal_places=2,
                                          read_only=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = MedicineOrderLine
        fields = ["id", "medicine", "name", "quantity", "unit_price", "total", "quantity_dispensed"]
        read_only_fields = fields


class MedicineOrderSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    hospital = serializers.CharField(source="hospital.slug", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    page_url = serializers.SerializerMethodField(help_text="The order's page, where it is paid.")

    class Meta:
        model = MedicineOrder
        fields = ["id", "number", "hospital", "hospital_name", "status", "status_display", "amount", "currency",
                  "delivery", "delivery_address", "delivery_fee", "prescription", "hold_expires_at",
                  "checked_out_at", "paid_at", "ready_at", "fill_note", "refund_due", "status_reason", "lines",
                  "page_url"]
        read_only_fields = fields

    def get_page_url(self, order) -> str:
        return reverse("pharmacy:order", args=[order.pk])


class OrderItemSerializer(serializers.Serializer):
    medicine = IdField(help_text="A medicine id of this hospital.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class PlaceOrderSerializer(serializers.Serializer):
    hospital = serializers.SlugField(help_text="The hospital's slug.")
    items = OrderItemSerializer(many=True, allow_empty=False)
    prescription = IdField(required=False, allow_null=True,
                           help_text="An issued prescription of yours that lists the prescription-only medicines.")
    delivery = serializers.BooleanField(required=False, default=False)
    delivery_address = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


def _error_body(error: PharmacyError, count: int) -> dict:
    """A PharmacyError as DRF-style field errors; an item's error sits at its index of ``items``."""
    field = error.field or "non_field_errors"
    if isinstance(error, services.StockShortage):
        items = [{} for _ in range(count)]
        for shortage in error.shortages:
            if 0 <= shortage.item < count:
                items[shortage.item] = {"quantity": [shortage.message]}
        return {"items": items}
    if error.item is not None and 0 <= error.item < count:
        items = [{} for _ in range(count)]
        items[error.item] = {field: [error.message]}
        return {"items": items}
    return {field: [error.message]}


def _item_list_errors(errors: dict, data) -> dict:
    """DRF keys a list's errors by index ({"items": {1: {...}}}); answer them as one entry per item sent,
    as the services' errors are, so a client reads both the same way. An error about the list as a
    whole (empty, not a list) is a plain list of messages."""
    items = errors.get("items")
    sent = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, dict) and "non_field_errors" in items:
        errors = {**errors, "items": list(items["non_field_errors"])}
    elif isinstance(items, dict) and isinstance(sent, list):
        errors = {**errors, "items": [items.get(index, {}) for index in range(len(sent))]}
    return errors


_MESSAGES = {"type": "array", "items": {"type": "string"}}
ORDER_ERRORS_SCHEMA = {
    "type": "object",
    "description": "What was wrong: {field: [messages]}; under items, either messages about the list or one "
                   "object per item sent ({} when that item was fine), such as "
                   "{\"quantity\": [\"Only 3 left of …\"]}.",
    "properties": {
        "detail": {"type": "string"},
        "items": {"anyOf": [_MESSAGES, {"type": "array", "items": {"type": "object",
                                                                     "additionalProperties": _MESSAGES}}]},
    },
    "additionalProperties": _MESSAGES,
}


def _own_orders(user):
    return selectors.patient_orders(user)


class HospitalMedicines(ListAPIView):
    """A listed hospital's medicines on sale, matching ``?q=`` (generic or brand name), with availability."""

    permission_classes = [AllowAny]
    serializer_class = MedicineSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Part of a generic or brand name.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        hospital = get_object_or_404(Hospital.objects.approved(), slug=self.kwargs["slug"])
        q = self.request.query_params.get("q", "")
        return selectors.shop_medicines(hospital, q=q[:120] if isinstance(q, str) else "")


class MyMedicineOrders(ListAPIView):
    """GET: the signed-in patient's medicine orders, newest first. POST: order medicines from one hospital.

    POST reserves the stock and returns the order awaiting payment (pay it on ``page_url``), or a
    400 naming the field, with per-item errors such as "Only 3 left of …" under ``items``.
    """

    permission_classes = [IsAuthenticated]
    serializer_class = MedicineOrderSerializer

    def get_queryset(self):
        return _own_orders(self.request.user)

    @extend_schema(request=PlaceOrderSerializer, responses={
        201: MedicineOrderSerializer,
        400: OpenApiResponse(ORDER_ERRORS_SCHEMA, description="The order was not placed; each field or item says why."),
    })
    def post(self, request):
        body = PlaceOrderSerializer(data=request.data)
        if not body.is_valid():
            return Response(_item_list_errors(body.errors, request.data), status=status.HTTP_400_BAD_REQUEST)
        data = body.validated_data
        hospital = Hospital.objects.approved().filter(slug=data["hospital"]).first()
        if hospital is None:
            return Response({"hospital": ["No such hospital."]}, status=status.HTTP_400_BAD_REQUEST)
        items = [dict(item) for item in data["items"]]
        try:
            order = services.place_order(patient=request.user, hospital=hospital, items=items,
                                         prescription=data.get("prescription"), delivery=data["delivery"],
                                         delivery_address=data["delivery_address"])
        except PharmacyError as error:
            return Response(_error_body(error, len(items)), status=status.HTTP_400_BAD_REQUEST)
        order = _own_orders(request.user).get(pk=order.pk)
        return Response(MedicineOrderSerializer(order).data, status=status.HTTP_201_CREATED)


class MyMedicineOrder(RetrieveAPIView):
    """One of the signed-in patient's medicine orders; another's is a 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = MedicineOrderSerializer

    def get_queryset(self):
        return _own_orders(self.request.user)


class CancelMedicineOrder(APIView):
    """Cancel before the medicines are ready: the stock goes back and what was paid is refunded in full."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=CancelSerializer, responses=MedicineOrderSerializer)
    def post(self, request, pk):
        order = get_object_or_404(MedicineOrder.objects.for_patient(request.user).placed(), pk=pk)
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.cancel_order(order=order, by=request.user, reason=body.validated_data["reason"])
        except PharmacyError as error:
            return Response(_error_body(error, 0), status=status.HTTP_400_BAD_REQUEST)
        return Response(MedicineOrderSerializer(_own_orders(request.user).get(pk=pk)).data)
