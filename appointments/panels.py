"""What the appointments panels on /manage/<hospital>/ show: the selectors registered with them in ready()."""

from . import summaries


def reception_today(*, hospital, user, memberships) -> dict:
    return {"hospital": hospital, **summaries.reception_today(hospital)}


def doctor_today(*, hospital, user, memberships) -> dict:
    membership = memberships["doctor"]
    return {"membership": membership, **summaries.doctor_today(membership)}


def doctor_upcoming(*, hospital, user, memberships) -> dict:
    membership = memberships["doctor"]
    return {"membership": membership, "appointments": summaries.doctor_upcoming(membership)}


def doctor_recent_patients(*, hospital, user, memberships) -> dict:
    membership = memberships["doctor"]
    return {"membership": membership, "recent": summaries.doctor_recent_patients(membership)}
