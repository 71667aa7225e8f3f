from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.deposits"
    label = "deposits"
    verbose_name = _("Deposits")

    def ready(self):
        from sam.lib.jobs.recovery import on_abandoned_register, rerun_register

        # SAM's check only reads the SIP and Vitam's referentials, and starts nothing while the deposit is not
        # "being checked" any more: run again, it checks again.
        rerun_register("deposit_check")
        on_abandoned_register("deposit_check", "sam.deposits.services.deposit_check_abandon")
