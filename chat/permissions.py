"""Who may chat with whom. Views, the socket consumer and the services all ask these."""

from appointments.models import Appointment

# A booking that was never paid for (or whose hold ran out) does not start a care relationship.
NO_CARE = (Appointment.Status.AWAITING_PAYMENT, Appointment.Status.EXPIRED)


def has_care_relationship(*, patient_id: int, doctor_id: int) -> bool:
    """True when the patient has or had an appointment with any of the doctor's memberships.

    Every status counts (cancelled and rejected included: the patient did reach out) except an
    unpaid hold. One query.
    """
    return (
        Appointment.objects.filter(patient_id=patient_id, membership__user_id=doctor_id)
        .exclude(status__in=NO_CARE).exists()
    )


def can_chat(user, conversation) -> bool:
    """May ``user`` read and write in ``conversation``? A participant, active, with a care relationship.

    One query (none for a non-participant).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not conversation.has_participant(user):
        return False
    return has_care_relationship(patient_id=conversation.patient_id, doctor_id=conversation.doctor_id)
