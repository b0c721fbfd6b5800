"""The pharmacy's part of the prescription page (records.prescription_parts, "detail" slot):
"Buy these medicines" for the patient of an issued prescription that lists medicines."""

from records.prescription_parts import DETAIL, register_prescription_part


def detail(*, prescription, viewer, staff_view: bool) -> dict:
    """The button's context for the prescription's own patient while it is issued; nothing for anyone else."""
    if staff_view or viewer.pk != prescription.patient_id or prescription.status != prescription.Status.ISSUED:
        return {}
    if not prescription.items.exists():
        return {}
    return {"buy_prescription": prescription}


def register() -> None:
    register_prescription_part("medicines", slot=DETAIL, template="pharmacy/partials/prescription_buy.html",
                               selector=detail, order=10)
