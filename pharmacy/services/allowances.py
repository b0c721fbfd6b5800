"""What a patient's issued prescriptions still allow them to buy: the prescription rules applied to their rows.

Reads only: which issued items list a medicine, how much each prescribes (``prescribing``)
and how much was bought against it, and so which item covers a cart line.
"""

from dataclasses import dataclass

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from records.models import Prescription, PrescriptionItem

from ..models import Medicine, MedicineOrder, MedicineOrderLine, PharmacyError
from ._common import PrescriptionRequired
from .prescribing import item_names_medicine, prescribed_quantity


def _name_query(medicine: Medicine) -> Q:
    query = Q(medicine_name__iexact=medicine.generic_name.strip())
    if medicine.brand_name:
        query |= Q(medicine_name__iexact=medicine.brand_name.strip())
    return query


def quantity_bought(item: PrescriptionItem, *, excluding: MedicineOrder | None = None) -> int:
    """Units already ordered or dispensed against ``item`` (placed orders that were not cancelled or expired)."""
    lines = MedicineOrderLine.objects.filter(prescription_item=item,
                                             order__status__in=MedicineOrder.COUNTS_AGAINST_PRESCRIPTION)
    if excluding is not None:
        lines = lines.exclude(order=excluding)
    return lines.aggregate(units=Coalesce(Sum(Coalesce("quantity_dispensed", "quantity")), 0))["units"]


@dataclass(frozen=True)
class PrescribedAllowance:
    item: PrescriptionItem
    prescribed: int
    bought: int

    @property
    def remaining(self) -> int:
        return max(0, self.prescribed - self.bought)


def prescription_allowances(*, patient, medicine: Medicine, prescription: Prescription | None = None,
                            excluding: MedicineOrder | None = None) -> list[PrescribedAllowance]:
    """The patient's issued prescription items that list ``medicine``, with what each still allows, most first."""
    items = (PrescriptionItem.objects.filter(prescription__patient=patient,
                                             prescription__status=Prescription.Status.ISSUED)
             .filter(_name_query(medicine)).select_related("prescription"))
    if prescription is not None:
        items = items.filter(prescription=prescription)
    allowances = [PrescribedAllowance(item, prescribed_quantity(item, medicine), quantity_bought(item, excluding=excluding))
                  for item in items if item_names_medicine(item, medicine)]
    return sorted(allowances, key=lambda a: (-a.remaining, -a.item.prescription_id))


def patients_prescription(patient, prescription) -> Prescription:
    """``prescription`` (a row or pk) if it is one of ``patient``'s issued prescriptions, else PharmacyError."""
    pk = getattr(prescription, "pk", prescription)
    found = Prescription.objects.filter(pk=pk, patient=patient, status=Prescription.Status.ISSUED).select_related(
        "hospital").first() if isinstance(pk, int) else None
    if found is None:
        raise PharmacyError(_("No such prescription among your issued prescriptions."), field="prescription")
    return found


def prescribed_item_for(*, patient, medicine: Medicine, quantity: int, prescription=None,
                        excluding: MedicineOrder | None = None, item: int | None = None) -> PrescriptionItem | None:
    """The prescription item that covers ``quantity`` of ``medicine`` for ``patient``, or None when none is needed.

    Raises PrescriptionRequired when a prescription-only medicine has no issued prescription of
    the patient listing it, and PharmacyError (field ``quantity``) above what it allows.
    """
    chosen = patients_prescription(patient, prescription) if prescription is not None else None
    allowances = prescription_allowances(patient=patient, medicine=medicine, prescription=chosen, excluding=excluding)
    if not allowances:
        if not medicine.prescription_only:
            return None
        raise PrescriptionRequired(
            _("%(medicine)s is sold only on prescription: it must be on an issued prescription of yours.")
            % {"medicine": medicine.display_name}, field="prescription", item=item, names_medicine=True)
    best = allowances[0]
    if medicine.prescription_only and quantity > best.remaining:
        if best.remaining == 0:
            message = _("Your prescription's %(medicine)s has all been bought already.")
        else:
            message = _("Your prescription allows at most %(count)d of %(medicine)s.")
        raise PharmacyError(message % {"count": best.remaining, "medicine": medicine.display_name}, field="quantity",
                            item=item, names_medicine=True)
    return best.item
