"""Who may chat with whom. Views, the socket consumer and the services all ask these."""

from appointments.models import Appointment


def has_care_relationship(*, patient_id: int, doctor_id: int) -> bool:
    """True when the patient and the doctor have a care relationship, the same one that opens the
    patient's record (records.permissions states the rule): a confirmed, completed or no-show
    appointment with an approved membership of the doctor at a hospital that is not suspended.

    A request the hospital has not accepted, a rejected, cancelled or unpaid booking never
    counts. One query.
    """
    return Appointment.objects.in_care_of(doctor_id).filter(patient_id=patient_id).exists()


def can_chat(user, conversation) -> bool:
    """May ``user`` read and write in ``conversation``? A participant, active, with a care relationship.

    One query (none for a non-participant).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not conversation.has_participant(user):
        return False
    return has_care_relationship(patient_id=conversation.patient_id, doctor_id=conversation.doctor_id)
