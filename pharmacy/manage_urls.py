from django.urls import path

from . import manage_views as views

app_name = "pharmacy_desk"

urlpatterns = [
    path("pharmacy/", views.desk, name="desk"),
    path("pharmacy/delivery/", views.delivery_settings, name="delivery"),
    path("pharmacy/medicines/", views.medicine_list, name="medicines"),
    path("pharmacy/medicines/export.csv", views.stock_export, name="stock-export"),
    path("pharmacy/medicines/new/", views.medicine_form, name="medicine-new"),
    path("pharmacy/medicines/<int:pk>/", views.medicine_detail, name="medicine"),
    path("pharmacy/medicines/<int:pk>/edit/", views.medicine_form, name="medicine-edit"),
    path("pharmacy/medicines/<int:pk>/active/", views.medicine_active, name="medicine-active"),
    path("pharmacy/medicines/<int:pk>/receive/", views.receive_stock, name="receive"),
    path("pharmacy/batches/", views.batch_list, name="batches"),
    path("pharmacy/batches/write-off/", views.write_off, name="write-off-all"),
    path("pharmacy/batches/<int:pk>/adjust/", views.adjust_stock, name="adjust"),
    path("pharmacy/batches/<int:pk>/write-off/", views.write_off, name="write-off"),
    path("pharmacy/orders/", views.order_list, name="orders"),
    path("pharmacy/orders/<int:pk>/", views.order_detail, name="order"),
    path("pharmacy/orders/<int:pk>/prepare/", views.order_prepare, name="order-prepare"),
    path("pharmacy/orders/<int:pk>/ready/", views.order_ready, name="order-ready"),
    path("pharmacy/orders/<int:pk>/collected/", views.order_collected, name="order-collected"),
    path("pharmacy/orders/<int:pk>/dispatch/", views.order_dispatch, name="order-dispatch"),
    path("pharmacy/orders/<int:pk>/delivered/", views.order_delivered, name="order-delivered"),
    path("pharmacy/orders/<int:pk>/cancel/", views.order_cancel, name="order-cancel"),
    path("pharmacy/orders/<int:pk>/prescription/", views.order_prescription, name="order-prescription"),
]
