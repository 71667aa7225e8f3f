"""The proposal page as a review: units by folder of the tree, sorted, filtered, excluded with the effect on
their parents announced first, and an analysis that found nothing abandoned (vitam-lite over HTTP)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sam.elimination.models import Proposal, ProposalUnit
from tenants.models import AuditEntry
from tests.elimination.test_workflow import analyse, url

pytestmark = pytest.mark.django_db


def test_units_are_grouped_by_folder_link_to_their_page_and_sort_and_filter(client, archive):
    proposal = analyse(client, archive)
    assert proposal.destroy_count == 3
    rows = {unit.title: unit for unit in proposal.units.all()}
    assert rows["PC 0012 maison A"].parent_id == archive.ids["Permis de construire 2008 A"]
    assert rows["PC 0012 maison A"].parent_path == "Permis de construire 2008 A"
    assert rows["Permis de construire 2008 A"].parent_path == ""
    assert rows["PC 0012 maison A"].final_action == "Destroy"

    response = client.get(url("proposal_detail", proposal))
    groups = {group["parent_path"]: (group["unit_count"], group["included_count"])
              for group in response.context["tree_groups"]}
    assert groups == {"": (1, 1), "Permis de construire 2008 A": (2, 2)}
    page = response.content.decode()
    unit_page = reverse("consultation:unit_detail", args=[archive.tenant_a.pk, archive.ids["PC 0047 garage A"]])
    assert f'href="{unit_page}"' in page
    assert "Détruire" in page  # the final action as a label, not "Destroy"

    by_title = [unit.title for unit in client.get(url("proposal_detail", proposal), {"order": "title"})
                .context["page"].object_list]
    assert by_title == ["PC 0012 maison A", "PC 0047 garage A", "Permis de construire 2008 A"]
    by_title_desc = [unit.title for unit in client.get(url("proposal_detail", proposal), {"order": "-title"})
                     .context["page"].object_list]
    assert by_title_desc == list(reversed(by_title))
    by_date = [unit.title for unit in client.get(url("proposal_detail", proposal), {"order": "-date"})
               .context["page"].object_list]
    assert by_date == ["Permis de construire 2008 A", "PC 0047 garage A", "PC 0012 maison A"]

    found = client.get(url("proposal_detail", proposal), {"text": "garage"}).context["page"].object_list
    assert [unit.title for unit in found] == ["PC 0047 garage A"]
    folder = client.get(url("proposal_detail", proposal), {"parent": archive.ids["Permis de construire 2008 A"]})
    assert {unit.title for unit in folder.context["page"].object_list} == {"PC 0012 maison A", "PC 0047 garage A"}
    excluded = client.get(url("proposal_detail", proposal), {"included": "no", "status": "DESTROY"})
    assert list(excluded.context["page"].object_list) == []


def test_excluding_a_unit_announces_the_parents_kept_then_applies_and_audits(client, archive):
    proposal = analyse(client, archive)
    garage, permit = archive.ids["PC 0047 garage A"], archive.ids["Permis de construire 2008 A"]
    preview = client.post(url("proposal_units_update", proposal), {"unit": [garage], "operation": "exclude"})
    assert preview.status_code == 200
    assert [parent.unit_id for parent in preview.context["parents"]] == [permit]
    text = preview.content.decode()
    assert "Permis de construire 2008 A" in text and "sera conservé" in text
    assert proposal.units.filter(included=True).count() == 3  # nothing changed before the confirmation

    client.post(url("proposal_units_update", proposal), {"unit": [garage], "operation": "exclude",
                                                         "confirmed": "yes"})
    assert set(proposal.units.filter(included=True).values_list("title", flat=True)) == {"PC 0012 maison A"}
    entry = AuditEntry.objects.filter(action="elimination.units_exclude").latest("pk")
    assert entry.after["units"] == [garage] and entry.after["parents_kept"] == [permit]
    assert entry.after["changed"] == 2

    # a unit without a parent in the proposal: the confirmation says no parent is affected
    other = analyse(client, archive, proposal_title="Autre")
    preview = client.post(url("proposal_units_update", other), {"unit": [permit], "operation": "exclude"})
    assert list(preview.context["parents"]) == [] and "Aucune unité parente" in preview.content.decode()


def test_an_analysis_that_found_nothing_says_so_and_can_be_abandoned(client, archive):
    proposal = analyse(client, archive, mode="criteria", title="Deliberations 2019 A")
    assert (proposal.state, proposal.candidate_count, proposal.destroy_count) == (Proposal.State.DRAFT, 1, 0)
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert "Aucune unité n’est éliminable à cette date" in page and 'id="discard-proposal"' in page

    # the controller, or an archivist of another commune, cannot abandon it
    client.force_login(archive.archivist_b)
    assert client.post(url("proposal_discard", proposal)).status_code == 404
    client.force_login(archive.archivist_a)
    confirm = client.get(url("proposal_discard", proposal)).content.decode()
    assert "Abandonner cette proposition\u00a0?" in confirm and "Rien n’est éliminé" in confirm
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DRAFT  # asking is not abandoning
    response = client.post(url("proposal_discard", proposal), follow=True)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DISCARDED
    assert "abandonnée" in response.content.decode()
    entry = AuditEntry.objects.filter(action="elimination.discard").latest("pk")
    assert entry.before["state"] == "draft" and entry.after["state"] == "discarded"
    assert entry.actor == archive.archivist_a
    # abandoned for good: neither submitted nor abandoned again
    client.post(url("proposal_submit", proposal))
    client.post(url("proposal_discard", proposal))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DISCARDED
    assert AuditEntry.objects.filter(action="elimination.discard").count() == 1


def _proposal_with(world, number):
    proposal = Proposal.objects.create(tenant=world.tenant_a, organisation=world.org_a, title=f"Revue {number}",
                                       reference=f"PE-R-{number}", state=Proposal.State.DRAFT,
                                       analysis_date=date(2024, 1, 1), created_by=world.archivist_a)
    ProposalUnit.objects.bulk_create(
        ProposalUnit(proposal=proposal, unit_id=f"unit-{number}-{index}", title=f"Dossier {index}",
                     parent_id=f"folder-{index % 7}", parent_path=f"Fonds › Série {index % 7}",
                     status="DESTROY", final_action="Destroy", rule_ids="APP-PC", rule_end_date="2020-01-01")
        for index in range(number))
    return proposal


@pytest.mark.parametrize("params", [{}, {"order": "title", "text": "Dossier"}, {"order": "-rule_end"}])
def test_the_review_page_costs_the_same_queries_for_10_or_2000_units(client, world, params):
    client.force_login(world.archivist_a)
    counts = []
    for number in (10, 2000):
        proposal = _proposal_with(world, number)
        client.get(url("proposal_detail", proposal), params)  # first request of the session: its own reads
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("proposal_detail", proposal), params)
        assert response.status_code == 200 and response.context["page"].object_list
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_chosen_service_and_unit_are_named_on_the_proposal_not_given_as_identifiers(client, archive):
    from sam.site.demo import agency_prefix

    code = f"{agency_prefix(archive.org_a)}-URBA"
    permit = archive.ids["Permis de construire 2008 A"]
    proposal = analyse(client, archive, mode="criteria", agency=code, node=permit)
    assert proposal.criteria["agency_label"] == f"Service de l'urbanisme — Commune A ({code})"
    assert proposal.criteria["node_label"] == "Permis de construire 2008 A"
    page = client.get(url("proposal_detail", proposal)).content.decode()
    selection = page.split("proposal-facts", 1)[1].split("</dl>")[0]
    assert "Service de l&#x27;urbanisme — Commune A" in selection and "Permis de construire 2008 A" in selection
    assert permit not in selection
