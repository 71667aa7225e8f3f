"""Changes to the rules and agencies of a tenant, and the common nomenclature.

Vitam imports only whole referentials, so every change is: lock the tenant in SAM's database
(two SAM users never interleave read-modify-import on the same tenant), read the current
referential, check that nobody changed it since the user looked (Vitam's #version of the entry, or
a fingerprint of the whole referential for files), build the target CSV, have Vitam check it, import
it, and record the audit entry in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referentials import selectors
from referentials.kinds import AGENCIES, KINDS, RULES, Diff, Kind
from referentials.models import (
    ApplyMode,
    ReferentialImport,
    ReferentialTemplate,
    TemplateApplication,
    TemplateApplicationResult,
    TemplateVersion,
)
from referentials.reports import report_messages, report_warnings
from sam.lib.jobs.services import job_enqueue
from sam.vitam import VitamBadRequest, VitamError
from tenants.vitam_clients import ADMIN, vitam_client
from tenants.audit import audit_record
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Files with more rows than this are imported by the background worker.
BACKGROUND_THRESHOLD = 1000
# Audit entries keep at most this many identifiers per list (the counts are always exact).
AUDIT_IDS = 200


class ReferentialRefused(Exception):
    """Vitam's check (or import) refused the target referential; messages say why, in French."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class ReferentialConflict(Exception):
    """Someone changed the entry (or the referential) since the user opened it."""

    def __init__(self, message: str, *, current: selectors.Entry | None = None, differences=()):
        super().__init__(message)
        self.message = message
        self.current = current
        self.differences = list(differences)  # (column, value the user saw, value now)


class EntryInUse(Exception):
    def __init__(self, message: str, usage: selectors.Usage):
        super().__init__(message)
        self.message = message
        self.usage = usage


@dataclass
class _Target:
    """A referential-shaped audit target: type 'rule' or 'agency', its identifier and label."""

    kind: Kind
    pk: str
    label: str = ""

    def __str__(self):
        return f"{self.pk} — {self.label}" if self.label else self.pk


class Rule(_Target):
    pass


class Agency(_Target):
    pass


def _target(kind: Kind, row: dict):
    cls = Rule if kind is RULES else Agency
    return cls(kind, row[kind.key], kind.row_label(row))


def _singular(kind: Kind) -> str:
    return "rule" if kind is RULES else "agency"


def _lock(tenant) -> None:
    """Serialise referential changes of one tenant (row lock on PostgreSQL, write lock on SQLite)."""
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()


def _ids(changes) -> list[str]:
    return [change.key for change in changes][:AUDIT_IDS]


def _diff_audit(diff: Diff) -> dict:
    return {
        "added": len(diff.added), "changed": len(diff.changed), "removed": len(diff.removed),
        "added_ids": _ids(diff.added), "changed_ids": _ids(diff.changed), "removed_ids": _ids(diff.removed),
    }


def check_and_import(client, kind: Kind, rows: list[dict]) -> str:
    """Vitam's check, then the import of the whole referential; ReferentialRefused with French reasons."""
    content = kind.to_csv(rows)
    report = kind.check(client, content)
    if not report.valid:
        raise ReferentialRefused(report_messages(report.report) or [_("The archive system refused the file.")])
    try:
        return kind.import_(client, content)
    except VitamBadRequest as error:
        # Something changed between check and import (a unit now uses a deleted rule...): the report says what.
        messages = []
        if kind is RULES and error.request_id:
            try:
                messages = report_messages(client.rules_report(error.request_id))
            except VitamError:
                messages = []
        raise ReferentialRefused(messages or [error.user_message()]) from error


def _current(client, kind: Kind) -> tuple[list[dict], dict[str, dict]]:
    documents = list(kind.search(client).results)
    return kind.from_documents(documents), {doc.get(kind.key): doc for doc in documents}


# --- one entry ----------------------------------------------------------------------------------


