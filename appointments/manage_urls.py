from django.urls import path

from . import manage_views as views

app_name = "desk"

urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("schedule/days-off/<int:pk>/delete/", views.day_off_delete, name="day-off-delete"),
    path("reception/", views.reception, name="reception"),
    path("queue/", views.queue, name="queue"),
    path("queue/call-next/", views.queue_call_next, name="call-next"),
    path("appointments/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("appointments/<int:pk>/reject/", views.reject, name="reject"),
    path("appointments/<int:pk>/arrived/", views.arrived, name="arrived"),
    path("appointments/<int:pk>/no-show/", views.no_show, name="no-show"),
    path("appointments/<int:pk>/complete/", views.complete, name="complete"),
]
