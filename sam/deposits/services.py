"""Deposits: receive a SIP, check it, send it to Vitam, follow the operation, keep the ATR.

Life of a deposit (models.Deposit.State):

    received → checking → rejected                     SAM's own check failed (nothing sent)
    simple deposit: checking (files scanned) → review (the archivist corrects the description) → checking
                        → ready → sending → sent → processing → completed (OK / WARNING / KO)
    sending / following, Vitam unreachable → waiting_retry → (automatic or manual retry)
    ready / waiting_retry (before Vitam has it) → cancelled

Every step runs in a background task (tasks.py): a request never waits for Vitam. The SIP stays
on disk until Vitam has completed the operation; a deposit is never lost.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from lxml import etree

from sam.deposits.models import Deposit
from sam.deposits.simple import (SimpleDepositForm, apply_metadata, build_package, fill_folder_ranges, scan_tree,
                                 stage_upload, unzip_folder_tree)
from sam.lib import safe_xml
from sam.lib.jobs.services import job_enqueue, task_enqueue, task_enqueue_later
from sam.lib.seda import checks
from sam.lib.seda.sip import write_sip
from sam.vitam import VitamError, VitamUnavailable, final_outcome
from sam.vitam.dsl import SelectSingle, in_
from tenants.audit import audit_record
from tenants.vitam_clients import ACCESS, ADMIN, MissingContract, operation_name, operations_named, vitam_client

logger = logging.getLogger(__name__)
CHUNK = 1024 * 1024
FOLLOW_WINDOW_SECONDS = 120  # one follow-up task polls this long, then hands over to the next
SEND_HEARTBEAT_SECONDS = 30  # a send in progress shows it is alive at least this often
RETRY_DELAYS = (30, 60, 120, 300, 600, 1800, 3600)  # seconds; then every hour


# --- files -------------------------------------------------------------------------------------


def deposits_dir() -> Path:
    path = Path(getattr(settings, "DEPOSITS_DIR", None) or Path(settings.DATA_DIR) / "deposits")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _new_sip_path(tenant) -> Path:
    folder = deposits_dir() / str(tenant.vitam_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{uuid.uuid4().hex}.zip"


def sha512_of(path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _take_file(source, destination: Path) -> tuple[int, str]:
    """Move (or stream-copy) the uploaded SIP into SAM's keeping; returns (size, sha512)."""
    sha512 = getattr(source, "sha512", None)
    temporary = getattr(source, "temporary_file_path", None)
    if temporary is not None:
        shutil.move(temporary(), destination)
        # The temporary file is gone: close it now so that it is not deleted again later.
        try:
            source.close()
        except OSError:
            pass
    elif isinstance(source, (str, os.PathLike)):
        shutil.move(os.fspath(source), destination)
    else:
        with open(destination, "wb") as out:
            if hasattr(source, "chunks"):
                for chunk in source.chunks(CHUNK):
                    out.write(chunk)
            else:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
    return destination.stat().st_size, sha512 or sha512_of(destination)


def remove_sip_file(deposit: Deposit) -> None:
    staging = (deposit.summary or {}).get("build", {}).get("staging")
    if staging:  # a simple deposit given up before its SIP was built
        shutil.rmtree(staging, ignore_errors=True)
    if deposit.file_path:
        Path(deposit.file_path).unlink(missing_ok=True)
        deposit.file_removed_at = timezone.now()


# --- receiving ---------------------------------------------------------------------------------


def deposit_receive(*, actor, tenant, upload, file_name: str, kind=Deposit.Kind.SIP, title: str = "",
                    request=None, start_check: bool = True) -> Deposit:
    """Record an uploaded SIP (already streamed to disk) and start SAM's check in the background."""
    if kind not in Deposit.Kind.values:
        raise ValidationError(_("Unknown kind of deposit."))
    destination = _new_sip_path(tenant)
    try:
        size, sha512 = _take_file(upload, destination)
        if size == 0:
            raise ValidationError(_("The file is empty."))
        with transaction.atomic():
            deposit = Deposit.objects.create(
                tenant=tenant, organisation=tenant.organisation, created_by=actor if getattr(actor, "pk", None) else None,
                kind=kind, title=title[:500], file_path=str(destination), file_name=Path(file_name or "sip.zip").name[:300],
                size=size, sha512=sha512,
            )
            audit_record(actor=actor, action="deposits.upload", tenant=tenant, target=deposit,
                         after={"file": deposit.file_name, "size": size, "sha512": sha512, "kind": kind},
                         request=request)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    if start_check:
        deposit_check_start(actor=actor, deposit=deposit)
        deposit.refresh_from_db()
    return deposit


