from django.urls import path

from . import manage_views as views

app_name = "hospital_payments"

urlpatterns = [
    path("payments/", views.payment_list, name="list"),
    path("payments/export.csv", views.payment_export, name="export"),
    path("payments/<int:pk>/", views.payment_detail, name="detail"),
    path("payments/<int:pk>/accept/", views.payment_accept, name="accept"),
    path("payments/<int:pk>/refund/", views.payment_refund, name="refund"),
]
