from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.transfers"
    label = "transfers"
    verbose_name = _("Transfers to definitive archives")
