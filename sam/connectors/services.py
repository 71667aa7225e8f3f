"""Writes of connector accounts and the door's deposits: one function per action, audited."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sam.connectors.certificates import read_pem
from sam.connectors.models import Connector, ConnectorDeposit
from sam.deposits.models import Deposit
from sam.deposits.services import deposit_check_start, deposit_receive
from sam.lib.seda.checks import archive_kind
from tenants.audit import audit_record

TEST_CONTEXT = "BLANK_TEST"
CONTEXTS = ("DEFAULT_WORKFLOW", TEST_CONTEXT)


def _certificate_fields(pem) -> dict:
    facts = read_pem(pem)
    if Connector.objects.filter(certificate_sha256=facts.sha256).exists():
        raise ValidationError(_("This certificate is already used by another connector."))
    return {"certificate_sha256": facts.sha256, "certificate_subject": facts.subject,
            "certificate_not_after": facts.not_after}


def _check_tenants(organisation, tenants) -> list:
    tenants = list(tenants)
    if not tenants:
        raise ValidationError(_("Choose at least one tenant the connector may deposit on."))
    if any(tenant.organisation_id != organisation.pk for tenant in tenants):
        raise ValidationError(_("A connector may only deposit on its own organisation's tenants."))
    return tenants


def connector_create(*, actor, organisation, name: str, tenants, certificate_pem, request=None) -> Connector:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the connector a name."))
    tenants = _check_tenants(organisation, tenants)
    fields = _certificate_fields(certificate_pem)
    try:
        with transaction.atomic():
            connector = Connector.objects.create(organisation=organisation, name=name[:200],
                                                 created_by=actor if getattr(actor, "pk", None) else None, **fields)
            connector.tenants.set(tenants)
            audit_record(actor=actor, action="connectors.create", organisation=organisation, target=connector,
                         after={"name": connector.name, "tenants": sorted(t.vitam_id for t in tenants),
                                "certificate_sha256": connector.certificate_sha256,
                                "certificate_subject": connector.certificate_subject}, request=request)
    except IntegrityError:
        raise ValidationError(_("A connector of this organisation already has this name.")) from None
    return connector


def _set_state(*, actor, connector: Connector, state: str, action: str, request=None) -> Connector:
    with transaction.atomic():
        connector = Connector.objects.select_for_update().get(pk=connector.pk)
        before = connector.state
        connector.state = state
        connector.save(update_fields=["state", "updated_at"])
        audit_record(actor=actor, action=action, organisation=connector.organisation, target=connector,
                     before={"state": before}, after={"state": state}, request=request)
    return connector


def connector_suspend(*, actor, connector: Connector, request=None) -> Connector:
    return _set_state(actor=actor, connector=connector, state=Connector.State.SUSPENDED,
                      action="connectors.suspend", request=request)


def connector_resume(*, actor, connector: Connector, request=None) -> Connector:
    return _set_state(actor=actor, connector=connector, state=Connector.State.ACTIVE,
                      action="connectors.resume", request=request)


def connector_rotate(*, actor, connector: Connector, certificate_pem, request=None) -> Connector:
    """Replace the connector's certificate: the old one is refused from now on."""
    fields = _certificate_fields(certificate_pem)
    with transaction.atomic():
        connector = Connector.objects.select_for_update().get(pk=connector.pk)
        before = {"certificate_sha256": connector.certificate_sha256,
                  "certificate_subject": connector.certificate_subject}
        for key, value in fields.items():
            setattr(connector, key, value)
        connector.save()
        audit_record(actor=actor, action="connectors.rotate", organisation=connector.organisation, target=connector,
                     before=before, after={key: str(value) for key, value in fields.items()}, request=request)
    return connector


def new_request_id() -> str:
    """The operation id SAM gives the connector at once; Vitam's own id is known only later."""
    return "sam" + secrets.token_hex(16)


def door_deposit(*, connector: Connector, tenant, sip_path, context_id: str, request=None) -> ConnectorDeposit:
    """An ordinary SAM deposit of the SIP the connector sent (already on disk): recorded, then checked
    and sent in the background."""
    kind = Deposit.Kind.TEST if context_id == TEST_CONTEXT else Deposit.Kind.SIP
    request_id = new_request_id()
    file_name = f"{slugify(connector.name) or 'connecteur'}-{request_id}.{archive_kind(sip_path) or 'sip'}"
    deposit = deposit_receive(actor=None, tenant=tenant, upload=sip_path, file_name=file_name, kind=kind,
                              title=_("Deposit of the connector %(name)s") % {"name": connector.name},
                              request=request, start_check=False)
    with transaction.atomic():
        link = ConnectorDeposit.objects.create(connector=connector, deposit=deposit, request_id=request_id,
                                               context_id=context_id)
        audit_record(actor=None, action="connectors.deposit", tenant=tenant, target=deposit,
                     after={"connector": connector.name, "connector_id": connector.pk, "request_id": link.request_id,
                            "context": context_id, "size": deposit.size}, request=request)
    transaction.on_commit(lambda: deposit_check_start(actor=None, deposit=deposit))
    return link
