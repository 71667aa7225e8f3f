from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.reclassification"
    label = "reclassification"
    verbose_name = _("Changes of published trees and units")
