"""Drafts in SAM: import (CSV, SEDA, 5,000 nodes), refusal of broken trees, editing, concurrency, export."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from referentials.filing_tree import parse_tree_seda
from referentials.trees import selectors, services
from referentials.trees.models import TreeDraft, TreeNode
from tenants.models import AuditEntry


def big_plan(count=5000) -> bytes:
    lines = ["Identifiant;Identifiant parent;Intitulé;Niveau de description;Règles;Sort final"]
    for series in range(1, 11):
        lines.append(f"{series};;Série {series};Série;;")
        for sub in range(1, 21):
            lines.append(f"{series}.{sub};{series};Sous-série {series}.{sub};Sous-série;;")
            for file in range(1, 25):
                lines.append(f"{series}.{sub}.{file};{series}.{sub};Dossier {series}.{sub}.{file};Dossier;APP-PC;Détruire")
    return ("\n".join(lines[:count + 1]) + "\n").encode("cp1252")


def create(world, data, fmt="csv", known=None):
    return services.draft_import(actor=world.referent_a, tenant=world.tenant_a, kind="filing", title="Plan",
                                 data=data, fmt=fmt, filename="plan.csv", known_rules=known)


@pytest.mark.django_db
def test_a_5000_node_plan_is_imported_with_few_queries(world, django_assert_max_num_queries):
    data = big_plan()
    with django_assert_max_num_queries(80):  # bulk inserts by 1,000 rows, not one per node
        draft = create(world, data, known={"APP-PC": "AppraisalRule"})
    assert draft.nodes.count() == 5000
    tree = selectors.draft_tree(draft)
    assert tree.is_valid and tree.depth() == 3 and len(tree.roots) == 10
    assert [n.identifier for n in tree.roots[:3]] == ["1", "2", "3"]
    # Children keep the order of the file.
    assert [c.identifier for c in tree.nodes["1"].children[:3]] == ["1.1", "1.2", "1.3"]
    assert AuditEntry.objects.filter(action="trees.draft_import", after__nodes=5000).exists()


@pytest.mark.django_db
def test_the_screens_of_a_5000_node_draft(world, client, django_assert_max_num_queries):
    draft = create(world, big_plan())
    client.force_login(world.referent_a)
    kwargs = {"tenant_pk": world.tenant_a.pk, "pk": draft.pk}
    node = draft.nodes.get(identifier="7.13")
    with django_assert_max_num_queries(30):
        page = client.get(reverse("trees:draft_detail", kwargs=kwargs), {"node": node.pk})
    text = page.content.decode()
    assert "Dossier 7.13.24" in text and "Série 7" in text  # children and path
    flat = services.draft_import(actor=world.referent_a, tenant=world.tenant_a, kind="filing", title="À plat",
                                 data=("Identifiant;Identifiant parent;Intitulé\n" + "".join(
                                     f"N{i};;Nœud {i}\n" for i in range(450))).encode(), fmt="csv")
    flat_url = reverse("trees:draft_detail", kwargs={"tenant_pk": world.tenant_a.pk, "pk": flat.pk})
    first, last = client.get(flat_url).content.decode(), client.get(flat_url, {"page": 3}).content.decode()
    assert "Nœud 199<" in first and "Nœud 200<" not in first and "Nœud 449<" in last
    preview = client.get(reverse("trees:draft_preview", kwargs=kwargs))
    assert preview.status_code == 200 and preview.content.decode().count('<li class="depth-') == 5000
    exported = client.get(reverse("trees:draft_export_csv", kwargs=kwargs))
    assert exported.content.count(b"\r\n") == 5001
    with django_assert_max_num_queries(120):  # batches of rows, never one query per node
        services.draft_delete(actor=world.referent_a, draft=draft)
    assert not TreeNode.objects.filter(draft_id=draft.pk).exists()


@pytest.mark.django_db
def test_a_tree_with_a_cycle_or_an_orphan_is_refused_with_the_identifiers_and_nothing_is_saved(world, client):
    data = ("Identifiant;Identifiant parent;Intitulé\nA;;Racine\nB;C;Boucle 1\nC;B;Boucle 2\nE;ZZZ;Orphelin\n").encode()
    client.force_login(world.archivist_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # French is the default otherwise
    with translation.override("en"):
        response = client.post(reverse("trees:draft_create", kwargs={"tenant_pk": world.tenant_a.pk}), {
            "kind": "filing", "title": "Cassé", "source": "csv",
            "file": __import__("io").BytesIO(data)})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Line 5 (E): orphan node: the parent ZZZ does not exist." in text
    assert "cycle in the tree: B → C → B." in text or "cycle in the tree: C → B → C." in text
    assert not TreeDraft.objects.exists() and not TreeNode.objects.exists()


@pytest.mark.django_db
def test_an_unknown_rule_is_refused_at_import(world):
    with pytest.raises(services.TreeImportError) as error, translation.override("en"):
        create(world, "Identifiant;Identifiant parent;Intitulé;Règles\nA;;Racine;APP-NOPE\n".encode(),
               known={"APP-PC": "AppraisalRule"})
    assert "the rule APP-NOPE does not exist" in " ".join(error.value.messages)


@pytest.mark.django_db
def test_editing_add_rename_move_reorder_delete_and_cycle_prevention(world):
    draft = create(world, "Identifiant;Identifiant parent;Intitulé\nA;;Racine A\nA1;A;Un\nA2;A;Deux\nB;;Racine B\n".encode())
    actor = world.archivist_a
    nodes = {n.identifier: n for n in draft.nodes.all()}
    v = draft.version
    new = services.node_add(actor=actor, draft=draft, version=v, parent=nodes["A1"], identifier="A11",
                            title="Sous un", level="File")
    v += 1
    services.node_update(actor=actor, draft=draft, version=v, node=nodes["A1"], identifier="A1", title="Un renommé",
                         level="Subseries", rules=[], final_action="Conserver")
    services.node_update(actor=actor, draft=draft, version=v + 1, node=nodes["A2"], identifier="A2", title="Deux",
                         level="File", final_action="Détruire")
    v += 1
    v += 1
    with pytest.raises(Exception) as error, translation.override("en"):
        services.node_move(actor=actor, draft=draft, version=v, node=nodes["A"], new_parent=new)
    assert "cycle" in str(error.value)
    services.node_move(actor=actor, draft=draft, version=v, node=nodes["A2"], new_parent=nodes["B"])
    v += 1
    services.node_reorder(actor=actor, draft=draft, version=v, node=nodes["B"], direction="up")
    v += 1
    tree = selectors.draft_tree(draft)
    assert [r.identifier for r in tree.roots] == ["B", "A"]
    assert [c.identifier for c in tree.nodes["B"].children] == ["A2"]
    assert tree.nodes["A1"].title == "Un renommé" and tree.nodes["A1"].final_action == "Keep"
    assert tree.nodes["A2"].final_action == "Destroy"
    assert services.node_delete(actor=actor, draft=draft, version=v, node=nodes["A"]) == 3
    draft.refresh_from_db()
    assert sorted(draft.nodes.values_list("identifier", flat=True)) == ["A2", "B"]
    assert draft.version == v + 1
    with pytest.raises(Exception):
        services.node_add(actor=actor, draft=draft, version=draft.version, identifier="B", title="Doublon")
    for stale in (None, "", "abc", draft.version - 1):  # no version or a stale one never writes
        with pytest.raises(services.DraftConflict):
            services.node_add(actor=actor, draft=draft, version=stale, identifier="C", title="Trois")


@pytest.mark.django_db
def test_the_second_editor_is_told_what_changed_and_keeps_their_input(world, client):
    draft = create(world, "Identifiant;Identifiant parent;Intitulé\nA;;Racine\n".encode())
    node = draft.nodes.get()
    opened_version = draft.version
    # Someone else renames the node meanwhile.
    services.node_update(actor=world.referent_a, draft=draft, version=opened_version, node=node, identifier="A",
                         title="Titre de Alice", level="Series")
    client.force_login(world.archivist_a)
    url = reverse("trees:node_update", kwargs={"tenant_pk": world.tenant_a.pk, "pk": draft.pk, "node_pk": node.pk})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # French is the default otherwise
    with translation.override("en"):
        response = client.post(url, {"version": opened_version, "identifier": "A", "title": "Mon titre",
                                     "level": "Series"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this draft" in text and "referent.a: " in text  # who changed what
    assert 'value="Mon titre"' in text  # the input is kept
    node.refresh_from_db()
    assert node.title == "Titre de Alice"  # nothing overwritten silently
    draft.refresh_from_db()
    assert f'name="version" value="{draft.version}"' in text
    # Submitting again (now on the current version) applies it.
    client.post(url, {"version": draft.version, "identifier": "A", "title": "Mon titre", "level": "Series"})
    node.refresh_from_db()
    assert node.title == "Mon titre"


@pytest.mark.django_db
def test_csv_and_seda_exports_are_reimportable(world, client):
    data = "Identifiant;Identifiant parent;Intitulé;Niveau de description;Règles;Sort final\nA;;Racine;Série;;\nA1;A;Un;Dossier;APP-PC;Détruire\n"
    draft = create(world, data.encode())
    client.force_login(world.referent_a)
    csv = client.get(reverse("trees:draft_export_csv", kwargs={"tenant_pk": world.tenant_a.pk, "pk": draft.pk}))
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    again = services.draft_import(actor=world.referent_a, tenant=world.tenant_a, kind="filing", title="Copie",
                                  data=csv.content, fmt="csv")
    assert selectors.draft_tree(again).nodes["A1"].final_action == "Destroy"
    manifest = services.draft_export_seda(draft, {"APP-PC": "AppraisalRule"})
    tree = parse_tree_seda(manifest)
    assert tree.is_valid and tree.nodes["A1"].parent == "A" and tree.nodes["A1"].rules == ["APP-PC"]
    seda_copy = services.draft_import(actor=world.referent_a, tenant=world.tenant_a, kind="filing", title="SEDA",
                                      data=manifest, fmt="seda")
    assert seda_copy.source == "seda" and seda_copy.nodes.count() == 2


@pytest.mark.django_db
def test_controllers_and_researchers_do_not_edit_but_archivists_do(world, client):
    draft = create(world, "Identifiant;Identifiant parent;Intitulé\nA;;Racine\n".encode())
    url = reverse("trees:draft_detail", kwargs={"tenant_pk": world.tenant_a.pk, "pk": draft.pk})
    for user, expected in ((world.controller, 404), (world.researcher_a, 404), (world.archivist_a, 200),
                           (world.referent_a, 200), (world.admin, 200)):
        client.force_login(user)
        assert client.get(url).status_code == expected, user.username


@pytest.mark.django_db
def test_api_draft_nodes_and_conflict(world, client):
    client.force_login(world.referent_a)
    base = f"/api/v1/tenants/{world.tenant_a.pk}/trees/drafts/"
    response = client.post(base, {"kind": "holding", "title": "Arbre API"}, content_type="application/json")
    assert response.status_code == 201
    draft = response.json()
    nodes = f"{base}{draft['id']}/nodes/"
    created = client.post(nodes, {"version": draft["version"], "identifier": "R", "title": "Racine", "level": "Fonds"},
                          content_type="application/json")
    assert created.status_code == 201
    stale = client.post(nodes, {"version": draft["version"], "identifier": "S", "title": "Autre"},
                        content_type="application/json")
    assert stale.status_code == 409 and stale.json()["version"] == draft["version"] + 1
    child = client.post(nodes, {"version": draft["version"] + 1, "identifier": "R1", "title": "Sous", "parent": "R"},
                        content_type="application/json")
    assert child.status_code == 201 and child.json()["parent"] == "R"
    listed = client.get(nodes, {"parent": "R"}).json()
    assert [n["identifier"] for n in listed] == ["R1"]
    detail = client.get(f"{base}{draft['id']}/").json()
    assert detail["node_count"] == 2 and detail["problems"] == []
    moved = client.patch(f"{nodes}{child.json()['id']}/", {"version": detail["version"], "parent": ""},
                         content_type="application/json")
    assert moved.status_code == 200 and moved.json()["parent"] is None
    multipart = client.post(base, {"kind": "filing", "title": "CSV", "format": "csv",
                                   "file": __import__("io").BytesIO(b"Identifiant;Identifiant parent;Intitule\nX;;Y\nZ;Q;W\n")})
    assert multipart.status_code == 400 and any("Z" in p for p in multipart.json()["problems"])


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x"><!ENTITY f "&e;&e;&e;&e;">]>'
    b'<ArchiveTransfer xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1"><Comment>&f;</Comment></ArchiveTransfer>',
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<ArchiveTransfer xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1"><Comment>&e;</Comment></ArchiveTransfer>',
    b"not xml at all",
    b'<Other xmlns="urn:x"/>',
])
def test_hostile_or_foreign_seda_files_are_refused_and_nothing_is_saved(world, payload):
    with pytest.raises(services.TreeImportError) as error, translation.override("en"):
        create(world, payload, fmt="seda")
    text = " ".join(error.value.messages)
    assert "passwd" not in text and "root:" not in text
    assert any(word in text for word in ("DOCTYPE", "well-formed", "not a SEDA 2.1"))
    assert not TreeDraft.objects.exists()


@pytest.mark.django_db
def test_malformed_unit_identifiers_are_404(world, client):
    client.force_login(world.referent_a)
    for path in (f"/t/{world.tenant_a.pk}/trees/units/a%22b/", f"/t/{world.tenant_a.pk}/trees/units/x.y/children/",
                 f"/api/v1/tenants/{world.tenant_a.pk}/trees/published/%24where/children/"):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_children_beyond_vitams_result_window_are_clamped(vitam_world, client):
    client.force_login(vitam_world.referent_a)
    url = reverse("trees:tree_children", kwargs={"tenant_pk": vitam_world.tenant_a.pk,
                                                  "unit_id": "aeaqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    response = client.get(url, {"offset": 999999})
    assert response.status_code == 200


@pytest.mark.django_db
def test_control_characters_and_overlong_titles_are_refused(world):
    data = ("Identifiant;Identifiant parent;Intitulé\nA;;Racine\x0b cachée\nB;;" + "T" * 501 + "\n").encode()
    with pytest.raises(services.TreeImportError) as error, translation.override("en"):
        create(world, data)
    text = " ".join(error.value.messages)
    assert "Line 2 (A)" in text and "control character" in text and "Line 3 (B)" in text
    draft = services.draft_create(actor=world.referent_a, tenant=world.tenant_a, kind="filing", title="Vide")
    with pytest.raises(Exception) as error:
        services.node_add(actor=world.referent_a, draft=draft, version=draft.version, identifier="X",
                          title="Titre\x07")
    assert "title" in error.value.message_dict


@pytest.mark.django_db
def test_every_change_lands_in_the_audit_trail(world):
    actor = world.archivist_a
    draft = create(world, "Identifiant;Identifiant parent;Intitulé\nA;;Racine\nB;;Autre\n".encode())
    a, b = draft.nodes.get(identifier="A"), draft.nodes.get(identifier="B")
    services.node_add(actor=actor, draft=draft, version=1, parent=a, identifier="A1", title="Un")
    services.node_update(actor=actor, draft=draft, version=2, node=a, identifier="A", title="Racine bis", level="Fonds")
    services.node_move(actor=actor, draft=draft, version=3, node=b, new_parent=a)
    services.node_delete(actor=actor, draft=draft, version=4, node=b)
    services.draft_update(actor=actor, draft=draft, version=5, title="Plan renommé")
    services.draft_delete(actor=actor, draft=draft)
    entries = AuditEntry.objects.filter(tenant=world.tenant_a, action__startswith="trees.")
    assert set(entries.values_list("action", flat=True)) == {
        "trees.draft_create", "trees.draft_import", "trees.node_add", "trees.node_update", "trees.node_move",
        "trees.node_delete", "trees.draft_update", "trees.draft_delete"}
    renamed = entries.get(action="trees.node_update")
    assert renamed.before["title"] == "Racine" and renamed.after["title"] == "Racine bis"
    assert entries.filter(actor=actor).count() == 6


@pytest.mark.django_db
def test_a_tenant_without_access_contract_gets_a_clear_page(world, client):
    world.tenant_a.access_contract = ""
    world.tenant_a.save()
    client.force_login(world.referent_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # French is the default otherwise
    with translation.override("en"):
        response = client.get(reverse("trees:tree_browser", kwargs={"tenant_pk": world.tenant_a.pk}))
    assert response.status_code == 503 and "platform administrator" in response.content.decode()
