from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.proof"
    label = "proof"
    verbose_name = _("Probative value reports")
