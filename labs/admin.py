from django.contrib import admin

from .models import (
    AccessionCounter,
    Analyte,
    LabOrder,
    LabOrderLine,
    LabOrderStatusChange,
    LabReport,
    LabResult,
    LabTest,
    PrescriptionLabTest,
    ReferenceRange,
)


class AnalyteInline(admin.TabularInline):
    model = Analyte
    extra = 0
    fields = ("order", "name", "unit", "result_kind", "choices", "decimals", "max_value")


@admin.register(LabTest)
class LabTestAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "hospital", "section", "price", "turnaround_hours", "active",
                    "requires_prescription")
    list_filter = ("section", "active", "requires_prescription", "hospital")
    search_fields = ("code", "name", "hospital__name")
    list_select_related = ("hospital",)
    inlines = [AnalyteInline]

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            instance.hospital_id = form.instance.hospital_id
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()


class ReferenceRangeInline(admin.TabularInline):
    model = ReferenceRange
    extra = 0
    fields = ("sex", "age_from_days", "age_to_days", "low", "high", "critical_low", "critical_high",
              "interpretation")


@admin.register(Analyte)
class AnalyteAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "lab_test", "result_kind", "order")
    search_fields = ("name", "lab_test__code", "lab_test__name")
    list_select_related = ("lab_test", "lab_test__hospital")
    inlines = [ReferenceRangeInline]

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            instance.hospital_id = form.instance.hospital_id
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()


class LineInline(admin.TabularInline):
    model = LabOrderLine
    extra = 0
    can_delete = False
    readonly_fields = ("lab_test", "prescription", "price", "price_at_checkout", "added_at")
    fields = readonly_fields


class StatusChangeInline(admin.TabularInline):
    model = LabOrderStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("at", "from_status", "to_status", "by", "reason")
    fields = readonly_fields


@admin.register(LabOrder)
class LabOrderAdmin(admin.ModelAdmin):
    """Read-only: orders move only through labs.services."""

    list_display = ("__str__", "hospital", "patient", "status", "amount", "created_at", "reported_at")
    list_filter = ("status", "hospital", "has_critical")
    search_fields = ("accession", "patient__full_name", "patient__patient_profile__patient_number")
    list_select_related = ("hospital", "patient")
    inlines = [LineInline, StatusChangeInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class ResultInline(admin.TabularInline):
    model = LabResult
    extra = 0
    can_delete = False
    readonly_fields = ("analyte", "value_text", "unit", "ref_low", "ref_high", "ref_critical_low",
                       "ref_critical_high", "flag")
    fields = readonly_fields


@admin.register(LabReport)
class LabReportAdmin(admin.ModelAdmin):
    """Read-only: a report never changes; a correction is a new version made by labs.services."""

    list_display = ("__str__", "hospital", "version", "verified_by", "verified_at")
    list_select_related = ("order", "hospital", "verified_by")
    search_fields = ("order__accession", "document_code__code")
    inlines = [ResultInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(PrescriptionLabTest)
class PrescriptionLabTestAdmin(admin.ModelAdmin):
    list_display = ("prescription", "lab_test", "hospital")
    list_select_related = ("prescription", "lab_test", "hospital")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the services write and nobody edits by hand: history, lines, results, counters."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReferenceRange)
class ReferenceRangeAdmin(admin.ModelAdmin):
    list_display = ("analyte", "sex", "age_from_days", "age_to_days", "low", "high", "critical_low", "critical_high")
    list_filter = ("sex",)
    search_fields = ("analyte__name", "analyte__lab_test__code")
    list_select_related = ("analyte", "analyte__lab_test")
    exclude = ("hospital",)

    def save_model(self, request, obj, form, change):
        obj.hospital_id = obj.analyte.hospital_id
        super().save_model(request, obj, form, change)


@admin.register(LabOrderLine)
class LabOrderLineAdmin(ReadOnlyAdmin):
    list_display = ("order", "lab_test", "price", "price_at_checkout", "added_at")
    list_select_related = ("order", "lab_test")


@admin.register(LabOrderStatusChange)
class LabOrderStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("order", "from_status", "to_status", "by", "at")
    list_select_related = ("order", "by")


@admin.register(LabResult)
class LabResultAdmin(ReadOnlyAdmin):
    list_display = ("order", "analyte", "value_text", "unit", "flag", "report")
    list_filter = ("flag",)
    list_select_related = ("order", "analyte", "report")


@admin.register(AccessionCounter)
class AccessionCounterAdmin(ReadOnlyAdmin):
    list_display = ("hospital", "year", "last")
    list_select_related = ("hospital",)
