"""/healthz: the monitoring probe answers without login, 200 when all is well, 503 naming the failing check."""

import json
import socket
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

pytestmark = pytest.mark.django_db


def _waiting_task(*, enqueued_ago, run_after=None):
    task = DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}}, task_path="sam.deposits.tasks.x",
                                       backend_name="default", run_after=run_after or get_date_max())
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - enqueued_ago)


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy_platform_answers_200_without_login(client, vitam_url):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    report = response.json()
    assert report["status"] == "ok"
    assert {name: check["status"] for name, check in report["checks"].items()} == {
        "database": "ok", "task_queue": "ok", "vitam": "ok", "disk": "ok"}
    assert report["checks"]["task_queue"]["oldest_waiting_seconds"] == 0
    assert report["checks"]["disk"]["free_bytes"] > 0


def test_report_reveals_no_address_path_or_setting(client, vitam_url, settings):
    body = client.get(reverse("healthz")).content.decode()
    for secret in (vitam_url, "127.0.0.1", str(settings.DATA_DIR), settings.DATABASES["default"]["NAME"],
                   settings.SECRET_KEY):
        assert str(secret) not in body


def test_vitam_down_gives_503_within_the_short_timeout(client, settings):
    url = f"http://127.0.0.1:{_closed_port()}"
    settings.VITAM = {**settings.VITAM, "URL": url, "INGEST_URL": url, "RETRIES": 0}
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    report = json.loads(response.content)
    assert report["status"] == "failing" and report["checks"]["vitam"] == {"status": "failing"}
    assert report["checks"]["database"]["status"] == "ok"
    assert url not in response.content.decode()


def test_a_task_waiting_too_long_means_the_worker_is_gone(client, vitam_url, settings):
    settings.HEALTH = {**settings.HEALTH, "MAX_QUEUE_WAIT_SECONDS": 600}
    _waiting_task(enqueued_ago=timedelta(minutes=5))
    check = client.get(reverse("healthz")).json()["checks"]["task_queue"]
    assert check["status"] == "ok" and 290 <= check["oldest_waiting_seconds"] <= 310
    _waiting_task(enqueued_ago=timedelta(minutes=30))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"]["status"] == "failing"


def test_a_retry_scheduled_for_later_is_not_waiting(client, vitam_url):
    # Enqueued a day ago with a back-off until tomorrow: not due, so nobody is late.
    _waiting_task(enqueued_ago=timedelta(days=1), run_after=timezone.now() + timedelta(days=1))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["task_queue"]["oldest_waiting_seconds"] == 0


def test_a_full_data_disk_gives_503(client, vitam_url, settings):
    settings.HEALTH = {**settings.HEALTH, "MIN_FREE_BYTES": 10**18}
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["disk"]["status"] == "failing"


def test_only_get_is_answered(client):
    assert client.post(reverse("healthz")).status_code == 405
