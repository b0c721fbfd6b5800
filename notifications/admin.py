from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "event", "group_key", "created_at", "read_at"]
    list_filter = ["event"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "superseded_by"]
