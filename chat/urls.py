from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("appointment/<int:appointment_id>/", views.start_for_appointment, name="for-appointment"),
    path("with/<int:user_id>/", views.start_with, name="with"),
    path("<int:pk>/", views.room, name="room"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/messages/", views.history, name="history"),
    path("<int:pk>/read/", views.read, name="read"),
    path("<int:pk>/attachments/<int:message_id>/", views.attachment, name="attachment"),
]
