from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.elimination"
    label = "elimination"
    verbose_name = _("Elimination and mass updates")
