from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("records/", views.my_records, name="mine"),
    path("records/upload/", views.upload, name="upload"),
    path("records/sharing/", views.sharing, name="sharing"),
    path("records/prescriptions/<int:pk>/", views.prescription_detail, name="prescription"),
    path("records/prescriptions/<int:pk>/pdf/", views.prescription_download, name="prescription-pdf"),
    path("records/documents/<int:pk>/", views.document_download, name="document"),
    path("records/documents/<int:pk>/delete/", views.document_delete, name="document-delete"),
    path("access-log/", views.access_log, name="access-log"),
]
