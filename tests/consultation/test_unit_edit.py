"""Editing a unit's description from its page: Vitam's single-unit update on vitam-lite, #version as a lock."""

import pytest
from django.urls import reverse

from tenants.models import AuditEntry
from tenants.vitam_clients import vitam_client


def edit_url(world, unit_id):
    return reverse("consultation:unit_edit", args=[world.tenant_a.pk, unit_id])


def stored(world, unit_id):
    return vitam_client(world.tenant_a).get_unit(unit_id)


def form_data(response, **changes):
    """The edit form as the page shows it (every field and rule line), with some values changed."""
    form, formset = response.context["form"], response.context["formset"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None else str(value)) for name, value in data.items()}
    management = formset.management_form
    data.update({f"rules-{name}": str(management[name].value() or 0) for name in management.fields})
    for index, line in enumerate(formset.forms):
        for name in line.fields:
            value = line[name].value()
            if name == "remove":
                if value:
                    data[f"rules-{index}-remove"] = "on"
            else:
                data[f"rules-{index}-{name}"] = "" if value is None else str(value)
    data.update(changes)
    return data


def access_line(data) -> str:
    """The prefix of the form's line holding the unit's access rule."""
    return next(key[:-len("category")] for key, value in data.items() if key.endswith("-category")
                and value == "AccessRule")


@pytest.fixture
def unit_id(archive):
    return archive.ids["Dossier public 2001"]


def test_form_shows_the_unit_with_french_levels_and_its_own_rules(client, archive, unit_id):
    client.force_login(archive.archivist_a)
    page = client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, unit_id]))
    assert edit_url(archive, unit_id) in page.content.decode()
    viewed = AuditEntry.objects.filter(action="consultation.unit_view", target_id=unit_id).count()
    response = client.get(edit_url(archive, unit_id))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="consultation.unit_view", target_id=unit_id).count() == viewed + 1
    html = response.content.decode()
    form = response.context["form"]
    assert form["title"].value() == "Dossier public 2001"
    assert form["version"].value() == str(stored(archive, unit_id)["#version"])
    assert str(form["start_date"].value()) == "2001-01-01" and form["appraisal_final_action"].value() == "Destroy"
    assert '<option value="File" selected>Dossier</option>' in html and ">File<" not in html
    lines = [line.initial for line in response.context["formset"].forms if line.initial]
    assert {(line["category"], line["rule"]) for line in lines} == {("AccessRule", "ACC-00001"),
                                                                    ("AppraisalRule", "APP-DELIB")}


