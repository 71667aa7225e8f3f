"""Changes to a tenant's contracts and archival profiles: written to Vitam, audited in SAM.

Every change locks the SAM tenant row (two SAM users never interleave read-check-write on the same
tenant), re-reads the document from Vitam, refuses to overwrite a version the user did not see
(Vitam's #version, compared with the snapshot signed into the form), writes, then records the audit
entry in the same transaction. Vitam's refusals become French messages naming the field when possible.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from referentials.contracts import domain, profile_files, selectors
from referentials.contracts.domain import INGEST, PROFILE_FIELDS, ContractKind
from sam.vitam import VitamBadRequest, VitamError, VitamNotFound
from tenants.vitam_clients import ADMIN, vitam_client
from tenants.audit import audit_record
from tenants.models import Tenant

SNAPSHOT_SALT = "contracts.snapshot"


@dataclass
class VitamDocument:
    """Audit target for a Vitam referential document (contract or profile)."""

    kind: str
    pk: str
    label: str = ""

    def __str__(self):
        return f"{self.kind} {self.pk} — {self.label}" if self.label else f"{self.kind} {self.pk}"


class Conflict(Exception):
    """Someone changed the document since the user opened the form. `changes` lists (field, then, now)."""

    def __init__(self, current: dict, changes: list[tuple[str, str, str]]):
        super().__init__("conflict")
        self.current = current
        self.changes = changes

    @property
    def message(self) -> str:
        return _("Someone else changed this item while you were editing it. Your input is kept below: check the "
                 "changes listed, then save again to apply your version.")


# --- snapshots: what the user saw when the form opened ---------------------------------------

def snapshot_sign(fields, document: dict) -> str:
    return signing.dumps({"version": document.get("#version"), "values": domain.editable(fields, document)},
                         salt=SNAPSHOT_SALT, compress=True)


def snapshot_load(token: str) -> dict | None:
    if not token:
        return None
    try:
        return signing.loads(token, salt=SNAPSHOT_SALT)
    except signing.BadSignature:
        return None


def _check_not_changed(fields, snapshot: dict | None, current: dict) -> None:
    if snapshot is None:
        return  # API callers may omit it: last write wins, like Vitam itself
    if snapshot.get("version") == current.get("#version"):
        return
    changes = domain.differences(fields, snapshot.get("values") or {}, current)
    raise Conflict(current, changes or [(_("Version"), str(snapshot.get("version")), str(current.get("#version")))])


# --- Vitam's refusals in French --------------------------------------------------------------

_REASONS = (
    (re.compile(r"IDENTIFIER_DUPLICATION|already exist|déjà utilisé", re.I), "identifier",
     lambda: _("This identifier is already used on this tenant. Choose another one or leave it empty.")),
    (re.compile(r"AGENCY_NOT_FOUND|agenc\w* (not found|inconnu)|service\(s\) producteur", re.I), "OriginatingAgencies",
     lambda: _("At least one originating agency is unknown to the archive system. Reload the page and choose again.")),
    (re.compile(r"PROFILE_NOT_FOUND|profil\w*.*(inconnu|not found)", re.I), "ArchiveProfiles",
     lambda: _("At least one archival profile is unknown to the archive system. Reload the page and choose again.")),
    (re.compile(r"FORMAT_\w+|format\(s\) inconnu", re.I), "FormatType",
     lambda: _("The archive system refused the list of formats: check the PRONOM identifiers.")),
    (re.compile(r"rattachement|LinkParentId|CheckParentId", re.I), "LinkParentId",
     lambda: _("An attachment unit is unknown to the archive system. Reload the page and choose again.")),
    (re.compile(r"RootUnits|ExcludedRootUnits", re.I), "RootUnits",
     lambda: _("A root unit is unknown to the archive system. Reload the page and choose again.")),
)


def refusal(error: VitamError) -> ValidationError:
    """A ValidationError the form can show, in French, for a failed Vitam call."""
    if not isinstance(error, VitamBadRequest):
        return ValidationError(error.user_message())
    details = " ".join(str(part) for part in [error.description, error.message]
                       + [e.get("description", "") for e in error.errors if isinstance(e, dict)])
    for pattern, field_name, message in _REASONS:
        if pattern.search(details):
            return ValidationError({field_name: _("%(message)s (archive system: %(detail)s)") % {
                "message": message(), "detail": error.description or error.message}})
    return ValidationError(error.user_message())


@contextmanager
def _vitam_errors():
    """Any failed Vitam call inside becomes a French ValidationError: the form keeps the user's input."""
    try:
        yield
    except VitamError as error:
        raise refusal(error) from error


def _lock(tenant) -> None:
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()


def _vitam_values(kind_fields, list_fields, values: dict) -> dict:
    """Only the fields SAM edits, empty text and lists dropped (Vitam's defaults apply)."""
    result = {}
    for name in kind_fields:
        value = values.get(name)
        if name in list_fields:
            value = list(value or [])
        if value in (None, "", []):
            continue
        result[name] = value
    return result


