from django.contrib import admin, messages

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .mail import requeue_email
from .models import DocumentCode, EmailEvent, OutgoingEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through an app's services: the operator may look, not edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DocumentCode)
class DocumentCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "status", "issued_at", "hospital_name", "doctor_name", "patient_initials"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "hospital_name", "doctor_name"]
    readonly_fields = ["code", "kind", "issued_at", "hospital_name", "doctor_name", "patient_initials", "created_at"]


class EmailEventInline(admin.TabularInline):
    model = EmailEvent
    fields = ["at", "kind", "error", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """The outbox for the operator: every email, its attempts and why they failed; failed ones can go again."""

    list_display = ["created_at", "to", "subject", "about", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "about"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = ["to", "subject", "about", "status", "attempts", "last_error", "created_at",
                       "next_attempt_at", "claimed_until", "sent_at", "attachments", "text"]
    exclude = ["html"]
    inlines = [EmailEventInline]
    actions = ["send_again"]

    def has_change_permission(self, request, obj=None):
        # Read-only fields, but the list's action needs change permission.
        return request.user.is_superuser

    @admin.action(description=_("Send the selected failed emails again"))
    def send_again(self, request, queryset):
        failed = list(queryset.filter(status=OutgoingEmail.Status.FAILED))
        for email in failed:
            requeue_email(email, by=request.user)
        self.message_user(request, ngettext("%(count)d email queued again.", "%(count)d emails queued again.",
                                            len(failed)) % {"count": len(failed)}, messages.SUCCESS)


@admin.register(EmailEvent)
class EmailEventAdmin(ReadOnlyAdmin):
    """Every attempt of every email, searchable by address: what the outbox did and why it failed."""

    list_display = ["at", "email", "kind", "error"]
    list_filter = ["kind"]
    search_fields = ["email__to", "error"]
    list_select_related = ["email"]
