"""The doctor's side of the record under /manage/<hospital>/: patients, their record, prescriptions.

Every view passes the tenancy guard, finds the patient among the doctor's care relationships
(anyone else is a 404), and reads clinical data only through what services.read_patient_record
and services.read_record_item return: querysets narrowed by the patient's consent, with the
access log row already written.
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from appointments.models import Appointment
from appointments.slots import local_now
from healthstack.files import private_file_response
from healthstack.lookups import get_by_id_or_404
from healthstack.pages import paginate
from healthstack.pdf import PdfError
from hospitals.models import Membership
from hospitals.permissions import hospital_role_required

from . import services
from .forms import ClinicalProfileForm, PrescriptionForm, item_formset
from .models import AccessLog, Prescription
from .pages import pdf_response, timeline_context
from .prescription_parts import PartsRefused, detail_parts, editor_parts, save_parts
from .sections import record_sections_for
from .permissions import (
    can_view_record,
    care_appointments,
    doctor_memberships,
    patients_in_care,
    prescription_visit_problem,
)
from .selectors import (
    REVISIONS_SHOWN,
    ClinicalProfileView,
    RecordView,
    documents_readable_by,
    prescriptions_readable_by,
)

DOCTOR = Membership.Role.DOCTOR
Kind = AccessLog.ObjectType


def _staff(request) -> dict:
    return {"reader": request.user, "hospital": request.hospital, "role": request.membership.role}


def _read_record(request, patient, *, label="") -> RecordView:
    """Check and log a read of ``patient``'s record; a refusal is a 404."""
    try:
        return services.read_patient_record(patient=patient, label=label, **_staff(request))
    except services.RecordAccessDenied:
        raise Http404("No such patient record.") from None


def _read_item(request, items, pk, object_type) -> RecordView:
    """Check and log a read of one prescription or document among ``items``; a refusal is a 404."""
    try:
        return services.read_record_item(items=items, pk=pk, object_type=object_type, **_staff(request))
    except services.RecordAccessDenied:
        raise Http404("No such patient record.") from None


def _patient_in_care(request, patient_id):
    return get_by_id_or_404(patients_in_care(request.user).select_related("patient_profile"), patient_id)


def _clinical_form(clinical: ClinicalProfileView | None, data=None) -> ClinicalProfileForm:
    initial = {"allergies": clinical.allergies, "chronic_conditions": clinical.chronic_conditions} if clinical else None
    return ClinicalProfileForm(data, initial=initial)


def _with_visits(people, doctor_user, today):
    """Annotate ``last_visit`` (the latest completed or arrived visit) and ``next_visit`` (the earliest
    requested or confirmed one from ``today`` not yet arrived) with the doctor: two subqueries, no query per row."""
    Status = Appointment.Status
    visited = care_appointments(doctor_user).filter(
        Q(status=Status.COMPLETED) | Q(arrived_at__isnull=False), patient=OuterRef("pk")
    ).order_by("-date", "-start_time").values("date")[:1]
    coming = Appointment.objects.filter(
        membership__in=doctor_memberships(doctor_user), patient=OuterRef("pk"),
        status__in=[Status.REQUESTED, Status.CONFIRMED], date__gte=today, arrived_at__isnull=True,
    ).order_by("date", "start_time").values("date")[:1]
    return people.annotate(last_visit=Subquery(visited), next_visit=Subquery(coming))


@hospital_role_required(DOCTOR)
def patients(request):
    """Patients the doctor has a care relationship with, searchable, most recently seen first."""
    query = request.GET.get("q", "").strip()[:100]
    people = _with_visits(patients_in_care(request.user).select_related("patient_profile"), request.user,
                          local_now(request.hospital).date())
    if query:
        people = people.filter(
            Q(full_name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query)
            | Q(patient_profile__patient_number__iexact=query)
        )
    ordered = people.order_by(F("last_visit").desc(nulls_last=True), F("next_visit").asc(nulls_last=True), "full_name")
    return render(request, "records/manage/patients.html", {"query": query, "page_obj": paginate(request, ordered)})


