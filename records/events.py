"""The notifications records sends: a new (or corrected) prescription."""

from notifications.events import register_event


def register_events() -> None:
    register_event(
        "prescription_issued",
        title="{% if is_correction %}Corrected prescription{% else %}New prescription{% endif %} from {{ doctor_name }}",
    )
