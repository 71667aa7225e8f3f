"""Mass update of descriptive metadata from a selection, against vitam-lite over HTTP: the form's change becomes
Vitam's MASS_UPDATE DSL (POST /units), batched past Vitam's threshold, followed in the background, reported with
Vitam's outcome per unit, audited; the values are read back from Vitam."""

from datetime import date

import pytest
from django.urls import reverse

from sam.elimination.models import MassUpdate, VitamBatch
from sam.selection import services
from sam.selection.models import Selection
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client

pytestmark = pytest.mark.django_db

FIELDS = ["#id", "Title", "Description", "Keyword", "DescriptionLevel", "StartDate", "EndDate"]


def url(archive, selection):
    return reverse("selection:description_update", kwargs={"tenant_pk": archive.tenant_a.pk, "pk": selection.pk})


def unit(archive, title):
    return vitam_client(archive.tenant_a, contract=ACCESS).get_unit(archive.ids[title], FIELDS)


def pcs(archive, user=None):
    """PC 0012 and PC 0047 in the archivist's working selection."""
    selection = services.selection_working(user=user or archive.archivist_a, tenant=archive.tenant_a)
    services.selection_units_add(selection=selection, units={archive.ids["PC 0012 maison A"]: "PC 0012",
                                                             archive.ids["PC 0047 garage A"]: "PC 0047"})
    return selection


def start(client, archive, selection, data, *, count=2):
    response = client.post(url(archive, selection), {**data, "step": "preview"})
    assert response.status_code == 200 and response.context["count"] == count, response.context["form"].errors
    response = client.post(url(archive, selection), {**data, "step": "start", "expected_count": count})
    assert response.status_code == 302, response.context["form"].errors
    return MassUpdate.objects.latest("pk")


def test_add_a_keyword_then_set_the_description(client, archive):
    client.force_login(archive.archivist_a)
    selection = pcs(archive)
    update = start(client, archive, selection, {"action": "add_keyword", "keyword": "Urbanisme",
                                                "keyword_type": "subject"})
    assert update.kind == MassUpdate.Kind.DESCRIPTION and update.state == MassUpdate.State.SUCCEEDED, update.error
    assert update.ok_count == 2 and update.ko_count == 0 and update.operation_id
    for title in ("PC 0012 maison A", "PC 0047 garage A"):
        assert {"KeywordContent": "Urbanisme", "KeywordType": "subject"} in unit(archive, title)["Keyword"]
    # $add: a second time adds nothing twice
    start(client, archive, selection, {"action": "add_keyword", "keyword": "Urbanisme", "keyword_type": "subject"})
    assert unit(archive, "PC 0012 maison A")["Keyword"].count({"KeywordContent": "Urbanisme",
                                                                "KeywordType": "subject"}) == 1

    update = start(client, archive, selection, {"action": "set_description", "description": "Dossier instruit"})
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    assert unit(archive, "PC 0047 garage A")["Description"] == "Dossier instruit"
    assert unit(archive, "Permis de construire 2008 A").get("Description") != "Dossier instruit"  # not selected

    entry = AuditEntry.objects.get(action="selection.description_update", target_id=str(update.pk))
    assert entry.after["units"] == 2 and entry.after["action"] == [{"$set": {"Description": "Dossier instruit"}}]
    assert entry.after["change"] == "Définir la description à «\u00a0Dossier instruit\u00a0»"

    # the report page, in French, with Vitam's outcome
    page = client.get(reverse("elimination:mass_update_detail", args=[archive.tenant_a.pk, update.pk]))
    text = page.content.decode()
    assert "Unités mises à jour (ou déjà ainsi)\u00a0: 2. Non mises à jour\u00a0: 0" in text, text
    assert "$set" not in text and "KeywordContent" not in text and "UNIT_METADATA" not in text


