from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("doctors/<int:doctor_id>/book/", views.book, name="book"),
    path("doctors/<int:doctor_id>/book/slots/", views.book_slots, name="book-slots"),
    path("me/appointments/", views.my_appointments, name="mine"),
    path("appointments/<int:pk>/", views.appointment_detail, name="detail"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="cancel"),
    path("appointments/<int:pk>/review/", views.appointment_review, name="review"),
    path("display/<slug:hospital_slug>/<int:membership_id>/", views.queue_display, name="display"),
    path("display/<slug:hospital_slug>/<int:membership_id>/state/", views.queue_display_state, name="display-state"),
]
