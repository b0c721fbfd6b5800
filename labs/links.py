"""The URL names the labs pages answer to, reversed safely: services name a page before the pages exist.

The pages give these names (or change them here, the one place services read them from).
"""

from django.urls import NoReverseMatch, reverse

PATIENT_ORDER = "labs:order"  # /me/… page of one lab order, args [order id]
PATIENT_REPORT = "labs:report"  # the patient's page of one report version, args [report id]
DESK_ORDER = "labdesk:order"  # /manage/<hospital>/lab/orders/<id>/, args [hospital slug, order id]
DESK_REPORT = "labdesk:report"  # a staff page of one report version (doctors too), args [hospital slug, report id]


def link(name: str, *args) -> str:
    """``reverse(name, args)``, or "" while no page has that name."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
