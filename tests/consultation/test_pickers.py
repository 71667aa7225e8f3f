"""Pickers: suggestions by label from the tenant's referentials and archive units (vitam-lite over HTTP),
scoped to the tenants the user may search; the forms that use them still work without JavaScript and name
the field when a typed service or rule does not exist."""

from datetime import date

import pytest
from django.urls import reverse

from sam.elimination.models import MassUpdate, Proposal
from sam.site.demo import agency_prefix
from tests.elimination.conftest import seed_eliminable

pytestmark = pytest.mark.django_db


def lookup(client, tenant, kind, **params):
    return client.get(reverse("consultation:picker", kwargs={"tenant_pk": tenant.pk, "kind": kind}), params)


def test_services_producteurs_are_suggested_by_name_with_their_code_and_only_the_tenants_own(client, vitam_world):
    world = vitam_world
    code_a, code_b = f"{agency_prefix(world.org_a)}-URBA", f"{agency_prefix(world.org_b)}-URBA"
    client.force_login(world.archivist_a)
    answer = lookup(client, world.tenant_a, "agencies", q="urbani")
    assert answer.status_code == 200
    assert answer.json()["results"] == [{"value": code_a, "label": f"Service de l'urbanisme — Commune A ({code_a})"}]
    assert lookup(client, world.tenant_a, "agencies", q=code_a.lower()).json()["results"][0]["value"] == code_a
    assert lookup(client, world.tenant_a, "agencies", value=code_a).json()["results"][0]["label"].startswith(
        "Service de l'urbanisme — Commune A")
    # Cergy's archivist asks Pontoise's tenant: nothing, as for a tenant that does not exist
    assert lookup(client, world.tenant_b, "agencies", q="urbani").status_code == 404
    assert lookup(client, world.tenant_a, "contracts", q="x").status_code == 404  # no such list
    client.force_login(world.archivist_b)
    assert code_a not in lookup(client, world.tenant_b, "agencies", q="urbani").content.decode()
    assert code_b in lookup(client, world.tenant_b, "agencies", q="urbani").content.decode()


def test_rules_are_suggested_with_their_name_and_category(client, vitam_world):
    client.force_login(vitam_world.archivist_a)
    results = lookup(client, vitam_world.tenant_a, "rules", q="APP-PC").json()["results"]
    rule = next(result for result in results if result["value"] == "APP-PC")
    assert rule["label"].endswith("(APP-PC)") and rule["label"] != "APP-PC (APP-PC)"
    assert rule["detail"] == "Durée d’utilité administrative (DUA)" or "DUA" in rule["detail"]
    assert len(lookup(client, vitam_world.tenant_a, "rules").json()["results"]) == 20  # bounded
    # the category chosen beside the field narrows the rules offered
    holds = lookup(client, vitam_world.tenant_a, "rules", type="HoldRule").json()["results"]
    assert holds and all(vitam_world.extra["rule_types"][r["value"]] == "HoldRule" for r in holds)
    assert not any(r["value"] == "APP-PC" for r in lookup(client, vitam_world.tenant_a, "rules", q="APP-PC",
                                                            type="HoldRule").json()["results"])


def test_archive_units_are_suggested_by_title_through_the_users_access_contract(client, vitam_world):
    ids = seed_eliminable(vitam_world.tenant_a)
    client.force_login(vitam_world.archivist_a)
    results = lookup(client, vitam_world.tenant_a, "units", q="Permis de constr").json()["results"]
    assert [(r["value"], r["label"]) for r in results] == [(ids["Permis de construire 2008 A"],
                                                           "Permis de construire 2008 A")]
    assert results[0]["detail"] == "2008-01-01 – 2008-12-31"
    assert lookup(client, vitam_world.tenant_a, "units", q="").json()["results"] == []
    client.force_login(vitam_world.archivist_b)
    assert lookup(client, vitam_world.tenant_b, "units", q="Permis").json()["results"] == []
    assert lookup(client, vitam_world.tenant_a, "units", q="Permis").status_code == 404


