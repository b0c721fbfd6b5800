"""Public pages: home, hospitals, departments, doctors; registering a new hospital; a doctor's
applications to hospitals, accepting a staff invitation and picking the hospital to work at."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.backends import AUTH_BACKEND
from accounts.forms import InvitationAcceptForm
from healthstack.pages import paginate

from . import services
from .doctor_page import filled_sections
from .forms import DoctorApplicationForm, HospitalForm, SearchForm
from .models import Hospital, Membership, StaffInvitation
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


@login_required
def dashboard(request):
    """Send each user to their role home; a user on several hospitals' staff picks one."""
    memberships = list(
        Membership.objects.active().filter(user=request.user).select_related("hospital").order_by("hospital__name")
    )
    hospitals = {m.hospital_id: m.hospital for m in memberships}
    if len(hospitals) == 1:
        return redirect("manage:dashboard", next(iter(hospitals.values())).slug)
    if len(hospitals) > 1:
        return render(request, "hospitals/pick_hospital.html", {"memberships": memberships})
    if request.user.is_staff and not request.user.is_patient and not request.user.is_doctor:
        return redirect("admin:index")
    return redirect("me:home")


@login_required
def applications(request):
    if not request.user.is_doctor:
        messages.info(request, "Applications to hospitals are for doctors.")
        return redirect("me:home")
    mine = (
        Membership.objects.filter(user=request.user, role=Membership.Role.DOCTOR)
        .select_related("hospital", "department").prefetch_related("certificates").order_by("-created_at")
    )
    taken = {m.hospital_id for m in mine if m.status != Membership.Status.REJECTED}
    hospitals = Hospital.objects.approved().exclude(pk__in=taken).order_by("city", "name")
    page = paginate(request, hospitals)
    return render(request, "hospitals/applications.html", {"applications": mine, "page_obj": page})


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, hospital_slug):
    if not request.user.is_doctor:
        messages.info(request, "Sign up as a doctor to apply to hospitals.")
        return redirect("accounts:signup-doctor")
    hospital = get_object_or_404(Hospital.objects.approved(), slug=hospital_slug)
    form = DoctorApplicationForm(request.POST or None, request.FILES or None, hospital=hospital)
    if request.method == "POST" and form.is_valid():
        try:
            services.apply_to_hospital(user=request.user, hospital=hospital, **form.cleaned_data)
        except services.HospitalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Your application to {hospital.name} was sent. You will get an email when it is decided.")
            return redirect("hospitals:applications")
    return render(request, "hospitals/apply.html", {"form": form, "hospital": hospital})


@require_http_methods(["GET", "POST"])
def accept_staff_invitation(request, token):
    invitation = StaffInvitation.objects.select_related("hospital", "invited_by").filter(token=token).first()
    if invitation is None or not invitation.is_open:
        return render(request, "hospitals/invitation_invalid.html", status=404)
    signed_in = request.user.is_authenticated
    form = None if signed_in else InvitationAcceptForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            with transaction.atomic():
                membership = services.accept_invitation(
                    token=token, user=request.user if signed_in else None,
                    password=None if signed_in else form.cleaned_data["password1"],
                    phone="" if signed_in else form.cleaned_data["phone"],
                )
        except services.HospitalError as exc:
            messages.error(request, str(exc))
        else:
            if not signed_in:
                login(request, membership.user, backend=AUTH_BACKEND)
            messages.success(request, f"Welcome to {membership.hospital.name}.")
            return redirect("manage:dashboard", membership.hospital.slug)
    return render(request, "hospitals/invitation_accept.html", {"invitation": invitation, "form": form})
