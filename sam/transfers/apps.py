from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.transfers"
    label = "transfers"
    verbose_name = _("Transfers to definitive archives")

    def ready(self):
        from sam.lib.jobs.recovery import on_abandoned_register, rerun_register

        # Preparations keep each ARCHIVE_TRANSFER's id before following it; a PDF is laid out again. The reply,
        # regularisation and sending steps are not declared: their jobs fail and say so.
        rerun_register("transfer_prepare", "transfer_parts", "transfer_bordereau_pdf")
        for kind in ("transfer_prepare", "transfer_parts"):
            on_abandoned_register(kind, "sam.transfers.services.preparation_abandon")
