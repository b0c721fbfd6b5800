"""The lab report PDF (templates/pdf/lab_report.html through healthstack.pdf) and the sample label PDF."""

from itertools import groupby

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from healthstack.localtime import local_date
from healthstack.pdf import qr_data_uri, render_pdf
from healthstack.verification import verification_for

from .models import LabOrder, LabReport
from .selectors import report_versions


def age_text(days: int | None) -> str:
    """An age as a report prints it: years for adults and children, months then days for infants."""
    if days is None:
        return _("not given")
    if days >= 730:
        years = days * 100 // 36525
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    if days >= 60:
        months = days * 1000 // 30437
        return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


# The embedded Noto Sans has no "≤" / "≥": the PDF prints them as a reader types them.
PRINTABLE = str.maketrans({"≤": "<=", "≥": ">="})


def printable_range(result) -> str:
    return result.range_text.translate(PRINTABLE)


def report_context(report: LabReport) -> dict:
    """What the report PDF (and the staff report page) print: facts, and results grouped by test."""
    order = report.order
    results = list(report.results.all())
    for result in results:
        result.printed_range = printable_range(result)
    sections = [{"test": test, "results": list(rows)}
                for test, rows in groupby(results, key=lambda result: result.line.lab_test)]
    doctor = order.ordering_membership.user if order.ordering_membership_id else None
    profile = getattr(order.patient, "patient_profile", None)
    return {
        "report": report,
        "order": order,
        "hospital": order.hospital,
        "patient": order.patient,
        "profile": profile,
        "age": age_text(report.patient_age_days),
        "sex": dict(profile.Sex.choices).get(report.patient_sex, "") if profile and report.patient_sex else "",
        "doctor": getattr(doctor, "doctor_profile", None) if doctor else None,
        "doctor_user": doctor,
        "sections": sections,
        "interpretations": sorted({r.ref_interpretation for r in results if r.ref_interpretation}),
        "superseded": report.document_code.status == report.document_code.Status.SUPERSEDED,
        "verification": verification_for(report.document_code),
    }


def _full(report: LabReport) -> LabReport:
    """``report`` with its order, people and results loaded (a fixed number of queries)."""
    return report_versions(report.order).get(pk=report.pk)


def report_pdf(report: LabReport) -> bytes:
    """PDF bytes of one report version; raises healthstack.pdf.PdfError if it cannot be made."""
    report = _full(report)
    return render_pdf("pdf/lab_report.html", report_context(report), hospital=report.order.hospital)


def report_download_name(report: LabReport) -> str:
    """``lab-report-<accession>-v<version>-<local date>.pdf``, dated with the hospital's day of verification."""
    day = local_date(report.verified_at, report.order.hospital)
    reference = report.order.accession or str(report.order_id)
    return f"lab-report-{reference}-v{report.version}-{day:%Y-%m-%d}.pdf"


def report_attachment(report_id: int) -> tuple[str, bytes, str]:
    """The report PDF as an email attachment, rendered when the email is sent (healthstack.mail)."""
    report = LabReport.objects.select_related("order__hospital").get(pk=report_id)
    return report_download_name(report), report_pdf(report), "application/pdf"


def label_pdf(order: LabOrder) -> bytes:
    """A small sample label: accession with its QR code, patient, number, tests and collection time."""
    profile = getattr(order.patient, "patient_profile", None)
    return render_pdf("pdf/lab_label.html", {
        "order": order, "hospital": order.hospital, "patient": order.patient, "profile": profile,
        "tests": [line.lab_test for line in order.lines.all()], "qr": qr_data_uri(order.accession),
    }, hospital=order.hospital)


def label_download_name(order: LabOrder) -> str:
    return f"sample-label-{order.accession or order.pk}.pdf"
