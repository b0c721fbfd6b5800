from django.contrib import admin

from healthstack.admin import ReadOnlyAdmin

from .models import (
    LineAllocation,
    Medicine,
    MedicineOrder,
    MedicineOrderLine,
    MedicineOrderStatusChange,
    PharmacySettings,
    StockBatch,
    StockMovement,
)


@admin.register(PharmacySettings)
class PharmacySettingsAdmin(admin.ModelAdmin):
    list_display = ["hospital", "delivery_offered", "delivery_fee"]
    list_select_related = ["hospital"]


@admin.register(Medicine)
class MedicineAdmin(admin.ModelAdmin):
    """Read-only: the catalogue changes through pharmacy.services (the desk), which checks every field."""

    list_display = ["generic_name", "brand_name", "strength", "dosage_form", "hospital", "unit_price",
                    "prescription_only", "active"]
    list_filter = ["dosage_form", "prescription_only", "active", "hospital"]
    list_select_related = ["hospital"]
    search_fields = ["generic_name", "brand_name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class StockMovementInline(admin.TabularInline):
    model = StockMovement
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "kind", "quantity", "reserved_change", "reason", "by", "order"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StockBatch)
class StockBatchAdmin(admin.ModelAdmin):
    """Read-only: stock moves only through the ledger (pharmacy.services.stock)."""

    list_display = ["medicine", "batch_number", "expiry_date", "quantity_on_hand", "quantity_reserved", "hospital"]
    list_filter = ["hospital"]
    list_select_related = ["medicine", "hospital"]
    search_fields = ["batch_number", "medicine__generic_name", "medicine__brand_name"]
    inlines = [StockMovementInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    """The stock ledger: append-only, so read-only here."""

    list_display = ["at", "kind", "batch", "quantity", "reserved_change", "by", "order", "hospital"]
    list_filter = ["kind", "hospital"]
    list_select_related = ["batch__medicine", "by", "order", "hospital"]


class MedicineOrderLineInline(admin.TabularInline):
    model = MedicineOrderLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ["medicine", "quantity", "unit_price", "price", "quantity_dispensed",
                                "prescription_item"]

    def has_add_permission(self, request, obj=None):
        return False


class MedicineOrderStatusChangeInline(admin.TabularInline):
    model = MedicineOrderStatusChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ["from_status", "to_status", "by", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MedicineOrder)
class MedicineOrderAdmin(admin.ModelAdmin):
    """Read-only: orders move only through pharmacy.services."""

    list_display = ["pk", "hospital", "patient", "status", "amount", "currency", "created_at"]
    list_filter = ["status", "hospital"]
    list_select_related = ["hospital", "patient"]
    inlines = [MedicineOrderLineInline, MedicineOrderStatusChangeInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LineAllocation)
class LineAllocationAdmin(ReadOnlyAdmin):
    list_display = ["line", "batch", "quantity", "quantity_dispensed", "released"]
    list_select_related = ["line", "batch"]


@admin.register(MedicineOrderLine)
class MedicineOrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "medicine", "quantity", "unit_price", "price", "quantity_dispensed"]
    list_select_related = ["order", "medicine"]


@admin.register(MedicineOrderStatusChange)
class MedicineOrderStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["order", "from_status", "to_status", "by", "at"]
    list_select_related = ["order", "by"]
