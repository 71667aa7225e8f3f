"""Mass updates of rules through the screens, and the proposals' REST API."""

from datetime import date

import pytest
from django.urls import reverse

from sam.elimination.models import MassUpdate, Proposal
from tenants.vitam_clients import ACCESS, vitam_client
from tenants.models import AuditEntry
from tests.factories import api_key

pytestmark = pytest.mark.django_db


def create_url(archive):
    return reverse("elimination:mass_update_create", kwargs={"tenant_pk": archive.tenant_a.pk})


def hold_rules(tenant, unit_id):
    unit = vitam_client(tenant, contract=ACCESS).get_unit(unit_id)
    return [rule["Rule"] for rule in (unit.get("#management", {}).get("HoldRule") or {}).get("Rules", [])]


def test_mass_update_preview_then_hold_rule_with_report(client, archive, settings):
    client.force_login(archive.archivist_a)
    data = {"title": "PC", "action": "add", "category": "HoldRule", "rule": "HOL-00001",
            "hold_reason": "Contentieux en cours", "step": "preview"}
    response = client.post(create_url(archive), data)
    assert response.status_code == 200 and response.context["count"] == 2
    assert not MassUpdate.objects.exists()  # a preview sends nothing

    # above the threshold a confirmation is required
    settings.ELIMINATION_MASS_UPDATE_CONFIRM_THRESHOLD = 1
    response = client.post(create_url(archive), {**data, "step": "start", "expected_count": 2})
    assert response.status_code == 200 and not MassUpdate.objects.exists()
    assert "confirm" in " ".join(response.context["form"].non_field_errors()).lower() or \
        response.context["form"].non_field_errors()

    response = client.post(create_url(archive), {**data, "step": "start", "expected_count": 2, "confirmed": "on"})
    update = MassUpdate.objects.get()
    assert response.status_code == 302
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    assert (update.ok_count, update.warning_count, update.ko_count) == (2, 0, 0)
    for title in ("PC 0012 maison A", "PC 0047 garage A"):
        assert hold_rules(archive.tenant_a, archive.ids[title]) == ["HOL-00001"]
    assert hold_rules(archive.tenant_a, archive.ids["Deliberations 2019 A"]) == []
    assert AuditEntry.objects.filter(action="elimination.mass_update", target_id=str(update.pk)).exists()

    detail = client.get(reverse("elimination:mass_update_detail", kwargs={"tenant_pk": archive.tenant_a.pk,
                                                                          "pk": update.pk})).content.decode()
    assert archive.ids["PC 0012 maison A"] in detail
    report = client.get(reverse("elimination:mass_update_report", kwargs={"tenant_pk": archive.tenant_a.pk,
                                                                          "pk": update.pk}))
    assert b"HOL-00001" in b"".join(report.streaming_content) or update.ok_count == 2

    # the held units are then found in conflict by an elimination analysis, with the reason
    proposal_response = client.post(reverse("elimination:analysis_create", kwargs={"tenant_pk": archive.tenant_a.pk}),
                                    {"proposal_title": "Permis", "mode": "dua", "date": date.today().isoformat()})
    assert proposal_response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.destroy_count, proposal.conflict_count) == (1, 2)
    conflict = proposal.units.get(unit_id=archive.ids["PC 0012 maison A"])
    assert not conflict.included and "HOL-00001" in " ".join(conflict.reasons)


def test_mass_update_extends_the_retention_period_and_refuses_unknown_rules(client, archive):
    client.force_login(archive.archivist_a)
    permit = archive.ids["Permis de construire 2008 A"]
    data = {"unit_ids": permit, "action": "replace", "category": "AppraisalRule", "old_rule": "APP-PC",
            "rule": "APP-PERSO", "step": "start", "expected_count": 1}
    client.post(create_url(archive), data)
    update = MassUpdate.objects.get()
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    unit = vitam_client(archive.tenant_a, contract=ACCESS).get_unit(permit)
    assert [r["Rule"] for r in unit["#management"]["AppraisalRule"]["Rules"]] == ["APP-PERSO"]

    # an unknown rule is refused by the form (field named, in French) before anything reaches Vitam
    response = client.post(create_url(archive), {**data, "old_rule": "APP-PERSO", "rule": "APP-INCONNUE"})
    assert "APP-INCONNUE" in str(response.context["form"].errors["rule"])
    assert MassUpdate.objects.count() == 1