def deposit_check_start(*, actor, deposit: Deposit):
    deposit.state = Deposit.State.CHECKING
    deposit.save(update_fields=["state", "updated_at"])
    job = job_enqueue(actor=actor, organisation=deposit.organisation, tenant=deposit.tenant, kind="deposit_check",
                      label=_("Check of the deposit %(name)s") % {"name": deposit},
                      task="sam.deposits.tasks.deposit_check_task", result_url=_detail_url(deposit), deposit_id=deposit.pk)
    Deposit.objects.filter(pk=deposit.pk).update(job=job)
    return job


def _detail_url(deposit: Deposit) -> str:
    return reverse("deposits:deposit_detail", kwargs={"tenant_pk": deposit.tenant_id, "pk": deposit.pk})


# --- SAM's check ------------------------------------------------------------------------------


def tenant_references(tenant, summary: checks.Summary) -> tuple[dict[str, str], set[str]]:
    """The tenant's ingest contracts {Identifier: Status} and the agencies the manifest names that exist."""
    client = vitam_client(tenant, contract=ADMIN)
    contracts = {
        document["Identifier"]: document.get("Status", "")
        for document in client.search_ingest_contracts(SelectSingle().limit(1000).build()).results
    }
    wanted = sorted({a for a in (summary.originating_agency, summary.submission_agency) if a})
    agencies = set()
    if wanted:
        query = SelectSingle().where(in_("Identifier", wanted)).limit(len(wanted)).build()
        agencies = {document["Identifier"] for document in client.search_agencies(query).results}
    return contracts, agencies


def deposit_check(*, deposit: Deposit, progress=None) -> Deposit:
    """SAM's check (safe zip, schema, objects, contract and services); then send, or reject."""
    result = checks.check_sip(deposit.file_path, progress=progress)
    summary = result.summary
    if result.ok and summary is not None:
        try:
            contracts, agencies = tenant_references(deposit.tenant, summary)
        except VitamUnavailable as error:
            # The referentials cannot be read: keep the deposit and check again later.
            _wait_for_retry(deposit, Deposit.Phase.SEND, error, recheck=True)
            return deposit
        result.problems.extend(checks.check_references(summary, contracts=contracts, agencies=agencies))
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if summary is not None:
            _copy_summary(deposit, summary)
        deposit.problems = [problem.as_dict() for problem in result.problems]
        deposit.checked_at = timezone.now()
        if result.ok:
            deposit.state = Deposit.State.READY
        else:
            deposit.state = Deposit.State.REJECTED
            deposit.explanation = _("SAM's check found %(count)s problem(s): the SIP was not sent to Vitam.") % {
                "count": len(result.errors)}
            remove_sip_file(deposit)
        deposit.save()
        audit_record(actor=None, action="deposits.check", tenant=deposit.tenant, target=deposit,
                     after={"state": deposit.state, "errors": len(result.errors), "warnings": len(result.warnings)})
    return deposit


def _copy_summary(deposit: Deposit, summary: checks.Summary) -> None:
    deposit.manifest_sha512 = summary.manifest_sha512
    deposit.message_identifier = summary.message_identifier[:500]
    deposit.archival_agreement = summary.archival_agreement[:200]
    deposit.archival_agency = summary.archival_agency[:200]
    deposit.transferring_agency = summary.transferring_agency[:200]
    deposit.originating_agency = summary.originating_agency[:200]
    deposit.submission_agency = summary.submission_agency[:200]
    deposit.unit_count = summary.unit_count
    deposit.object_count = summary.object_count
    deposit.objects_size = summary.total_size
    deposit.start_date = summary.start_date[:10]
    deposit.end_date = summary.end_date[:10]
    deposit.summary = {"top_units": summary.top_units, "comment": summary.comment,
                       "manifest_name": summary.manifest_name}
    if not deposit.title:
        first = summary.top_units[0]["title"] if summary.top_units else ""
        deposit.title = (summary.comment or first or summary.message_identifier)[:500]


# --- sending and following ----------------------------------------------------------------------


