"""A large referential import whose background worker stopped (deploy, out of memory, reboot), the worker dying
for real in the middle of the task (tests.jobs.worker), vitam-lite over HTTP: `manage.py jobs_recover` runs it
again, which compares Vitam's referential with the preview first, so nothing is imported twice and nothing is
lost; past the last attempt the import fails, saying why, and can be confirmed again."""


import pytest

from referentials import services
from referentials.kinds import RULES
from referentials.models import ReferentialImport
from sam.lib.jobs.models import Job
from tenants.models import AuditEntry
from tests.jobs.worker import WorkerKilled, recover, time_passes, worker_killed_at_update, worker_takes_job
from tests.referentials.conftest import import_operations, rule_ids
from tests.referentials.test_rules_import import latest_import, upload, url

pytestmark = pytest.mark.django_db

ROWS = [{"RuleId": f"APP-R{n:03d}", "RuleType": "AppraisalRule", "RuleValue": f"Règle reprise {n}",
         "RuleDescription": "", "RuleDuration": str(n + 1), "RuleMeasurement": "YEAR"} for n in range(5)]


@pytest.fixture
def background_import(vitam_world, client, monkeypatch, settings):
    """A rules file confirmed for the background worker, its task only queued."""
    monkeypatch.setattr(services, "BACKGROUND_THRESHOLD", 2)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    client.force_login(vitam_world.archivist_a)
    upload(client, vitam_world, RULES.to_csv(ROWS), mode="merge")
    import_ = latest_import()
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.RUNNING
    return import_


def worker_dies(import_, *, after_vitam: bool):
    """The worker runs the import and dies before writing its result: after Vitam imported, or before."""
    job = Job.objects.get(pk=import_.job_id)
    table, column = (("referentials_referentialimport", "state") if after_vitam else ("jobs_job", "progress_total"))
    with pytest.raises(WorkerKilled), worker_killed_at_update(table, column, lambda pk: True, before=True):
        worker_takes_job(job)
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.RUNNING
    time_passes(job)
    return job


def test_an_import_vitam_had_done_when_the_worker_stopped_is_recorded_not_imported_twice(
        vitam_world, background_import):
    import_ = background_import
    before = import_operations(vitam_world.tenant_a)
    job = worker_dies(import_, after_vitam=True)
    assert {row["RuleId"] for row in ROWS} <= rule_ids(vitam_world.tenant_a)  # Vitam has it
    assert import_operations(vitam_world.tenant_a) == before + 1
    assert not AuditEntry.objects.filter(action="referentials.rules_import").exists()  # rolled back with SAM's write

    assert recover() == "jobs taken up again: 1, abandoned: 0, errors: 0"
    worker_takes_job(job)
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.IMPORTED and import_.error == ""
    assert import_operations(vitam_world.tenant_a) == before + 1  # not imported twice
    entry = AuditEntry.objects.get(action="referentials.rules_import")
    assert entry.after["found_in_vitam_after_a_worker_stop"] is True and entry.after["added"] == 5


def test_an_import_interrupted_before_vitam_fails_past_its_last_attempt_and_can_be_confirmed_again(
        vitam_world, client, background_import, settings):
    import_ = background_import
    before = import_operations(vitam_world.tenant_a)
    worker_dies(import_, after_vitam=False)
    assert recover("--max-attempts", "1") == "jobs taken up again: 0, abandoned: 1, errors: 0"
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.FAILED
    assert import_.error.startswith("Le travail a été interrompu 1 fois par l’arrêt du processus des tâches")
    assert import_operations(vitam_world.tenant_a) == before and "APP-R000" not in rule_ids(vitam_world.tenant_a)
    page = client.get(url("rule_import_detail", vitam_world, pk=import_.pk)).content.decode()
    assert "interrompu 1 fois" in page

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.IMPORTED, import_.error
    assert {row["RuleId"] for row in ROWS} <= rule_ids(vitam_world.tenant_a)
