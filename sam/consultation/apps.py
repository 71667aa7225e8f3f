from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.consultation"
    label = "consultation"
    verbose_name = _("Search and consultation")
