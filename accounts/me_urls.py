from django.urls import path

from . import views

app_name = "me"

urlpatterns = [
    path("", views.me_home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("applications/", views.applications, name="applications"),
    path("applications/<slug:hospital_slug>/apply/", views.apply, name="apply"),
]