def _set_unset(kind_fields, current: dict, wanted: dict) -> tuple[dict, list[str]]:
    set_fields, unset_fields = {}, []
    for name in kind_fields:
        old, new = current.get(name), wanted.get(name)
        if domain.normalised(old) == domain.normalised(new):
            continue
        if new is None:
            unset_fields.append(name)
        else:
            set_fields[name] = new
    return set_fields, unset_fields


# --- contracts -------------------------------------------------------------------------------

def contract_create(*, actor, tenant, kind: ContractKind, values: dict, identifier: str = "", request=None) -> dict:
    """Imports one contract; the identifier is typed by the user or generated by Vitam. Returns it as stored."""
    identifier = domain.check_identifier(identifier)
    document = _vitam_values(kind.fields, kind.list_fields, values)
    if not document.get("Name"):
        raise ValidationError({"Name": _("Give the contract a name.")})
    document.setdefault("Status", "ACTIVE")
    domain.CHECKS[kind.slug](document)
    with transaction.atomic(), _vitam_errors():
        _lock(tenant)
        client = vitam_client(tenant, contract=ADMIN)
        if identifier:
            if selectors.contract_exists(tenant=tenant, kind=kind, identifier=identifier):
                raise ValidationError({"identifier": _("This identifier is already used on this tenant. Choose "
                                                       "another one or leave it empty.")})
            document = {"Identifier": identifier, **document}
            before_ids = None
        else:
            before_ids = selectors.contract_identifiers(tenant=tenant, kind=kind)
        try:
            kind.import_documents(client, [document])
        except VitamError as error:
            raise refusal(error) from error
        if not identifier:
            created = selectors.contract_identifiers(tenant=tenant, kind=kind) - before_ids
            if len(created) != 1:
                raise ValidationError(_("The contract was created but SAM could not find its identifier. Reload "
                                        "the list of contracts."))
            identifier = created.pop()
        stored = kind.get(client, identifier)
        audit_record(actor=actor, action=f"contracts.{kind.url_prefix}_create", tenant=tenant,
                     target=VitamDocument(kind.url_prefix, identifier, stored.get("Name", "")),
                     after=domain.editable(kind.fields, stored), request=request)
    return stored


def contract_update(*, actor, tenant, kind: ContractKind, identifier: str, values: dict, snapshot: dict | None,
                    request=None) -> dict:
    """Changes the contract to `values`; Conflict when it changed since `snapshot` was taken."""
    wanted = _vitam_values(kind.fields, kind.list_fields, values)
    if not wanted.get("Name"):
        raise ValidationError({"Name": _("Give the contract a name.")})
    domain.CHECKS[kind.slug](wanted)
    return _apply(actor=actor, tenant=tenant, kind=kind, identifier=identifier, snapshot=snapshot, request=request,
                  action="update", wanted=lambda current: {**{n: current.get(n) for n in kind.fields}, **{
                      n: wanted.get(n) for n in kind.fields}})


def contract_set_status(*, actor, tenant, kind: ContractKind, identifier: str, active: bool, snapshot=None,
                        request=None) -> dict:
    status = "ACTIVE" if active else "INACTIVE"
    return _apply(actor=actor, tenant=tenant, kind=kind, identifier=identifier, snapshot=snapshot, request=request,
                  action="activate" if active else "deactivate",
                  wanted=lambda current: {**{n: current.get(n) for n in kind.fields}, "Status": status})


def _apply(*, actor, tenant, kind, identifier, snapshot, request, action, wanted) -> dict:
    with transaction.atomic(), _vitam_errors():
        _lock(tenant)
        client = vitam_client(tenant, contract=ADMIN)
        try:
            current = kind.get(client, identifier)
        except VitamNotFound:
            raise ValidationError(_("This contract no longer exists in the archive system.")) from None
        _check_not_changed(kind.fields, snapshot, current)
        target = wanted(current)
        set_fields, unset_fields = _set_unset(kind.fields, current, target)
        if not set_fields and not unset_fields:
            return current
        try:
            kind.update(client, identifier, set_fields, unset_fields)
        except VitamError as error:
            raise refusal(error) from error
        stored = kind.get(client, identifier)
        audit_record(actor=actor, action=f"contracts.{kind.url_prefix}_{action}", tenant=tenant,
                     target=VitamDocument(kind.url_prefix, identifier, stored.get("Name", "")),
                     before=domain.editable(kind.fields, current), after=domain.editable(kind.fields, stored),
                     request=request)
    return stored


# --- archival profiles -----------------------------------------------------------------------

@dataclass
class ProfileInput:
    name: str
    format: str
    description: str = ""
    status: str = "ACTIVE"
    identifier: str = ""
    content: bytes | None = None  # the XSD/RNG file, already read within the size limit
    extra: dict = field(default_factory=dict)


