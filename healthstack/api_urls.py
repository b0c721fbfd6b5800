"""/api/v1/: every app's endpoints in one place; the schema and docs beside them."""

from django.urls import path

from accounts import api as accounts_api
from hospitals import api as hospitals_api

app_name = "api"

urlpatterns = [
    path("auth/register/", accounts_api.RegisterView.as_view(), name="register"),
    path("auth/login/", accounts_api.LoginView.as_view(), name="login"),
    path("me/profile/", accounts_api.ProfileView.as_view(), name="profile"),
    path("hospitals/", hospitals_api.HospitalList.as_view(), name="hospital-list"),
    path("hospitals/<slug:slug>/", hospitals_api.HospitalDetail.as_view(), name="hospital-detail"),
    path("hospitals/<slug:slug>/departments/", hospitals_api.DepartmentList.as_view(), name="department-list"),
    path("doctors/", hospitals_api.DoctorList.as_view(), name="doctor-list"),
    path("doctors/<int:pk>/", hospitals_api.DoctorDetail.as_view(), name="doctor-detail"),
]
