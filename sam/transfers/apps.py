from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.transfers"
    label = "transfers"
    verbose_name = _("Transfers to definitive archives")

    def ready(self):
        from sam.lib.jobs.recovery import on_abandoned_register, rerun_register

        # Preparations, regularisations and replies keep their Vitam operation's id before following it; a PDF is
        # laid out again. Sending to a receiving platform is not declared (run again, it could ingest there twice):
        # its job fails and the parts it had not delivered go back to "SIP ready".
        rerun_register("transfer_prepare", "transfer_parts", "transfer_bordereau_pdf", "transfer_regularisation",
                       "transfer_reply")
        for kind in ("transfer_prepare", "transfer_parts"):
            on_abandoned_register(kind, "sam.transfers.services.preparation_abandon")
        for kind in ("transfer_regularisation", "transfer_reply"):
            on_abandoned_register(kind, "sam.transfers.services.reply_abandon")
        for kind in ("transfer_send", "transfer_send_parts"):
            on_abandoned_register(kind, "sam.transfers.services.sending_abandon")
