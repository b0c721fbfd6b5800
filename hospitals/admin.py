from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from healthstack.admin import ReadOnlyAdmin

from .models import (
    Department,
    DoctorCertificate,
    Hospital,
    HospitalStatusChange,
    Membership,
    MembershipStatusChange,
    StaffInvitation,
)
from .selectors import listing_gaps
from .services import HospitalError, approve_hospital, create_membership, suspend_hospital

# What keeps a hospital off the public pages (hospitals.selectors.listing_gaps), as the operator reads it.
LISTING_GAPS = {
    "suspended": _("Suspended"),
    "awaiting_approval": _("Awaiting approval"),
    "department": _("No active department"),
    "doctor": _("No approved doctor in an active department"),
}
APPROVED_NOT_LISTED = {
    "department": _("%(hospital)s is approved but not listed publicly yet: it has no active department."),
    "doctor": _("%(hospital)s is approved but not listed publicly yet: it has no approved doctor in an active "
                "department."),
}


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


class StatusChangeInline(admin.TabularInline):
    extra = 0
    can_delete = False
    fields = readonly_fields = ["from_status", "to_status", "by", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


class HospitalStatusChangeInline(StatusChangeInline):
    model = HospitalStatusChange


class MembershipStatusChangeInline(StatusChangeInline):
    model = MembershipStatusChange


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    """The status changes only through the actions (hospitals.services), each leaving a history row."""

    list_display = ["name", "city", "status", "public_listing", "time_zone", "created_at"]
    list_filter = ["status", "city"]
    search_fields = ["name", "city", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["status"]
    inlines = [DepartmentInline, HospitalStatusChangeInline]
    actions = ["approve", "suspend"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_listing_facts()

    @admin.display(description=_("Public listing"))
    def public_listing(self, hospital):
        gaps = listing_gaps(hospital)
        if not gaps:
            return gettext("Listed")
        return format_html_join(mark_safe("<br>"), "{}", ((LISTING_GAPS[gap],) for gap in gaps))

    @admin.action(description=_("Approve and list publicly"))
    def approve(self, request, queryset):
        """Approve each hospital and say whether the public can now find it, or what it still lacks."""
        for hospital in queryset:
            try:
                hospital = approve_hospital(hospital=hospital, by=request.user)
            except HospitalError as exc:
                self.message_user(request, f"{hospital}: {exc}", messages.WARNING)
                continue
            missing = [gap for gap in listing_gaps(hospital) if gap in APPROVED_NOT_LISTED]
            if missing:
                self.message_user(request, APPROVED_NOT_LISTED[missing[0]] % {"hospital": hospital.name},
                                  messages.WARNING)
            else:
                self.message_user(request, gettext("%(hospital)s is approved and listed publicly.")
                                  % {"hospital": hospital.name}, messages.SUCCESS)

    @admin.action(description="Suspend (hide and close staff area)")
    def suspend(self, request, queryset):
        for hospital in queryset:
            try:
                suspend_hospital(hospital=hospital, by=request.user)
            except HospitalError as exc:
                self.message_user(request, f"{hospital}: {exc}", messages.WARNING)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "hospital", "is_active"]
    list_filter = ["is_active", "hospital"]
    search_fields = ["name", "hospital__name"]
    list_select_related = ["hospital"]


class CertificateInline(admin.TabularInline):
    model = DoctorCertificate
    extra = 0
    fields = ["original_name", "kind", "uploaded_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """The status changes only through the hospital's staff pages (hospitals.services)."""

    list_display = ["user", "hospital", "role", "status", "department", "consultation_fee"]
    list_filter = ["role", "status", "hospital"]
    search_fields = ["user__email", "user__full_name", "hospital__name"]
    list_select_related = ["user", "hospital", "department"]
    raw_id_fields = ["user", "decided_by"]
    readonly_fields = ["status"]
    inlines = [CertificateInline, MembershipStatusChangeInline]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:  # a new membership starts its status history, as every other way of creating one does
            create_membership(membership=obj, by=request.user, reason="Added in the admin.")


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "hospital", "role", "created_at", "expires_at", "accepted_at", "revoked"]
    list_filter = ["role", "hospital"]
    search_fields = ["email", "hospital__name"]
    exclude = ["token"]


@admin.register(DoctorCertificate)
class DoctorCertificateAdmin(admin.ModelAdmin):
    list_display = ["original_name", "membership", "kind", "uploaded_at"]
    list_select_related = ["membership__user", "membership__hospital"]
    fields = ["membership", "original_name", "kind", "uploaded_at"]
    readonly_fields = fields


@admin.register(HospitalStatusChange)
class HospitalStatusChangeAdmin(ReadOnlyAdmin):
    """The hospital status history: rows are written only through healthstack.status."""

    list_display = ["hospital", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    list_select_related = ["hospital", "by"]


@admin.register(MembershipStatusChange)
class MembershipStatusChangeAdmin(ReadOnlyAdmin):
    """The membership status history: rows are written only through healthstack.status."""

    list_display = ["membership", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status", "hospital"]
    list_select_related = ["membership__user", "membership__hospital", "by"]
