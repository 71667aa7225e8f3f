from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "referentials.contracts"
    label = "contracts"
    verbose_name = _("Contracts and archival profiles")