def test_vitam_down_gives_a_french_message_not_an_error_page(client, vitam_world, settings):
    settings.VITAM = {**settings.VITAM, "URL": "http://127.0.0.1:9"}
    client.force_login(vitam_world.archivist_a)
    answer = lookup(client, vitam_world.tenant_a, "units", q="Permis")
    assert answer.status_code == 503 and "Vitam ne répond pas" in answer.json()["error"]


def test_forms_render_pickers_for_the_tenant_and_name_the_field_of_an_unknown_service_or_rule(client, vitam_world):
    world = vitam_world
    client.force_login(world.archivist_a)
    create = reverse("elimination:analysis_create", kwargs={"tenant_pk": world.tenant_a.pk})
    page = client.get(create).content.decode()
    for kind in ("agencies", "units"):
        assert f'data-picker-url="/t/{world.tenant_a.pk}/pickers/{kind}/"' in page
    response = client.post(create, {"proposal_title": "x", "mode": "criteria", "date": date.today().isoformat(),
                                    "agency": f"{agency_prefix(world.org_b)}-URBA"})  # Pontoise's, typed by hand
    assert response.status_code == 200 and not Proposal.objects.exists()
    assert "n’est pas un service producteur du référentiel" in str(response.context["form"].errors["agency"])
    assert "Service producteur" in response.content.decode()  # the error summary names the field

    update = reverse("elimination:mass_update_create", kwargs={"tenant_pk": world.tenant_a.pk})
    update_page = client.get(update).content.decode()
    assert f'data-picker-url="/t/{world.tenant_a.pk}/pickers/rules/"' in update_page
    assert 'data-picker-narrowed-by="category"' in update_page
    response = client.post(update, {"title": "Permis", "action": "add", "category": "HoldRule",
                                    "rule": "HOL-INCONNUE", "step": "preview"})
    assert "n’est pas une règle du référentiel" in str(response.context["form"].errors["rule"])
    assert not MassUpdate.objects.exists()
    # the code of an existing service, typed without JavaScript, is accepted
    response = client.post(create, {"proposal_title": "x", "mode": "criteria", "date": date.today().isoformat(),
                                    "agency": f"{agency_prefix(world.org_a)}-URBA", "title": "introuvablexyz"})
    assert response.status_code == 302


def test_deposits_are_suggested_by_title_with_date_and_transferring_service_tenant_scoped(
        client, vitam_world, tmp_path, settings):
    """SAM's deposits by the title of their bordereau, then ingests made outside SAM (Vitam's logbook) by their
    message identifier; never another tenant's."""
    from sam.deposits.models import Deposit
    from tests.deposits.conftest import build_sip

    world = vitam_world
    settings.DEPOSITS_DIR, settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "deposits"), str(tmp_path)
    client.force_login(world.archivist_a)
    with open(build_sip(world.tenant_a, tmp_path / "sip", title="Registre des arrêtés 2019"), "rb") as sip:
        client.post(reverse("deposits:deposit_create", kwargs={"tenant_pk": world.tenant_a.pk}), {"sip": sip})
    deposit = Deposit.objects.get(tenant=world.tenant_a)
    assert deposit.operation_status == "OK", deposit.explanation
    seed_eliminable(world.tenant_a)  # deposited straight into Vitam, outside SAM

    results = lookup(client, world.tenant_a, "deposits", q="arrêtés").json()["results"]
    assert [(r["value"], r["label"]) for r in results] == [(deposit.operation_id, deposit.title)]
    assert "service versant" in results[0]["detail"] and "ARCH" not in results[0]["detail"]
    outside = lookup(client, world.tenant_a, "deposits", q="elim-").json()["results"]
    assert len(outside) == 1 and outside[0]["label"] == f"ELIM-{world.tenant_a.vitam_id}-A"
    assert outside[0]["value"] != deposit.operation_id
    for chosen in (deposit.operation_id, outside[0]["value"]):
        answer = lookup(client, world.tenant_a, "deposits", value=chosen).json()["results"]
        assert [r["value"] for r in answer] == [chosen]
    assert lookup(client, world.tenant_a, "deposits", q="").json()["results"] == []

    # Pontoise's archivist: Cergy's tenant does not answer, and Pontoise's own list holds none of Cergy's deposits
    client.force_login(world.archivist_b)
    assert lookup(client, world.tenant_a, "deposits", q="arrêtés").status_code == 404
    assert lookup(client, world.tenant_b, "deposits", q="arrêtés").json()["results"] == []
    assert lookup(client, world.tenant_b, "deposits", q="elim-").json()["results"] == []
    assert lookup(client, world.tenant_b, "deposits", value=deposit.operation_id).json()["results"] == []

    # The search form's "Opération (versement)" is that picker; the chosen deposit narrows the search
    client.force_login(world.archivist_a)
    search = reverse("consultation:search", kwargs={"tenant_pk": world.tenant_a.pk})
    page = client.get(search).content.decode()
    assert f'data-picker-url="/t/{world.tenant_a.pk}/pickers/deposits/"' in page
    found = client.get(search, {"opi": deposit.operation_id}).content.decode()
    assert "Registre des arrêtés 2019" in found and "Permis de construire 2008 A" not in found