def profile_create(*, actor, tenant, data: ProfileInput, request=None) -> dict:
    """Creates the profile's description, then attaches its file when given (checked first)."""
    identifier = domain.check_identifier(data.identifier)
    if not (data.name or "").strip():
        raise ValidationError({"name": _("Give the profile a name.")})
    if data.format not in domain.PROFILE_FORMATS:
        raise ValidationError({"format": _("Choose XSD or RNG.")})
    if data.content is not None:
        profile_files.check_profile_file(data.content, data.format)
    document = {"Name": data.name.strip(), "Format": data.format, "Status": data.status or "ACTIVE"}
    if data.description:
        document["Description"] = data.description
    with transaction.atomic(), _vitam_errors():
        _lock(tenant)
        client = vitam_client(tenant, contract=ADMIN)
        if identifier:
            if selectors.profile_exists(tenant=tenant, identifier=identifier):
                raise ValidationError({"identifier": _("This identifier is already used on this tenant. Choose "
                                                       "another one or leave it empty.")})
            document = {"Identifier": identifier, **document}
        else:
            before = {p["Identifier"] for p in selectors.profile_list(tenant=tenant)}
        try:
            client.create_profiles([document])
        except VitamError as error:
            raise refusal(error) from error
        if not identifier:
            created = {p["Identifier"] for p in selectors.profile_list(tenant=tenant)} - before
            if len(created) != 1:
                raise ValidationError(_("The profile was created but SAM could not find its identifier. Reload "
                                        "the list of profiles."))
            identifier = created.pop()
        audit_record(actor=actor, action="contracts.profile_create", tenant=tenant,
                     target=VitamDocument("profile", identifier, document["Name"]),
                     after={**domain.editable(PROFILE_FIELDS, document), "Format": data.format}, request=request)
    if data.content is not None:
        try:
            return profile_upload(actor=actor, tenant=tenant, identifier=identifier, content=data.content,
                                  request=request)
        except ValidationError as error:
            # The description is in Vitam already: say so, so that nobody creates it twice.
            raise ValidationError(_("Profile %(identifier)s was created, but its file was not attached: "
                                    "%(reason)s Attach the file from the profile's page.") % {
                "identifier": identifier, "reason": " ".join(error.messages)}) from error
    with _vitam_errors():
        return client.get_profile(identifier)


def profile_upload(*, actor, tenant, identifier: str, content: bytes, request=None) -> dict:
    """Attaches (or replaces) the profile's XSD/RNG file after SAM's own checks."""
    with transaction.atomic(), _vitam_errors():
        _lock(tenant)
        client = vitam_client(tenant, contract=ADMIN)
        try:
            current = client.get_profile(identifier)
        except VitamNotFound:
            raise ValidationError(_("This profile no longer exists in the archive system.")) from None
        profile_files.check_profile_file(content, current.get("Format", ""))
        try:
            client.upload_profile_file(identifier, content)
        except VitamError as error:
            if isinstance(error, VitamBadRequest):
                raise ValidationError({"file": _("The archive system refused the file: %(detail)s") % {
                    "detail": error.description or error.message}}) from error
            raise refusal(error) from error
        stored = client.get_profile(identifier)
        audit_record(actor=actor, action="contracts.profile_upload", tenant=tenant,
                     target=VitamDocument("profile", identifier, stored.get("Name", "")),
                     before={"Path": current.get("Path")}, after={"Path": stored.get("Path"), "size": len(content)},
                     request=request)
    return stored


def profile_update(*, actor, tenant, identifier: str, values: dict, snapshot: dict | None, request=None) -> dict:
    """Name, description and status of a profile (its format and file stay)."""
    if not (values.get("Name") or "").strip():
        raise ValidationError({"Name": _("Give the profile a name.")})
    with transaction.atomic(), _vitam_errors():
        _lock(tenant)
        client = vitam_client(tenant, contract=ADMIN)
        try:
            current = client.get_profile(identifier)
        except VitamNotFound:
            raise ValidationError(_("This profile no longer exists in the archive system.")) from None
        _check_not_changed(PROFILE_FIELDS, snapshot, current)
        wanted = {name: (values.get(name) or None) for name in PROFILE_FIELDS}
        set_fields, unset_fields = _set_unset(PROFILE_FIELDS, current, wanted)
        if not set_fields and not unset_fields:
            return current
        try:
            client.update_profile(identifier, set_fields, unset_fields)
        except VitamError as error:
            raise refusal(error) from error
        stored = client.get_profile(identifier)
        audit_record(actor=actor, action="contracts.profile_update", tenant=tenant,
                     target=VitamDocument("profile", identifier, stored.get("Name", "")),
                     before=domain.editable(PROFILE_FIELDS, current), after=domain.editable(PROFILE_FIELDS, stored),
                     request=request)
    return stored


def profile_link(*, actor, tenant, identifier: str, contract_identifier: str, request=None) -> dict:
    """Adds the archival profile to an ingest contract's profiles (nothing when already there)."""
    if not selectors.profile_exists(tenant=tenant, identifier=identifier):
        raise ValidationError(_("This profile no longer exists in the archive system."))
    return _apply(actor=actor, tenant=tenant, kind=INGEST, identifier=contract_identifier, snapshot=None,
                  request=request, action="update",
                  wanted=lambda current: {**{n: current.get(n) for n in INGEST.fields},
                                          "ArchiveProfiles": sorted(set(current.get("ArchiveProfiles") or [])
                                                                    | {identifier})})
