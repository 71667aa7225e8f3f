"""What SAM keeps for search and consultation: only users' saved searches (Vitam holds the archives)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    """A user's named search on one tenant: the search form's parameters, replayed on Vitam each time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches",
                             verbose_name=_("user"))
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="saved_searches",
                               verbose_name=_("tenant"))
    name = models.CharField(_("name"), max_length=200)
    parameters = models.JSONField(_("parameters"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant", "name"], name="saved_search_name_unique_per_user")
        ]

    def __str__(self):
        return self.name
