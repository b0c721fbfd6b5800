"""Demo chats, run by ``seed_demo`` after the appointments steps (see hospitals.demo).

The first demo patient talks with each featured doctor they have seen, and each featured
doctor has a second patient conversation, a few messages each, the latest unread. A
conversation that already has messages is left alone, so the step can run again.
"""

from django.db.models import Min

from appointments.models import Appointment
from hospitals.demo import DemoContext, patient_email

from . import services
from .models import Conversation, Message

SCRIPTS = [
    [
        ("patient", "Good morning, doctor. The chest tightness is better since I started the new tablets."),
        ("doctor", "Good to hear. Any dizziness or swelling in your ankles?"),
        ("patient", "No dizziness. A little swelling in the evening."),
        ("doctor", "Keep your feet raised in the evening and bring your blood pressure diary to the next visit."),
    ],
    [
        ("patient", "Should I keep taking the cough syrup after the fever is gone?"),
        ("doctor", "Finish this week's course, then stop. Message me if the cough lasts past ten days."),
        ("patient", "Thank you, I will."),
    ],
    [
        ("doctor", "Your blood test results are in. They look normal; we can talk them through at the visit."),
        ("patient", "That is a relief, thank you!"),
    ],
    [
        ("patient", "Can I take paracetamol with the knee gel you prescribed?"),
        ("doctor", "Yes, up to three times a day after food. Keep the knee raised and use ice for 15 minutes."),
    ],
    [
        ("patient", "The headaches come mostly in the morning, before breakfast."),
        ("doctor", "Please note the times and your blood pressure for a week and bring the list."),
        ("patient", "I will start today."),
    ],
]


def _pairs(ctx: DemoContext):
    """(patient, doctor) users with a care relationship: the first patient and each doctor they saw first."""
    first_patient = ctx.users.get(patient_email(1))
    featured = {}
    for membership in ctx.doctor_memberships():
        featured.setdefault(membership.hospital_id, membership)
    pairs = []
    for membership in featured.values():
        seen = (
            Appointment.objects.filter(membership=membership).in_care()
            .values("patient_id").annotate(first=Min("id")).order_by("first")
        )
        patient_ids = [row["patient_id"] for row in seen[:6]]
        chosen = []
        if first_patient is not None and first_patient.pk in patient_ids:
            chosen.append(first_patient.pk)
        chosen += [pk for pk in patient_ids if pk not in chosen][: 2 - len(chosen)]
        users = {u.pk: u for u in type(membership.user).objects.filter(pk__in=chosen)}
        pairs += [(users[pk], membership.user) for pk in chosen if pk in users]
    return pairs


def seed_conversations(ctx: DemoContext) -> None:
    """A few messages between demo patients and the featured doctors; the last one unread."""
    for index, (patient, doctor) in enumerate(_pairs(ctx)):
        conversation = services.get_or_start_conversation(patient=patient, doctor=doctor)
        if Message.objects.for_conversation(conversation).exists():
            continue
        ctx.created[Conversation.__name__] += 1
        script = SCRIPTS[index % len(SCRIPTS)]
        for number, (role, body) in enumerate(script, start=1):
            if number == len(script):
                # Both have read everything before the latest message.
                services.mark_read(conversation=conversation, reader=patient)
                services.mark_read(conversation=conversation, reader=doctor)
            services.post_message(conversation=conversation, sender=patient if role == "patient" else doctor, body=body)
            ctx.created[Message.__name__] += 1


STEPS = [seed_conversations]
