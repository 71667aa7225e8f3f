from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.communication"
    label = "communication"
    verbose_name = _("Communications of archives (DIP)")

    def ready(self):
        from sam.lib.jobs.recovery import on_abandoned_register, rerun_register

        rerun_register("communication_dip")  # parts keep their operation id before it is followed
        on_abandoned_register("communication_dip", "sam.communication.services.communication_abandon")
