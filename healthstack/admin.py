from django.contrib import admin

from .models import DocumentCode


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
