"""The platform's health as /healthz reports it: database, task queue, Vitam, disk space of SAM_DATA_DIR.

The report holds states and figures only (no host names, URLs, versions or error texts): it is public.
"""

import logging
import shutil

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Min, When
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from sam.vitam.client import VitamClient
from sam.vitam.context import VitamContext
from sam.vitam.errors import VitamError

logger = logging.getLogger(__name__)
OK, FAILING = "ok", "failing"


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: database unreachable")
        return {"status": FAILING}
    return {"status": OK}


def _task_queue() -> dict:
    """Age of the oldest task due and still waiting for a worker: a stopped worker makes it grow."""
    try:
        # A task scheduled for later (a deposit's retry back-off) waits from its run_after only.
        oldest = DBTaskResult.objects.ready().aggregate(
            since=Min(Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")))
        )["since"]
    except Exception:
        logger.exception("health: task queue unreadable")
        return {"status": FAILING}
    waited = max(0, int((timezone.now() - oldest).total_seconds())) if oldest else 0
    status = OK if waited <= settings.HEALTH["MAX_QUEUE_WAIT_SECONDS"] else FAILING
    return {"status": status, "oldest_waiting_seconds": waited}


def _vitam() -> dict:
    context = VitamContext(tenant=settings.VITAM["ADMIN_TENANT"])
    try:
        VitamClient(context).status(timeout=settings.HEALTH["VITAM_TIMEOUT"])
    except VitamError as exc:
        logger.warning("health: Vitam unreachable (%s)", type(exc).__name__)
        return {"status": FAILING}
    return {"status": OK}


def _disk() -> dict:
    free = shutil.disk_usage(settings.DATA_DIR).free
    return {"status": OK if free >= settings.HEALTH["MIN_FREE_BYTES"] else FAILING, "free_bytes": free}


def health_report() -> tuple[bool, dict]:
    """(healthy, report): healthy when every check is ok."""
    checks = {"database": _database(), "task_queue": _task_queue(), "vitam": _vitam(), "disk": _disk()}
    healthy = all(check["status"] == OK for check in checks.values())
    return healthy, {"status": OK if healthy else FAILING, "checks": checks}
