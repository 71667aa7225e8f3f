"""The selection's screens through Django's test client, against vitam-lite: ticks from search results and the
unit page, select-all of a search, the selection page, and its actions (rules update, elimination analysis,
CSV export)."""

from datetime import date

import pytest
from django.urls import reverse

from sam.elimination.models import MassUpdate, Proposal
from sam.selection.models import Selection
from tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name, archive, **kwargs):
    return reverse(f"selection:{name}", kwargs={"tenant_pk": archive.tenant_a.pk, **kwargs})


def fill(client, archive):
    """PC 0012 ticked on the search page, and every result of the search “garage”."""
    client.force_login(archive.archivist_a)
    search = reverse("consultation:search", args=[archive.tenant_a.pk]) + "?q=PC"
    page = client.get(search).content.decode()
    assert 'name="unit"' in page and 'id="select-all"' in page
    unit_id = archive.ids["PC 0012 maison A"]
    response = client.post(url("add", archive), {"unit": [unit_id], f"title_{unit_id}": "PC 0012 maison A",
                                                 "next": search})
    assert response.status_code == 302 and response["Location"] == search
    client.post(url("add", archive), {"scope": "search", "q": "garage", "page": "2"})
    return Selection.objects.get(user=archive.archivist_a, kept=False)


def test_the_selection_page_counts_and_lists_the_units(client, archive):
    selection = fill(client, archive)
    response = client.get(url("current", archive))
    assert response["Location"] == url("detail", archive, pk=selection.pk)
    page = client.get(response["Location"]).content.decode()
    assert "2 unités archivistiques" in page, page
    assert "PC 0047 garage A" in page and "PC 0012 maison A" in page
    assert "Permis de construire 2008 A" not in page
    assert "Tous les résultats de la recherche" in page  # the search entry, in French


def test_unit_page_adds_with_the_units_below(client, archive):
    client.force_login(archive.archivist_a)
    folder = archive.ids["Permis de construire 2008 A"]
    unit_page = reverse("consultation:unit_detail", args=[archive.tenant_a.pk, folder])
    assert 'id="add-to-selection"' in client.get(unit_page).content.decode()
    client.post(url("add", archive), {"unit": [folder], f"title_{folder}": "Permis", "with_descendants": "on",
                                      "next": unit_page})
    selection = Selection.objects.get(user=archive.archivist_a)
    page = client.get(url("detail", archive, pk=selection.pk)).content.decode()
    assert "3 unités archivistiques" in page


def test_mass_rule_update_from_the_selection_page(client, archive, settings):
    selection = fill(client, archive)
    settings.ELIMINATION_MASS_UPDATE_CONFIRM_THRESHOLD = 1
    data = {"action": "add", "category": "HoldRule", "rule": "HOL-00001", "step": "preview"}
    response = client.post(url("mass_update", archive, pk=selection.pk), data)
    assert response.status_code == 200 and response.context["count"] == 2
    assert not MassUpdate.objects.exists()
    response = client.post(url("mass_update", archive, pk=selection.pk), {**data, "step": "start",
                                                                          "expected_count": 2})
    assert response.status_code == 200 and not MassUpdate.objects.exists()  # above the threshold: confirm first
    response = client.post(url("mass_update", archive, pk=selection.pk), {**data, "step": "start",
                                                                          "expected_count": 2, "confirmed": "on"})
    update = MassUpdate.objects.get()
    assert response.status_code == 302 and update.state == MassUpdate.State.SUCCEEDED, update.error
    assert update.ok_count == 2
    assert AuditEntry.objects.filter(action="elimination.mass_update", target_id=str(update.pk)).exists()
    detail = client.get(reverse("elimination:mass_update_detail", args=[archive.tenant_a.pk, update.pk]))
    assert "Sélection" in detail.content.decode() and "conditions" not in detail.content.decode()


def test_elimination_analysis_from_the_selection(client, archive, settings):
    client.force_login(archive.archivist_a)
    folder = archive.ids["Permis de construire 2008 A"]
    client.post(url("add", archive), {"unit": [folder], f"title_{folder}": "Permis"})
    selection = Selection.objects.get(user=archive.archivist_a)
    assert client.get(url("analysis", archive, pk=selection.pk)).context["count"] == 1
    data = {"proposal_title": "Permis 2008", "mode": "dua", "date": date.today().isoformat()}
    settings.ELIMINATION_MASS_UPDATE_CONFIRM_THRESHOLD = 0
    response = client.post(url("analysis", archive, pk=selection.pk), data)
    assert response.status_code == 200 and not Proposal.objects.exists()  # above the threshold: confirm first
    assert "confirmation" in " ".join(response.context["form"].non_field_errors())
    response = client.post(url("analysis", archive, pk=selection.pk), {**data, "confirmed": "on"})
    proposal = Proposal.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    # the folder and the two permits below it, whose DUA ended in 2018 with the final action Destroy
    assert proposal.units.count() == 3 and proposal.destroy_count == 3


def test_csv_export_of_chosen_columns(client, archive):
    selection = fill(client, archive)
    response = client.get(url("export", archive, pk=selection.pk), {"columns": ["title", "level"]})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "Intitulé;Niveau de description" and len(lines) == 3
    assert {line.split(";")[0] for line in lines[1:]} == {"PC 0012 maison A", "PC 0047 garage A"}
    assert AuditEntry.objects.filter(action="consultation.export").exists()


def test_empty_selection_offers_no_action(client, archive):
    client.force_login(archive.archivist_a)
    selection_page = client.get(client.get(url("current", archive))["Location"])
    pk = selection_page.context["selection"].pk
    assert "La sélection est vide" in selection_page.content.decode()
    response = client.get(url("mass_update", archive, pk=pk))
    assert response.status_code == 302 and response["Location"] == url("detail", archive, pk=pk)


def test_researcher_has_no_selection_action(client, archive):
    client.force_login(archive.researcher_a)
    assert client.get(url("current", archive)).status_code == 404
    assert client.post(url("add", archive), {"scope": "search", "q": "PC"}).status_code == 404
    assert not Selection.objects.exists()
