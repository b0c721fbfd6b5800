"""Public pages: home, hospitals, departments, doctors; and registering a new hospital."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from healthstack.pagination import paginate

from . import services
from .forms import HospitalForm, SearchForm
from .models import Department, Hospital, Membership
from .selectors import listed_doctors, search_doctors


def _listed_cities():
    return Hospital.objects.listed().order_by("city").values_list("city", flat=True).distinct()


def home(request):
    hospitals = Hospital.objects.listed().annotate(
        department_count=Count("departments", filter=Q(departments__is_active=True), distinct=True)
    )[:6]
    specialisations = (
        listed_doctors().order_by().values_list("specialisation", flat=True).distinct().order_by("specialisation")[:12]
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
    return render(request, "hospitals/hospital_list.html", {"form": form, "page_obj": paginate(request, hospitals)})


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
        "hospital": hospital, "department": department, "page_obj": paginate(request, doctors),
    })


def doctor_list(request):
    form = SearchForm(request.GET or None, cities=_listed_cities())
    filters = form.cleaned_data if form.is_valid() else {}
    doctors = search_doctors(filters.get("q", ""), city=filters.get("city", ""))
    return render(request, "hospitals/doctor_list.html", {"form": form, "page_obj": paginate(request, doctors)})


def doctor_detail(request, pk):
    doctor = get_object_or_404(listed_doctors(), pk=pk)
    return render(request, "hospitals/doctor_detail.html", {
        "doctor": doctor, "memberships": doctor.user.listed_memberships,
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


