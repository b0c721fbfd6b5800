"""The notifications payments sends: receipts, payments held for review, refunds."""

from notifications.events import register_event


def register_events() -> None:
    register_event("payment_received", title="Payment received: {{ amount }} to {{ hospital_name }}", quiet=True)
    register_event("payment_on_hold", title="Payment of {{ amount }} is being reviewed by {{ hospital_name }}")
    register_event("payment_refunded", title="Refund of {{ refund_amount }} from {{ hospital_name }}", quiet=True)
