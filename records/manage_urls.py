from django.urls import path

from . import manage_views as views

app_name = "clinical"

urlpatterns = [
    path("patients/", views.patients, name="patients"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient"),
    path("patients/<int:patient_id>/clinical-profile/", views.clinical_profile, name="clinical-profile"),
    path("patients/<int:patient_id>/documents/<int:pk>/", views.document_download, name="document"),
    path("prescriptions/new/", views.prescription_new, name="prescription-new"),
    path("prescriptions/<int:pk>/", views.prescription_detail, name="prescription"),
    path("prescriptions/<int:pk>/edit/", views.prescription_edit, name="prescription-edit"),
    path("prescriptions/<int:pk>/pdf/", views.prescription_download, name="prescription-pdf"),
    path("prescriptions/<int:pk>/issue/", views.prescription_issue, name="prescription-issue"),
    path("prescriptions/<int:pk>/correct/", views.prescription_correct, name="prescription-correct"),
    path("prescriptions/<int:pk>/discard/", views.prescription_discard, name="prescription-discard"),
]