def entry_save(*, actor, tenant, kind: Kind, row: dict, creating: bool, base_version: int | None = None,
               base_row: dict | None = None, request=None) -> str:
    """Create or update one rule or agency; returns Vitam's operation id.

    Raises ValidationError (identifier taken), ReferentialConflict (changed or deleted since the
    user opened it), ReferentialRefused (Vitam's check), VitamError (Vitam unreachable...).
    """
    row = kind.normalise(row)
    key = row[kind.key]
    with transaction.atomic():
        _lock(tenant)
        client = vitam_client(tenant, contract=ADMIN)
        rows, documents = _current(client, kind)
        existing = documents.get(key)
        if creating and existing is not None:
            raise ValidationError({kind.key: _("The identifier %(id)s is already used in this referential.")
                                   % {"id": key}})
        before = None
        if not creating:
            if existing is None:
                raise ReferentialConflict(_("Someone deleted %(id)s while you were editing it. Save again to "
                                            "create it anew with your values.") % {"id": key})
            before = kind.normalise(existing)
            version = existing.get("#version")
            if base_version is not None and version is not None and int(version) != int(base_version):
                seen = kind.normalise(base_row or {})
                differences = [(column, seen.get(column, ""), before.get(column, ""))
                               for column in kind.columns if seen.get(column, "") != before.get(column, "")]
                raise ReferentialConflict(
                    _("Someone changed %(id)s while you were editing it. Your values are kept below; check the "
                      "differences, then save again to replace their version.") % {"id": key},
                    current=selectors.Entry(row=before, version=int(version)), differences=differences,
                )
            if before == row:
                return ""
        target = [other for other in rows if other[kind.key] != key] + [row]
        operation_id = check_and_import(client, kind, target)
        audit_record(actor=actor, action=f"referentials.{_singular(kind)}_{'create' if creating else 'update'}",
                     tenant=tenant, target=_target(kind, row), before=before,
                     after={**row, "operation_id": operation_id}, request=request)
    return operation_id


def entry_delete(*, actor, tenant, kind: Kind, key: str, base_version: int | None = None, request=None) -> str:
    """Delete one rule or agency; refused (EntryInUse) while archive units or contracts use it."""
    usage = selectors.entry_usage(tenant=tenant, kind=kind, key=key)
    if usage.is_used:
        raise EntryInUse(_in_use_message(kind, key, usage), usage)
    with transaction.atomic():
        _lock(tenant)
        client = vitam_client(tenant, contract=ADMIN)
        rows, documents = _current(client, kind)
        existing = documents.get(key)
        if existing is None:
            raise ReferentialConflict(_("%(id)s no longer exists: someone deleted it already.") % {"id": key})
        version = existing.get("#version")
        if base_version is not None and version is not None and int(version) != int(base_version):
            raise ReferentialConflict(_("Someone changed %(id)s since you opened it. Look at its new values "
                                        "before deleting it.") % {"id": key},
                                      current=selectors.Entry(row=kind.normalise(existing), version=int(version)))
        target = [row for row in rows if row[kind.key] != key]
        operation_id = check_and_import(client, kind, target)
        before = kind.normalise(existing)
        audit_record(actor=actor, action=f"referentials.{_singular(kind)}_delete", tenant=tenant,
                     target=_target(kind, before), before=before, after={"operation_id": operation_id},
                     request=request)
    return operation_id


def _in_use_message(kind: Kind, key: str, usage: selectors.Usage) -> str:
    parts = []
    if usage.total:
        parts.append(_("%(count)s archive unit(s)") % {"count": usage.total})
    if usage.contracts:
        parts.append(_("the access contract(s) %(ids)s") % {"ids": ", ".join(usage.contracts)})
    if kind is RULES:
        return _("The rule %(id)s cannot be deleted: %(users)s use it.") % {"id": key, "users": _(" and ").join(parts)}
    return _("The service %(id)s cannot be deleted: %(users)s use it.") % {"id": key, "users": _(" and ").join(parts)}


# --- file imports -------------------------------------------------------------------------------


