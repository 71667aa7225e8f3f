from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.transfers"
    label = "transfers"
    verbose_name = _("Transfers to definitive archives")

    def ready(self):
        from sam.lib.jobs.recovery import on_abandoned_register

        for kind in ("transfer_prepare", "transfer_parts"):
            on_abandoned_register(kind, "sam.transfers.services.preparation_abandon")
