from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.selection"
    label = "selection"
    verbose_name = _("Selections of archive units")