def deposit_send_start(*, actor, deposit: Deposit, request=None) -> Deposit:
    """The user confirms (simple deposit) or SAM's check passed (SIP): send in the background."""
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if deposit.state != Deposit.State.READY:
            raise ValidationError(_("This deposit cannot be sent in its current state."))
        deposit.state, deposit.sending_since = Deposit.State.SENDING, None  # queued: no worker sends it yet
        deposit.save(update_fields=["state", "sending_since", "updated_at"])
        audit_record(actor=actor, action="deposits.send", tenant=deposit.tenant, target=deposit,
                     after={"workflow": deposit.workflow}, request=request)
    task_enqueue("sam.deposits.tasks.deposit_send_task", deposit_id=deposit.pk)
    deposit.refresh_from_db()
    return deposit


def deposit_send(*, deposit: Deposit) -> Deposit:
    """Stream the SIP to Vitam (POST /ingests). Unreachable Vitam → waiting_retry, file kept.

    Each attempt names itself to Vitam (X-Application-Id, kept as the operation's evIdAppSession): before sending
    again, SAM asks Vitam whether an earlier attempt reached it (an answer lost to a timeout or to a stopped
    worker) and follows that operation instead of ingesting the archives twice."""
    deposit.state = Deposit.State.SENDING
    deposit.attempts += 1
    deposit.sending_since = timezone.now()
    deposit.save(update_fields=["state", "attempts", "sending_since", "updated_at"])
    try:
        earlier = _earlier_ingest(deposit)
    except VitamError as error:  # unreachable, or Vitam refused the question: never send blind
        _wait_for_retry(deposit, Deposit.Phase.SEND, error)
        return deposit
    if earlier is not None:
        return _earlier_ingest_adopt(deposit, earlier)
    try:
        client = vitam_client(deposit.tenant, contract=ADMIN, application_id=_attempt_name(deposit, deposit.attempts))
        with open(deposit.file_path, "rb") as handle:
            operation_id = client.ingest(_BeatingReader(handle, deposit.pk), context_id=deposit.workflow,
                                         manifest_digest=deposit.manifest_sha512 or None)
    except VitamUnavailable as error:
        _wait_for_retry(deposit, Deposit.Phase.SEND, error)
        return deposit
    except VitamError as error:
        deposit.state = Deposit.State.COMPLETED
        deposit.operation_status = "KO"
        deposit.completed_at = timezone.now()
        deposit.explanation = error.user_message()
        deposit.save()
        return deposit
    deposit.operation_id = operation_id
    deposit.state = Deposit.State.SENT
    deposit.sent_at = timezone.now()
    deposit.retry_phase, deposit.next_attempt_at, deposit.last_error = "", None, ""
    deposit.save()
    return deposit


class _BeatingReader:
    """The SIP as requests streams it (its length known: Vitam gets a Content-Length), touching the deposit's
    updated_at at most every SEND_HEARTBEAT_SECONDS while bytes leave, so that a long upload is not taken for
    a send whose worker stopped (deposits_sending_recover)."""

    def __init__(self, handle, deposit_pk: int):
        self._handle, self._deposit_pk = handle, deposit_pk
        self._size = os.fstat(handle.fileno()).st_size
        self._beaten = time.monotonic()

    def __len__(self) -> int:
        return self._size

    def __iter__(self):  # requests streams bodies that iterate; http.client reads them with read()
        return iter(lambda: self.read(64 * 1024), b"")

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() - self._beaten >= SEND_HEARTBEAT_SECONDS:
            Deposit.objects.filter(pk=self._deposit_pk).update(updated_at=timezone.now())
            self._beaten = time.monotonic()
        return self._handle.read(size)


def _attempt_name(deposit: Deposit, attempt: int) -> str:
    """The X-Application-Id of one attempt to send the deposit (Vitam's evIdAppSession)."""
    return operation_name("DEPOSIT", deposit.pk, attempt)


