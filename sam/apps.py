from django.apps import AppConfig


class SamConfig(AppConfig):
    name = "sam"
    verbose_name = "SAM"
