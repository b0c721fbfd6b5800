from django.urls import path

from . import manage_views as views

app_name = "labdesk"

urlpatterns = [
    path("lab/", views.home, name="home"),
    path("lab/tests/", views.tests, name="tests"),
    path("lab/tests/new/", views.test_new, name="test-new"),
    path("lab/tests/<int:pk>/", views.test_edit, name="test"),
    path("lab/tests/<int:pk>/toggle/", views.test_toggle, name="test-toggle"),
    path("lab/tests/<int:pk>/analytes/new/", views.analyte_new, name="analyte-new"),
    path("lab/tests/<int:pk>/analytes/<int:analyte_id>/", views.analyte_edit, name="analyte"),
    path("lab/ranges/<int:pk>/delete/", views.range_delete, name="range-delete"),
    path("lab/orders/", views.orders, name="orders"),
    path("lab/orders/<int:pk>/", views.order_detail, name="order"),
    path("lab/orders/<int:pk>/collect/", views.collect, name="collect"),
    path("lab/orders/<int:pk>/label/", views.label, name="label"),
    path("lab/orders/<int:pk>/results/", views.results, name="results"),
    path("lab/orders/<int:pk>/verify/", views.verify, name="verify"),
    path("lab/orders/<int:pk>/amend/", views.amend, name="amend"),
    path("lab/orders/<int:pk>/report/", views.order_report_pdf, name="order-report"),
    path("lab/reports/<int:pk>/", views.report_detail, name="report"),
    path("lab/reports/<int:pk>/pdf/", views.report_download, name="report-pdf"),
    path("lab/reports/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("lab/critical-results/", views.critical_results, name="critical-results"),
]
