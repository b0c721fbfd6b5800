from django.contrib import admin

from healthstack.admin import ReadOnlyAdmin

from .models import Appointment, AppointmentReminder, AppointmentStatusChange, DayOff, QueueState, Review, ScheduleRule


class StatusChangeInline(admin.TabularInline):
    model = AppointmentStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: statuses change only through appointments.services."""

    list_display = ["date", "start_time", "hospital", "membership", "patient", "status", "token_number"]
    list_filter = ["status", "hospital"]
    search_fields = ["patient__full_name", "patient__email", "membership__user__full_name"]
    date_hierarchy = "date"
    list_select_related = ["hospital", "patient", "membership__user"]
    inlines = [StatusChangeInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScheduleRule)
class ScheduleRuleAdmin(admin.ModelAdmin):
    list_display = ["membership", "hospital", "weekday", "start_time", "end_time", "slot_minutes"]
    list_filter = ["hospital", "weekday"]
    list_select_related = ["hospital", "membership__user"]


@admin.register(DayOff)
class DayOffAdmin(admin.ModelAdmin):
    list_display = ["membership", "hospital", "date", "reason"]
    list_select_related = ["hospital", "membership__user"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["membership", "hospital", "rating", "created_at"]
    list_select_related = ["hospital", "membership__user"]


admin.site.register(QueueState)


@admin.register(AppointmentStatusChange)
class AppointmentStatusChangeAdmin(ReadOnlyAdmin):
    """The status history: rows are written only by appointments.services."""

    list_display = ["appointment", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status", "hospital"]
    list_select_related = ["appointment__patient", "appointment__membership__user", "appointment__hospital", "by"]


@admin.register(AppointmentReminder)
class AppointmentReminderAdmin(ReadOnlyAdmin):
    """Which reminders went out: one row per appointment and kind, written with the reminder itself."""

    list_display = ["appointment", "kind", "sent_at"]
    list_filter = ["kind"]
    date_hierarchy = "sent_at"
    raw_id_fields = ["appointment"]
