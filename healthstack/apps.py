from django.apps import AppConfig


class HealthstackConfig(AppConfig):
    name = "healthstack"
    verbose_name = "HealthStack"

    def ready(self):
        from . import realtime  # noqa: F401  (connects the logout receiver that closes sockets)
