from django.apps import AppConfig


class HealthstackConfig(AppConfig):
    name = "healthstack"
    verbose_name = "HealthStack"
