"""What the patient's record pages and the staff's record pages both show: the filtered
timeline and a prescription's PDF download."""

from django.http import HttpResponse

from healthstack.files import private_pdf_response
from healthstack.pages import paginate

from .forms import TimelineFilterForm
from .models import Prescription
from .pdf import download_name, prescription_pdf
from .timeline import build_timeline, timeline_hospitals


def timeline_context(request, patient, *, scope, draft_author=None) -> dict:
    """Filters, the filtered timeline page and the query string to keep while paging."""
    filters = TimelineFilterForm(request.GET or None, hospitals=list(timeline_hospitals(patient, scope)))
    entries = build_timeline(patient, scope=scope, kind=filters.value("kind"), hospital_id=filters.value("hospital"),
                             draft_author=draft_author)
    query = request.GET.copy()
    query.pop("page", None)
    return {"filters": filters, "page_obj": paginate(request, entries), "filter_query": query.urlencode()}


def pdf_response(prescription: Prescription) -> HttpResponse:
    """The prescription PDF as a private download; raises healthstack.pdf.PdfError if it cannot be built."""
    return private_pdf_response(prescription_pdf(prescription), filename=download_name(prescription))