def _earlier_ingest(deposit: Deposit) -> dict | None:
    """The ingest operation of an earlier attempt that reached Vitam, if any: one running or judged on its
    manifest. One that failed before reading the manifest (a SIP cut short) received nothing: sent again."""
    if deposit.attempts <= 1:
        return None
    names = [_attempt_name(deposit, attempt) for attempt in range(1, deposit.attempts)]
    try:
        operations = operations_named(deposit.tenant, names, process="INGEST")
    except MissingContract:
        logger.warning("deposit %s: no access contract to look for an earlier attempt in Vitam", deposit.pk)
        return None
    for operation in operations:
        outcome = final_outcome(operation)
        if outcome not in ("KO", "FATAL") or (operation.get("obIdIn") and
                                              operation.get("obIdIn") == deposit.message_identifier):
            return operation
    return None


def _earlier_ingest_adopt(deposit: Deposit, operation: dict) -> Deposit:
    """An earlier attempt reached Vitam: follow its operation, send nothing."""
    deposit.operation_id = operation.get("evIdProc") or operation.get("evId") or operation.get("#id")
    deposit.state, deposit.sent_at = Deposit.State.SENT, timezone.now()
    deposit.retry_phase, deposit.next_attempt_at, deposit.last_error = "", None, ""
    deposit.save()
    audit_record(actor=None, action="deposits.send_found", tenant=deposit.tenant, target=deposit,
                 after={"operation": deposit.operation_id, "attempts": deposit.attempts})
    logger.warning("deposit %s: Vitam has operation %s of an earlier attempt; followed, not sent again",
                   deposit.pk, deposit.operation_id)
    return deposit


