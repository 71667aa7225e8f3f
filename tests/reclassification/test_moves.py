"""Changing what is published, through the pages, against vitam-lite: moves (unit, tree node, selection), refusals
with Vitam's reason in French and nothing changed, renames, deletion of an empty node through the visa workflow."""

import pytest
from django.urls import reverse

from referentials.trees import services as tree_services
from sam.elimination.models import Proposal
from sam.reclassification.models import PublishedChange
from sam.selection.models import Selection, SelectionEntry
from sam.vitam import Select, eq, in_
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client
from tests.elimination.conftest import seed_eliminable
from tests.trees.test_publication import agency, file_unit_under, import_plan


@pytest.fixture
def plan(vitam_world, tmp_path):
    """Commune A's published filing plan (P > P1, P2 > P21) and a deposited unit (Marché 2012-03) filed under P2.
    Returns {title: unit}."""
    world = vitam_world
    draft = import_plan(world, "Orion")
    tree_services.publish_start(actor=world.referent_a, draft=draft, version=draft.version,
                                originating_agency=agency(world), archival_agency=agency(world))
    units = units_by_title(world.tenant_a)
    file_unit_under(world, units["Marchés Orion"]["#id"], tmp_path)
    return units_by_title(world.tenant_a)


def plain(text: str) -> str:
    """French typography's no-break spaces read as spaces, to compare with plain sentences."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def units_by_title(tenant):
    query = Select().where(eq("#unitType", "FILING_UNIT")).limit(100).fields("#id", "Title", "#unitups",
                                                                             "#allunitups", "#unitType")
    client = vitam_client(tenant, contract=ACCESS)
    units = client.search_units(query.build()).results
    units += client.search_units(Select().where(eq("#unitType", "INGEST")).limit(100)
                                 .fields("#id", "Title", "#unitups", "#allunitups", "#unitType").build()).results
    return {unit["Title"]: unit for unit in units}


def unit(tenant, unit_id):
    return vitam_client(tenant, contract=ACCESS).get_unit(unit_id)


def move_url(world, unit_id):
    return reverse("reclassification:unit_move", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": unit_id})


def start_move(client, world, unit_id, parent_id, *, confirmed=True):
    data = {"new_parent": parent_id, "step": "start", "q": ""}
    if confirmed:
        data["confirmed"] = "on"
    return client.post(move_url(world, unit_id), data)


@pytest.mark.django_db
def test_an_archivist_moves_a_plan_folder_under_another_node(vitam_world, plan, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    folder, target = plan["Marchés Orion"], plan["Délibérations Orion"]

    # Without a search, the top of the trees to pick from.
    top = plain(client.get(move_url(world, folder["#id"])).content.decode())
    assert f'value="{plan["Plan de test Orion"]["#id"]}"' in top and "en tête des arbres" in top
    page = client.get(move_url(world, folder["#id"]), {"q": "Délibérations"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Délibérations Orion" in html and "Plan de test Orion" in html  # the candidate and its path
    assert "plan de classement" in html  # its kind, in words
    fragment = client.get(move_url(world, folder["#id"]), {"q": "Délibérations", "fragment": "1"})
    assert "Délibérations Orion" in fragment.content.decode() and "<html" not in fragment.content.decode()
    # The folder itself and what lies below it are never offered as its new parent.
    below = client.get(move_url(world, folder["#id"]), {"q": "Marché"}).content.decode()
    assert f'value="{plan["Marché 2012-03"]["#id"]}"' not in below and f'value="{folder["#id"]}"' not in below

    preview = client.post(move_url(world, folder["#id"]), {"new_parent": target["#id"], "step": "preview",
                                                           "q": "Délibérations"})
    text = plain(preview.content.decode())
    # Marchés, Marchés attribués and the deposited Marché 2012-03 move together.
    assert "3 unités archivistiques seront déplacées sous « Délibérations Orion »" in text
    assert not PublishedChange.objects.exists()

    response = start_move(client, world, folder["#id"], target["#id"])
    change = PublishedChange.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/published/changes/{change.pk}/")
    assert (change.state, change.vitam_status, change.unit_count) == ("done", "OK", 3), change.error
    moved = unit(world.tenant_a, folder["#id"])
    assert moved["#unitups"] == [target["#id"]]
    deposit = unit(world.tenant_a, plan["Marché 2012-03"]["#id"])
    assert target["#id"] in deposit["#allunitups"] and folder["#id"] in deposit["#allunitups"]
    result = plain(client.get(response["Location"]).content.decode())
    assert "3 unités archivistiques sont maintenant sous « Délibérations Orion »" in result
    move = AuditEntry.objects.get(action="reclassification.move")
    assert move.after["new_parent_title"] == "Délibérations Orion"
    assert move.before["parents"] == {folder["#id"]: [plan["Plan de test Orion"]["#id"]]}
    assert AuditEntry.objects.filter(action="reclassification.result", after__status="OK").exists()

    # The tree shows it at its new place.
    node = client.get(reverse("trees:tree_node", kwargs={"tenant_pk": world.tenant_a.pk,
                                                          "unit_id": folder["#id"]})).content.decode()
    assert "Délibérations Orion" in node and 'id="node-move"' in node


@pytest.mark.django_db
def test_a_cycle_is_refused_with_vitams_reason_in_french_and_nothing_changes(vitam_world, plan, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    root, below = plan["Plan de test Orion"], plan["Marchés attribués Orion"]
    start_move(client, world, root["#id"], below["#id"])
    change = PublishedChange.objects.get()
    assert change.state == "refused"
    assert plain(change.error) == ("Le déplacement créerait une boucle : le nouveau parent est l’unité elle-même ou se "
                            "trouve sous elle.")
    assert change.error_code.startswith("RECLASSIFICATION_PREPARATION_CHECK_GRAPH.KO")
    assert unit(world.tenant_a, root["#id"])["#unitups"] == []
    page = plain(client.get(reverse("reclassification:change_detail", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                               "pk": change.pk})).content.decode())
    assert "rien n’a changé" in page and "RECLASSIFICATION_PREPARATION_CHECK_GRAPH.KO" in page


@pytest.mark.django_db
def test_a_plan_node_under_a_deposited_unit_is_refused(vitam_world, plan, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    node, deposit = plan["Délibérations Orion"], plan["Marché 2012-03"]
    # Not offered in the list (a deposited unit is no place for a plan node)...
    offered = client.get(move_url(world, node["#id"]), {"q": "Marché 2012-03"}).content.decode()
    assert f'value="{deposit["#id"]}"' not in offered
    # ...and refused by Vitam when forced.
    start_move(client, world, node["#id"], deposit["#id"])
    change = PublishedChange.objects.get()
    assert change.state == "refused"
    assert "jamais sous des archives versées" in change.error
    assert change.error_code == ("RECLASSIFICATION_PREPARATION_CHECK_GRAPH.KO — Invalid unit type attachment(s)")
    assert unit(world.tenant_a, node["#id"])["#unitups"] == [plan["Plan de test Orion"]["#id"]]


@pytest.mark.django_db
def test_a_unit_of_another_tenant_as_parent_is_not_found(vitam_world, plan, client):
    world = vitam_world
    other = seed_eliminable(world.tenant_b, tag="B")["Deliberations 2019 B"]
    client.force_login(world.archivist_a)
    response = start_move(client, world, plan["Marchés Orion"]["#id"], other)
    assert response.status_code == 200
    assert "Le parent choisi est introuvable dans ce coffre" in plain(response.content.decode())
    assert not PublishedChange.objects.exists()
    assert unit(world.tenant_a, plan["Marchés Orion"]["#id"])["#unitups"] == [plan["Plan de test Orion"]["#id"]]


@pytest.mark.django_db
def test_a_move_needs_the_confirmation(vitam_world, plan, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    response = start_move(client, world, plan["Marchés Orion"]["#id"], plan["Délibérations Orion"]["#id"],
                          confirmed=False)
    assert response.status_code == 200 and "Cochez la confirmation" in response.content.decode()
    assert not PublishedChange.objects.exists()


@pytest.mark.django_db
def test_a_deposited_unit_moves_from_its_page_and_a_selection_moves_too(vitam_world, plan, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    deposit = plan["Marché 2012-03"]
    page = client.get(reverse("consultation:unit_detail", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                   "unit_id": deposit["#id"]})).content.decode()
    assert 'id="unit-move"' in page
    start_move(client, world, deposit["#id"], plan["Délibérations Orion"]["#id"])
    assert PublishedChange.objects.get().state == "done"
    assert unit(world.tenant_a, deposit["#id"])["#unitups"] == [plan["Délibérations Orion"]["#id"]]

    selection = Selection.objects.create(user=world.archivist_a, tenant=world.tenant_a,
                                         organisation=world.org_a)
    for title in ("Délibérations Orion", "Marché 2012-03"):  # the second lies below the first: it goes with it
        SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT,
                                      unit_id=plan[title]["#id"], label=title)
    url = reverse("reclassification:selection_move", kwargs={"tenant_pk": world.tenant_a.pk, "pk": selection.pk})
    page = plain(client.get(url, {"q": "Marchés attribués"}).content.decode())
    assert "1 unité à déplacer" in page and "Marchés attribués Orion" in page
    client.post(url, {"new_parent": plan["Marchés attribués Orion"]["#id"], "step": "start", "confirmed": "on"})
    change = PublishedChange.objects.latest("pk")
    assert change.state == "done" and list(change.moves) == [plan["Délibérations Orion"]["#id"]]
    assert unit(world.tenant_a, deposit["#id"])["#unitups"] == [plan["Délibérations Orion"]["#id"]]
    assert plan["Marchés attribués Orion"]["#id"] in unit(world.tenant_a, deposit["#id"])["#allunitups"]


@pytest.mark.django_db
def test_rename_a_published_node(vitam_world, plan, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    node = plan["Délibérations Orion"]
    url = reverse("reclassification:unit_rename", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": node["#id"]})
    assert 'value="Délibérations Orion"' in client.get(url).content.decode()
    response = client.post(url, {"title": "Délibérations et arrêtés", "description": ""})
    assert response.status_code == 302
    change = PublishedChange.objects.get()
    assert change.state == "done", change.error
    renamed = unit(world.tenant_a, node["#id"])
    assert renamed["Title"] == "Délibérations et arrêtés" and "Description" not in renamed
    audit = AuditEntry.objects.get(action="reclassification.rename")
    assert audit.before["Title"] == "Délibérations Orion" and audit.after["Title"] == "Délibérations et arrêtés"
    # A deposited unit is not renamed here (the unit edit form does it).
    deposit_url = reverse("reclassification:unit_rename", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                   "unit_id": plan["Marché 2012-03"]["#id"]})
    refused = client.post(deposit_url, {"title": "Autre titre"})
    assert refused.status_code == 200 and "Seuls les nœuds" in refused.content.decode()


@pytest.mark.django_db
def test_delete_an_empty_node_goes_through_the_visa_workflow(vitam_world, plan, client):
    """Behaviour changed (issue 10 follow-up): a filing-plan node Vitam would keep is refused with the reason
    before any proposal; once its DUA has ended with "Destroy" the proposal goes through the visa."""
    world = vitam_world
    client.force_login(world.archivist_a)
    full = reverse("reclassification:unit_delete", kwargs={"tenant_pk": world.tenant_a.pk,
                                                           "unit_id": plan["Marchés Orion"]["#id"]})
    assert "seul un nœud vide peut être supprimé" in client.get(full).content.decode()
    refused = client.post(full).content.decode()
    assert "seul un nœud vide peut être supprimé" in refused and not Proposal.objects.exists()

    empty = plan["Marchés attribués Orion"]
    url = reverse("reclassification:unit_delete", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": empty["#id"]})
    # Its DUA (APP-MARCHES, inherited from "Marchés Orion") has no start date: Vitam's analysis would keep it.
    page = plain(client.get(url).content.decode())
    assert "ne supprimera pas ce nœud" in page and "APP-MARCHES" in page and 'id="delete-start"' not in page
    refused = plain(client.post(url).content.decode())
    assert "APP-MARCHES" in refused and not Proposal.objects.exists()

    give_an_ended_dua(world, empty["#id"])
    page = plain(client.get(url).content.decode())
    assert 'id="delete-start"' in page and "le nœud est supprimé" in page
    response = client.post(url)
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and str(proposal.pk) in response["Location"]
    assert proposal.criteria["conditions"] == [{"$eq": {"#id": empty["#id"]}}]
    assert "Marchés attribués Orion" in proposal.title
    assert AuditEntry.objects.filter(action="reclassification.delete", before__unit=empty["#id"]).exists()
    assert unit(world.tenant_a, empty["#id"])  # nothing deleted before the visa


def give_an_ended_dua(world, unit_id):
    """The archivist gives the node its DUA's start date (a mass rule update): APP-MARCHES (10 years) from 2000,
    final action Destroy (Vitam wants the final action with a DUA declared on a unit)."""
    vitam = vitam_client(world.tenant_a, contract=ACCESS)
    operation = vitam.update_units_rules(Select().where(eq("#id", unit_id)), {
        "add": [{"AppraisalRule": {"Rules": [{"Rule": "APP-MARCHES", "StartDate": "2000-01-01"}],
                                   "FinalAction": "Destroy"}}]})
    assert vitam.wait_for_operation(operation, timeout=60, poll_interval=0.1).status == "OK"


@pytest.mark.django_db
def test_vitam_down_a_clear_page_and_the_change_says_so(world, settings, client):
    settings.VITAM = {**settings.VITAM, "URL": "http://127.0.0.1:9", "INGEST_URL": "http://127.0.0.1:9",
                      "CONNECT_TIMEOUT": 0.5}
    client.force_login(world.archivist_a)
    page = client.get(move_url(world, "aeaqaaaaaaunitunknownvitamdown"))
    assert page.status_code == 503
    assert "système d’archivage" in plain(page.content.decode())
    # A change whose follow-up meets Vitam down ends FAILED with the reason, instead of staying "in progress".
    from sam.lib.jobs.services import job_enqueue

    change = PublishedChange.objects.create(
        tenant=world.tenant_a, organisation=world.org_a, kind=PublishedChange.Kind.MOVE, label="Dossier",
        moves={"aeaqaaaaaaunitunknownvitamdown": []}, new_parent_id="aeaqaaaaaaparentvitamdown",
        new_parent_label="Parent", created_by=world.archivist_a)
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, tenant=world.tenant_a,
                      kind="published_move", label="Déplacement", task="sam.reclassification.tasks.change_task",
                      change_id=change.pk)
    change.refresh_from_db()
    job.refresh_from_db()
    assert change.state == "failed" and change.error and job.state == "failed"
    assert plain(change.error).startswith("Le système d’archivage est indisponible pour le moment")


def _delete_through_the_visa(client, world, unit_id):
    """Delete an empty published node from its page, submit, approve (controller), run: the proposal at the end."""
    client.force_login(world.archivist_a)
    response = client.post(reverse("reclassification:unit_delete", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                            "unit_id": unit_id}))
    assert response.status_code == 302
    proposal = Proposal.objects.latest("pk")
    assert proposal.state == Proposal.State.DRAFT, proposal.error
    proposal_url = lambda name: reverse(f"elimination:{name}", kwargs={"tenant_pk": world.tenant_a.pk,  # noqa: E731
                                                                          "pk": proposal.pk})
    assert client.post(proposal_url("proposal_submit")).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED, (proposal.destroy_count, proposal.keep_count, proposal.error)
    client.force_login(world.controller)
    assert client.post(proposal_url("proposal_decide"), {"decision": "approve", "comment": "Vu"}).status_code == 302
    client.force_login(world.archivist_a)
    client.post(proposal_url("proposal_execute"))
    proposal.refresh_from_db()
    return proposal


@pytest.mark.django_db
def test_an_empty_node_is_deleted_all_the_way_and_leaves_the_tree_pages(vitam_world, plan, client):
    world = vitam_world
    empty = plan["Marchés attribués Orion"]
    give_an_ended_dua(world, empty["#id"])
    proposal = _delete_through_the_visa(client, world, empty["#id"])
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    assert (proposal.destroyed_count, proposal.not_destroyed_count) == (1, 0)
    assert not vitam_client(world.tenant_a, contract=ACCESS).search_units(
        Select().where(eq("#id", empty["#id"])).build()).results
    parent_page = client.get(reverse("trees:tree_node", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                "unit_id": plan["Marchés Orion"]["#id"]}))
    assert "Marchés Orion" in parent_page.content.decode()
    assert "Marchés attribués Orion" not in parent_page.content.decode()
    gone = client.get(reverse("trees:tree_node", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": empty["#id"]}))
    assert gone.status_code == 404


@pytest.mark.django_db
def test_an_empty_holding_node_is_deleted_all_the_way(vitam_world, client):
    """Vitam destroys a holding-tree node whatever its rules (it has none): proposal, visa, action, gone."""
    world = vitam_world
    holding = tree_services.draft_import(
        actor=world.referent_a, tenant=world.tenant_a, kind="holding", title="Arbre",
        data="Identifiant;Identifiant parent;Intitulé;Niveau de description\nH;;Fonds Lyra;Fonds\n"
             "H1;H;Sous-fonds Lyra;Sous-fonds\n".encode(), fmt="csv")
    publication = tree_services.publish_start(actor=world.referent_a, draft=holding, version=holding.version,
                                              originating_agency=agency(world), archival_agency=agency(world))
    assert publication.status == "OK", publication.error
    units = {u["Title"]: u for u in vitam_client(world.tenant_a, contract=ACCESS).search_units(
        Select().where(eq("#unitType", "HOLDING_UNIT")).fields("#id", "Title").build()).results}
    leaf, root = units["Sous-fonds Lyra"]["#id"], units["Fonds Lyra"]["#id"]
    client.force_login(world.archivist_a)
    page = plain(client.get(reverse("reclassification:unit_delete", kwargs={
        "tenant_pk": world.tenant_a.pk, "unit_id": leaf})).content.decode())
    assert "quelles que soient ses règles" in page and 'id="delete-start"' in page

    proposal = _delete_through_the_visa(client, world, leaf)
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    assert (proposal.destroyed_count, proposal.not_destroyed_count) == (1, 0)
    left = vitam_client(world.tenant_a, contract=ACCESS).search_units(
        Select().where(in_("#id", [leaf, root])).fields("#id").build()).results
    assert [u["#id"] for u in left] == [root]
    root_page = client.get(reverse("trees:tree_node", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": root}))
    assert "Fonds Lyra" in root_page.content.decode() and "Sous-fonds Lyra" not in root_page.content.decode()
