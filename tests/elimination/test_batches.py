"""Eliminations and mass updates larger than one Vitam operation: several operations, followed and reported as one;
a failure stops the rest and a resumption sends only what remains (vitam-lite over HTTP, with fault injection).

The batch size is set to 3 so that the fixture's units need several operations."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from sam.elimination import documents, services
from sam.elimination.models import MassUpdate, Proposal, ProposalUnit, VitamBatch
from sam.site.demo import agency_prefix
from sam.vitam import limits
from sam.vitam.dsl import Select, in_
from tenants.vitam_clients import ACCESS, vitam_client
from tests.elimination.conftest import seed_eliminable
from tests.elimination.test_workflow import analyse, submit_and_approve, units_left, url
from tests.factories import put_registers_past_vitams_count
from vitamlite import dip

pytestmark = pytest.mark.django_db

ACTION_PATH = "/access-external/v1/elimination/action"
RULES_PATH = "/access-external/v1/units/rules"


@pytest.fixture
def small_batches(settings):
    settings.VITAM = {**settings.VITAM, "BATCH_SIZE": 3}


@pytest.fixture
def queued_tasks(settings):
    """Jobs are only enqueued, so that the test runs them itself and can break Vitam between two operations."""
    immediate = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    yield
    settings.TASKS = immediate


@pytest.fixture
def two_permits(archive):
    archive.ids.update(seed_eliminable(archive.tenant_a, tag="B"))
    return archive


def break_after_first_operation(server, path, first_size):
    """A progress hook that makes Vitam refuse `path` once the first operation's units are done."""
    def on_progress(done, total, message):
        if done >= first_size:
            server.set_faults(f"error503:{path}")
    return on_progress


def eliminable_ids(archive):
    return {archive.ids[title] for title in archive.ids if not title.startswith("Deliberations")}


def test_a_proposal_larger_than_one_operation_is_analysed_and_eliminated_in_several(client, two_permits,
                                                                                     small_batches):
    archive = two_permits
    proposal = analyse(client, archive)
    assert proposal.state == Proposal.State.DRAFT, proposal.error
    analyses = list(proposal.batches.filter(kind=VitamBatch.Kind.ANALYSIS))
    assert len(analyses) == 2 and len({batch.operation_id for batch in analyses}) == 2
    assert proposal.destroy_count == 6
    assert set(proposal.units.values_list("unit_id", flat=True)) == eliminable_ids(archive)

    proposal = submit_and_approve(client, archive, proposal)
    client.force_login(archive.archivist_a)
    assert client.post(url("proposal_execute", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    actions = list(proposal.batches.filter(kind=VitamBatch.Kind.ELIMINATION))
    assert [len(batch.unit_ids) for batch in actions] == [3, 3]
    # the deepest units go first: the items of both permits before the permits themselves
    items = {unit_id for title, unit_id in archive.ids.items() if title.startswith("PC ")}
    assert set(actions[0].unit_ids) <= items
    assert (proposal.destroyed_count, proposal.not_destroyed_count) == (6, 0)
    assert not units_left(archive.tenant_a, eliminable_ids(archive))

    # one report, one certificate naming each operation with the digest of its report
    report = open(proposal.report_path, "rb").read()
    assert report == b"".join(open(batch.report_path, "rb").read() for batch in actions)
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert all(batch.operation_id in page for batch in actions)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(documents.certificate_pdf(proposal))).pages)
    flat = text.replace("\n", "").replace(" ", "")
    for batch in actions:
        assert batch.operation_id in flat and batch.report_sha512[:32] in flat