def test_mass_update_form_needs_criteria_and_a_rule(client, archive):
    client.force_login(archive.archivist_a)
    response = client.post(create_url(archive), {"action": "add", "category": "HoldRule", "step": "preview"})
    form = response.context["form"]
    assert "rule" in form.errors and form.non_field_errors()
    response = client.post(create_url(archive), {"title": "PC", "action": "final_action", "category": "AccessRule",
                                                 "final_action": "Destroy", "step": "preview"})
    assert "category" in response.context["form"].errors


def test_researcher_and_controller_cannot_reach_mass_updates(client, archive):
    for user in (archive.researcher_a, archive.controller):
        client.force_login(user)
        assert client.get(create_url(archive)).status_code == 404


def test_api_whole_procedure(client, archive):
    base = f"/api/v1/tenants/{archive.tenant_a.pk}/elimination-proposals/"
    archivist = {"HTTP_AUTHORIZATION": f"Bearer {api_key(archive.archivist_a)}"}
    controller = {"HTTP_AUTHORIZATION": f"Bearer {api_key(archive.controller)}"}
    response = client.post(base, {"title": "API", "mode": "dua"}, content_type="application/json", **archivist)
    assert response.status_code == 201, response.content
    proposal = response.json()
    assert proposal["state"] == "draft" and proposal["destroy_count"] == 3
    detail = f"{base}{proposal['id']}/"
    units = client.get(detail + "units/?status=DESTROY", **archivist).json()
    assert units["count"] == 3 and {u["unit_id"] for u in units["results"]} >= {archive.ids["PC 0012 maison A"]}

    assert client.get(detail, **controller).status_code == 404  # a draft is the commune's business
    assert client.post(detail + "execute/", **archivist).status_code == 400  # no visa yet
    assert client.post(detail + "submit/", **archivist).json()["state"] == "submitted"
    assert client.post(detail + "decide/", {"approve": True}, content_type="application/json",
                       **archivist).status_code == 403  # the archivist has no visa to give
    decided = client.post(detail + "decide/", {"approve": True, "comment": "Vu"}, content_type="application/json",
                          **controller)
    assert decided.json()["state"] == "approved"
    assert client.post(detail + "execute/", **controller).status_code == 403  # controllers do not eliminate
    executed = client.post(detail + "execute/", **archivist).json()
    assert executed["state"] == "executed" and executed["destroyed_count"] == 3
    certificate = client.get(detail + "certificate/", **archivist)
    assert certificate.status_code == 200 and b"".join(certificate.streaming_content).startswith(b"%PDF")
    listed = client.get(base, **archivist).json()
    assert [p["reference"] for p in listed["results"]] == [executed["reference"]]


def test_mass_update_changes_the_final_action_then_removes_the_rule(client, archive):
    client.force_login(archive.archivist_a)
    permit = archive.ids["Permis de construire 2008 A"]
    vitam = vitam_client(archive.tenant_a, contract=ACCESS)
    base = {"unit_ids": permit, "category": "AppraisalRule", "step": "start", "expected_count": 1}
    client.post(create_url(archive), {**base, "action": "final_action", "final_action": "Keep"})
    assert MassUpdate.objects.latest("pk").state == MassUpdate.State.SUCCEEDED
    assert vitam.get_unit(permit)["#management"]["AppraisalRule"]["FinalAction"] == "Keep"
    client.post(create_url(archive), {**base, "action": "delete", "rule": "APP-PC"})
    update = MassUpdate.objects.latest("pk")
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    assert not (vitam.get_unit(permit)["#management"].get("AppraisalRule") or {}).get("Rules")
    assert update.description.startswith(("Remove", "Retirer"))


def test_api_refuses_malformed_criteria(client, world):
    client.force_login(world.archivist_a)
    base = f"/api/v1/tenants/{world.tenant_a.pk}/elimination-proposals/"
    for criteria in ({"unit_ids": "aeaq"}, {"unit_ids": ["../etc"]}, {"colour": "blue"}, {"title": 3}):
        response = client.post(base, {"title": "x", "mode": "criteria", "criteria": criteria},
                               content_type="application/json")
        assert response.status_code == 400, criteria
    assert not Proposal.objects.exists()
