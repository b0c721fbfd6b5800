"""JSON API for appointments: the same services and rules as the pages."""

from datetime import date

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from healthstack.api import IdField
from hospitals.models import Membership
from hospitals.permissions import HospitalRolePermission

from . import services
from .models import Appointment
from .slots import free_slots

Role = Membership.Role


class AppointmentSerializer(serializers.ModelSerializer):
    hospital = serializers.CharField(source="hospital.slug", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    doctor_name = serializers.CharField(source="membership.user.full_name", read_only=True)
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    patient_phone = serializers.CharField(source="patient.phone", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Appointment
        fields = ["id", "hospital", "hospital_name", "membership", "doctor_name", "patient_name", "patient_phone",
                  "date", "start_time", "end_time", "reason", "status", "status_display", "token_number", "fee",
                  "currency", "status_reason", "hold_expires_at"]
        read_only_fields = fields


class BookingSerializer(serializers.Serializer):
    membership = IdField(help_text="The doctor's membership id (see /api/v1/doctors/ practices).")
    date = serializers.DateField()
    start_time = serializers.TimeField(format="%H:%M")
    reason = serializers.CharField(max_length=1000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class SlotSerializer(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")


def _error(exc: services.AppointmentError, field="non_field_errors"):
    return Response({field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)


class FreeSlots(APIView):
    """Free slots of a doctor membership on a date, in the hospital's local time."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
                   responses=SlotSerializer(many=True))
    def get(self, request, membership_id):
        membership = get_object_or_404(Membership.objects.bookable().select_related("hospital"), pk=membership_id)
        try:
            day = date.fromisoformat(request.query_params.get("date", ""))
        except ValueError:
            return Response({"date": ["Give a date as YYYY-MM-DD."]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(SlotSerializer(free_slots(membership, day), many=True).data)


class MyAppointments(ListAPIView):
    """GET: the signed-in patient's appointments, newest first. POST: book one."""

    permission_classes = [IsAuthenticated]
    serializer_class = AppointmentSerializer

    def get_queryset(self):
        return Appointment.objects.for_patient(self.request.user).with_people().order_by("-date", "-start_time")

    @extend_schema(request=BookingSerializer, responses={201: AppointmentSerializer})
    def post(self, request):
        booking = BookingSerializer(data=request.data)
        booking.is_valid(raise_exception=True)
        data = booking.validated_data
        membership = Membership.objects.doctors().filter(pk=data["membership"]).first()
        if membership is None:
            return Response({"membership": ["No such doctor at any hospital."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            appointment = services.book_appointment(patient=request.user, membership=membership, day=data["date"],
                                                    start=data["start_time"], reason=data["reason"])
        except services.AppointmentError as exc:
            return _error(exc)
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class MyAppointment(RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AppointmentSerializer

    def get_queryset(self):
        return Appointment.objects.for_patient(self.request.user).with_people()


class CancelAppointment(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonSerializer, responses=AppointmentSerializer)
    def post(self, request, pk):
        appointment = get_object_or_404(Appointment.objects.for_patient(request.user), pk=pk)
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        try:
            appointment = services.cancel_appointment(appointment=appointment, by=request.user,
                                                      reason=reason.validated_data["reason"])
        except services.AppointmentError as exc:
            return _error(exc)
        return Response(AppointmentSerializer(appointment).data)


class DeskMixin:
    permission_classes = [HospitalRolePermission]
    allowed_roles = (Role.RECEPTIONIST, Role.ADMIN)

    def desk_appointment(self, pk):
        return get_object_or_404(Appointment.objects.for_hospital(self.request.hospital), pk=pk)


class DeskAppointments(DeskMixin, ListAPIView):
    """Reception: the hospital's appointments on ?date=YYYY-MM-DD (default today), by doctor and time."""

    serializer_class = AppointmentSerializer

    @extend_schema(parameters=[OpenApiParameter("date", OpenApiTypes.DATE)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from .slots import local_now

        text = self.request.query_params.get("date", "")
        try:
            day = date.fromisoformat(text) if text else local_now(self.request.hospital).date()
        except ValueError:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"date": ["Give a date as YYYY-MM-DD."]}) from None
        return (
            Appointment.objects.for_hospital(self.request.hospital).on(day).with_people()
            .order_by("membership__user__full_name", "start_time")
        )


class ConfirmAppointment(DeskMixin, APIView):
    """Reception: confirm a requested appointment; the answer carries the token number."""

    @extend_schema(request=None, responses=AppointmentSerializer)
    def post(self, request, hospital_slug, pk):
        try:
            appointment = services.confirm_appointment(appointment=self.desk_appointment(pk), by=request.user)
        except services.AppointmentError as exc:
            return _error(exc)
        return Response(AppointmentSerializer(appointment).data)


class RejectAppointment(DeskMixin, APIView):
    """Reception: reject a requested appointment with a reason the patient is told."""

    @extend_schema(request=ReasonSerializer, responses=AppointmentSerializer)
    def post(self, request, hospital_slug, pk):
        appointment = self.desk_appointment(pk)
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        try:
            appointment = services.reject_appointment(appointment=appointment, by=request.user,
                                                      reason=reason.validated_data["reason"])
        except services.AppointmentError as exc:
            return _error(exc, "reason")
        return Response(AppointmentSerializer(appointment).data)


class MarkNoShow(DeskMixin, APIView):
    """Reception: mark a confirmed appointment's patient as not come; refused before the slot starts."""

    @extend_schema(request=None, responses=AppointmentSerializer)
    def post(self, request, hospital_slug, pk):
        try:
            appointment = services.mark_no_show(appointment=self.desk_appointment(pk), by=request.user)
        except services.AppointmentError as exc:
            return _error(exc)
        return Response(AppointmentSerializer(appointment).data)
