"""A doctor's public page: sections other apps contribute (the rating, the reviews, a booking button).

Apps register from their ``AppConfig.ready()``; hospitals never imports them. A section is a
template plus a selector returning its context, shown in one of the page's slots:
``summary`` (under the doctor's name), ``body`` (below the profile card) and ``per_hospital``
(on each hospital the doctor practises at; the selector then also gets that ``membership``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from healthstack.contributions import Contribution, in_order

SLOTS = ("summary", "body", "per_hospital")


@dataclass(frozen=True)
class DoctorSection(Contribution):
    """A section of the doctor's page; its selector takes (*, doctor, request[, membership])."""

    slot: str = "body"


SECTIONS: dict[str, DoctorSection] = {}


def register_doctor_section(key: str, *, template: str, slot: str, selector: Callable | None = None,
                            order: int = 50) -> None:
    """Add (or replace) the section ``key`` of every doctor's public page."""
    if slot not in SLOTS:
        raise ValueError(f"unknown doctor page slot {slot!r}; one of {', '.join(SLOTS)}")
    SECTIONS[key] = DoctorSection(key=key, template=template, selector=selector, order=order, slot=slot)


def filled_sections(slot: str, **selector_kwargs) -> list[dict]:
    """The sections of ``slot`` in order, each with its template and the context its selector computed."""
    return [section.filled(**selector_kwargs) for section in in_order(s for s in SECTIONS.values() if s.slot == slot)]
