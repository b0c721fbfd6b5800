"""Parts other apps add to the prescription pages (labs adds its recommended tests, for instance).

Two slots:

- ``editor``: a piece of the doctor's prescription form. Its selector takes
  ``(*, prescription, hospital, data, errors)`` (``prescription`` is None on a new one, ``data``
  the POST being re-shown or None, ``errors`` this part's ``{field: message}``) and returns the
  template's context. A part may save with the form: ``save(prescription, data, by)`` is called
  by records' prescription views inside the transaction that saves the prescription, after it;
  it raises :class:`PrescriptionPartError` to refuse, and then nothing of the form is written
  and the messages show beside the part's fields.
- ``detail``: a piece of the prescription page, for the patient and for staff. Its selector
  takes ``(*, prescription, viewer, staff_view)``; a part whose selector returns an empty dict is
  not shown.
"""

from collections.abc import Callable
from dataclasses import dataclass

from healthstack.contributions import Contribution, in_order

EDITOR, DETAIL = "editor", "detail"
SLOTS = (EDITOR, DETAIL)


class PrescriptionPartError(Exception):
    """A part refused what the doctor typed: ``errors`` is ``{field: message}``."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(str(message) for message in errors.values()))
        self.errors = {field: str(message) for field, message in errors.items()}


@dataclass(frozen=True)
class PrescriptionPart(Contribution):
    slot: str = DETAIL
    save: Callable | None = None  # (prescription, data, by) -> None; editor parts only


PARTS: dict[tuple[str, str], PrescriptionPart] = {}


def register_prescription_part(key: str, *, slot: str, template: str, selector, save=None, order: int = 50) -> None:
    """Add (or replace) the part ``key`` in ``slot`` ("editor" or "detail")."""
    if slot not in SLOTS:
        raise ValueError(f"slot must be one of {SLOTS}, not {slot!r}")
    if save is not None and slot != EDITOR:
        raise ValueError("only editor parts save with the form")
    PARTS[(slot, key)] = PrescriptionPart(key=key, template=template, selector=selector, order=order, slot=slot,
                                          save=save)


def _parts(slot: str) -> list[PrescriptionPart]:
    return in_order(part for (part_slot, _key), part in PARTS.items() if part_slot == slot)


def editor_parts(*, prescription, hospital, data=None, errors: dict | None = None) -> list[dict]:
    """The editor slot's parts filled for the form (``errors``: ``{part key: {field: message}}``)."""
    errors = errors or {}
    return [part.filled(prescription=prescription, hospital=hospital, data=data, errors=errors.get(part.key, {}))
            for part in _parts(EDITOR)]


def detail_parts(*, prescription, viewer, staff_view: bool) -> list[dict]:
    """The detail slot's parts filled for this reader of the prescription page; empty ones left out."""
    filled = (part.filled(prescription=prescription, viewer=viewer, staff_view=staff_view)
              for part in _parts(DETAIL))
    return [part for part in filled if part["context"]]


class PartsRefused(Exception):
    """One or more editor parts refused: ``errors`` is ``{part key: {field: message}}``."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(m for fields in errors.values() for m in fields.values()))
        self.errors = errors


def save_parts(*, prescription, data, by) -> None:
    """Run every editor part's ``save``; raise PartsRefused with every part's errors (call inside the
    transaction that saved the prescription, so a refusal writes nothing)."""
    errors = {}
    for part in _parts(EDITOR):
        if part.save is None:
            continue
        try:
            part.save(prescription, data, by)
        except PrescriptionPartError as error:
            errors[part.key] = error.errors
    if errors:
        raise PartsRefused(errors)
