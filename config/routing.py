# Websocket routes of every app, gathered here; asgi.py wraps them in the origin check and auth.
from django.urls import path, re_path

from appointments import consumers as appointment_consumers
from chat.consumers import ChatConsumer
from healthstack.consumers import NotFoundConsumer
from notifications.consumers import NotificationConsumer
from pharmacy.consumers import MedicineOrderConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/chat/<int:conversation_id>/", ChatConsumer.as_asgi()),
    path("ws/appointments/<int:appointment_id>/", appointment_consumers.AppointmentConsumer.as_asgi()),
    path("ws/manage/<slug:hospital_slug>/reception/", appointment_consumers.ReceptionConsumer.as_asgi()),
    path("ws/manage/<slug:hospital_slug>/queue/", appointment_consumers.QueueConsumer.as_asgi()),
    path("ws/display/<slug:hospital_slug>/<int:membership_id>/", appointment_consumers.DisplayConsumer.as_asgi()),
    path("ws/medicine-orders/<int:order_id>/", MedicineOrderConsumer.as_asgi()),
    # Last: every other path closes with 4404 instead of raising "No route found" (a server error).
    re_path(r"", NotFoundConsumer.as_asgi()),
]
