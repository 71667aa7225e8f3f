"""Publishing drafts against vitam-lite, and reading the published trees back (browser, API)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referentials.trees import selectors, services
from referentials.trees.models import TreeDraft, TreePublication
from tenants.models import AuditEntry

PLAN = (
    "Identifiant;Identifiant parent;Intitulé;Niveau de description;Description;Règles;Sort final\n"
    "P;;Plan de test {suffix};Série;;;\n"
    "P1;P;Délibérations {suffix};Sous-série;Registres;APP-DELIB ACC-00001;Conserver\n"
    "P2;P;Marchés {suffix};Sous-série;;APP-MARCHES;Détruire\n"
    "P21;P2;Marchés attribués {suffix};Dossier;;;\n"
)


def import_plan(world, suffix="A", kind="filing"):
    known = selectors.tenant_rule_types(world.tenant_a)
    return services.draft_import(actor=world.referent_a, tenant=world.tenant_a, kind=kind, title=f"Plan {suffix}",
                                 data=PLAN.format(suffix=suffix).encode("cp1252"), fmt="csv", filename="plan.csv",
                                 known_rules=known)


def agency(world):
    return selectors.tenant_agencies(world.tenant_a)[0]["Identifier"]


def file_unit_under(world, unit_id, folder):
    """Deposit one archive unit attached under a published node (DEFAULT_WORKFLOW)."""
    from sam.lib.seda.sip import SipPackage, SipUnit, write_sip
    from tenants.vitam_clients import vitam_client

    agency_id = agency(world)
    package = SipPackage(message_identifier="DEPOT-1", archival_agency=agency_id, transferring_agency=agency_id,
                         originating_agency=agency_id, archival_agreement=world.tenant_a.ingest_contract,
                         units=[SipUnit(title="Rattachement", description_level="Series", attach_to=unit_id,
                                        children=[SipUnit(title="Marché 2012-03", description_level="File")])])
    built = write_sip(package, folder / "depot.zip")
    client = vitam_client(world.tenant_a)
    status = client.wait_for_operation(client.ingest(built.path), timeout=60, poll_interval=0.2)
    assert status.is_ok, status


@pytest.mark.django_db
def test_publishing_a_filing_plan_completes_and_the_browser_shows_it(vitam_world, client, tmp_path):
    world = vitam_world
    draft = import_plan(world, "Orion")
    client.force_login(world.referent_a)
    response = client.post(reverse("trees:draft_publish", kwargs={"tenant_pk": world.tenant_a.pk, "pk": draft.pk}),
                           {"version": draft.version, "originating_agency": agency(world),
                            "archival_agency": agency(world)})
    assert response.status_code == 302
    publication = TreePublication.objects.get(draft=draft)
    assert (publication.state, publication.status) == ("done", "OK"), publication.error
    draft.refresh_from_db()
    assert draft.state == TreeDraft.State.PUBLISHED and draft.published_operation_id == publication.operation_id
    assert publication.job.state == "succeeded"
    assert b"ArchiveTransferReply" in bytes(publication.atr)
    atr = client.get(reverse("trees:publication_atr", kwargs={"tenant_pk": world.tenant_a.pk, "pk": publication.pk}))
    assert atr.status_code == 200 and b"<ReplyCode>OK</ReplyCode>" in atr.content
    page = client.get(response["Location"])
    assert page.status_code == 200 and publication.operation_id in page.content.decode()

    browser = client.get(reverse("trees:tree_browser", kwargs={"tenant_pk": world.tenant_a.pk}), {"kind": "filing"})
    html = browser.content.decode()
    assert "Plan de test Orion" in html and "Délibérations Orion" in html  # two levels without JavaScript
    assert "Marchés attribués Orion" not in html  # the third level loads on demand
    roots = selectors.tree_roots(world.tenant_a, "filing")
    root = next(node for node in roots if node.title == "Plan de test Orion")
    assert root.has_children and root.identifier == "P"
    children, total = selectors.tree_children(world.tenant_a, root.id)
    markets = next(node for node in children if node.identifier == "P2")
    fragment = client.get(reverse("trees:tree_children", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                  "unit_id": markets.id}))
    assert "Marchés attribués Orion" in fragment.content.decode()
    detail = client.get(reverse("trees:tree_node", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": markets.id}))
    text = detail.content.decode()
    assert "APP-MARCHES" in text and ("Détruire" in text or "Destroy" in text) and "Plan de test Orion" in text
    assert f"/search/?node={markets.id}" not in text  # nothing filed under it yet
    file_unit_under(world, markets.id, tmp_path)
    text = client.get(reverse("trees:tree_node", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": markets.id})
                      ).content.decode()
    assert f"/search/?node={markets.id}" in text  # the units filed under it, in the consultation search
    assert "<dd>1" in text
    drafts = client.get(reverse("trees:draft_list", kwargs={"tenant_pk": world.tenant_a.pk})).content.decode()
    assert "<td>4</td>" in drafts  # node count
    search = client.get(reverse("trees:tree_browser", kwargs={"tenant_pk": world.tenant_a.pk}),
                        {"q": "Délibérations Orion"})
    assert "Délibérations Orion" in search.content.decode()
    found = selectors.tree_search(world.tenant_a, "P21", "filing")
    assert [(n.title, n.path) for n in found] == [("Marchés attribués Orion", ["Plan de test Orion", "Marchés Orion"])]
    assert AuditEntry.objects.filter(action="trees.publish", tenant=world.tenant_a).exists()
    assert AuditEntry.objects.filter(action="trees.publish_result", after__status="OK").exists()
    # Commune B's browser does not see commune A's plan.
    assert all(node.title != "Plan de test Orion" for node in selectors.tree_roots(world.tenant_b, "filing"))


@pytest.mark.django_db
def test_a_ko_publication_keeps_the_draft_and_names_the_failing_step(vitam_world, client):
    world = vitam_world
    draft = import_plan(world, "Ko")
    nodes_before = draft.nodes.count()
    # An unknown attachment unit is refused before anything is sent.
    with pytest.raises(ValidationError) as error:
        services.draft_update(actor=world.referent_a, draft=draft, version=draft.version, title=draft.title,
                              attach_to="aeaqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert "attach_to" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.draft_update(actor=world.referent_a, draft=draft, version=draft.version, title=draft.title,
                              attach_to="../../admin-external/v1/rules")
    # A producing service unknown to Vitam's referential: Vitam refuses the SIP (CHECK_HEADER).
    publication = services.publish_start(actor=world.archivist_a, draft=draft, version=draft.version,
                                         originating_agency="SERVICE-INCONNU", archival_agency=agency(world))
    assert (publication.state, publication.status) == ("done", "KO")
    assert "CHECK_HEADER" in publication.failing_event or "CHECK_AGENT" in publication.failing_event
    draft.refresh_from_db()
    assert draft.state == TreeDraft.State.DRAFT and draft.nodes.count() == nodes_before
    client.force_login(world.archivist_a)
    page = client.get(reverse("trees:publication_detail", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                   "pk": publication.pk}))
    assert publication.failing_event[:40] in page.content.decode()
    # The draft can still be changed and published again.
    draft.refresh_from_db()
    publication = services.publish_start(actor=world.referent_a, draft=draft, version=draft.version,
                                         originating_agency=agency(world), archival_agency=agency(world))
    assert publication.status == "OK"


@pytest.mark.django_db
def test_lost_follow_up_keeps_the_draft_locked_until_the_result_is_read_again(vitam_world, vitamlite_server,
                                                                              client):
    world = vitam_world
    draft = import_plan(world, "Perdu")
    vitamlite_server.set_faults("error:/admin-external/v1/operations=503")
    try:
        publication = services.publish_start(actor=world.referent_a, draft=draft, version=draft.version,
                                             originating_agency=agency(world), archival_agency=agency(world))
    finally:
        vitamlite_server.set_faults("")
    assert publication.state == TreePublication.State.UNCONFIRMED and publication.operation_id
    assert publication.job.state == "failed" and publication.operation_id in publication.job.error
    draft.refresh_from_db()
    assert draft.state == TreeDraft.State.PUBLISHING  # nobody can publish it twice meanwhile
    with pytest.raises(ValidationError):
        services.node_add(actor=world.referent_a, draft=draft, version=draft.version, identifier="N", title="N")
    read_the_result_again(client, world, publication)


def read_the_result_again(client, world, publication):
    """Once Vitam's ingest has ended, the referent's « Vérifier de nouveau » publishes the draft."""
    from tenants.vitam_clients import ADMIN, vitam_client

    vitam_client(world.tenant_a, contract=ADMIN).wait_for_operation(publication.operation_id, timeout=60,
                                                                     poll_interval=0.2)
    client.force_login(world.referent_a)
    url = reverse("trees:publication_refresh", kwargs={"tenant_pk": world.tenant_a.pk, "pk": publication.pk})
    assert client.post(url).status_code == 302
    publication.refresh_from_db()
    publication.draft.refresh_from_db()
    assert (publication.state, publication.status, publication.draft.state) == (
        "done", "OK", TreeDraft.State.PUBLISHED)


@pytest.mark.django_db
def test_vitam_down_during_publication_keeps_the_draft(world, settings, client):
    settings.VITAM = {**settings.VITAM, "URL": "http://127.0.0.1:9", "INGEST_URL": "http://127.0.0.1:9",
                      "CONNECT_TIMEOUT": 0.5}
    draft = services.draft_create(actor=world.referent_a, tenant=world.tenant_a, kind="filing", title="Hors ligne")
    client.force_login(world.referent_a)
    response = client.get(reverse("trees:draft_publish", kwargs={"tenant_pk": world.tenant_a.pk, "pk": draft.pk}))
    assert response.status_code == 302  # back to the draft with the French message
    draft.refresh_from_db()
    assert draft.state == TreeDraft.State.DRAFT


@pytest.mark.django_db
def test_a_holding_tree_attached_plan_and_draft_from_published(vitam_world, client):
    world = vitam_world
    holding = services.draft_import(
        actor=world.referent_a, tenant=world.tenant_a, kind="holding", title="Arbre",
        data="Identifiant;Identifiant parent;Intitulé;Niveau de description\nH;;Fonds Véga;Fonds\nH1;H;Sous-fonds Véga;Sous-fonds\n".encode(),
        fmt="csv")
    publication = services.publish_start(actor=world.referent_a, draft=holding, version=holding.version,
                                         originating_agency=agency(world), archival_agency=agency(world))
    assert publication.status == "OK", publication.error
    holding_root = next(n for n in selectors.tree_roots(world.tenant_a, "holding") if n.title == "Fonds Véga")
    sub_fonds = selectors.tree_children(world.tenant_a, holding_root.id, "holding")[0][0]
    plan = import_plan(world, "Véga")
    services.draft_update(actor=world.referent_a, draft=plan, version=plan.version, title=plan.title,
                          attach_to=sub_fonds.id, attach_to_title=sub_fonds.title)
    plan.refresh_from_db()
    publication = services.publish_start(actor=world.referent_a, draft=plan, version=plan.version,
                                         originating_agency=agency(world), archival_agency=agency(world))
    assert publication.status == "OK", (publication.error, publication.failing_event)
    # The plan hangs from the holding tree, and is a root of the filing-plan view.
    filing_roots = selectors.tree_roots(world.tenant_a, "filing")
    plan_root = next(n for n in filing_roots if n.title == "Plan de test Véga")
    under = selectors.tree_children(world.tenant_a, sub_fonds.id)[0]
    assert [n.id for n in under] == [plan_root.id]
    # A draft copied from the published plan, for changes.
    client.force_login(world.referent_a)
    response = client.post(reverse("trees:draft_from_published", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                         "unit_id": plan_root.id}), {"title": "V2"})
    assert response.status_code == 302
    copy = TreeDraft.objects.get(title="V2")
    assert copy.source == "published" and copy.attach_to == sub_fonds.id
    tree = selectors.draft_tree(copy)
    assert tree.is_valid and sorted(tree.nodes) == ["P", "P1", "P2", "P21"]
    assert tree.nodes["P1"].rules == ["APP-DELIB", "ACC-00001"] or sorted(tree.nodes["P1"].rules) == ["ACC-00001", "APP-DELIB"]
    assert tree.nodes["P1"].final_action == "Keep"
    # The published plan exported as CSV, ready to re-import.
    exported = client.get(reverse("trees:tree_export_csv", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                   "unit_id": plan_root.id}))
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Identifiant;Identifiant parent;") and len(lines) == 5
    assert "P21;P2;Marchés attribués Véga;File;;;" in lines


@pytest.mark.django_db
def test_api_publish_then_read_the_published_tree(vitam_world, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    base = f"/api/v1/tenants/{world.tenant_a.pk}/trees/"
    created = client.post(f"{base}drafts/", {"kind": "filing", "title": "Plan API", "format": "csv", "file": __import__(
        "io").BytesIO(PLAN.format(suffix="Api").encode())})
    assert created.status_code == 201, created.content
    draft = created.json()
    refused = client.post(f"{base}drafts/{draft['id']}/publish/", {"version": draft["version"],
                          "originating_agency": "NOPE", "archival_agency": agency(world)},
                          content_type="application/json")
    assert refused.status_code == 400 and "originating_agency" in refused.json()
    response = client.post(f"{base}drafts/{draft['id']}/publish/", {
        "version": draft["version"], "originating_agency": agency(world), "archival_agency": agency(world)},
        content_type="application/json")
    assert response.status_code == 202 and response.json()["status"] == "OK"
    roots = client.get(f"{base}published/", {"kind": "filing"}).json()
    root = next(node for node in roots if node["title"] == "Plan de test Api")
    assert root["has_children"] and root["unit_type"] == "FILING_UNIT"
    children = client.get(f"{base}published/{root['id']}/children/").json()
    assert children["total"] == 2 and {c["identifier"] for c in children["results"]} == {"P1", "P2"}
    found = client.get(f"{base}published/", {"q": "P2"}).json()
    assert [node["title"] for node in found] == ["Marchés Api"]
    # Researchers and controllers cannot read commune A's trees through the API.
    for user in (world.researcher_a, world.controller):
        client.force_login(user)
        assert client.get(f"{base}published/").status_code == 404
