"""The group of a patient's medicine order page socket, and the push that tells it to refresh.

Groups:

- ``medicine-order-<id>``: the patient's page of one medicine order (status, batches, pay, cancel)
"""

from healthstack.realtime import LIVE_UPDATE, broadcast


def order_group(order_id: int) -> str:
    return f"medicine-order-{order_id}"


def order_changed(*, order_id: int, status: str) -> None:
    """After commit, tell the order's page to fetch itself again; the frame carries only the id and status."""
    broadcast(order_group(order_id), LIVE_UPDATE, {"event": status, "order": order_id})
