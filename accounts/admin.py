from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from .models import ApiToken, DoctorProfile, PatientProfile, User
from .services import revoke_api_tokens


class PasswordChangeByOperatorForm(AdminPasswordChangeForm):
    """The operator sets a user's password: like every password change, it ends their API tokens."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            revoke_api_tokens(user=user)
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_password_form = PasswordChangeByOperatorForm
    ordering = ["email"]
    list_display = ["email", "full_name", "phone", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name", "phone"]
    list_filter = ["is_active", "awaiting_email_confirmation", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "phone"]}),
        ("Access", {"fields": ["is_active", "awaiting_email_confirmation", "is_staff", "is_superuser", "groups",
                               "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ["patient_number", "user", "sex", "blood_group", "sharing_consent"]
    search_fields = ["patient_number", "user__email", "user__full_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(DoctorProfile)
class DoctorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "specialisation", "registration_number", "years_of_practice"]
    search_fields = ["user__email", "user__full_name", "registration_number", "specialisation"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators see and delete API tokens; tokens are made only by logging in."""

    list_display = ["user", "client", "created", "expiry", "last_used_at"]
    search_fields = ["user__email", "client"]
    list_select_related = ["user"]
    fields = ["user", "client", "created", "expiry", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
