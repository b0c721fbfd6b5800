from django.urls import path

from . import views

app_name = "pharmacy"

urlpatterns = [
    path("hospitals/<slug:slug>/pharmacy/", views.shop, name="shop"),
    path("hospitals/<slug:slug>/pharmacy/add/", views.add_to_cart, name="add"),
    path("me/cart/medicines/lines/<int:pk>/", views.line_update, name="line-update"),
    path("me/cart/medicines/lines/<int:pk>/remove/", views.line_remove, name="line-remove"),
    path("me/cart/medicines/<int:pk>/checkout/", views.checkout, name="checkout"),
    path("me/records/prescriptions/<int:pk>/buy/", views.buy_prescription, name="buy-prescription"),
    path("me/medicine-orders/<int:pk>/", views.order_detail, name="order"),
    path("me/medicine-orders/<int:pk>/cancel/", views.order_cancel, name="order-cancel"),
]
