"""A user's selection (panier) of archive units on one tenant: what to act on, kept in the database.

Entries are either explicit units (with or without what lies below them) or a whole search, kept as the search
page's parameters: the selection then stands for the query, replayed on Vitam, never for a list of ids.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import tenant_owned


class Selection(tenant_owned(related_name="selections")):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="selections",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    # The working selection is the one not kept; keeping it under a name starts a new working one.
    kept = models.BooleanField(_("kept"), default=False)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], condition=Q(kept=False),
                                    name="selection_one_working_per_user_and_tenant"),
        ]

    def __str__(self):
        return self.name or str(_("Current selection"))


class SelectionEntry(models.Model):
    class Kind(models.TextChoices):
        UNIT = "unit", _("Archive unit")
        SEARCH = "search", _("All results of a search")

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    unit_id = models.CharField(max_length=100, blank=True)
    with_descendants = models.BooleanField(_("with the units below"), default=False)
    # What the entry shows: the unit's title, or the search's summary.
    label = models.CharField(_("label"), max_length=500, blank=True)
    parameters = models.JSONField(default=dict, blank=True)  # the search page's GET parameters
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "unit_id"], condition=Q(kind="unit"),
                                    name="selection_entry_unit_once"),
        ]