def test_several_units_picker_renders_a_textarea_fallback_checked_line_by_line(client, vitam_world):
    world = vitam_world
    ids = seed_eliminable(world.tenant_a)
    client.force_login(world.archivist_a)
    create = reverse("elimination:analysis_create", kwargs={"tenant_pk": world.tenant_a.pk})
    page = client.get(create).content.decode()
    assert f'data-picker-url="/t/{world.tenant_a.pk}/pickers/units/"' in page and 'data-picker-multiple="1"' in page
    assert "<textarea" in page and "Un identifiant par ligne" in page
    data = {"proposal_title": "x", "mode": "criteria", "date": date.today().isoformat()}
    refused = client.post(create, {**data, "unit_ids": f"{ids['PC 0012 maison A']}\nsans/titre"}).content.decode()
    assert "La ligne «\u00a0sans/titre\u00a0» n’est pas un identifiant d’unité archivistique." in refused
    assert not Proposal.objects.exists()
    response = client.post(create, {**data, "unit_ids": f"{ids['PC 0012 maison A']}\n{ids['PC 0047 garage A']}"})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert {ids["PC 0012 maison A"], ids["PC 0047 garage A"]} <= set(proposal.units.values_list("unit_id", flat=True))


def test_formats_are_suggested_by_name_for_the_formats_of_an_ingest_contract(client, vitam_world):
    """The ingest contract's formats are chosen by name (Vitam's PRONOM referential), several as chips, by the
    referent who writes the contracts."""
    world = vitam_world
    client.force_login(world.referent_a)
    results = lookup(client, world.tenant_a, "formats", q="Acrobat PDF 1.4").json()["results"]
    assert ("fmt/18", "Acrobat PDF 1.4 - Portable Document Format (fmt/18)") in [
        (r["value"], r["label"]) for r in results]
    assert [r["value"] for r in lookup(client, world.tenant_a, "formats", q="fmt/18").json()["results"]] == ["fmt/18"]
    assert lookup(client, world.tenant_a, "formats", value="fmt/18").json()["results"][0]["label"].startswith(
        "Acrobat PDF 1.4")
    assert lookup(client, world.tenant_b, "formats", q="fmt/18").status_code == 404

    page = client.get(reverse("contracts:ingest_contract_create", args=[world.tenant_a.pk])).content.decode()
    assert f'data-picker-url="/t/{world.tenant_a.pk}/pickers/formats/"' in page and 'data-picker-multiple="1"' in page
