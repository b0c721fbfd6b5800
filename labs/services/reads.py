"""Reads of clinical data that are access-logged: one order, one report version, an order's prescription."""

from datetime import datetime

from django.utils.translation import gettext as _

from records.models import AccessLog, Prescription
from records.services import append_access_log

from ..models import LabAccessDenied, LabOrder, LabReport
from ..permissions import can_view_report


def read_lab_order(*, reader, order: LabOrder, hospital, role: str, now: datetime | None = None) -> LabOrder:
    """A staff member of ``hospital`` opens one of its lab orders: write the access-log row and return it.

    The view has already found ``order`` among ``hospital``'s orders (another hospital's is a 404).
    """
    if order.hospital_id != hospital.pk:
        raise LabAccessDenied(_("No such lab order."))
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=order.patient,
                      object_type=AccessLog.ObjectType.LAB_ORDER, object_id=order.pk,
                      label=f"Lab order {order.accession or order.pk}", now=now)
    return order


def read_lab_report(*, reader, report: LabReport, hospital=None, role: str = "doctor",
                    now: datetime | None = None) -> LabReport:
    """Open one report version: the patient always; the hospital's lab staff (``role`` lab_worker or admin,
    through ``hospital``) for its own reports; a doctor under the records rules (care relationship
    and consent). Staff reads are access-logged once. Raises LabAccessDenied (views answer 404)."""
    patient = report.order.patient
    if not can_view_report(reader, report, hospital=hospital, role=role):
        raise LabAccessDenied(_("No such lab report."))
    if reader.pk == patient.pk:
        return report
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=patient,
                      object_type=AccessLog.ObjectType.LAB_REPORT, object_id=report.pk, label=report.label, now=now)
    return report


def read_order_prescription(*, reader, order: LabOrder, hospital, role: str,
                            now: datetime | None = None) -> Prescription | None:
    """Lab staff of ``hospital`` open the prescription an order was placed on: write the access-log row and
    return it with its doctor (None when the order names none). Raises LabAccessDenied for
    another hospital's order."""
    if order.hospital_id != hospital.pk:
        raise LabAccessDenied(_("No such lab order."))
    if not order.prescription_id:
        return None
    prescription = Prescription.objects.select_related("membership__user__doctor_profile", "hospital").get(
        pk=order.prescription_id)
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=order.patient,
                      object_type=AccessLog.ObjectType.PRESCRIPTION, object_id=prescription.pk,
                      label=f"Prescription {prescription.pk} (lab order {order.accession or order.pk})", now=now)
    return prescription
