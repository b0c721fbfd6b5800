"""Sections other apps add to a patient's record pages (the patient's own and the doctor's).

Labs adds its results trends here, for instance. A section is a template plus a selector
``(*, record, viewer) -> dict``: ``record`` is the RecordView the page read (access-logged
already), whose ``scope`` says which hospitals' items the viewer may see; the selector must stay
within it. A section whose selector returns an empty dict is not shown.
"""

from dataclasses import dataclass

from healthstack.contributions import Contribution, in_order


@dataclass(frozen=True)
class RecordSection(Contribution):
    """A section of the record pages; its selector takes (*, record, viewer)."""


RECORD_SECTIONS: dict[str, RecordSection] = {}


def register_record_section(key: str, *, template: str, selector, order: int = 50) -> None:
    """Add (or replace) the section ``key`` on every record page, above the timeline."""
    RECORD_SECTIONS[key] = RecordSection(key=key, template=template, selector=selector, order=order)


def record_sections_for(record, viewer) -> list[dict]:
    """The sections in order, filled for this read of the record; empty ones left out."""
    filled = (section.filled(record=record, viewer=viewer) for section in in_order(RECORD_SECTIONS.values()))
    return [section for section in filled if section["context"]]
