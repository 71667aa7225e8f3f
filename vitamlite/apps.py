from django.apps import AppConfig


class VitamLiteConfig(AppConfig):
    """vitam-lite is a Django app only for its management command; it has no models."""

    name = "vitamlite"
    verbose_name = "vitam-lite"
