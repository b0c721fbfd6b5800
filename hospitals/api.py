"""JSON API for the public directory: hospitals, departments, doctors."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from accounts.models import DoctorProfile

from .models import Department, Hospital, Membership
from .selectors import listed_doctors, search_doctors


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "slug", "description"]


class HospitalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hospital
        fields = ["id", "name", "slug", "city", "address", "phone", "email", "description", "time_zone",
                  "cancellation_cutoff_hours"]


class PracticeSerializer(serializers.ModelSerializer):
    membership_id = serializers.IntegerField(source="pk")
    hospital = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name")
    department = serializers.CharField(source="department.name")

    class Meta:
        model = Membership
        fields = ["membership_id", "hospital", "hospital_name", "department", "consultation_fee", "currency"]


class DoctorSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="user.full_name")
    practices = PracticeSerializer(source="user.listed_memberships", many=True)

    class Meta:
        model = DoctorProfile
        fields = ["id", "full_name", "specialisation", "qualifications", "years_of_practice", "bio", "practices"]


class HospitalList(generics.ListAPIView):
    """Listed hospitals; ?q= searches name, city, department, specialisation; ?city= filters."""

    permission_classes = [AllowAny]
    serializer_class = HospitalSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("city", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        hospitals = Hospital.objects.listed().search(self.request.query_params.get("q", "")[:100])
        city = self.request.query_params.get("city")
        return (hospitals.filter(city__iexact=city) if city else hospitals).order_by("name")


class HospitalDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = HospitalSerializer
    queryset = Hospital.objects.listed()
    lookup_field = "slug"


class DepartmentList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        hospital = get_object_or_404(Hospital.objects.listed(), slug=self.kwargs["slug"])
        return Department.objects.for_hospital(hospital).active().order_by("name")


class DoctorList(generics.ListAPIView):
    """Doctors at listed hospitals; ?q= searches name, specialisation, department, hospital, city."""

    permission_classes = [AllowAny]
    serializer_class = DoctorSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return search_doctors(self.request.query_params.get("q", ""))


class DoctorDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = DoctorSerializer

    def get_queryset(self):
        return listed_doctors()
