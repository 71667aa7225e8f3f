from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _forget_unread_count(sender, instance, **kwargs):
    """A notification saved or deleted one by one (deletions cascading from a user or a proposal included)."""
    from sam.elimination.selectors import unread_count_forget

    unread_count_forget([instance.recipient_id])


class Config(AppConfig):
    name = "sam.elimination"
    label = "elimination"
    verbose_name = _("Elimination and mass updates")

    def ready(self):
        from sam.elimination.models import Notification
        from sam.lib.jobs.recovery import on_abandoned_register, rerun_register

        post_save.connect(_forget_unread_count, sender=Notification, dispatch_uid="elimination-unread-save")
        post_delete.connect(_forget_unread_count, sender=Notification, dispatch_uid="elimination-unread-delete")
        # Actions and mass updates send each batch once (its operation id kept under its row lock); an analysis
        # run again asks Vitam to analyse again, which changes nothing in the archives; documents are laid out again.
        rerun_register("elimination_analysis", "elimination_action", "elimination_bordereau_pdf",
                       "elimination_certificate", "mass_update_rules", "mass_update_description")
        for kind in ("mass_update_rules", "mass_update_description"):
            on_abandoned_register(kind, "sam.elimination.services.mass_update_abandon")
        on_abandoned_register("elimination_analysis", "sam.elimination.services.analysis_abandon")
        on_abandoned_register("elimination_action", "sam.elimination.services.proposal_action_abandon")
