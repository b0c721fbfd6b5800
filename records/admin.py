from django.contrib import admin

from .models import AccessLog, MedicalDocument, Prescription, PrescriptionItem


class PrescriptionItemInline(admin.TabularInline):
    model = PrescriptionItem
    extra = 0
    can_delete = False
    readonly_fields = ["medicine_name", "strength", "dose", "frequency", "duration", "instructions"]
    exclude = ["hospital", "position"]


@admin.register(Prescription)
class PrescriptionAdmin(admin.ModelAdmin):
    """Read-only: prescriptions change only through records.services."""

    list_display = ["pk", "hospital", "patient", "membership", "status", "version", "issued_at"]
    list_filter = ["status", "hospital"]
    inlines = [PrescriptionItemInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MedicalDocument)
class MedicalDocumentAdmin(admin.ModelAdmin):
    list_display = ["pk", "patient", "category", "document_date", "file_kind", "uploaded_at"]
    exclude = ["file"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["sequence", "at", "accessor", "hospital", "patient", "object_type", "label"]
    list_filter = ["object_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