def test_a_failed_operation_stops_the_rest_and_the_resumption_sends_only_the_remaining_units(
        client, two_permits, small_batches, queued_tasks, vitamlite_server, settings):
    archive = two_permits
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    proposal = services.proposal_execute_start(actor=archive.archivist_a, proposal=proposal)
    try:
        with pytest.raises(Exception):
            services.action_run(proposal=proposal, on_progress=break_after_first_operation(
                vitamlite_server, ACTION_PATH, 3))
    finally:
        vitamlite_server.set_faults("")
    proposal.refresh_from_db()
    first, second = proposal.batches.filter(kind=VitamBatch.Kind.ELIMINATION)
    assert proposal.state == Proposal.State.INTERRUPTED
    assert proposal.error  # says which operation stopped, how many units were handled and how many remain
    assert first.state == VitamBatch.State.DONE and second.state == VitamBatch.State.FAILED
    assert second.operation_id == ""  # Vitam never received it
    done = set(ProposalUnit.objects.filter(proposal=proposal, outcome=ProposalUnit.Outcome.DELETED)
               .values_list("unit_id", flat=True))
    assert done == set(first.unit_ids)
    assert units_left(archive.tenant_a, eliminable_ids(archive)) == set(second.unit_ids)

    client.force_login(archive.archivist_a)
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert 'id="resume-proposal"' in page and page.count("badge-warning") >= 3

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    assert client.post(url("proposal_execute", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    first_again, second_again = proposal.batches.filter(kind=VitamBatch.Kind.ELIMINATION)
    assert first_again.operation_id == first.operation_id  # never sent twice
    assert second_again.state == VitamBatch.State.DONE and second_again.operation_id
    # the resumed operation carried only the remaining units
    second_report = open(second_again.report_path, encoding="utf-8").read()
    assert not any(unit_id in second_report for unit_id in first.unit_ids)
    assert (proposal.destroyed_count, proposal.not_destroyed_count) == (6, 0)
    assert not units_left(archive.tenant_a, eliminable_ids(archive))


def hold_rule_count(tenant, ids):
    client = vitam_client(tenant, contract=ACCESS)
    query = Select().where(in_("#id", list(ids))).fields("#id", "#management").build()
    return {unit["#id"]: len(((unit.get("#management") or {}).get("HoldRule") or {}).get("Rules") or [])
            for unit in client.search_units(query).results}


def test_a_mass_update_runs_in_several_operations_stops_on_a_failure_and_resumes(
        client, two_permits, small_batches, queued_tasks, vitamlite_server, settings):
    archive = two_permits
    criteria = {"agency": f"{agency_prefix(archive.org_a)}-URBA"}
    change = {"action": "add", "category": "HoldRule", "rule": "HOL-00001", "hold_reason": "Contentieux"}
    update = services.mass_update_start(actor=archive.archivist_a, tenant=archive.tenant_a, criteria=criteria,
                                        change=change, expected_count=8, confirmed=True)
    try:
        with pytest.raises(Exception):
            services.mass_update_run(update=update, on_progress=break_after_first_operation(
                vitamlite_server, RULES_PATH, 3))
    finally:
        vitamlite_server.set_faults("")
    update.refresh_from_db()
    batches = list(update.batches.all())
    assert update.state == MassUpdate.State.INTERRUPTED and update.unit_count == 8
    assert [len(batch.unit_ids) for batch in batches] == [3, 3, 2]
    # Vitam never received the second operation: it and the third remain to send
    assert [batch.state for batch in batches] == [VitamBatch.State.DONE, VitamBatch.State.PENDING,
                                                  VitamBatch.State.PENDING]
    assert batches[0].operation_id and not batches[1].operation_id
    counts = hold_rule_count(archive.tenant_a, archive.ids.values())
    assert {unit_id for unit_id, count in counts.items() if count} == set(batches[0].unit_ids)

    client.force_login(archive.archivist_a)
    detail = reverse("elimination:mass_update_detail", kwargs={"tenant_pk": archive.tenant_a.pk, "pk": update.pk})
    assert 'id="resume-mass-update"' in client.get(detail).content.decode()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    response = client.post(reverse("elimination:mass_update_resume",
                                   kwargs={"tenant_pk": archive.tenant_a.pk, "pk": update.pk}))
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    assert (update.ok_count, update.warning_count, update.ko_count) == (8, 0, 0)  # nobody updated twice
    assert update.batches.get(number=1).operation_id == batches[0].operation_id
    assert set(hold_rule_count(archive.tenant_a, archive.ids.values()).values()) == {1}
    # a second resumption is refused: nothing is left to send
    response = client.post(reverse("elimination:mass_update_resume",
                                   kwargs={"tenant_pk": archive.tenant_a.pk, "pk": update.pk}), follow=True)
    assert "interrupted" in response.content.decode().lower() or "interrompue" in response.content.decode().lower()


def test_the_journal_links_every_operation_of_a_batched_run_to_its_proposal_or_mass_update(
        client, two_permits, settings, django_assert_num_queries):
    from sam.consultation.selectors import operation_subjects

    archive = two_permits
    settings.VITAM = {**settings.VITAM, "BATCH_SIZE": 2}  # three operations each: a middle one to look up
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    client.force_login(archive.archivist_a)
    assert client.post(url("proposal_execute", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    settings.VITAM = {**settings.VITAM, "BATCH_SIZE": 1}  # the two units left: two operations
    criteria = {"agency": f"{agency_prefix(archive.org_a)}-URBA"}
    change = {"action": "add", "category": "HoldRule", "rule": "HOL-00001", "hold_reason": "Contentieux"}
    update = services.mass_update_start(actor=archive.archivist_a, tenant=archive.tenant_a, criteria=criteria,
                                        change=change, expected_count=2, confirmed=True)
    update.refresh_from_db()
    assert update.state == MassUpdate.State.SUCCEEDED, update.error

    expected = {batch.operation_id: (batch.kind, proposal.pk) for batch in proposal.batches.all()}
    expected.update({batch.operation_id: ("mass_update", update.pk) for batch in update.batches.all()})
    assert len(expected) == 3 + 3 + 2 and all(expected)
    with django_assert_num_queries(1):
        subjects = operation_subjects(archive.tenant_a, list(expected))
    assert {op: (subject["kind"], subject["pk"]) for op, subject in subjects.items()} == expected
    assert operation_subjects(archive.tenant_b, list(expected)) == {}  # never another tenant's records

    middle = proposal.batches.get(kind=VitamBatch.Kind.ELIMINATION, number=2).operation_id
    page = client.get(reverse("consultation:operation_detail", args=[archive.tenant_a.pk, middle]))
    assert page.status_code == 200
    assert reverse("elimination:proposal_detail", args=[archive.tenant_a.pk, proposal.pk]) in page.content.decode()


def test_a_mass_update_past_vitams_count_says_so_then_shows_the_real_number(
        client, archive, queued_tasks, vitamlite_server, settings):
    """Vitam's $hits.total stops at 10,000 with no flag: the preview says "10,000 or more", the run lists the
    units and records their real number."""
    put_registers_past_vitams_count(vitamlite_server, archive)
    client.force_login(archive.archivist_a)
    data = {"title": "Registre matricule", "action": "add", "category": "HoldRule", "rule": "HOL-00001",
            "hold_reason": "Contentieux"}
    preview = client.post(reverse("elimination:mass_update_create", kwargs={"tenant_pk": archive.tenant_a.pk}),
                          {**data, "step": "preview"})
    assert preview.context["count"] == 10_000 and preview.context["count_capped"]
    html = preview.content.decode()
    assert "10\u202f000 unités ou plus seront mises à jour" in html and "10000 unités" not in html

    started = client.post(reverse("elimination:mass_update_create", kwargs={"tenant_pk": archive.tenant_a.pk}),
                          {**data, "step": "start", "expected_count": 10_000, "confirmed": "on"})
    assert started.status_code == 302
    update = MassUpdate.objects.get(tenant=archive.tenant_a)
    detail = reverse("elimination:mass_update_detail", kwargs={"tenant_pk": archive.tenant_a.pk, "pk": update.pk})
    assert "10\u202f000 ou plus (SAM les recense)" in client.get(detail).content.decode()

    services.mass_update_run(update=update, on_progress=lambda done, total, message: None)
    update.refresh_from_db()
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    assert update.unit_count == 10_005 and update.ok_count == 10_005
    page = client.get(detail)
    assert not page.context["unit_count_capped"] and "SAM les recense" not in page.content.decode()


def test_past_vitams_capped_total_the_candidates_come_from_the_stream(client, two_permits, small_batches,
                                                                       monkeypatch):
    """Vitam's $hits.total capped (lowered to 2 here): the units are listed through /units/stream, then analysed
    and eliminated in batches as below the cap."""
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    archive = two_permits
    proposal = analyse(client, archive)
    assert proposal.state == Proposal.State.DRAFT, proposal.error
    assert set(proposal.units.values_list("unit_id", flat=True)) == eliminable_ids(archive)
    proposal = submit_and_approve(client, archive, proposal)
    client.force_login(archive.archivist_a)
    assert client.post(url("proposal_execute", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.destroyed_count) == (Proposal.State.EXECUTED, 6), proposal.error


def test_a_stream_refused_by_vitam_fails_the_analysis_naming_the_setting(client, two_permits, small_batches,
                                                                         monkeypatch):
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    monkeypatch.setattr(dip, "STREAM_THRESHOLD", 2)  # Vitam's unitsStreamThreshold, lowered
    proposal = analyse(client, two_permits)
    assert proposal.state == Proposal.State.FAILED
    assert "unitsStreamThreshold" in proposal.error and "réduisez la sélection" in proposal.error
    assert not proposal.units.exists() and not proposal.batches.exists()
    assert units_left(two_permits.tenant_a, eliminable_ids(two_permits)) == eliminable_ids(two_permits)
