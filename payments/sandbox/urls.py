from django.urls import path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("gwprocess/v4/api.php", views.session_api, name="session-api"),
    path("checkout/<str:sessionkey>/", views.checkout, name="checkout"),
    path("validator/api/validationserverAPI.php", views.validation_api, name="validation-api"),
    path("validator/api/merchantTransIDvalidationAPI.php", views.transaction_api, name="transaction-api"),
]
