"""/api/v1/: every app's endpoints in one place; the schema and docs beside them."""

from django.urls import path

from accounts import api as accounts_api
from appointments import api as appointments_api
from hospitals import api as hospitals_api
from labs import api as labs_api
from labs import manage_api as labs_manage_api
from pharmacy import api as pharmacy_api
from pharmacy import manage_api as pharmacy_desk_api
from records import api as records_api

app_name = "api"

urlpatterns = [
    path("auth/register/", accounts_api.RegisterView.as_view(), name="register"),
    path("auth/login/", accounts_api.LoginView.as_view(), name="login"),
    path("auth/logout/", accounts_api.LogoutView.as_view(), name="logout"),
    path("me/profile/", accounts_api.ProfileView.as_view(), name="profile"),
    path("hospitals/", hospitals_api.HospitalList.as_view(), name="hospital-list"),
    path("hospitals/<slug:slug>/", hospitals_api.HospitalDetail.as_view(), name="hospital-detail"),
    path("hospitals/<slug:slug>/departments/", hospitals_api.DepartmentList.as_view(), name="department-list"),
    path("hospitals/<slug:slug>/medicines/", pharmacy_api.HospitalMedicines.as_view(), name="hospital-medicines"),
    path("doctors/", hospitals_api.DoctorList.as_view(), name="doctor-list"),
    path("doctors/<int:pk>/", hospitals_api.DoctorDetail.as_view(), name="doctor-detail"),
    path("practices/<int:membership_id>/slots/", appointments_api.FreeSlots.as_view(), name="free-slots"),
    path("me/appointments/", appointments_api.MyAppointments.as_view(), name="my-appointments"),
    path("me/appointments/<int:pk>/", appointments_api.MyAppointment.as_view(), name="my-appointment"),
    path("me/appointments/<int:pk>/cancel/", appointments_api.CancelAppointment.as_view(), name="cancel-appointment"),
    path("me/medicine-orders/", pharmacy_api.MyMedicineOrders.as_view(), name="my-medicine-orders"),
    path("me/medicine-orders/<int:pk>/", pharmacy_api.MyMedicineOrder.as_view(), name="my-medicine-order"),
    path("me/medicine-orders/<int:pk>/cancel/", pharmacy_api.CancelMedicineOrder.as_view(),
         name="cancel-medicine-order"),
    path("me/prescriptions/", records_api.MyPrescriptions.as_view(), name="my-prescriptions"),
    path("me/prescriptions/<int:pk>/", records_api.MyPrescription.as_view(), name="my-prescription"),
    path("me/documents/", records_api.MyDocuments.as_view(), name="my-documents"),
    path("me/documents/<int:pk>/", records_api.MyDocument.as_view(), name="my-document"),
    path("hospitals/<slug:slug>/lab-tests/", labs_api.HospitalLabTests.as_view(), name="lab-tests"),
    path("me/lab-orders/", labs_api.MyLabOrders.as_view(), name="my-lab-orders"),
    path("me/lab-orders/<int:pk>/", labs_api.MyLabOrder.as_view(), name="my-lab-order"),
    path("me/lab-orders/<int:pk>/cancel/", labs_api.CancelLabOrder.as_view(), name="cancel-lab-order"),
    path("me/lab-reports/", labs_api.MyLabReports.as_view(), name="my-lab-reports"),
    path("manage/<slug:hospital_slug>/appointments/", appointments_api.DeskAppointments.as_view(),
         name="desk-appointments"),
    path("manage/<slug:hospital_slug>/appointments/<int:pk>/confirm/", appointments_api.ConfirmAppointment.as_view(),
         name="desk-confirm"),
    path("manage/<slug:hospital_slug>/appointments/<int:pk>/reject/", appointments_api.RejectAppointment.as_view(),
         name="desk-reject"),
    path("manage/<slug:hospital_slug>/appointments/<int:pk>/no-show/", appointments_api.MarkNoShow.as_view(),
         name="desk-no-show"),
    path("manage/<slug:hospital_slug>/lab/orders/", labs_manage_api.DeskLabOrders.as_view(), name="desk-lab-orders"),
    path("manage/<slug:hospital_slug>/lab/orders/<int:pk>/collect/", labs_manage_api.CollectSample.as_view(),
         name="desk-lab-collect"),
    path("manage/<slug:hospital_slug>/lab/orders/<int:pk>/results/", labs_manage_api.EnterResults.as_view(),
         name="desk-lab-results"),
    path("manage/<slug:hospital_slug>/lab/orders/<int:pk>/verify/", labs_manage_api.VerifyReport.as_view(),
         name="desk-lab-verify"),
    path("manage/<slug:hospital_slug>/pharmacy/medicines/", pharmacy_desk_api.DeskMedicines.as_view(),
         name="desk-medicines"),
    path("manage/<slug:hospital_slug>/pharmacy/medicines/<int:pk>/batches/",
         pharmacy_desk_api.DeskReceiveBatch.as_view(), name="desk-receive-batch"),
    path("manage/<slug:hospital_slug>/pharmacy/orders/", pharmacy_desk_api.DeskOrders.as_view(),
         name="desk-medicine-orders"),
    path("manage/<slug:hospital_slug>/pharmacy/orders/<int:pk>/ready/", pharmacy_desk_api.DeskOrderReady.as_view(),
         name="desk-medicine-order-ready"),
    path("manage/<slug:hospital_slug>/pharmacy/orders/<int:pk>/collected/",
         pharmacy_desk_api.DeskOrderCollected.as_view(), name="desk-medicine-order-collected"),
]
