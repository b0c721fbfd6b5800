"""Labs' parts of the prescription pages: the doctor picks catalogue tests in the editor; the patient orders them.

Registered from ``LabsConfig.ready()`` in records' prescription parts (``records.prescription_parts``).
"""

from django.utils.translation import gettext as _

from healthstack.lookups import parse_id
from records.prescription_parts import DETAIL, EDITOR, PrescriptionPartError, register_prescription_part

from . import selectors, services
from .models import LabError, LabTest

FIELD = "lab_tests"
MARKER = "lab_tests_shown"  # the editor posts it, so "no test chosen" is told apart from "part not on the form"


def _chosen_ids(data) -> list:
    return [value for value in data.getlist(FIELD)] if hasattr(data, "getlist") else list(data.get(FIELD) or [])


def editor(*, prescription, hospital, data=None, errors=None) -> dict:
    """The chosen tests: what was posted when the form is shown again, else the prescription's own, else
    (a correction not yet saved with any) the tests of the version it corrects, so a correction keeps them."""
    if data is not None and data.get(MARKER):
        ids = [pk for pk in (parse_id(value) for value in _chosen_ids(data)) if pk is not None]
        found = LabTest.objects.for_hospital(hospital).in_bulk(ids)
        chosen = [found[pk] for pk in ids if pk in found]
    elif prescription is not None:
        chosen = selectors.recommended_tests(prescription)
        if not chosen and prescription.supersedes_id:
            chosen = selectors.recommended_tests(prescription.supersedes)
    else:
        chosen = []
    return {"lab_chosen": chosen, "lab_errors": errors or {}, "lab_field": FIELD, "lab_marker": MARKER,
            "lab_hospital": hospital}


def save(prescription, data, by) -> None:
    """Set the prescription's recommended catalogue tests to the ones the editor posted."""
    if not data.get(MARKER):
        return
    try:
        services.recommend_tests(prescription=prescription, tests=_chosen_ids(data), by=by)
    except LabError as error:
        raise PrescriptionPartError({FIELD: error.message}) from None


def detail(*, prescription, viewer, staff_view: bool) -> dict:
    """The recommended catalogue tests and, for the patient of an issued prescription, "Order these tests"."""
    tests = selectors.recommended_tests(prescription)
    if not tests:
        return {}
    orderable = (not staff_view and viewer.pk == prescription.patient_id
                 and prescription.status == prescription.Status.ISSUED and any(test.active for test in tests))
    return {"lab_tests": tests, "lab_orderable": orderable,
            "lab_note": _("Order them here and pay online, or take the prescription to any laboratory.")}


def register() -> None:
    register_prescription_part("lab_tests", slot=EDITOR, template="labs/partials/prescription_editor.html",
                               selector=editor, save=save, order=20)
    register_prescription_part("lab_tests", slot=DETAIL, template="labs/partials/prescription_detail.html",
                               selector=detail, order=20)
