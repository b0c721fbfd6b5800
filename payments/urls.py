from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("payments/<slug:kind>/<int:pk>/start/", views.start, name="start"),
    path("payments/sslcommerz/ipn/", views.ipn, name="ipn"),
    path("payments/sslcommerz/success/", views.success, name="success"),
    path("payments/sslcommerz/fail/", views.fail, name="fail"),
    path("payments/sslcommerz/cancel/", views.cancel, name="cancel"),
    path("me/payments/", views.my_payments, name="mine"),
    path("me/payments/attempts/", views.my_attempts, name="attempts"),
    path("me/payments/<uuid:uuid>/receipt/", views.receipt, name="receipt"),
]
