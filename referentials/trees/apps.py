from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "referentials.trees"
    label = "trees"
    verbose_name = _("Filing trees")

    def ready(self):
        from sam.lib.jobs.recovery import on_abandoned_register

        # Never run again (a tree ingested twice): settled at once, its ingest looked for in Vitam by its name.
        on_abandoned_register("tree_publish", "referentials.trees.services.publication_abandon")
