"""The hospital admin's desk under /manage/<hospital>/. Every view passes the tenancy guard."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from healthstack.files import private_file_response
from healthstack.pages import paginate

from . import services
from .dashboard import filled_panels, role_home_url
from .forms import (
    ApproveApplicationForm,
    DepartmentForm,
    HospitalSettingsForm,
    InviteStaffForm,
    OptionalReasonForm,
    ReasonForm,
    StaffFilterForm,
)
from .models import Department, DoctorCertificate, Membership, StaffInvitation
from .permissions import Role, has_role, hospital_role_required
from .selectors import listing_gaps



@hospital_role_required()
def dashboard(request):
    """Each role's home here: a single-role member with a registered home (the front desk) goes there;
    everyone else gets the panels the apps registered for their roles (hospitals/dashboard.py)."""
    hospital = request.hospital
    home = role_home_url(request.roles, hospital.slug)
    if home:
        return redirect(home)
    context = {
        "hospital": hospital, "is_admin": has_role(request, Role.ADMIN),
        "panels": filled_panels(hospital=hospital, user=request.user, memberships=request.role_memberships),
    }
    if context["is_admin"]:
        counts = Membership.objects.for_hospital(hospital).aggregate(
            doctors=Count("pk", filter=Q(role=Role.DOCTOR, status=Membership.Status.APPROVED)),
            staff=Count("pk", filter=Q(status=Membership.Status.APPROVED) & ~Q(role=Role.DOCTOR)),
            pending=Count("pk", filter=Q(role=Role.DOCTOR, status=Membership.Status.PENDING)),
            suspended=Count("pk", filter=Q(status=Membership.Status.SUSPENDED)),
        )
        counts["departments"] = Department.objects.for_hospital(hospital).active().count()
        counts["invitations"] = StaffInvitation.objects.filter(hospital=hospital).open().count()
        context["counts"] = counts
        context["listing_gaps"] = listing_gaps(hospital)
    return render(request, "hospitals/manage/dashboard.html", context)


@hospital_role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def hospital_settings(request):
    hospital = request.hospital
    form = HospitalSettingsForm(request.POST or None, request.FILES or None,
                                initial=HospitalSettingsForm.initial_for(hospital))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in HospitalSettingsForm.field_names}
        services.update_hospital(hospital=hospital, logo=form.cleaned_data["logo"], **data)
        messages.success(request, "Hospital details saved.")
        return redirect("manage:settings", hospital.slug)
    return render(request, "hospitals/manage/settings.html", {"form": form, "hospital": hospital})


@hospital_role_required(Role.ADMIN)
def departments(request):
    items = Department.objects.for_hospital(request.hospital).annotate(
        doctor_count=Count("memberships", filter=Q(memberships__role=Role.DOCTOR,
                                                   memberships__status=Membership.Status.APPROVED))
    ).order_by("-is_active", "name")
    return render(request, "hospitals/manage/department_list.html", {
        "departments": items, "form": DepartmentForm(),
    })


@hospital_role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def department_form(request, pk=None):
    department = get_object_or_404(Department.objects.for_hospital(request.hospital), pk=pk) if pk else None
    initial = {"name": department.name, "description": department.description} if department else None
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if department:
                services.update_department(department=department, **form.cleaned_data)
            else:
                department = services.create_department(hospital=request.hospital, **form.cleaned_data)
        except services.HospitalError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"Department “{department.name}” saved.")
            return redirect("manage:departments", request.hospital.slug)
    return render(request, "hospitals/manage/department_form.html", {"form": form, "department": department})


@hospital_role_required(Role.ADMIN)
@require_POST
def department_toggle(request, pk):
    department = get_object_or_404(Department.objects.for_hospital(request.hospital), pk=pk)
    services.set_department_active(department=department, active=not department.is_active)
    state = "reactivated" if department.is_active else "deactivated: patients no longer see it"
    messages.success(request, f"“{department.name}” {state}.")
    return redirect("manage:departments", request.hospital.slug)


@hospital_role_required(Role.ADMIN)
def staff(request):
    filters = StaffFilterForm(request.GET or None)
    members = Membership.objects.for_hospital(request.hospital).exclude(status=Membership.Status.PENDING)
    if filters.is_valid():
        if filters.cleaned_data["role"]:
            members = members.filter(role=filters.cleaned_data["role"])
        if filters.cleaned_data["status"]:
            members = members.filter(status=filters.cleaned_data["status"])
    members = members.with_people().order_by("role", "user__full_name")
    invitations = StaffInvitation.objects.filter(hospital=request.hospital).open().select_related("invited_by")
    return render(request, "hospitals/manage/staff_list.html", {
        "page_obj": paginate(request, members),
        "filters": filters, "invitations": invitations, "invite_form": InviteStaffForm(),
    })


@hospital_role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def staff_invite(request):
    form = InviteStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_staff(hospital=request.hospital, by=request.user, **form.cleaned_data)
        except services.HospitalError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("manage:staff", request.hospital.slug)
    return render(request, "hospitals/manage/staff_invite.html", {"form": form})


@hospital_role_required(Role.ADMIN)
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(StaffInvitation.objects.filter(hospital=request.hospital).open(), pk=pk)
    services.revoke_invitation(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("manage:staff", request.hospital.slug)


@hospital_role_required(Role.ADMIN)
@require_POST
def staff_suspend(request, pk):
    membership = get_object_or_404(Membership.objects.for_hospital(request.hospital), pk=pk)
    form = OptionalReasonForm(request.POST)
    try:
        services.suspend_member(membership=membership, by=request.user,
                                reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except services.HospitalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{membership.user.full_name} was suspended.")
    return redirect("manage:staff", request.hospital.slug)


@hospital_role_required(Role.ADMIN)
@require_POST
def staff_restore(request, pk):
    membership = get_object_or_404(Membership.objects.for_hospital(request.hospital), pk=pk)
    try:
        services.restore_member(membership=membership, by=request.user)
    except services.HospitalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{membership.user.full_name} was restored.")
    return redirect("manage:staff", request.hospital.slug)


def _applications(hospital):
    return Membership.objects.for_hospital(hospital).doctors().with_people()


@hospital_role_required(Role.ADMIN)
def applications(request):
    status = request.GET.get("status") or Membership.Status.PENDING
    if status not in Membership.Status.values:
        status = Membership.Status.PENDING
    items = (
        _applications(request.hospital).filter(status=status)
        .annotate(certificate_count=Count("certificates")).order_by("-created_at")
    )
    return render(request, "hospitals/manage/application_list.html", {
        "page_obj": paginate(request, items),
        "status": status, "statuses": Membership.Status.choices,
    })


@hospital_role_required(Role.ADMIN)
def application_detail(request, pk):
    membership = get_object_or_404(_applications(request.hospital).prefetch_related("certificates"), pk=pk)
    approve_form = ApproveApplicationForm(hospital=request.hospital, initial={
        "department": membership.department_id, "consultation_fee": membership.consultation_fee,
    })
    return render(request, "hospitals/manage/application_detail.html", {
        "application": membership, "approve_form": approve_form, "reject_form": ReasonForm(),
    })


@hospital_role_required(Role.ADMIN)
@require_POST
def application_decide(request, pk, decision):
    membership = get_object_or_404(_applications(request.hospital), pk=pk)
    if decision == "approve":
        form = ApproveApplicationForm(request.POST, hospital=request.hospital)
        action = services.approve_application
    else:
        form = ReasonForm(request.POST)
        action = services.reject_application
    if form.is_valid():
        try:
            action(membership=membership, by=request.user, **form.cleaned_data)
        except services.HospitalError as exc:
            messages.error(request, str(exc))
        else:
            verb = "approved" if decision == "approve" else "rejected"
            messages.success(request, f"The application of Dr. {membership.user.full_name} was {verb}; they were emailed.")
            return redirect("manage:applications", request.hospital.slug)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("manage:application-detail", request.hospital.slug, membership.pk)


@hospital_role_required(Role.ADMIN)
def certificate_download(request, pk):
    certificate = get_object_or_404(
        DoctorCertificate.objects.filter(hospital=request.hospital).select_related("membership"), pk=pk
    )
    return private_file_response(certificate.file, stem=f"certificate-{certificate.pk}", kind=certificate.kind)
