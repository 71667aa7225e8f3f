from django.apps import AppConfig


class SamConfig(AppConfig):
    name = "sam.site"
    label = "sam"
    verbose_name = "SAM"
