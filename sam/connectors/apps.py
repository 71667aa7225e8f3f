from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.connectors"
    label = "connectors"
    verbose_name = _("Connectors")
