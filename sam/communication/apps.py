from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.communication"
    label = "communication"
    verbose_name = _("Communications of archives (DIP)")
