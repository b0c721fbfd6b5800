from django.contrib import admin

from .models import DocumentCode


@admin.register(DocumentCode)
class DocumentCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "status", "issued_at", "hospital_name", "doctor_name", "patient_initials"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "hospital_name", "doctor_name"]
    readonly_fields = ["code", "kind", "issued_at", "hospital_name", "doctor_name", "patient_initials", "created_at"]