def deposits_sending_recover(*, stale_minutes: int = 10) -> int:
    """Sends whose worker stopped (deploy, out of memory, reboot) wait for a retry due at once: its
    deposit_send looks in Vitam for the interrupted attempt before sending again. A send is taken for stopped
    once silent longer than the upload's own timeout (Vitam's answer may take that long) plus `stale_minutes`;
    one still waiting in the queue (no worker began it) is left alone."""
    upload_timeout = float(settings.VITAM.get("UPLOAD_TIMEOUT", 600.0))
    cutoff = timezone.now() - timedelta(minutes=stale_minutes, seconds=upload_timeout)
    recovered = 0
    for pk in Deposit.objects.filter(state=Deposit.State.SENDING, sending_since__isnull=False,
                                     updated_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            deposit = Deposit.objects.select_for_update().filter(
                pk=pk, state=Deposit.State.SENDING, updated_at__lt=cutoff).first()
            if deposit is None:
                continue  # it beat meanwhile
            deposit.state, deposit.retry_phase = Deposit.State.WAITING_RETRY, Deposit.Phase.SEND
            deposit.next_attempt_at, deposit.sending_since = timezone.now(), None
            deposit.last_error = _("The send to Vitam was interrupted by the stop of the background worker: SAM "
                                   "checks whether Vitam received it before sending it again.")
            deposit.save()
            audit_record(actor=None, action="deposits.send_interrupted", tenant=deposit.tenant, target=deposit,
                         after={"attempts": deposit.attempts})
        recovered += 1
    return recovered


def deposit_follow(*, deposit: Deposit, window: float = FOLLOW_WINDOW_SECONDS, poll_interval: float = 0.3) -> bool:
    """Poll HEAD /operations until COMPLETED (at most `window` seconds); True when finished."""
    client = vitam_client(deposit.tenant, contract=ADMIN)
    deadline = time.monotonic() + window
    interval = poll_interval
    while True:
        try:
            status = client.operation_status(deposit.operation_id)
        except VitamUnavailable as error:
            _wait_for_retry(deposit, Deposit.Phase.FOLLOW, error)
            return False
        if status.is_completed or (status.state == "PAUSE" and status.is_failed):
            try:
                _complete(deposit, client, status.status)
            except VitamUnavailable as error:
                _wait_for_retry(deposit, Deposit.Phase.FOLLOW, error)
                return False
            return True
        if deposit.state != Deposit.State.PROCESSING:
            deposit.state = Deposit.State.PROCESSING
            deposit.save(update_fields=["state", "updated_at"])
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
        interval = min(interval * 1.5, 10.0)


def _complete(deposit: Deposit, client, status: str) -> None:
    """Store the ATR and the failing step, then let go of the SIP."""
    atr_path = Path(deposit.file_path or _new_sip_path(deposit.tenant)).with_suffix(".atr.xml")
    client.download_atr(deposit.operation_id, atr_path)
    failing_event, explanation = _failure_from_logbook(deposit) if status not in ("OK",) else ("", "")
    if not failing_event and status not in ("OK",):
        failing_event, explanation = _failure_from_atr(atr_path)
    with transaction.atomic():
        deposit.state = Deposit.State.COMPLETED
        deposit.operation_status = status
        deposit.atr_path = str(atr_path)
        deposit.failing_event = failing_event[:300]
        deposit.explanation = explanation
        deposit.completed_at = timezone.now()
        deposit.retry_phase, deposit.next_attempt_at, deposit.last_error = "", None, ""
        if not getattr(settings, "DEPOSIT_KEEP_SIP", False):
            remove_sip_file(deposit)
        deposit.save()
        audit_record(actor=None, action="deposits.complete", tenant=deposit.tenant, target=deposit,
                     after={"operation": deposit.operation_id, "status": status})


def _failure_from_logbook(deposit: Deposit) -> tuple[str, str]:
    """The first KO/FATAL step of the operation, with Vitam's own (French) message."""
    try:
        operation = vitam_client(deposit.tenant, contract=ACCESS).get_operation(deposit.operation_id)
    except (VitamError, MissingContract):
        return "", ""
    events = operation.get("events") or []
    worst = None
    for event in events:
        if event.get("outcome") in ("KO", "FATAL") and event.get("evType") not in _PROCESS_EVENTS:
            detail = event.get("outDetail") or event.get("evType") or ""
            # Keep the most precise failing event (the deepest detail, not the step summaries).
            if worst is None or detail.count(".") > (worst.get("outDetail") or "").count("."):
                worst = event
    if worst is None and operation.get("outcome") in ("KO", "FATAL"):
        worst = operation
    if worst is None:
        return "", ""
    text = worst.get("outMessg") or ""
    data = worst.get("evDetData") or ""
    if data and len(str(data)) < 500:
        text = f"{text} — {data}" if text else str(data)
    return worst.get("outDetail") or worst.get("evType") or "", text


_PROCESS_EVENTS = ("PROCESS_SIP_UNITARY", "INGEST_TEST", "STP_INGEST_FINALISATION")


def _failure_from_atr(path: Path) -> tuple[str, str]:
    try:
        tree = safe_xml.parse_file(path)
    except (etree.XMLSyntaxError, OSError):
        return "", ""
    for event in tree.getroot().iter("{*}Event"):
        outcome = event.findtext("{*}Outcome") or ""
        if outcome in ("KO", "FATAL"):
            return (event.findtext("{*}OutcomeDetail") or event.findtext("{*}EventTypeCode") or "",
                    event.findtext("{*}OutcomeDetailMessage") or "")
    return "", ""


def _wait_for_retry(deposit: Deposit, phase: str, error: Exception, *, recheck: bool = False) -> None:
    """Vitam cannot be reached: keep everything, schedule a retry with back-off."""
    delay = RETRY_DELAYS[min(deposit.attempts, len(RETRY_DELAYS) - 1)]
    deposit.state = Deposit.State.WAITING_RETRY
    deposit.retry_phase = Deposit.Phase.FOLLOW if phase == Deposit.Phase.FOLLOW else Deposit.Phase.SEND
    if recheck:
        deposit.retry_phase = ""  # the check itself must run again
    deposit.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    deposit.last_error = error.user_message() if hasattr(error, "user_message") else str(error)
    deposit.save()
    logger.warning("deposit %s waits for a retry (%s): %s", deposit.pk, phase, error)
    # Without deferral (tests' immediate backend) the deposit waits for a manual retry or for
    # `manage.py deposits_retry`.
    task_enqueue_later("sam.deposits.tasks.deposit_retry_task", run_after=deposit.next_attempt_at,
                       deposit_id=deposit.pk)


def deposit_check_abandon(job) -> None:
    """Its check's worker stopped too many times (sam.lib.jobs.recovery): the deposit and its files are kept and
    wait for the archivist (« Réessayer » or « Annuler »), with the reason, instead of staying "being checked"."""
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().filter(job=job, state=Deposit.State.CHECKING).first()
        if deposit is None:
            return
        deposit.state, deposit.retry_phase = Deposit.State.WAITING_RETRY, ""  # a retry checks again
        deposit.next_attempt_at, deposit.last_error = None, job.error
        deposit.save()
        audit_record(actor=None, action="deposits.check_interrupted", tenant=deposit.tenant, target=deposit,
                     after={"job": job.pk, "attempts": job.attempt})


def deposit_retry(*, actor, deposit: Deposit, request=None) -> Deposit:
    """Retry by hand (or from the scheduled task): start again where Vitam was unreachable."""
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if deposit.state != Deposit.State.WAITING_RETRY:
            raise ValidationError(_("This deposit is not waiting for a retry."))
        phase = deposit.retry_phase
        deposit.next_attempt_at = None
        if phase == Deposit.Phase.FOLLOW:
            deposit.state = Deposit.State.SENT
        elif phase == Deposit.Phase.SEND:
            deposit.state = Deposit.State.READY
        else:
            deposit.state = Deposit.State.CHECKING
        deposit.save()
        audit_record(actor=actor, action="deposits.retry", tenant=deposit.tenant, target=deposit,
                     after={"phase": phase or "check", "attempts": deposit.attempts}, request=request)
    if phase == Deposit.Phase.FOLLOW:
        task_enqueue("sam.deposits.tasks.deposit_follow_task", deposit_id=deposit.pk)
    elif phase == Deposit.Phase.SEND:
        Deposit.objects.filter(pk=deposit.pk).update(state=Deposit.State.SENDING, sending_since=None)
        task_enqueue("sam.deposits.tasks.deposit_send_task", deposit_id=deposit.pk)
    else:
        deposit_check_start(actor=actor, deposit=deposit)
    deposit.refresh_from_db()
    return deposit


def deposit_cancel(*, actor, deposit: Deposit, request=None) -> Deposit:
    """Give up a deposit Vitam does not have yet; its SIP is removed."""
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if not deposit.can_cancel:
            raise ValidationError(_("Only a deposit not yet received by Vitam can be cancelled."))
        before = deposit.state
        deposit.state = Deposit.State.CANCELLED
        deposit.next_attempt_at = None
        remove_sip_file(deposit)
        deposit.save()
        audit_record(actor=actor, action="deposits.cancel", tenant=deposit.tenant, target=deposit,
                     before={"state": before}, after={"state": deposit.state}, request=request)
    return deposit


def deposits_retry_due(now=None) -> int:
    """Start every retry whose time has come (run by the retry task and by `manage.py deposits_retry`)."""
    now = now or timezone.now()
    due = Deposit.objects.filter(state=Deposit.State.WAITING_RETRY, next_attempt_at__lte=now)
    count = 0
    for deposit in due:
        try:
            deposit_retry(actor=None, deposit=deposit)
            count += 1
        except ValidationError:
            continue  # another worker got it first
    return count


# --- simple deposit ------------------------------------------------------------------------------


def simple_deposit_create(*, actor, tenant, files, form, metadata=None, request=None) -> Deposit:
    """Keep the uploaded files, then scan their tree in the background.

    `form` is a simple.SimpleDepositForm, `metadata` the parsed ReSIP metadata CSV
    (simple.parse_metadata_csv) or None. The deposit waits in `review` for the archivist to correct
    the description of each unit (simple_deposit_review), then is built and checked, and waits in
    `ready` for the user to confirm its summary (deposit_send_start)."""
    if not form.archival_agreement:
        form.archival_agreement = tenant.ingest_contract
    staging = deposits_dir() / str(tenant.vitam_id) / f"staging-{uuid.uuid4().hex}"
    try:
        stage_upload(files, staging / "raw")
        with transaction.atomic():
            deposit = Deposit.objects.create(
                tenant=tenant, organisation=tenant.organisation,
                created_by=actor if getattr(actor, "pk", None) else None,
                kind=Deposit.Kind.SIMPLE, title=form.title[:500], file_name=_("simple deposit"),
                originating_agency=form.originating_agency[:200],
                summary={"build": {"staging": str(staging), "form": asdict(form), "metadata": metadata or {}}},
            )
            audit_record(actor=actor, action="deposits.upload", tenant=tenant, target=deposit,
                         after={"kind": "simple", "title": form.title, "files": len(list((staging / "raw").rglob("*"))),
                                "metadata_lines": len(metadata or {})},
                         request=request)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    deposit_check_start(actor=actor, deposit=deposit)
    deposit.refresh_from_db()
    return deposit


def _build_form(build: dict) -> SimpleDepositForm:
    return SimpleDepositForm(**{**build["form"], "rules": [tuple(r) for r in build["form"].get("rules", [])]})


def _reject_build(deposit: Deposit, error: ValidationError, explanation: str) -> None:
    deposit.state = Deposit.State.REJECTED
    deposit.problems = [{"message": message, "line": None, "path": "", "severity": "error"}
                        for message in error.messages]
    deposit.explanation = explanation
    deposit.save()
    shutil.rmtree(Path(deposit.summary["build"]["staging"]), ignore_errors=True)


def simple_deposit_scan(*, deposit: Deposit) -> None:
    """Unpack the staged files and date each unit (its files' own dates, the metadata CSV's
    description); the deposit then waits for the archivist's review."""
    build = deposit.summary.get("build") or {}
    staging = Path(build["staging"])
    raw, tree = staging / "raw", staging / "tree"
    try:
        if tree.exists():
            shutil.rmtree(tree)
        entries = [p for p in raw.iterdir()]
        if len(entries) == 1 and entries[0].suffix.lower() == ".zip" and entries[0].is_file():
            unzip_folder_tree(str(entries[0]), tree)
        else:
            shutil.copytree(raw, tree)
        units = scan_tree(_build_form(build), tree)
        if build.get("metadata"):
            apply_metadata(units, build["metadata"])
    except ValidationError as error:
        _reject_build(deposit, error, _("The files could not be read."))
        return
    build["units"] = units
    deposit.summary = {"build": build}
    deposit.unit_count = len(units)
    deposit.object_count = sum(1 for unit in units if unit["kind"] == "file")
    deposit.start_date, deposit.end_date = units[0]["start"], units[0]["end"]
    deposit.state = Deposit.State.REVIEW
    deposit.save()


def simple_deposit_review(*, actor, deposit: Deposit, units: list[dict], send: bool = True,
                          request=None) -> Deposit:
    """The archivist's corrections of titles, descriptions, levels and dates; then (send) build and check.

    `units` is [{"path", "level", "title", "description", "start", "end"}] for some units of the
    scanned tree (validated by the form): a large tree is reviewed page by page, each page recorded
    on its own, the others keeping what was recorded before. A folder left without dates takes its
    contents' range when the package is built."""
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if not deposit.can_review:
            raise ValidationError(_("This deposit is no longer waiting for its description."))
        build = deposit.summary["build"]
        scanned = build["units"]
        changes = {row["path"]: row for row in units}
        if not set(changes) <= {unit["path"] for unit in scanned}:
            raise ValidationError(_("The list of units changed meanwhile; reload the page."))
        corrected = 0
        for unit in scanned:
            row = changes.get(unit["path"])
            if row is None:
                continue
            new = {key: row[key] or "" for key in ("level", "title", "description", "start", "end")}
            if any(unit[key] != value for key, value in new.items()):
                corrected += 1
            unit.update(new)
        if send:
            fill_folder_ranges(scanned, keep={unit["path"] for unit in scanned if unit["kind"] == "folder"})
            build["reviewed"] = True
        deposit.summary = {"build": build}
        deposit.title = scanned[0]["title"][:500]
        deposit.save(update_fields=["summary", "title", "updated_at"])
        audit_record(actor=actor, action="deposits.describe", tenant=deposit.tenant, target=deposit,
                     after={"units": len(changes), "corrected": corrected, "sent": send}, request=request)
    if not send:
        return deposit
    deposit_check_start(actor=actor, deposit=deposit)
    deposit.refresh_from_db()
    return deposit


def simple_deposit_build(*, deposit: Deposit) -> None:
    """Build the SEDA 2.1 SIP of the reviewed tree, and keep it as the deposit's file."""
    build = deposit.summary.get("build") or {}
    staging = Path(build["staging"])
    try:
        package = build_package(_build_form(build), staging / "tree", build["units"])
        destination = _new_sip_path(deposit.tenant)
        write_sip(package, destination)
    except ValidationError as error:
        _reject_build(deposit, error, _("The SIP could not be built from the files."))
        return
    deposit.file_path = str(destination)
    deposit.file_name = f"{slugify_name(deposit.title)}.zip"
    deposit.size = destination.stat().st_size
    deposit.sha512 = sha512_of(destination)
    deposit.summary = {}
    deposit.save()
    shutil.rmtree(staging, ignore_errors=True)


def slugify_name(text: str) -> str:
    return slugify(text)[:80] or "versement"
