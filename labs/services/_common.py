"""What the modules of labs.services share: the order's statuses, input cleaning, a role check and
the context of the patient's lab notifications.

The cleaners raise CatalogueError naming the field (``_text`` and ``_decimal`` take another LabError
subclass as ``error``).
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from hospitals.models import Membership

from ..models import CatalogueError, LabOrder

Status = LabOrder.Status


def _text(value, field: str, *, required: bool = True, max_length: int = 150, error=CatalogueError) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise error(_("This field is required."), field=field)
    if len(text) > max_length:
        raise error(_("Keep this to %(count)d characters.") % {"count": max_length}, field=field)
    return text


def _decimal(value, field: str, *, required: bool = False, error=CatalogueError) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise error(_("This field is required."), field=field)
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise error(_("Enter a number."), field=field) from None
    if not number.is_finite():
        raise error(_("Enter a number."), field=field)
    return number


def _integer(value, field: str, *, minimum: int, maximum: int, required: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CatalogueError(_("This field is required."), field=field)
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CatalogueError(_("Enter a whole number."), field=field) from None
    if not minimum <= number <= maximum:
        raise CatalogueError(_("Enter a number from %(low)d to %(high)d.") % {"low": minimum, "high": maximum},
                             field=field)
    return number


def _boolean(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _is_staff_for(user, hospital, roles) -> bool:
    return Membership.objects.active().filter(user=user, hospital=hospital, role__in=roles).exists()


def _patient_context(order: LabOrder, **extra) -> dict:
    return {"hospital_name": order.hospital.name, "accession": order.accession or "", **extra}
