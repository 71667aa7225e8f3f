"""The elimination procedure through the screens (Django test client, vitam-lite over HTTP)."""

import csv
import hashlib
import io
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from sam.elimination import services
from sam.elimination.models import Notification, Proposal, ProposalUnit
from sam.vitam.dsl import Select, eq, in_
from tenants.vitam_clients import ACCESS, vitam_client
from tenants import services as tenant_services
from tenants.models import AuditEntry, Organisation, Role
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def url(name, proposal, **extra):
    return reverse(f"elimination:{name}", kwargs={"tenant_pk": proposal.tenant_id, "pk": proposal.pk, **extra})


def analyse(client, archive, **fields):
    client.force_login(archive.archivist_a)
    data = {"proposal_title": "Permis 2008", "mode": "dua", "date": date.today().isoformat(), **fields}
    response = client.post(reverse("elimination:analysis_create", kwargs={"tenant_pk": archive.tenant_a.pk}), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Proposal.objects.latest("pk")


def submit_and_approve(client, archive, proposal):
    client.force_login(archive.archivist_a)
    assert client.post(url("proposal_submit", proposal)).status_code == 302
    client.force_login(archive.controller)
    response = client.post(url("proposal_decide", proposal), {"decision": "approve", "comment": "Vu, bon pour"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.APPROVED
    return proposal


def agency_of(archive):
    from sam.site.demo import agency_prefix

    return agency_prefix(archive.org_a)


def units_left(tenant, ids):
    client = vitam_client(tenant, contract=ACCESS)
    return {u["#id"] for u in client.search_units(Select().where(in_("#id", list(ids))).fields("#id").build()).results}


def test_whole_procedure_with_visa_execution_and_certificate(client, archive, django_capture_on_commit_callbacks):
    permit, items = archive.ids["Permis de construire 2008 A"], [archive.ids["PC 0012 maison A"],
                                                                  archive.ids["PC 0047 garage A"]]
    proposal = analyse(client, archive)
    assert proposal.state == Proposal.State.DRAFT
    assert proposal.destroy_count == 3 and proposal.conflict_count == 0
    assert proposal.keep_count == 0  # the council minutes (Keep) are not candidates: their DUA rule keeps them
    assert archive.ids["Deliberations 2019 A"] not in set(proposal.units.values_list("unit_id", flat=True))
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert "CERGY" not in page and "PC 0012 maison A" in page and "APP-PC" in page
    unit = ProposalUnit.objects.get(proposal=proposal, unit_id=items[0])
    assert (unit.rule_ids, unit.rule_end_date, unit.size, unit.start_date) == ("APP-PC", "2018-12-31", 350, "2008-03-01")

    # CSV (RFC 4180, UTF-8 BOM) and the printable bordereau
    response = client.get(url("proposal_csv", proposal))
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert {row["unit_id"] for row in rows} == {permit, *items}
    printed = client.get(url("proposal_print", proposal)).content.decode()
    assert "2008-01-01" in printed and "APP-PC" in printed and "elimination-print.css" in printed

    # nobody can execute before the visa
    response = client.post(url("proposal_execute", proposal))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DRAFT and not proposal.action_operation_id

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # emails leave once the change is committed
        proposal = submit_and_approve(client, archive, proposal)
    assert Notification.objects.filter(recipient=archive.controller, proposal=proposal,
                                       kind=Notification.Kind.VISA_REQUESTED).exists()
    assert Notification.objects.filter(recipient=archive.archivist_a, kind=Notification.Kind.DECIDED).exists()
    assert any(archive.controller.email in m.to and proposal.reference in m.body for m in mail.outbox)
    assert any(archive.archivist_a.email in m.to and proposal.reference in m.subject for m in mail.outbox)

    # an approved proposal cannot be changed
    client.force_login(archive.archivist_a)
    client.post(url("proposal_units_update", proposal), {"unit": [items[0]], "operation": "exclude"})
    assert ProposalUnit.objects.get(proposal=proposal, unit_id=items[0]).included

    response = client.get(url("proposal_execute", proposal))
    assert response.status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("proposal_execute", proposal))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    executed_mail = next(m for m in mail.outbox if archive.archivist_a.email in m.to)
    assert f"http://testserver{url('proposal_detail', proposal)}" in executed_mail.body  # a link that works
    assert (proposal.destroyed_count, proposal.not_destroyed_count) == (3, 0)
    assert units_left(archive.tenant_a, [permit, *items]) == set()
    assert units_left(archive.tenant_a, [archive.ids["Deliberations 2019 A"]])

    response = client.get(url("proposal_certificate", proposal))
    certificate = b"".join(response.streaming_content)
    assert response.status_code == 200 and certificate.startswith(b"%PDF")
    assert hashlib.sha512(certificate).hexdigest() == proposal.certificate_sha512
    report = b"".join(client.get(url("proposal_report", proposal)).streaming_content)
    assert hashlib.sha512(report).hexdigest() == proposal.report_sha512
    assert Notification.objects.filter(recipient=archive.archivist_a, kind=Notification.Kind.EXECUTED).exists()
    actions = set(AuditEntry.objects.filter(target_id=str(proposal.pk)).values_list("action", flat=True))
    assert {"elimination.analysis_start", "elimination.submit", "elimination.approve", "elimination.execute",
            "elimination.executed"} <= actions

    # the archivist's notifications page shows them; "mark all as read" empties the badge
    page = client.get(reverse("elimination:notification_list")).content.decode()
    assert proposal.reference in page
    client.post(reverse("elimination:notification_list"))
    assert not Notification.objects.filter(recipient=archive.archivist_a, read_at__isnull=True).exists()


def test_unit_put_on_hold_between_visa_and_execution_is_not_destroyed(client, archive):
    permit, item, other = (archive.ids["Permis de construire 2008 A"], archive.ids["PC 0012 maison A"],
                           archive.ids["PC 0047 garage A"])
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    vitam = vitam_client(archive.tenant_a, contract=ACCESS)
    operation = vitam.update_units_rules(Select().where(eq("#id", item)), {
        "add": [{"HoldRule": {"Rules": [{"Rule": "HOL-00001", "HoldReason": "Contentieux"}]}}]})
    assert vitam.wait_for_operation(operation, timeout=60, poll_interval=0.1).status == "OK"

    client.force_login(archive.archivist_a)
    client.post(url("proposal_execute", proposal))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED
    held = ProposalUnit.objects.get(proposal=proposal, unit_id=item)
    assert held.outcome == ProposalUnit.Outcome.NOT_DELETED and "HOL-00001" in held.outcome_reason
    # its parent keeps a child, so it stays too, with that reason
    parent = ProposalUnit.objects.get(proposal=proposal, unit_id=permit)
    assert parent.outcome == ProposalUnit.Outcome.NOT_DELETED and parent.outcome_reason
    assert units_left(archive.tenant_a, [permit, item, other]) == {permit, item}
    assert (proposal.destroyed_count, proposal.not_destroyed_count) == (1, 2)
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert "HOL-00001" in page


def test_refused_proposal_cannot_be_executed_and_can_be_copied(client, archive):
    proposal = analyse(client, archive)
    client.post(url("proposal_submit", proposal))
    client.force_login(archive.controller)
    response = client.post(url("proposal_decide", proposal), {"decision": "refuse", "comment": ""})
    assert response.status_code == 200  # a refusal needs its reason
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED
    client.post(url("proposal_decide", proposal), {"decision": "refuse", "comment": "Dossiers en contentieux"})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REFUSED

    client.force_login(archive.archivist_a)
    client.post(url("proposal_execute", proposal))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REFUSED and not proposal.action_operation_id
    assert len(units_left(archive.tenant_a, archive.ids.values())) == 4

    response = client.post(url("proposal_copy", proposal))
    copy = Proposal.objects.latest("pk")
    assert copy.copied_from == proposal and copy.state == Proposal.State.DRAFT
    assert copy.units.count() == proposal.units.count()
    # the draft can be changed: exclude one unit
    client.post(url("proposal_units_update", copy), {"unit": [archive.ids["PC 0012 maison A"]],
                                                     "operation": "exclude", "confirmed": "yes"})
    assert copy.units.filter(included=True).count() == 1  # its parent folder is kept with it


def test_controllers_of_other_communes_and_platform_admins_cannot_give_the_visa(client, archive):
    proposal = analyse(client, archive)
    # before submission the controller does not see the draft
    client.force_login(archive.controller)
    assert client.get(url("proposal_detail", proposal)).status_code == 404
    client.force_login(archive.archivist_a)
    client.post(url("proposal_submit", proposal))

    other_archives = make_organisation("Archives du Nord", kind=Organisation.Kind.DEPARTMENTAL_ARCHIVES)
    tenant_services.controlled_organisations_set(actor=archive.admin, organisation=other_archives,
                                                 controlled=[archive.org_b])
    stranger = make_user("controle.nord", organisation=other_archives, role=Role.CONTROLLER)
    client.force_login(stranger)
    for name in ("proposal_detail", "proposal_decide", "proposal_print", "proposal_csv"):
        assert client.get(url(name, proposal)).status_code == 404
    assert client.post(url("proposal_decide", proposal), {"decision": "approve"}).status_code == 404
    assert proposal.reference not in client.get(reverse("elimination:visa_list")).content.decode()

    client.force_login(archive.controller)
    assert proposal.reference in client.get(reverse("elimination:visa_list")).content.decode()
    client.force_login(archive.admin)
    client.post(url("proposal_decide", proposal), {"decision": "approve", "comment": "admin"})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED
    # the archivist of commune B does not see it either
    client.force_login(archive.archivist_b)
    assert client.get(url("proposal_detail", proposal)).status_code == 404


def test_criteria_selection_and_exclusion(client, archive):
    proposal = analyse(client, archive, mode="criteria", title="2008 A", date=date.today().isoformat())
    assert proposal.candidate_count == 3  # every word: "2008" and "A" (not the 2019 minutes of A)
    proposal = analyse(client, archive, mode="criteria", agency=f"{agency_of(archive)}-URBA",
                       date=date.today().isoformat())
    # the council minutes (final action Keep) are candidates too: Vitam keeps them and SAM says how many
    assert (proposal.candidate_count, proposal.destroy_count, proposal.keep_count) == (4, 3, 1)
    assert "1 kept" in client.get(url("proposal_detail", proposal)).content.decode() or \
        "1 conservée" in client.get(url("proposal_detail", proposal)).content.decode()
    client.post(url("proposal_units_update", proposal), {"unit": [archive.ids["PC 0047 garage A"]],
                                                         "operation": "exclude", "confirmed": "yes"})
    # the kept garage keeps its parent folder too (Vitam eliminates no unit that keeps a descendant)
    assert set(proposal.units.filter(included=True).values_list("unit_id", flat=True)) == {
        archive.ids["PC 0012 maison A"]}
    page = client.get(url("proposal_detail", proposal), {"included": "no"}).content.decode()
    assert "PC 0047 garage A" in page and "PC 0012 maison A" not in page


def test_analysis_form_refuses_future_date_and_empty_criteria(client, archive):
    client.force_login(archive.archivist_a)
    target = reverse("elimination:analysis_create", kwargs={"tenant_pk": archive.tenant_a.pk})
    prefilled = client.get(target, {"title": "Permis", "agency": "X-URBA"}).content.decode()
    assert 'value="Permis"' in prefilled and 'value="X-URBA"' in prefilled  # a search links here with its criteria
    response = client.post(target, {"proposal_title": "x", "mode": "dua", "date": "2999-01-01"})
    assert response.status_code == 200 and "date" in response.context["form"].errors
    response = client.post(target, {"proposal_title": "x", "mode": "criteria", "date": date.today().isoformat()})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Proposal.objects.exists()


def test_analysis_with_nothing_to_eliminate_fails_with_a_clear_message(client, archive):
    proposal = analyse(client, archive, mode="criteria", title="introuvablexyz")
    assert proposal.state == Proposal.State.FAILED
    assert "Aucune" in proposal.error or "No archive unit" in proposal.error


def test_vitam_unreachable_at_execution_keeps_the_approved_proposal(client, archive, settings):
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    reachable = settings.VITAM
    settings.VITAM = {**reachable, "URL": "http://127.0.0.1:9", "INGEST_URL": "http://127.0.0.1:9"}
    client.force_login(archive.archivist_a)
    client.post(url("proposal_execute", proposal))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.APPROVED and not proposal.action_operation_id
    assert proposal.error and proposal.action_job.state == "failed"
    assert "Vitam" in client.get(url("proposal_detail", proposal)).content.decode()

    settings.VITAM = reachable
    client.post(url("proposal_execute", proposal))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED and proposal.destroyed_count == 3 and not proposal.error


def test_notifications_badge_counts_unread(world, rf):
    from django.template import Context, Template

    Notification.objects.create(recipient=world.controller, organisation=world.org_a, kind="visa_requested",
                                message="Proposition à viser")
    request = rf.get("/")
    request.user = world.controller
    html = Template("{% load elimination_tags %}{% notifications_badge %}").render(Context({"request": request}))
    assert ">1</span>" in html and reverse("elimination:notification_list") in html
    request.user = world.archivist_a
    html = Template("{% load elimination_tags %}{% notifications_badge %}").render(Context({"request": request}))
    assert "badge" not in html


def test_second_execution_from_a_stale_page_is_refused(client, archive):
    from django.core.exceptions import ValidationError

    from sam.elimination import services

    proposal = submit_and_approve(client, archive, analyse(client, archive))
    stale = Proposal.objects.get(pk=proposal.pk)  # what a second archivist's page still shows: approved
    services.proposal_execute_start(actor=archive.archivist_a, proposal=proposal)
    with pytest.raises(ValidationError, match="(?i)another user|autre utilisat"):
        services.proposal_execute_start(actor=archive.referent_a, proposal=stale)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED and proposal.executed_by == archive.archivist_a


def test_vitam_unreachable_during_the_analysis_fails_it_with_a_message(client, archive, settings):
    settings.VITAM = {**settings.VITAM, "URL": "http://127.0.0.1:9", "INGEST_URL": "http://127.0.0.1:9"}
    proposal = analyse(client, archive)
    assert proposal.state == Proposal.State.FAILED and proposal.error
    assert not proposal.units.exists() and proposal.analysis_job.state == "failed"
    page = client.get(url("proposal_detail", proposal)).content.decode()
    from django.utils.html import escape

    assert escape(proposal.error) in page


def test_bordereau_pdf_is_built_in_the_background_and_follows_the_proposal(client, archive, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    proposal = analyse(client, archive)
    page = client.get(url("proposal_print_pdf", proposal))
    assert page.status_code == 200 and b"build-bordereau-pdf" in page.content  # not built yet: nothing is laid out

    response = client.post(url("proposal_print_pdf", proposal))
    assert response.status_code == 302 and "?job=" in response["Location"]
    pdf = client.get(url("proposal_print_pdf", proposal))  # the immediate task backend has built it
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    # excluding a unit changes the bordereau: the PDF built before is not served any more
    unit = ProposalUnit.objects.filter(proposal=proposal, included=True).first()
    client.post(url("proposal_units_update", proposal), {"unit": [unit.unit_id], "operation": "exclude",
                                                         "confirmed": "yes"})
    assert b"build-bordereau-pdf" in client.get(url("proposal_print_pdf", proposal)).content


def test_bordereau_pdf_job_of_another_proposal_is_not_shown(client, archive):
    proposal = analyse(client, archive)
    other = analyse(client, archive, proposal_title="Autre")
    job = services.bordereau_pdf_start(actor=archive.archivist_a, proposal=other)
    page = client.get(url("proposal_print_pdf", proposal) + f"?job={job.pk}")
    assert page.status_code == 200 and f"/jobs/{job.pk}/".encode() not in page.content


def test_submitting_asks_for_confirmation_and_an_empty_proposal_cannot_be_submitted(client, world):
    empty = Proposal.objects.create(tenant=world.tenant_a, organisation=world.org_a, title="Vide", reference="PE-V",
                                    state=Proposal.State.DRAFT, analysis_date=date(2024, 1, 1),
                                    created_by=world.archivist_a)
    client.force_login(world.archivist_a)
    submit_url = reverse("elimination:proposal_submit", args=[world.tenant_a.pk, empty.pk])
    confirm = client.get(submit_url).content.decode()
    assert 'class="confirm' not in confirm and "aucune unité éliminable" in confirm
    response = client.post(submit_url, follow=True)
    empty.refresh_from_db()
    assert empty.state == Proposal.State.DRAFT
    assert "aucune unité éliminable" in response.content.decode()