def test_remove_a_keyword_clear_the_description_level_and_dates(client, archive):
    client.force_login(archive.archivist_a)
    selection = pcs(archive)
    start(client, archive, selection, {"action": "add_keyword", "keyword": "Garage"})
    assert {"KeywordContent": "Garage"} in unit(archive, "PC 0012 maison A")["Keyword"]
    start(client, archive, selection, {"action": "remove_keyword", "keyword": "Garage"})
    assert {"KeywordContent": "Garage"} not in (unit(archive, "PC 0012 maison A").get("Keyword") or [])

    start(client, archive, selection, {"action": "set_description", "description": "À effacer"})
    start(client, archive, selection, {"action": "clear_description"})
    assert "Description" not in unit(archive, "PC 0047 garage A")

    start(client, archive, selection, {"action": "set_level", "level": "RecordGrp"})
    assert unit(archive, "PC 0047 garage A")["DescriptionLevel"] == "RecordGrp"

    update = start(client, archive, selection, {"action": "set_dates", "start_date": "2008-01-15",
                                                "end_date": "2008-11-30"})
    assert update.description == "Définir les dates à 15/01/2008 – 30/11/2008"
    found = unit(archive, "PC 0012 maison A")
    assert found["StartDate"][:10] == "2008-01-15" and found["EndDate"][:10] == "2008-11-30"


def test_replace_a_text_previews_examples_then_changes_the_titles(client, archive):
    client.force_login(archive.archivist_a)
    selection = pcs(archive)
    data = {"action": "replace_text", "target": "Title", "search_text": "PC 0", "replacement": "Permis n° $0\\"}
    response = client.post(url(archive, selection), {**data, "step": "preview"})
    examples = response.context["examples"]
    assert sorted((e["before"], e["after"]) for e in examples) == [
        ("PC 0012 maison A", "Permis n° $0\\012 maison A"), ("PC 0047 garage A", "Permis n° $0\\047 garage A")]
    assert "Permis n° $0\\012 maison A" in response.content.decode()
    update = start(client, archive, selection, data)
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    # Vitam's Java replacement kept the archivist's `$` and `\` as they were typed
    assert unit(archive, "PC 0012 maison A")["Title"] == "Permis n° $0\\012 maison A"

    response = client.post(url(archive, selection), {**data, "search_text": "absent du titre", "step": "preview"})
    assert response.context["examples"] == [] and "ne contient exactement ce texte" in response.content.decode()


def test_a_title_emptied_is_refused_by_vitam_for_that_unit_only(client, archive):
    client.force_login(archive.archivist_a)
    selection = pcs(archive)
    update = start(client, archive, selection, {"action": "replace_text", "target": "Title",
                                                "search_text": "PC 0012 maison A", "replacement": ""})
    assert update.state == MassUpdate.State.WARNING, update.error
    assert (update.ok_count, update.ko_count) == (1, 1)
    assert unit(archive, "PC 0012 maison A")["Title"] == "PC 0012 maison A"  # kept as it was
    page = client.get(reverse("elimination:mass_update_detail", args=[archive.tenant_a.pk, update.pk]))
    text = page.content.decode()
    assert "Terminé avec des avertissements" in text and "Non mises à jour\u00a0: 1" in text
    # Vitam's reason for the unit, in French
    assert ("Échec de la mise à jour des métadonnées des unités archivistiques\u00a0: l’unité resterait sans "
            "intitulé") in text.replace("&#x27;", "'"), text


def test_internal_fields_make_vitam_refuse_the_whole_operation(archive):
    """A change SAM never builds, sent as a forged request: Vitam's check step ends KO; the update fails with
    Vitam's reason in French and nothing changed."""
    from sam.elimination import services as elimination_services

    selection = pcs(archive)
    update = elimination_services.description_update_start(
        actor=archive.archivist_a, tenant=archive.tenant_a, criteria=services.selection_criteria(selection),
        actions=[{"$set": {"#originating_agency": "X"}}], description="forgé", expected_count=2, confirmed=False)
    update.refresh_from_db()
    assert update.state == MassUpdate.State.FAILED
    assert "Échec de la Vérification des droits et des paramètres" in update.error, update.error
    assert "#originating_agency" in update.error


def test_past_the_batch_size_one_update_of_several_operations(client, archive, settings):
    settings.VITAM = {**settings.VITAM, "BATCH_SIZE": 1}
    client.force_login(archive.archivist_a)
    selection = pcs(archive)
    update = start(client, archive, selection, {"action": "add_keyword", "keyword": "Lot"})
    batches = VitamBatch.objects.filter(mass_update=update)
    assert batches.count() == 2 and len({batch.operation_id for batch in batches}) == 2
    assert update.state == MassUpdate.State.SUCCEEDED and update.ok_count == 2
    assert {"KeywordContent": "Lot"} in unit(archive, "PC 0047 garage A")["Keyword"]


