"""The medicine carts' section of /me/cart/ (registered with accounts.orders from apps.py)."""

from .forms import CheckoutForm
from .models import ZERO, MedicineOrder
from .selectors import patient_carts
from .services import cart_problems

BLOCKING_PROBLEMS = ("inactive", "short")


def cart_section(user) -> dict:
    """``{"carts": [...]}``: each open medicine cart with lines, their problems, the delivery offer and totals.

    Three queries for the carts, then two per cart (problems: lines and stock); a patient has at
    most one cart per hospital, and nothing is read per line.
    """
    if not getattr(user, "is_authenticated", False):
        return {"carts": []}
    carts = []
    for cart in patient_carts(user).select_related("hospital__pharmacy_settings"):
        lines = list(cart.lines.all())
        if not lines:
            continue
        problems = cart_problems(cart)
        by_line: dict[int, list] = {}
        for problem in problems:
            by_line.setdefault(problem.line.pk, []).append(problem)
        offer = getattr(cart.hospital, "pharmacy_settings", None)
        delivery_offered = bool(offer and offer.delivery_offered)
        carts.append({
            "order": cart,
            "lines": [{"line": line, "problems": by_line.get(line.pk, []),
                       "total": line.medicine.unit_price * line.quantity} for line in lines],
            "blocking": any(p.kind in BLOCKING_PROBLEMS for p in problems),
            "subtotal": sum((line.medicine.unit_price * line.quantity for line in lines), ZERO),
            "delivery_offered": delivery_offered,
            "delivery_fee": offer.delivery_fee if delivery_offered else ZERO,
            "form": CheckoutForm(prefix=f"cart{cart.pk}", delivery_offered=delivery_offered),
            "line_errors": {},
        })
    return {"carts": carts}


def cart_count(user) -> int:
    """How many hospitals the patient has medicines in the cart at (one query)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return MedicineOrder.objects.for_patient(user).carts().filter(lines__isnull=False).distinct().count()
