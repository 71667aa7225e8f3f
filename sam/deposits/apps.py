from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.deposits"
    label = "deposits"
    verbose_name = _("Deposits")
