"""The patient's own record under /me/: timeline, prescriptions, uploads, sharing consent, access log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from healthstack.files import private_file_response
from healthstack.pages import paginate
from healthstack.pdf import PdfError

from . import services
from .forms import MedicalDocumentForm, SharingConsentForm
from .models import AccessLog, MedicalDocument, Prescription
from .pages import pdf_response, timeline_context
from .prescription_parts import detail_parts
from .sections import record_sections_for

REVISIONS_SHOWN_TO_PATIENT = 20


def _own_prescription(request, pk) -> Prescription:
    prescriptions = Prescription.objects.for_patient(request.user).visible_to_patient().with_people()
    return get_object_or_404(prescriptions.select_related("correction", "supersedes"), pk=pk)


@login_required
def my_records(request):
    profile = getattr(request.user, "patient_profile", None)
    record = services.read_patient_record(reader=request.user, patient=request.user)
    return render(request, "records/my_records.html", {
        **timeline_context(request, request.user, scope=record.scope),
        "profile": profile,
        "clinical": record.clinical_profile(),
        "revisions": record.profile_revisions[:REVISIONS_SHOWN_TO_PATIENT],
        "consent_form": SharingConsentForm(initial={"sharing_consent": profile.sharing_consent}) if profile else None,
        "record_sections": record_sections_for(record, request.user),
    })


@login_required
def prescription_detail(request, pk):
    prescription = _own_prescription(request, pk)
    return render(request, "records/prescription_detail.html", {
        "prescription": prescription, "items": prescription.items.all(), "staff_view": False,
        "prescription_parts": detail_parts(prescription=prescription, viewer=request.user, staff_view=False),
    })


@login_required
def prescription_download(request, pk):
    prescription = _own_prescription(request, pk)
    try:
        return pdf_response(prescription)
    except PdfError as error:
        messages.error(request, str(error))
        return redirect("records:prescription", prescription.pk)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = MedicalDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.add_medical_document(
            patient=request.user, upload=data["file"], title=data["title"], category=data["category"],
            document_date=data["document_date"], source_name=data["source_name"],
        )
        messages.success(request, f"“{data['title']}” was added to your record.")
        return redirect("records:mine")
    return render(request, "records/upload.html", {"form": form})


def _own_document(request, pk) -> MedicalDocument:
    return get_object_or_404(MedicalDocument.objects.for_patient(request.user), pk=pk)


@login_required
def document_download(request, pk):
    document = _own_document(request, pk)
    return private_file_response(document.file, stem=document.download_stem, kind=document.file_kind)


@login_required
@require_POST
def document_delete(request, pk):
    document = _own_document(request, pk)
    try:
        services.delete_medical_document(document=document)
    except services.RecordsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{document.title}” was deleted, file and all.")
    return redirect("records:mine")


@login_required
@require_POST
def sharing(request):
    if not request.user.is_patient:
        raise Http404("Only patients have record sharing.")
    form = SharingConsentForm(request.POST)
    form.is_valid()
    consent = bool(form.cleaned_data.get("sharing_consent"))
    services.set_sharing_consent(patient=request.user, consent=consent)
    messages.success(request, "Sharing is on: doctors caring for you see your whole record." if consent else
                     "Sharing is off: each doctor sees only what their own hospitals recorded.")
    return redirect("records:mine")


@login_required
def access_log(request):
    rows = AccessLog.objects.for_patient(request.user).select_related("accessor", "hospital")
    return render(request, "records/access_log.html", {"page_obj": paginate(request, rows)})