def test_french_messages_name_the_field_and_nothing_is_sent(client, archive):
    client.force_login(archive.archivist_a)
    selection = pcs(archive)
    cases = [({"action": "set_dates", "start_date": "2009-01-01", "end_date": "2008-01-01"}, "end_date",
              "La date de fin est antérieure à la date de début."),
             ({"action": "set_dates"}, "start_date", "Indiquez une date de début, une date de fin ou les deux."),
             ({"action": "add_keyword", "keyword": "  "}, "keyword", "Indiquez le mot-clé."),
             ({"action": "set_description"}, "description",
              "Écrivez la nouvelle description (ou choisissez «\u00a0Effacer la description\u00a0»)."),
             ({"action": "replace_text", "target": "Title"}, "search_text", "Indiquez le texte à remplacer."),
             ({"action": "set_level", "level": "Dossier"}, "level",
              "Sélectionnez un choix valide. Dossier n’en fait pas partie.")]
    for data, field, message in cases:
        response = client.post(url(archive, selection), {**data, "step": "start", "expected_count": 2})
        assert response.status_code == 200
        assert response.context["form"].errors[field] == [message], response.context["form"].errors
    assert not MassUpdate.objects.exists()


def test_confirmation_above_the_threshold(client, archive, settings):
    settings.ELIMINATION_MASS_UPDATE_CONFIRM_THRESHOLD = 1
    client.force_login(archive.archivist_a)
    selection = pcs(archive)
    data = {"action": "add_keyword", "keyword": "Seuil", "step": "start", "expected_count": 2}
    response = client.post(url(archive, selection), data)
    assert response.status_code == 200 and not MassUpdate.objects.exists()
    assert response.context["form"].non_field_errors() == [
        "Cette mise à jour touche 2 unités, plus de 1\u00a0: cochez la confirmation pour continuer."]
    response = client.post(url(archive, selection), {**data, "confirmed": "on"})
    assert response.status_code == 302 and MassUpdate.objects.get().ok_count == 2


def test_researchers_and_other_users_get_404(client, archive):
    selection = pcs(archive)
    client.force_login(archive.researcher_a)
    assert client.get(url(archive, selection)).status_code == 404
    assert client.post(url(archive, selection), {"action": "clear_description", "step": "start",
                                                 "expected_count": 2}).status_code == 404
    other = Selection.objects.create(user=archive.researcher_a, tenant=archive.tenant_a,
                                     organisation=archive.tenant_a.organisation)
    client.force_login(archive.archivist_a)
    assert client.get(url(archive, other)).status_code == 404  # someone else's selection
    assert not MassUpdate.objects.exists()
    assert unit(archive, "PC 0012 maison A").get("Description") is None


def test_a_keyword_keeps_each_units_own_keywords(client, archive):
    """Vitam's mass update cannot add to a list: each group of units holding the same keywords gets its own
    operation, so no unit loses a keyword another one lacks."""
    client.force_login(archive.archivist_a)
    alone = services.selection_working(user=archive.archivist_a, tenant=archive.tenant_a)
    services.selection_units_add(selection=alone, units={archive.ids["PC 0012 maison A"]: "PC 0012"})
    start(client, archive, alone, {"action": "add_keyword", "keyword": "Garage", "keyword_type": "subject"}, count=1)
    services.selection_clear(selection=alone)

    selection = pcs(archive)
    update = start(client, archive, selection, {"action": "add_keyword", "keyword": "Urbanisme"})
    assert update.state == MassUpdate.State.SUCCEEDED and update.ok_count == 2, update.error
    assert VitamBatch.objects.filter(mass_update=update).count() == 2  # two groups of keywords
    assert unit(archive, "PC 0012 maison A")["Keyword"] == [{"KeywordContent": "Garage", "KeywordType": "subject"},
                                                            {"KeywordContent": "Urbanisme"}]
    assert unit(archive, "PC 0047 garage A")["Keyword"] == [{"KeywordContent": "Urbanisme"}]

    # removed by its text whatever its type; the other keywords stay
    start(client, archive, selection, {"action": "remove_keyword", "keyword": "Garage"})
    assert unit(archive, "PC 0012 maison A")["Keyword"] == [{"KeywordContent": "Urbanisme"}]
    start(client, archive, selection, {"action": "remove_keyword", "keyword": "Urbanisme"})
    assert "Keyword" not in unit(archive, "PC 0047 garage A")
