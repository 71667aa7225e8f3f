from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "referentials.trees"
    label = "trees"
    verbose_name = _("Filing trees")