class FileRefused(Exception):
    """The spreadsheet is not valid: nothing was sent to Vitam."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def _target_rows(kind: Kind, current: list[dict], incoming: list[dict], mode: str) -> list[dict]:
    rows = kind.merge(current, incoming) if mode == ApplyMode.MERGE else list(incoming)
    return sorted(rows, key=lambda row: row[kind.key])


def _preview(import_: ReferentialImport, client, kind: Kind, current: list[dict]) -> None:
    """Diff against `current` and Vitam's check of the target; fills the import's preview fields."""
    target = _target_rows(kind, current, import_.rows, import_.mode)
    diff = kind.diff(current, target)
    import_.base_rows = current
    import_.base_fingerprint = kind.fingerprint(current)
    import_.diff = {**diff.summary(), "changes": {c.key: c.fields for c in diff.changed}}
    import_.check_messages, import_.check_warnings = [], []
    if diff.is_empty:
        import_.state = ReferentialImport.State.UP_TO_DATE
        return
    report = kind.check(client, kind.to_csv(target))
    import_.check_messages = report_messages(report.report) if not report.valid else []
    if not report.valid and not import_.check_messages:
        import_.check_messages = [_("The archive system refused the file.")]
    import_.check_warnings = report_warnings(report.report)
    import_.state = ReferentialImport.State.READY if report.valid else ReferentialImport.State.REFUSED


def import_prepare(*, actor, tenant, kind: Kind, filename: str, data: bytes, mode: str) -> ReferentialImport:
    """Validate the whole file in SAM (FileRefused: nothing sent to Vitam), then preview and check it."""
    parsed = kind.parse(data)
    if not parsed.is_valid:
        raise FileRefused(parsed.errors)
    client = vitam_client(tenant, contract=ADMIN)
    current = selectors.referential_rows(tenant=tenant, kind=kind)
    import_ = ReferentialImport(tenant=tenant, kind=kind.name, mode=mode, filename=filename[:255],
                                encoding=parsed.encoding, delimiter=parsed.delimiter, rows=parsed.rows,
                                created_by=actor if getattr(actor, "pk", None) else None)
    _preview(import_, client, kind, current)
    import_.save()
    return import_


def import_confirm(*, actor, import_: ReferentialImport, request=None, result_url: str = "") -> ReferentialImport:
    """Import a previewed file: at once when small, through the background worker when large."""
    # A failed import (Vitam unreachable) may be confirmed again: the preview is re-checked first.
    if import_.state not in (ReferentialImport.State.READY, ReferentialImport.State.FAILED):
        raise ValidationError(_("This import cannot be run in its current state (%(state)s).")
                              % {"state": import_.get_state_display()})
    if len(import_.rows) > BACKGROUND_THRESHOLD:
        with transaction.atomic():
            import_.state = ReferentialImport.State.RUNNING
            import_.save(update_fields=["state"])
            job = job_enqueue(actor=actor, organisation=import_.tenant.organisation, tenant=import_.tenant,
                              kind=f"{import_.kind}_import", label=_("Import of %(file)s") % {"file": import_.filename},
                              task="referentials.tasks.import_task", result_url=result_url, import_id=import_.pk,
                              actor_id=getattr(actor, "pk", None))
            ReferentialImport.objects.filter(pk=import_.pk).update(job=job)
        import_.refresh_from_db()
        return import_
    import_run(import_=import_, actor=actor, request=request)
    return import_


def import_run(*, import_: ReferentialImport, actor, request=None) -> ReferentialImport:
    """Import now, unless the referential changed since the preview (then the preview is redone)."""
    kind = KINDS[import_.kind]
    tenant = import_.tenant
    try:
        with transaction.atomic():
            _lock(tenant)
            client = vitam_client(tenant, contract=ADMIN)
            current, _documents = _current(client, kind)
            already = kind.fingerprint(_target_rows(kind, import_.base_rows, import_.rows, import_.mode))
            if (import_.state == ReferentialImport.State.RUNNING and import_.base_fingerprint != already
                    and kind.fingerprint(current) == already):
                return _import_found_done(import_, kind, current, actor=actor)
            if kind.fingerprint(current) != import_.base_fingerprint:
                meanwhile = kind.diff(import_.base_rows, current)
                _preview(import_, client, kind, current)
                import_.error = _("The referential was changed by someone else since your preview (%(summary)s). "
                                  "The preview below is up to date: check it and confirm again.") % {
                    "summary": _changes_sentence(meanwhile)}
                import_.save()
                return import_
            target = _target_rows(kind, current, import_.rows, import_.mode)
            diff = kind.diff(current, target)
            import_.operation_id = check_and_import(client, kind, target)
            import_.state = ReferentialImport.State.IMPORTED
            import_.error = ""
            import_.finished_at = timezone.now()
            import_.save()
            audit_record(actor=actor, action=f"referentials.{kind.name}_import", tenant=tenant, target=import_,
                         before={"fingerprint": import_.base_fingerprint, "count": len(current)},
                         after={**_diff_audit(diff), "count": len(target), "mode": import_.mode,
                                "file": import_.filename, "operation_id": import_.operation_id},
                         request=request)
    except ReferentialRefused as refused:
        ReferentialImport.objects.filter(pk=import_.pk).update(
            state=ReferentialImport.State.REFUSED, check_messages=refused.messages, finished_at=timezone.now())
        import_.refresh_from_db()
    except VitamError as error:
        ReferentialImport.objects.filter(pk=import_.pk).update(
            state=ReferentialImport.State.FAILED, error=error.user_message(), finished_at=timezone.now())
        import_.refresh_from_db()
    return import_


def _import_found_done(import_: ReferentialImport, kind: Kind, current: list[dict], *, actor) -> ReferentialImport:
    """Run again after its worker stopped, the import finds Vitam's referential already as it would make it:
    Vitam imported it before the worker could write it down. Recorded (and audited) now, not imported twice."""
    import_.state, import_.error, import_.finished_at = ReferentialImport.State.IMPORTED, "", timezone.now()
    import_.save()
    audit_record(actor=actor, action=f"referentials.{kind.name}_import", tenant=import_.tenant, target=import_,
                 before={"fingerprint": import_.base_fingerprint, "count": len(import_.base_rows)},
                 after={**_diff_audit(kind.diff(import_.base_rows, current)), "count": len(current),
                        "mode": import_.mode, "file": import_.filename, "found_in_vitam_after_a_worker_stop": True})
    return import_


def import_abandon(job) -> None:
    """Its job's worker stopped too many times (sam.lib.jobs.recovery): the import fails with the reason and
    may be confirmed again (its preview is checked against Vitam's referential first)."""
    ReferentialImport.objects.filter(job=job, state=ReferentialImport.State.RUNNING).update(
        state=ReferentialImport.State.FAILED, error=job.error, finished_at=timezone.now())


def _changes_sentence(diff: Diff) -> str:
    parts = []
    for label, changes in ((_("added"), diff.added), (_("changed"), diff.changed), (_("removed"), diff.removed)):
        if changes:
            keys = ", ".join(change.key for change in changes[:10]) + ("…" if len(changes) > 10 else "")
            parts.append(f"{label} : {keys}")
    return "; ".join(parts) or _("no visible change")


# --- common nomenclature ------------------------------------------------------------------------


def template_rows_from_file(*, kind: Kind, data: bytes) -> list[dict]:
    parsed = kind.parse(data)
    if not parsed.is_valid:
        raise FileRefused(parsed.errors)
    return sorted(parsed.rows, key=lambda row: row[kind.key])


def template_create(*, actor, kind: Kind, name: str, description: str, rows: list[dict], source: str,
                    request=None) -> ReferentialTemplate:
    if ReferentialTemplate.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A template with this name already exists.")})
    with transaction.atomic():
        template = ReferentialTemplate.objects.create(kind=kind.name, name=name, description=description,
                                                      created_by=_user(actor))
        TemplateVersion.objects.create(template=template, number=1, rows=rows, fingerprint=kind.fingerprint(rows),
                                       source=source[:300], created_by=_user(actor))
        audit_record(actor=actor, action="referentials.template_create", target=template,
                     after={"kind": kind.name, "name": name, "entries": len(rows), "source": source}, request=request)
    return template


def template_version_add(*, actor, template: ReferentialTemplate, rows: list[dict], source: str, comment: str = "",
                         request=None) -> TemplateVersion:
    kind = KINDS[template.kind]
    with transaction.atomic():
        current = ReferentialTemplate.objects.select_for_update().get(pk=template.pk).current
        fingerprint = kind.fingerprint(rows)
        if current and current.fingerprint == fingerprint:
            raise ValidationError(_("This content is identical to the current version %(number)s: no new version "
                                    "was made.") % {"number": current.number})
        version = TemplateVersion.objects.create(
            template=template, number=(current.number + 1) if current else 1, rows=rows, fingerprint=fingerprint,
            source=source[:300], comment=comment[:300], created_by=_user(actor))
        diff = kind.diff(current.rows if current else [], rows)
        template.save(update_fields=["updated_at"])
        audit_record(actor=actor, action="referentials.template_version_add", target=template,
                     before={"version": current.number if current else None},
                     after={"version": version.number, "source": source, **_diff_audit(diff)}, request=request)
    return version


def template_update(*, actor, template: ReferentialTemplate, name: str, description: str, request=None):
    if ReferentialTemplate.objects.filter(name=name).exclude(pk=template.pk).exists():
        raise ValidationError({"name": _("A template with this name already exists.")})
    with transaction.atomic():
        before = {"name": template.name, "description": template.description}
        template.name, template.description = name, description
        template.save(update_fields=["name", "description", "updated_at"])
        audit_record(actor=actor, action="referentials.template_update", target=template, before=before,
                     after={"name": name, "description": description}, request=request)
    return template


@dataclass
class TenantPreview:
    tenant: Tenant
    diff: Diff | None = None
    messages: list[str] = field(default_factory=list)   # why Vitam would refuse (conflicts)
    warnings: list[str] = field(default_factory=list)
    error: str = ""                                      # Vitam could not be asked

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        if self.diff is not None and self.diff.is_empty:
            return "up_to_date"
        return "conflict" if self.messages else "ready"


def template_preview(*, version: TemplateVersion, tenants, mode: str) -> list[TenantPreview]:
    """Per tenant: what would be added, changed and removed, and whether Vitam would accept it."""
    kind = KINDS[version.template.kind]
    previews = []
    for tenant in tenants:
        preview = TenantPreview(tenant=tenant)
        try:
            client = vitam_client(tenant, contract=ADMIN)
            current, _documents = _current(client, kind)
            target = _target_rows(kind, current, version.rows, mode)
            preview.diff = kind.diff(current, target)
            if not preview.diff.is_empty:
                report = kind.check(client, kind.to_csv(target))
                preview.messages = report_messages(report.report) if not report.valid else []
                preview.warnings = report_warnings(report.report)
        except VitamError as error:
            preview.error = error.user_message()
        previews.append(preview)
    return previews


def template_apply(*, actor, version: TemplateVersion, tenants, mode: str, request=None) -> TemplateApplication:
    """Record the application and start one background job per tenant (all-or-nothing per tenant)."""
    tenants = list(tenants)
    if not tenants:
        raise ValidationError(_("Choose at least one tenant."))
    with transaction.atomic():
        application = TemplateApplication.objects.create(version=version, mode=mode, created_by=_user(actor))
        results = [TemplateApplicationResult.objects.create(application=application, tenant=tenant)
                   for tenant in tenants]
        audit_record(actor=actor, action="referentials.template_apply", target=version.template,
                     after={"version": version.number, "mode": mode,
                            "tenants": [tenant.vitam_id for tenant in tenants]}, request=request)
    for result in results:
        job = job_enqueue(actor=actor, organisation=result.tenant.organisation, tenant=result.tenant,
                          kind="template_apply",
                          label=_("%(template)s v%(number)s on tenant %(tenant)s") % {
                              "template": version.template.name, "number": version.number,
                              "tenant": result.tenant.vitam_id},
                          task="referentials.tasks.apply_template_task", result_id=result.pk, actor_id=getattr(actor, "pk", None))
        TemplateApplicationResult.objects.filter(pk=result.pk).update(job=job)
    return application


def template_apply_tenant(*, result: TemplateApplicationResult, actor) -> TemplateApplicationResult:
    """Apply the version to one tenant: nothing when already up to date, else check + one atomic import."""
    version = result.application.version
    kind = KINDS[version.template.kind]
    tenant = result.tenant
    status, message, diff_summary = TemplateApplicationResult.Status.FAILED, "", {}
    try:
        with transaction.atomic():
            _lock(tenant)
            client = vitam_client(tenant, contract=ADMIN)
            current, _documents = _current(client, kind)
            target = _target_rows(kind, current, version.rows, result.application.mode)
            diff = kind.diff(current, target)
            diff_summary = diff.summary()
            if diff.is_empty:
                status, message = TemplateApplicationResult.Status.UP_TO_DATE, _("Already up to date: nothing changed.")
            else:
                operation_id = check_and_import(client, kind, target)
                status = TemplateApplicationResult.Status.SUCCEEDED
                message = _("Applied: %(added)s added, %(changed)s changed, %(removed)s removed.") % {
                    "added": len(diff.added), "changed": len(diff.changed), "removed": len(diff.removed)}
                audit_record(actor=actor, action="referentials.template_applied", tenant=tenant,
                             target=version.template,
                             after={"version": version.number, "mode": result.application.mode,
                                    "operation_id": operation_id, **_diff_audit(diff)})
    except ReferentialRefused as refused:
        message = _("Refused by the archive system: %(reasons)s") % {"reasons": " ".join(refused.messages)}
    except VitamError as error:
        message = error.user_message()
    TemplateApplicationResult.objects.filter(pk=result.pk).update(status=status, message=message, diff=diff_summary,
                                                                  finished_at=timezone.now())
    result.refresh_from_db()
    return result


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


__all__ = [
    "AGENCIES", "RULES", "EntryInUse", "FileRefused", "ReferentialConflict", "ReferentialRefused", "check_and_import",
    "entry_delete", "entry_save", "import_confirm", "import_prepare", "import_run", "template_apply",
    "template_apply_tenant", "template_create", "template_preview", "template_rows_from_file", "template_update",
    "template_version_add",
]
