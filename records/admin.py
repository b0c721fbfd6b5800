from django.contrib import admin

from healthstack.admin import ReadOnlyAdmin

from .models import (
    AccessLog,
    AccessLogHead,
    ClinicalProfileRevision,
    MedicalDocument,
    PatientClinicalProfile,
    Prescription,
    PrescriptionItem,
    PrescriptionStatusChange,
)



class PrescriptionItemInline(admin.TabularInline):
    model = PrescriptionItem
    extra = 0
    can_delete = False
    readonly_fields = ["medicine_name", "strength", "dose", "frequency", "duration", "instructions"]
    exclude = ["hospital", "position"]


class PrescriptionStatusChangeInline(admin.TabularInline):
    model = PrescriptionStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "reason"]
    exclude = ["hospital"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Prescription)
class PrescriptionAdmin(admin.ModelAdmin):
    """Read-only: prescriptions change only through records.services."""

    list_display = ["pk", "hospital", "patient", "membership", "status", "version", "issued_at"]
    list_filter = ["status", "hospital"]
    list_select_related = ["hospital", "patient", "membership__user", "membership__hospital"]
    inlines = [PrescriptionItemInline, PrescriptionStatusChangeInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MedicalDocument)
class MedicalDocumentAdmin(admin.ModelAdmin):
    list_display = ["pk", "patient", "category", "document_date", "file_kind", "uploaded_at"]
    list_select_related = ["patient"]
    exclude = ["file"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "at", "accessor", "hospital", "patient", "object_type", "label"]
    list_select_related = ["accessor", "hospital", "patient"]
    list_filter = ["object_type"]


@admin.register(PrescriptionItem)
class PrescriptionItemAdmin(ReadOnlyAdmin):
    list_display = ["prescription", "medicine_name", "strength", "dose", "frequency", "duration"]
    list_select_related = ["prescription__patient", "prescription__membership__user",
                           "prescription__membership__hospital", "prescription__hospital"]


@admin.register(PatientClinicalProfile)
class PatientClinicalProfileAdmin(ReadOnlyAdmin):
    list_display = ["patient", "updated_by"]
    list_select_related = ["patient", "updated_by"]


@admin.register(ClinicalProfileRevision)
class ClinicalProfileRevisionAdmin(ReadOnlyAdmin):
    list_display = ["patient", "hospital", "by"]
    list_select_related = ["patient", "hospital", "by"]


@admin.register(AccessLogHead)
class AccessLogHeadAdmin(ReadOnlyAdmin):
    list_display = ["pk", "sequence"]


@admin.register(PrescriptionStatusChange)
class PrescriptionStatusChangeAdmin(ReadOnlyAdmin):
    """The prescription status history: rows are written only through healthstack.status."""

    list_display = ["prescription", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status", "hospital"]
    list_select_related = ["prescription", "by"]
