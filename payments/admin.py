from django.contrib import admin

from healthstack.admin import ReadOnlyAdmin

from .models import Payment, PaymentEvent

# Money moves only through payments.services; the Django admin only shows.


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "from_status", "to_status", "amount", "source", "note", "by"]
    exclude = ["data"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["tran_id", "hospital", "payer", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "hospital"]
    search_fields = ["tran_id", "val_id", "bank_tran_id", "payer__email"]
    inlines = [PaymentEventInline]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "payment", "kind", "from_status", "to_status", "amount", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["payment__tran_id"]
    list_select_related = ["payment"]
