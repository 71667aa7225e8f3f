from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "sam.reclassification"
    label = "reclassification"
    verbose_name = _("Changes of published trees and units")

    def ready(self):
        from sam.lib.jobs.recovery import rerun_register
        from sam.reclassification.models import PublishedChange

        # change_run sends the change once (its operation id kept), then follows it.
        rerun_register(*(f"published_{kind}" for kind in PublishedChange.Kind.values))
