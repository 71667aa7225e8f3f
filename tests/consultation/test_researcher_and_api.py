"""Researchers' portal (communicable units only, through the researchers' contract) and the units API."""

from django.urls import reverse

from tests.consultation.helpers import TEXT
from tests.factories import api_key


def test_researcher_sees_only_communicable_units(client, archive):
    client.force_login(archive.researcher_a)
    response = client.get(reverse("consultation:researcher_home"), {"q": "dossier note compte plan"})
    assert response.status_code == 200
    (section,) = response.context["sections"]
    titles = {unit["Title"] for unit in section["results"].results}
    assert {"Dossier public 2001", "Plan du quartier", 'Compte rendu ; "quoted"'} <= titles
    assert "Dossier confidentiel 2020" not in titles and "Note nominative" not in titles
    page = response.content.decode()
    assert "Confidentiel" not in page and "Commune B" not in page


def test_researcher_gets_404_on_a_non_communicable_unit(client, archive):
    client.force_login(archive.researcher_a)
    for title in ("Dossier confidentiel 2020", "Note nominative"):
        url = reverse("consultation:researcher_unit", args=[archive.tenant_a.pk, archive.ids[title]])
        assert client.get(url).status_code == 404
        download = reverse("consultation:researcher_object_download",
                           args=[archive.tenant_a.pk, archive.ids[title], "BinaryMaster", 1])
        assert client.get(download).status_code == 404


def test_researcher_reads_a_communicable_unit_without_management_data(client, archive):
    client.force_login(archive.researcher_a)
    unit_id = archive.ids['Compte rendu ; "quoted"']
    response = client.get(reverse("consultation:researcher_unit", args=[archive.tenant_a.pk, unit_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "ACC-00001" not in page and "APP-DELIB" not in page and archive.ids["operation"] not in page
    assert [a["Title"] for a in response.context["ancestors"]] == ["Dossier public 2001"]
    (version,) = response.context["objects"]
    download = client.get(reverse("consultation:researcher_object_download",
                                  args=[archive.tenant_a.pk, unit_id, version.usage, version.version]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == TEXT.encode()


def test_researcher_usage_outside_the_contract_is_refused(client, archive):
    """The researchers' contract allows BinaryMaster and Dissemination only: Vitam answers 401 for a
    thumbnail, SAM a 403 page saying why."""
    client.force_login(archive.researcher_a)
    unit_id = archive.ids["Plan du quartier"]
    response = client.get(reverse("consultation:researcher_object_download",
                                  args=[archive.tenant_a.pk, unit_id, "Thumbnail", 1]))
    assert response.status_code == 403
    assert "Thumbnail" in response.content.decode()
    master = client.get(reverse("consultation:researcher_object_download",
                                args=[archive.tenant_a.pk, unit_id, "BinaryMaster", 1]), {"preview": "1"})
    assert master.status_code == 200 and master["Content-Type"] == "image/png"


def test_researchers_and_archivists_stay_in_their_lane(client, archive):
    client.force_login(archive.researcher_a)
    assert client.get(reverse("consultation:search", args=[archive.tenant_a.pk])).status_code == 404
    other = reverse("consultation:researcher_unit", args=[archive.tenant_b.pk, archive.ids_b["Dossier public 2001"]])
    assert client.get(other).status_code == 404
    client.force_login(archive.archivist_a)
    own = reverse("consultation:researcher_unit", args=[archive.tenant_a.pk, archive.ids["Dossier public 2001"]])
    assert client.get(own).status_code == 404
    home = client.get(reverse("consultation:researcher_home"))
    assert home.status_code == 200 and home.context["tenants"] == []


def test_controller_has_no_search_by_default(client, archive):
    client.force_login(archive.controller)
    assert client.get(reverse("consultation:search", args=[archive.tenant_a.pk])).status_code == 404


# --- API --------------------------------------------------------------------------------------------------


def _token_client(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_key(user)}"
    return client


def test_api_unit_search_and_detail_with_token(client, archive):
    api = _token_client(client, archive.archivist_a)
    url = reverse("api-unit-list", args=[archive.tenant_a.pk])
    response = api.get(url, {"opi": archive.ids["operation"], "level": "Item", "sort": "title"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3 and [r["title"] for r in body["results"]] == sorted(r["title"] for r in body["results"])
    assert body["facets"]["level"] == {"Item": 3}
    detail = api.get(reverse("api-unit-detail", args=[archive.tenant_a.pk, archive.ids['Compte rendu ; "quoted"']]))
    assert detail.status_code == 200
    data = detail.json()
    assert data["ancestors"][0]["title"] == "Dossier public 2001"
    assert data["rules"]["AccessRule"]["rules"][0]["inherited"] is True
    assert data["objects"][0]["size"] == len(TEXT.encode())
    bad = api.get(url, {"date_from": "not a date"})
    assert bad.status_code == 400 and "date_from" in bad.json()


def test_api_isolation(client, archive):
    api = _token_client(client, archive.archivist_a)
    assert api.get(reverse("api-unit-list", args=[archive.tenant_b.pk])).status_code == 404
    b_unit = archive.ids_b["Dossier public 2001"]
    assert api.get(reverse("api-unit-detail", args=[archive.tenant_b.pk, b_unit])).status_code == 404
    assert api.get(reverse("api-unit-detail", args=[archive.tenant_a.pk, b_unit])).status_code == 404
    client.defaults.pop("HTTP_AUTHORIZATION")
    assert client.get(reverse("api-unit-list", args=[archive.tenant_a.pk])).status_code in (401, 403)
