from django.urls import path

from . import views

app_name = "labs"

urlpatterns = [
    path("hospitals/<slug:slug>/lab-tests/", views.catalogue, name="catalogue"),
    path("hospitals/<slug:slug>/lab-tests/<int:pk>/add/", views.add_to_cart, name="add"),
    path("me/lab-cart/lines/<int:pk>/remove/", views.remove_line, name="remove-line"),
    path("me/lab-cart/<int:pk>/accept-changes/", views.accept_changes, name="accept-changes"),
    path("me/lab-cart/<int:pk>/checkout/", views.checkout, name="checkout"),
    path("me/lab-orders/<int:pk>/", views.order_detail, name="order"),
    path("me/lab-orders/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("me/lab-reports/<int:pk>/", views.report_detail, name="report"),
    path("me/lab-reports/<int:pk>/pdf/", views.report_pdf, name="report-pdf"),
    path("me/records/prescriptions/<int:pk>/order-lab-tests/", views.order_from_prescription,
         name="order-prescription"),
    path("manage/<slug:hospital_slug>/prescriptions/lab-tests/", views.test_search, name="test-search"),
]