def test_saving_changes_vitam_and_records_before_and_after(client, archive, unit_id):
    client.force_login(archive.archivist_a)
    before = stored(archive, unit_id)
    data = form_data(client.get(edit_url(archive, unit_id)), title="Conseil municipal 2001",
                     description="Délibérations", start_date="2001-02-01", level="RecordGrp",
                     keywords="conseil municipal\ndélibérations", appraisal_final_action="Keep")
    line = access_line(data)
    data[line + "rule"], data[line + "start_date"] = "ACC-00050", "2001-06-30"  # the access rule changed
    response = client.post(edit_url(archive, unit_id), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    after = stored(archive, unit_id)
    assert after["#version"] == before["#version"] + 1
    assert (after["Title"], after["Description"], after["StartDate"][:10], after["DescriptionLevel"]) == (
        "Conseil municipal 2001", "Délibérations", "2001-02-01", "RecordGrp")
    assert [keyword["KeywordContent"] for keyword in after["Keyword"]] == ["conseil municipal", "délibérations"]
    assert after["#management"]["AccessRule"]["Rules"][0]["Rule"] == "ACC-00050"
    assert after["#management"]["AppraisalRule"]["FinalAction"] == "Keep"
    entry = AuditEntry.objects.get(action="consultation.unit_edit", target_id=unit_id)
    assert entry.actor == archive.archivist_a and entry.tenant == archive.tenant_a
    assert entry.before["title"] == "Dossier public 2001" and entry.after["title"] == "Conseil municipal 2001"
    assert entry.before["appraisal_final_action"] == "Destroy" and entry.after["appraisal_final_action"] == "Keep"
    assert "end_date" not in entry.after  # only what changed
    page = client.get(response["Location"]).content.decode()
    assert "Conseil municipal 2001" in page and "Délibérations" in page


def test_second_editor_sees_the_conflict_keeps_input_and_can_resubmit(client, archive, unit_id):
    client.force_login(archive.archivist_a)
    opened = client.get(edit_url(archive, unit_id))
    first = form_data(opened, title="Titre du premier", keywords="archives")
    mine = form_data(opened, title="Titre du second", description="Ma description")
    assert client.post(edit_url(archive, unit_id), first).status_code == 302
    version = stored(archive, unit_id)["#version"]

    conflict = client.post(edit_url(archive, unit_id), mine)
    assert conflict.status_code == 409
    rows = {row["label"]: (row["stored"], row["theirs"], row["kept_theirs"]) for row in conflict.context["conflict"]}
    # Both changed the title: theirs stays in the form; only the other changed the keywords: they are taken.
    assert rows == {"Intitulé": ("Titre du premier", "Titre du second", True),
                    "Mots-clés": ("archives", "", False)}
    form = conflict.context["form"]
    assert (form["title"].value(), form["description"].value(), form["keywords"].value()) == (
        "Titre du second", "Ma description", "archives")
    assert form["version"].value() == str(version)
    assert "Titre du premier" in conflict.content.decode() and "Titre du second" in conflict.content.decode()
    assert stored(archive, unit_id)["Title"] == "Titre du premier"  # nothing of the second sent

    assert client.post(edit_url(archive, unit_id), form_data(conflict)).status_code == 302
    after = stored(archive, unit_id)
    assert (after["Title"], after["Description"], after["#version"]) == ("Titre du second", "Ma description",
                                                                        version + 1)
    assert [keyword["KeywordContent"] for keyword in after["Keyword"]] == ["archives"]  # nothing lost
    assert AuditEntry.objects.filter(action="consultation.unit_edit", target_id=unit_id).count() == 2


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"title": "  "}, "title", "Donnez un intitulé à l’unité."),
    ({"start_date": "2001-01-01", "end_date": "2000-12-31"}, "end_date", "La date de fin est antérieure à la date de"
                                                                         " début."),
    ({"start_date": "2001-02-30"}, "start_date", "La date de début n’est pas une date valide."),
    ({"appraisal_final_action": ""}, "appraisal_final_action",
     "Choisissez le sort final des règles de durée d’utilité administrative (DUA)."),
    ({"access_rule": "APP-DELIB"}, None, "Cette règle n’est pas de la catégorie choisie."),
])
def test_bad_input_is_named_and_nothing_is_sent(client, archive, unit_id, changes, field, message):
    client.force_login(archive.archivist_a)
    before = stored(archive, unit_id)
    data = form_data(client.get(edit_url(archive, unit_id)), **changes)
    if "access_rule" in data:
        data[access_line(data) + "rule"] = data.pop("access_rule")
    response = client.post(edit_url(archive, unit_id), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    if field:
        assert message in response.context["form"].errors[field]
    assert stored(archive, unit_id) == before
    assert not AuditEntry.objects.filter(action="consultation.unit_edit").exists()


def test_researchers_and_controllers_may_not_edit(client, archive, unit_id):
    for user in (archive.researcher_a, archive.controller):
        client.force_login(user)
        assert client.get(edit_url(archive, unit_id)).status_code == 404
        assert client.post(edit_url(archive, unit_id), {"version": "0", "title": "x"}).status_code == 404
    client.force_login(archive.researcher_a)
    page = client.get(reverse("consultation:researcher_unit", args=[archive.tenant_a.pk, unit_id]))
    assert edit_url(archive, unit_id) not in page.content.decode()


def test_client_refuses_an_update_built_on_an_old_version(archive, unit_id):
    from sam.vitam.errors import VitamBadRequest, VitamVersionConflict

    client = vitam_client(archive.tenant_a)
    version = stored(archive, unit_id)["#version"]
    result = client.update_unit(unit_id, {"Title": "Nouveau titre"}, expected_version=version)
    assert result["operation_id"] and '"Title" : "Nouveau titre"' in result["diff"]
    with pytest.raises(VitamVersionConflict) as conflict:
        client.update_unit(unit_id, {"Title": "Titre périmé"}, expected_version=version)
    assert conflict.value.current_version == version + 1 and conflict.value.status == 409
    with pytest.raises(VitamBadRequest) as refused:
        client.update_unit(unit_id, unset_fields=["Title"], expected_version=version + 1)
    assert refused.value.description == "Invalid unit format : Title is mandatory"
    assert (stored(archive, unit_id)["Title"], stored(archive, unit_id)["#version"]) == ("Nouveau titre", version + 1)


def test_vitam_unreachable_when_sending_keeps_the_input(client, archive, unit_id, settings):
    client.force_login(archive.archivist_a)
    data = form_data(client.get(edit_url(archive, unit_id)), title="Titre gardé", description="Texte gardé")
    reachable = settings.VITAM
    settings.VITAM = {**reachable, "URL": "http://127.0.0.1:9", "CONNECT_TIMEOUT": 1}
    response = client.post(edit_url(archive, unit_id), data)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Le système d’archivage est indisponible pour le moment. Réessayez dans quelques minutes." in html
    form = response.context["form"]
    assert (form["title"].value(), form["description"].value()) == ("Titre gardé", "Texte gardé")
    assert {line["rule"].value() for line in response.context["formset"].forms} >= {"ACC-00001", "APP-DELIB"}
    settings.VITAM = reachable
    assert stored(archive, unit_id)["Title"] == "Dossier public 2001"
