from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView

from hospitals import views as hospital_views
from healthstack import views

admin.site.site_header = _("HealthStack operator")
admin.site.site_title = _("HealthStack operator")
admin.site.index_title = _("Hospitals, people and payments")

urlpatterns = [
    path("", hospital_views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("hospitals.urls")),
    path("", include("appointments.urls")),
    path("", include("payments.urls")),
    path("", include("labs.urls")),
    path("", include("pharmacy.urls")),
    path("accounts/", include("accounts.urls")),
    path("dashboard/", hospital_views.dashboard, name="dashboard"),
    path("me/", include("accounts.me_urls")),
    path("me/", include("records.urls")),
    path("notifications/", include("notifications.urls")),
    path("chat/", include("chat.urls")),
    path("manage/<slug:hospital_slug>/", include("hospitals.manage_urls")),
    path("manage/<slug:hospital_slug>/", include("appointments.manage_urls")),
    path("manage/<slug:hospital_slug>/", include("payments.manage_urls")),
    path("manage/<slug:hospital_slug>/", include("records.manage_urls")),
    path("manage/<slug:hospital_slug>/", include("labs.manage_urls")),
    path("manage/<slug:hospital_slug>/", include("pharmacy.manage_urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", TemplateView.as_view(template_name="api/docs.html"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("verify/<str:code>/", views.verify_document, name="verify"),
    path("healthz", views.healthz, name="healthz"),
]

handler400 = "healthstack.views.error_400"
handler403 = "healthstack.views.error_403"
handler404 = "healthstack.views.error_404"
handler500 = "healthstack.views.error_500"

urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.SSLCOMMERZ_MODE == "local":
    urlpatterns.append(path("sandbox/sslcommerz/", include("payments.sandbox.urls")))

if settings.DEBUG_TOOLBAR:
    urlpatterns.append(path("__debug__/", include("debug_toolbar.urls")))
