from django.urls import path

from . import views

app_name = "hospitals"

urlpatterns = [
    path("hospitals/", views.hospital_list, name="hospital-list"),
    path("hospitals/register/", views.register_hospital, name="hospital-register"),
    path("hospitals/<slug:slug>/", views.hospital_detail, name="hospital-detail"),
    path("hospitals/<slug:slug>/departments/<slug:department_slug>/", views.department_detail,
         name="department-detail"),
    path("doctors/", views.doctor_list, name="doctor-list"),
    path("doctors/<int:pk>/", views.doctor_detail, name="doctor-detail"),
    path("me/applications/", views.applications, name="applications"),
    path("me/applications/<slug:hospital_slug>/apply/", views.apply, name="apply"),
    path("accounts/invite/<str:token>/", views.accept_staff_invitation, name="accept-invitation"),
]
