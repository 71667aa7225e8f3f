from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentialsConfig(AppConfig):
    name = "referentials"
    verbose_name = _("Referentials")

    def ready(self):
        from referentials.kinds import KINDS
        from sam.lib.jobs.recovery import on_abandoned_register, rerun_register

        # Run again, an import compares Vitam's referential with its preview first: one Vitam already has is
        # recorded, one Vitam has not is imported, one changed by someone else meanwhile is previewed again.
        for name in KINDS:
            rerun_register(f"{name}_import")
            on_abandoned_register(f"{name}_import", "referentials.services.import_abandon")
