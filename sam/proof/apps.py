from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.proof"
    label = "proof"
    verbose_name = _("Probative value reports")

    def ready(self):
        from sam.lib.jobs.recovery import rerun_register

        rerun_register("proof")  # the task only follows the operation it recorded
