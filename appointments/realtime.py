"""The groups of appointment pages' sockets, and the one push that tells them to refresh.

Groups:

- ``hospital-<id>-reception``: the hospital's reception board
- ``membership-<id>-queue``: one doctor membership's queue page
- ``appointment-<id>``: the patient's page of one appointment
- ``display-<membership id>-<date>``: the public waiting-room screen (and patients waiting that day)
"""

from datetime import date

from healthstack.realtime import LIVE_UPDATE, broadcast


def reception_group(hospital_id: int) -> str:
    return f"hospital-{hospital_id}-reception"


def queue_group(membership_id: int) -> str:
    return f"membership-{membership_id}-queue"


def appointment_group(appointment_id: int) -> str:
    return f"appointment-{appointment_id}"


def display_group(membership_id: int, day: date) -> str:
    return f"display-{membership_id}-{day:%Y-%m-%d}"


def appointment_changed(*, appointment_id: int, hospital_id: int, membership_id: int, day: date, event: str,
                        now_serving: int | None = None) -> None:
    """After commit, tell every page that shows this appointment or its doctor's day to refresh.

    ``event`` is the new status or an action (``arrived``, ``now_serving``). The public display
    group (which the patients' pages of that day also join) hears only that the day's queue moved.
    """
    frame = {"event": event, "appointment": appointment_id, "date": day.isoformat()}
    broadcast(reception_group(hospital_id), LIVE_UPDATE, frame)
    broadcast(queue_group(membership_id), LIVE_UPDATE, frame)
    broadcast(appointment_group(appointment_id), LIVE_UPDATE, frame)
    queue_frame = {"event": "queue", "date": day.isoformat()}
    if now_serving is not None:
        queue_frame["now_serving"] = now_serving
    broadcast(display_group(membership_id, day), LIVE_UPDATE, queue_frame)
