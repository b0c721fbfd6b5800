from django.urls import path

from . import manage_views as views

app_name = "manage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/", views.hospital_settings, name="settings"),
    path("departments/", views.departments, name="departments"),
    path("departments/new/", views.department_form, name="department-new"),
    path("departments/<int:pk>/edit/", views.department_form, name="department-edit"),
    path("departments/<int:pk>/toggle/", views.department_toggle, name="department-toggle"),
    path("staff/", views.staff, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff-invite"),
    path("staff/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("staff/<int:pk>/suspend/", views.staff_suspend, name="staff-suspend"),
    path("staff/<int:pk>/restore/", views.staff_restore, name="staff-restore"),
    path("doctors/applications/", views.applications, name="applications"),
    path("doctors/applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("doctors/applications/<int:pk>/approve/", views.application_decide, {"decision": "approve"},
         name="application-approve"),
    path("doctors/applications/<int:pk>/reject/", views.application_decide, {"decision": "reject"},
         name="application-reject"),
    path("doctors/certificates/<int:pk>/", views.certificate_download, name="certificate"),
]
