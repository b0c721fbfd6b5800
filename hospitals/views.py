"""Public pages: home, hospitals, departments, doctors; and registering a new hospital."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import DoctorProfile

from . import services
from .doctor_page import filled_sections
from .forms import HospitalForm, SearchForm
from .models import Department, Hospital, Membership


def _page(request, queryset, per_page=None):
    from django.conf import settings

    return Paginator(queryset, per_page or settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _listed_cities():
    return Hospital.objects.listed().order_by("city").values_list("city", flat=True).distinct()


def listed_doctors():
    """Doctors with at least one approved membership at a listed hospital, with those memberships."""
    bookable = Membership.objects.bookable().select_related("hospital", "department").order_by("hospital__name")
    return (
        DoctorProfile.objects.filter(user__memberships__in=Membership.objects.bookable())
        .distinct()
        .select_related("user")
        .prefetch_related(Prefetch("user__memberships", queryset=bookable, to_attr="listed_memberships"))
    )


def home(request):
    hospitals = Hospital.objects.listed().annotate(
        department_count=Count("departments", filter=Q(departments__is_active=True), distinct=True)
    )[:6]
    specialisations = (
        DoctorProfile.objects.filter(user__memberships__in=Membership.objects.bookable())
        .values_list("specialisation", flat=True).distinct().order_by("specialisation")[:12]
    )
    return render(request, "hospitals/home.html", {
        "form": SearchForm(cities=_listed_cities()),
        "hospitals": hospitals,
        "specialisations": specialisations,
        "stats": {
            "hospitals": Hospital.objects.listed().count(),
            "doctors": listed_doctors().count(),
        },
    })


def hospital_list(request):
    form = SearchForm(request.GET or None, cities=_listed_cities())
    hospitals = Hospital.objects.listed()
    if form.is_valid():
        hospitals = hospitals.search(form.cleaned_data["q"])
        if form.cleaned_data["city"]:
            hospitals = hospitals.filter(city__iexact=form.cleaned_data["city"])
    hospitals = hospitals.annotate(
        department_count=Count("departments", filter=Q(departments__is_active=True), distinct=True),
        doctor_count=Count("memberships", filter=Q(memberships__role="doctor", memberships__status="approved"),
                           distinct=True),
    ).order_by("name")
    return render(request, "hospitals/hospital_list.html", {"form": form, "page_obj": _page(request, hospitals)})


def hospital_detail(request, slug):
    hospital = get_object_or_404(Hospital.objects.listed(), slug=slug)
    departments = hospital.departments.active().annotate(
        doctor_count=Count("memberships", filter=Q(memberships__role="doctor", memberships__status="approved"))
    )
    return render(request, "hospitals/hospital_detail.html", {"hospital": hospital, "departments": departments})


def department_detail(request, slug, department_slug):
    hospital = get_object_or_404(Hospital.objects.listed(), slug=slug)
    department = get_object_or_404(hospital.departments.active(), slug=department_slug)
    doctors = (
        Membership.objects.bookable().filter(department=department).with_people().order_by("user__full_name")
    )
    return render(request, "hospitals/department_detail.html", {
        "hospital": hospital, "department": department, "page_obj": _page(request, doctors),
    })


def doctor_list(request):
    form = SearchForm(request.GET or None, cities=_listed_cities())
    doctors = listed_doctors()
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            matching = Membership.objects.bookable().filter(
                Q(user__full_name__icontains=text) | Q(user__doctor_profile__specialisation__icontains=text)
                | Q(department__name__icontains=text) | Q(hospital__name__icontains=text)
                | Q(hospital__city__icontains=text)
            )
            doctors = doctors.filter(user__memberships__in=matching)
        if form.cleaned_data["city"]:
            doctors = doctors.filter(
                user__memberships__in=Membership.objects.bookable().filter(hospital__city__iexact=form.cleaned_data["city"])
            )
    doctors = doctors.order_by("user__full_name")
    return render(request, "hospitals/doctor_list.html", {"form": form, "page_obj": _page(request, doctors)})


def doctor_detail(request, pk):
    doctor = get_object_or_404(listed_doctors(), pk=pk)
    memberships = doctor.user.listed_memberships
    return render(request, "hospitals/doctor_detail.html", {
        "doctor": doctor, "memberships": memberships,
        "summary_sections": filled_sections("summary", doctor=doctor, request=request),
        "body_sections": filled_sections("body", doctor=doctor, request=request),
        "hospital_sections": [(m, filled_sections("per_hospital", doctor=doctor, request=request, membership=m))
                              for m in memberships],
    })


@login_required
@require_http_methods(["GET", "POST"])
def register_hospital(request):
    form = HospitalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in HospitalForm.field_names}
        hospital = services.register_hospital(user=request.user, logo=form.cleaned_data["logo"], **data)
        messages.success(request, _(
            "%(hospital)s is registered and you are its administrator. Set up departments and doctors now; "
            "patients find the hospital once the HealthStack team approves it and it has a department with "
            "an approved doctor."
        ) % {"hospital": hospital.name})
        return redirect("manage:dashboard", hospital.slug)
    return render(request, "hospitals/hospital_register.html", {"form": form})


