"""factory-boy factories for chat: a conversation between a patient and a doctor, and messages."""

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import DoctorFactory, PatientFactory
from chat.models import Conversation, Message


class ConversationFactory(DjangoModelFactory):
    """A conversation row only: give the pair a care relationship (an appointment) where it matters."""

    class Meta:
        model = Conversation

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SelfAttribute("conversation.patient")
    body = factory.Sequence(lambda n: f"Message number {n}")