@hospital_role_required(DOCTOR)
def patient_detail(request, patient_id):
    patient = _patient_in_care(request, patient_id)
    record = _read_record(request, patient, label="Health record")
    clinical = record.clinical_profile()
    visits_here = list(
        Appointment.objects.for_hospital(request.hospital).for_membership(request.membership)
        .filter(patient=patient).with_kept().order_by("-date", "-start_time")[:5]
    )
    return render(request, "records/manage/patient_detail.html", {
        **timeline_context(request, patient, scope=record.scope, draft_author=request.membership),
        "patient": patient,
        "profile": patient.patient_profile,
        "scope": record.scope,
        "clinical": clinical,
        "clinical_form": _clinical_form(clinical),
        "revisions": record.profile_revisions[:REVISIONS_SHOWN],
        "record_sections": record_sections_for(record, request.user),
        "appointments_here": visits_here,
        # "Write prescription" is for the latest of these the patient kept (none: a prescription of no visit).
        "prescribe_visit": next((visit for visit in visits_here if visit.is_kept), None),
    })


@hospital_role_required(DOCTOR)
@require_POST
def clinical_profile(request, patient_id):
    patient = _patient_in_care(request, patient_id)
    if not can_view_record(request.user, patient, hospital=request.hospital):
        raise Http404("No such patient record.")
    form = _clinical_form(None, request.POST)
    if form.is_valid():
        services.update_clinical_profile(patient=patient, by=request.user, hospital=request.hospital,
                                         **form.cleaned_data)
        messages.success(request, "Allergies and chronic conditions saved.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("clinical:patient", request.hospital.slug, patient.pk)


@hospital_role_required(DOCTOR)
def document_download(request, patient_id, pk):
    patient = _patient_in_care(request, patient_id)
    document = _read_item(request, documents_readable_by(request.user).for_patient(patient), pk, Kind.DOCUMENT).item
    return private_file_response(document.file, stem=document.download_stem, kind=document.file_kind)


def _readable_prescriptions(request):
    """Prescriptions the doctor may open (consent decides other hospitals'); drafts only the doctor's own."""
    return prescriptions_readable_by(request.user, draft_author=request.membership)


def _own_prescription(request, pk) -> Prescription:
    """A prescription this doctor wrote at this hospital (the ones they may change)."""
    return get_object_or_404(
        Prescription.objects.for_hospital(request.hospital).for_membership(request.membership).with_people(), pk=pk
    )


def _render_form(request, *, record: RecordView, form, formset, prescription=None, appointment=None, status=200,
                 part_errors=None):
    patient = record.patient
    return render(request, "records/manage/prescription_form.html", {
        "patient": patient, "profile": patient.patient_profile, "clinical": record.clinical_profile(),
        "form": form, "formset": formset, "prescription": prescription,
        "appointment": appointment or (prescription.appointment if prescription else None),
        "prescription_parts": editor_parts(prescription=prescription, hospital=request.hospital,
                                           data=request.POST if request.method == "POST" else None,
                                           errors=part_errors),
    }, status=status)


def _after_save(request, prescription):
    """Issue it too when the doctor pressed "Save and issue"; then show it."""
    if "issue" in request.POST:
        try:
            services.issue_prescription(prescription=prescription, by=request.user)
        except services.RecordsError as error:
            messages.error(request, f"Saved as a draft, not issued: {error}")
            return redirect("clinical:prescription-edit", request.hospital.slug, prescription.pk)
        messages.success(request, "Prescription issued. The patient has been notified.")
    else:
        messages.success(request, "Draft saved. Issue it when it is ready.")
    return redirect("clinical:prescription", request.hospital.slug, prescription.pk)


@hospital_role_required(DOCTOR)
@require_http_methods(["GET", "POST"])
def prescription_new(request):
    patient = _patient_in_care(request, request.GET.get("patient"))
    appointment = None
    if request.GET.get("appointment"):
        mine = Appointment.objects.for_hospital(request.hospital).for_membership(request.membership)
        appointment = get_by_id_or_404(mine.filter(patient=patient), request.GET["appointment"])
        problem = prescription_visit_problem(appointment)
        if problem:
            messages.error(request, problem)
            return redirect("clinical:patient", request.hospital.slug, patient.pk)
    record = _read_record(request, patient, label="Health record (writing a prescription)")
    form = PrescriptionForm(request.POST or None)
    formset = item_formset(request.POST or None)
    part_errors = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():  # the prescription and its parts (labs' tests…) together, or nothing
                prescription = services.create_prescription(
                    membership=request.membership, patient=patient, appointment=appointment, items=formset.items,
                    **form.cleaned_data,
                )
                save_parts(prescription=prescription, data=request.POST, by=request.user)
        except services.RecordAccessDenied:
            raise Http404("No such patient record.") from None
        except services.RecordsError as error:
            form.add_error(None, str(error))
        except PartsRefused as refused:
            part_errors = refused.errors
        else:
            return _after_save(request, prescription)
    return _render_form(request, record=record, form=form, formset=formset, appointment=appointment,
                        part_errors=part_errors)


@hospital_role_required(DOCTOR)
@require_http_methods(["GET", "POST"])
def prescription_edit(request, pk):
    prescription = _own_prescription(request, pk)
    if not prescription.is_draft:
        messages.error(request, "An issued prescription never changes. Use “Correct” to write a new version.")
        return redirect("clinical:prescription", request.hospital.slug, prescription.pk)
    record = _read_item(request, _readable_prescriptions(request).filter(pk=prescription.pk), prescription.pk,
                        Kind.PRESCRIPTION)
    form = PrescriptionForm(request.POST or None, instance=prescription)
    formset = item_formset(request.POST or None, prescription=prescription)
    part_errors = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = {name: form.cleaned_data[name] for name in PrescriptionForm.Meta.fields}
        try:
            with transaction.atomic():  # the prescription and its parts (labs' tests…) together, or nothing
                saved = services.update_prescription(prescription=prescription, items=formset.items, **fields)
                save_parts(prescription=saved, data=request.POST, by=request.user)
        except services.RecordsError as error:
            form.add_error(None, str(error))
        except PartsRefused as refused:
            part_errors = refused.errors
            prescription.refresh_from_db()
        else:
            return _after_save(request, saved)
    return _render_form(request, record=record, form=form, formset=formset, prescription=prescription,
                        part_errors=part_errors)


@hospital_role_required(DOCTOR)
def prescription_detail(request, pk):
    prescriptions = _readable_prescriptions(request).select_related("correction", "supersedes")
    prescription = _read_item(request, prescriptions, pk, Kind.PRESCRIPTION).item
    return render(request, "records/prescription_detail.html", {
        "prescription": prescription, "items": prescription.items.all(), "staff_view": True,
        "is_author": prescription.membership_id == request.membership.pk,
        "prescription_parts": detail_parts(prescription=prescription, viewer=request.user, staff_view=True),
    })


@hospital_role_required(DOCTOR)
def prescription_download(request, pk):
    prescriptions = _readable_prescriptions(request).exclude(status=Prescription.Status.DRAFT)
    prescription = _read_item(request, prescriptions, pk, Kind.PRESCRIPTION_PDF).item
    try:
        return pdf_response(prescription)
    except PdfError as error:
        messages.error(request, str(error))
        return redirect("clinical:prescription", request.hospital.slug, prescription.pk)


def _transition(service, done: str):
    """A POST view applying one prescription service to one of the doctor's own prescriptions."""

    @hospital_role_required(DOCTOR)
    @require_POST
    def view(request, pk):
        prescription = _own_prescription(request, pk)
        try:
            result = service(request, prescription)
        except services.RecordsError as error:
            messages.error(request, str(error))
            return redirect("clinical:prescription", request.hospital.slug, prescription.pk)
        messages.success(request, done)
        return redirect(result)

    return view


def _issue(request, prescription):
    prescription = services.issue_prescription(prescription=prescription, by=request.user)
    return reverse("clinical:prescription", args=[request.hospital.slug, prescription.pk])


def _correct(request, prescription):
    correction = services.start_correction(prescription=prescription, membership=request.membership)
    return reverse("clinical:prescription-edit", args=[request.hospital.slug, correction.pk])


def _discard(request, prescription):
    services.discard_prescription(prescription=prescription)
    return reverse("clinical:patient", args=[request.hospital.slug, prescription.patient_id])


prescription_issue = _transition(_issue, "Prescription issued. The patient has been notified.")
prescription_correct = _transition(
    _correct, "A new version to correct is open. The issued one stays valid until you issue this one."
)
prescription_discard = _transition(_discard, "Draft discarded.")
