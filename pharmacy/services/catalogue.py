"""The catalogue: a hospital's medicines and its pharmacy settings (whether it delivers, for what fee)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from healthstack.status import locked
from hospitals.models import Hospital

from ..models import Medicine, PharmacyError, PharmacySettings
from ._common import MAX_BATCH_QUANTITY, amount, text, whole_number

MEDICINE_FIELDS = ("generic_name", "brand_name", "strength", "dosage_form", "unit", "pack", "unit_price",
                   "prescription_only", "reorder_level", "active", "manufacturer")


def _clean_medicine(values: dict) -> dict:
    cleaned = {}
    if "generic_name" in values:
        cleaned["generic_name"] = text(values["generic_name"], field="generic_name", required=True,
                                        label=_("Generic name"))
    for name in ("brand_name", "manufacturer"):
        if name in values:
            cleaned[name] = text(values[name], field=name)
    if "strength" in values:
        cleaned["strength"] = text(values["strength"], field="strength", max_length=40)
    if "pack" in values:
        cleaned["pack"] = text(values["pack"], field="pack", max_length=60)
    if "unit" in values:
        cleaned["unit"] = text(values["unit"], field="unit", required=True, max_length=30, label=_("Unit"))
    if "dosage_form" in values:
        if values["dosage_form"] not in Medicine.DosageForm.values:
            raise PharmacyError(_("Choose a dosage form from the list."), field="dosage_form")
        cleaned["dosage_form"] = values["dosage_form"]
    if "unit_price" in values:
        cleaned["unit_price"] = amount(values["unit_price"], field="unit_price")
    if "reorder_level" in values:
        cleaned["reorder_level"] = whole_number(values["reorder_level"], field="reorder_level", low=0,
                                                 high=MAX_BATCH_QUANTITY)
    for name in ("prescription_only", "active"):
        if name in values:
            if not isinstance(values[name], bool):
                raise PharmacyError(_("Answer yes or no."), field=name)
            cleaned[name] = values[name]
    return cleaned


def _check_unique(hospital, values: dict, exclude_pk=None) -> None:
    twins = Medicine.objects.for_hospital(hospital).filter(
        generic_name__iexact=values["generic_name"], brand_name__iexact=values.get("brand_name", ""),
        strength__iexact=values.get("strength", ""), dosage_form=values["dosage_form"],
    )
    if exclude_pk is not None:
        twins = twins.exclude(pk=exclude_pk)
    if twins.exists():
        raise PharmacyError(_("This medicine (same generic, brand, strength and form) is already in the catalogue."),
                            field="generic_name")


@transaction.atomic
def create_medicine(*, hospital: Hospital, by, generic_name: str, dosage_form: str, unit: str, unit_price,
                    brand_name: str = "", strength: str = "", pack: str = "", prescription_only: bool = False,
                    reorder_level: int = 0, active: bool = True, manufacturer: str = "") -> Medicine:
    """Add a medicine to ``hospital``'s catalogue; return it.

    Raises PharmacyError (with the field) for a missing name or unit, an unknown dosage form,
    a negative or over-precise price, a bad reorder level, or a twin already in the catalogue
    (same generic, brand, strength and form, ignoring case).
    """
    values = _clean_medicine({
        "generic_name": generic_name, "brand_name": brand_name, "strength": strength, "dosage_form": dosage_form,
        "unit": unit, "pack": pack, "unit_price": unit_price, "prescription_only": prescription_only,
        "reorder_level": reorder_level, "active": active, "manufacturer": manufacturer,
    })
    _check_unique(hospital, values)
    try:
        with transaction.atomic():
            return Medicine.objects.create(hospital=hospital, **values)
    except IntegrityError as exc:
        raise PharmacyError(_("This medicine is already in the catalogue."), field="generic_name") from exc


@transaction.atomic
def update_medicine(*, medicine: Medicine, by, **changes) -> Medicine:
    """Change a medicine's fields (any of MEDICINE_FIELDS); carts already holding it keep their price until checkout.

    Locks the medicine. Raises PharmacyError as create_medicine does, and for an unknown field.
    """
    unknown = set(changes) - set(MEDICINE_FIELDS)
    if unknown:
        raise PharmacyError(_("Unknown field."), field=sorted(unknown)[0])
    medicine = locked(medicine)
    values = _clean_medicine(changes)
    merged = {name: getattr(medicine, name) for name in MEDICINE_FIELDS} | values
    _check_unique(medicine.hospital_id, merged, exclude_pk=medicine.pk)
    for name, value in values.items():
        setattr(medicine, name, value)
    medicine.save()
    return medicine


def deactivate_medicine(*, medicine: Medicine, by) -> Medicine:
    """Take a medicine off the shop; carts holding it say so and cannot be checked out with it."""
    return update_medicine(medicine=medicine, by=by, active=False)


def activate_medicine(*, medicine: Medicine, by) -> Medicine:
    return update_medicine(medicine=medicine, by=by, active=True)


@transaction.atomic
def update_pharmacy_settings(*, hospital: Hospital, by, delivery_offered: bool, delivery_fee) -> PharmacySettings:
    """Whether ``hospital`` delivers medicines home and for what fee."""
    if not isinstance(delivery_offered, bool):
        raise PharmacyError(_("Answer yes or no."), field="delivery_offered")
    fee = amount(delivery_fee, field="delivery_fee")
    row, _created = PharmacySettings.objects.select_for_update().get_or_create(hospital=hospital)
    row.delivery_offered, row.delivery_fee = delivery_offered, fee
    row.save()
    return row


def pharmacy_settings(hospital) -> PharmacySettings:
    """The hospital's pharmacy settings (unsaved defaults, no delivery, when never set)."""
    return (PharmacySettings.objects.filter(hospital=hospital).first()
            or PharmacySettings(hospital_id=getattr(hospital, "pk", hospital)))
