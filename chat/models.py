from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery

from healthstack.files import private_storage

MESSAGE_MAX_LENGTH = 2000


class ConversationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Conversations ``user`` takes part in, as the patient or as the doctor."""
        return self.filter(Q(patient=user) | Q(doctor=user))

    def with_people(self):
        return self.select_related("patient", "patient__patient_profile", "doctor", "doctor__doctor_profile")

    def with_summary(self, user):
        """Annotate the last message (body, sender, time, attachment) and ``unread`` for ``user``: one query."""
        last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
        return self.annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_sender_id=Subquery(last.values("sender_id")[:1]),
            last_attachment_name=Subquery(last.values("attachment_name")[:1]),
            unread=Count("messages", filter=Q(messages__read_at__isnull=True) & ~Q(messages__sender=user)),
        ).order_by(F("last_message_at").desc(nulls_last=True), "-created_at")


class Conversation(models.Model):
    """The one chat between a patient and a doctor who have a care relationship."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_conversations")
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_conversations")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "doctor"], name="conversation_one_per_pair"),
            models.CheckConstraint(condition=~Q(patient=F("doctor")), name="conversation_two_people"),
        ]

    def __str__(self):
        return f"{self.patient.full_name} ↔ {self.doctor.full_name}"

    def has_participant(self, user) -> bool:
        return user is not None and user.pk in (self.patient_id, self.doctor_id)

    def other_person(self, user):
        return self.doctor if user.pk == self.patient_id else self.patient

    def display_name_for(self, user) -> str:
        """How ``user`` sees the other person: "Dr. Name" for the doctor, the patient's full name."""
        if user.pk == self.patient_id:
            profile = getattr(self.doctor, "doctor_profile", None)
            return profile.display_name if profile else self.doctor.full_name
        return self.patient.full_name

    def photo_for(self, user):
        """The other person's profile photo (or an empty field) as ``user`` sees it."""
        if user.pk == self.patient_id:
            profile = getattr(self.doctor, "doctor_profile", None)
        else:
            profile = getattr(self.patient, "patient_profile", None)
        return profile.photo if profile else None


class MessageQuerySet(models.QuerySet):
    def for_conversation(self, conversation):
        return self.filter(conversation=conversation)

    def unread_by(self, user):
        return self.filter(read_at__isnull=True).exclude(sender=user)


class Message(models.Model):
    """One chat message: text, an attachment, or both. Saved before it is sent on."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH, blank=True)
    attachment = models.FileField(upload_to="chat/%Y/%m/", storage=private_storage, blank=True)
    attachment_kind = models.CharField(max_length=8, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"]), models.Index(fields=["conversation", "read_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(body="") | ~Q(attachment=""), name="message_has_content"),
        ]

    def __str__(self):
        return f"message {self.pk} in conversation {self.conversation_id}"
