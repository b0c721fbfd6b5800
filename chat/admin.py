from django.contrib import admin

from .models import Conversation, Message


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Who talks to whom; message text stays out of the admin (clinical content)."""

    list_display = ["id", "patient", "doctor", "created_at", "last_message_at"]
    list_select_related = ["patient", "doctor"]
    search_fields = ["patient__email", "doctor__email"]
    readonly_fields = ["patient", "doctor", "created_at", "last_message_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Message metadata only: the text and the file are the patient's and the doctor's, not the operator's."""

    list_display = ["id", "conversation", "sender", "created_at", "read_at", "attachment_kind"]
    list_select_related = ["sender"]
    fields = ["conversation", "sender", "created_at", "read_at", "attachment_kind"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
