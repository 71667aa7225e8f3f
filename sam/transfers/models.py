"""Transfers to the service that keeps definitive archives: what SAM follows of each one (Vitam keeps the units,
the SIP and the operations; SAM keeps the procedure's state, its people and the files exchanged)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import tenant_owned


class Transfer(tenant_owned(related_name="transfers")):
    class State(models.TextChoices):
        PREPARING = "preparing", _("in preparation")
        SIP_READY = "sip_ready", _("SIP ready")
        SENDING = "sending", _("being sent to the receiving platform")
        SENT = "sent", _("sent, awaiting the reply")
        REGULARISING = "regularising", _("partial reply: regularisation transfer in progress")
        REPLY_RUNNING = "reply_running", _("reply being integrated")
        DONE = "done", _("reply integrated")
        REFUSED = "refused", _("refused by the receiving service: nothing purged")
        FAILED = "failed", _("failed")

    class Mode(models.TextChoices):
        SELECTION = "selection", _("units of a selection")
        DUA_KEEP = "dua_keep", _("every unit whose retention period has ended with the final action Keep")

    reference = models.CharField(_("reference"), max_length=40, db_index=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PREPARING,
                             db_index=True)
    mode = models.CharField(_("units"), max_length=16, choices=Mode.choices)
    # The DSL conditions SAM built (a selection's or the DUA's), never typed by a user.
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    archival_agency = models.CharField(_("receiving archival service"), max_length=200)
    transferring_agency = models.CharField(_("transferring service"), max_length=200)
    archival_agreement = models.CharField(_("archival agreement"), max_length=200)
    comment = models.TextField(_("comment"), blank=True)
    originating_agency = models.CharField(_("producing service"), max_length=200, blank=True)
    operation_id = models.CharField(_("transfer operation"), max_length=100, blank=True, db_index=True)
    reply_operation_id = models.CharField(_("reply operation"), max_length=100, blank=True)
    unit_count = models.PositiveIntegerField(_("units transferred"), default=0)
    sip_size = models.BigIntegerField(_("SIP size"), default=0)
    sip_path = models.CharField(max_length=500, blank=True)
    # The receiving service's reply as received (kept, downloadable) and its MessageIdentifier.
    reply_path = models.CharField(max_length=500, blank=True)
    reply_identifier = models.CharField(_("reply identifier"), max_length=200, blank=True)
    # Vitam purges every unit of a transfer: a partial reply becomes a second transfer of the accepted units
    # (the regularisation), answered to Vitam with the ArchiveTransferReply SAM writes (vitam_reply_path).
    accepted_unit_ids = models.JSONField(default=list, blank=True)
    regularisation_operation_id = models.CharField(_("regularisation transfer operation"), max_length=100,
                                                   blank=True)
    vitam_reply_path = models.CharField(max_length=500, blank=True)
    accepted_count = models.PositiveIntegerField(_("units accepted"), default=0)
    refused_count = models.PositiveIntegerField(_("units refused"), default=0)
    # The transferred units still in Vitam once the reply is integrated: the bordereau says which ones stayed.
    refused_unit_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created on"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    replied_at = models.DateTimeField(_("reply integrated on"), null=True, blank=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Sent over the ingest API of the receiving service's Vitam (ReceivingPlatform): its ingest operation.
    platform = models.ForeignKey("ReceivingPlatform", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="transfers", verbose_name=_("receiving platform"))
    delivery_operation_id = models.CharField(_("ingest operation on the receiving platform"), max_length=100,
                                             blank=True)
    # More units than one Vitam operation takes: the transfer is made of parts, each its own transfer (SIP,
    # reply, bordereau), all pointing at the first part (itself included); part_unit_ids are listed once, so
    # that a resumed part asks Vitam for the same units.
    group = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="parts",
                              verbose_name=_("transfer in parts"))
    part_index = models.PositiveSmallIntegerField(_("part"), default=0)
    part_count = models.PositiveSmallIntegerField(_("number of parts"), default=0)
    part_unit_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("transfer")

    def __str__(self):
        return self.reference

    @property
    def group_reference(self) -> str:
        """The reference of the whole transfer a part belongs to (its parts' references end in -1, -2...)."""
        return self.reference.removesuffix(f"-{self.part_index}") if self.part_index else self.reference


class ReceivingPlatform(tenant_owned(related_name="receiving_platforms")):
    """The Vitam of the service that keeps definitive archives, reached over its ingest API as SAM deposits
    (POST /ingest-external/v1/ingests): its address, tenant, workflow and certificate."""
    name = models.CharField(_("name"), max_length=200)
    ingest_url = models.URLField(_("ingest-external address"), max_length=500)
    vitam_tenant = models.PositiveIntegerField(_("tenant of the receiving platform"))
    context_id = models.CharField(_("ingest workflow (X-Context-Id)"), max_length=50, default="DEFAULT_WORKFLOW")
    ingest_contract = models.CharField(_("ingest contract"), max_length=200, blank=True)
    cert_path = models.CharField(_("client certificate (path)"), max_length=500, blank=True)
    key_path = models.CharField(_("client key (path)"), max_length=500, blank=True)
    ca_path = models.CharField(_("certification authority (path)"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("receiving platform")

    def __str__(self):
        return self.name
