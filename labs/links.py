"""The URL names the labs pages answer to, reversed safely: services name a page before the pages exist."""

from django.urls import NoReverseMatch, reverse

PATIENT_ORDER = "labs:order"  # /me/… page of one lab order, args [order id]
PATIENT_REPORT = "labs:report"  # the patient's page of one report version, args [report id]
DESK_ORDER = "labdesk:order"  # /manage/<hospital>/lab/orders/<id>/, args [hospital slug, order id]


def link(name: str, *args) -> str:
    """``reverse(name, args)``, or "" while no page has that name."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
