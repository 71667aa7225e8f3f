"""Search, unit view, objects, journal and register screens as commune A's archivist, on vitam-lite."""

import csv
import hashlib
import io
import json

import pytest
from django.urls import reverse
from django.utils.translation import override

from sam.consultation.models import SavedSearch
from sam.consultation.seda_labels import ROW_DISPLAY_KEYS, readable_metadata
from tests.consultation.helpers import TEXT, tiny_png


def _text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def search(client, world, **params):
    return client.get(reverse("consultation:search", args=[world.tenant_a.pk]), params)


# --- search ------------------------------------------------------------------------------------------


def test_full_text_search_lists_units_with_facets(client, archive):
    client.force_login(archive.archivist_a)
    response = search(client, archive, q="dossier")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dossier public 2001" in page and "Dossier confidentiel 2020" in page
    assert "Note nominative" not in page
    facets = {facet["label"]: facet for facet in response.context["facets"]}
    levels = {bucket["label"]: bucket["count"] for bucket in facets["Niveau de description"]["buckets"]} \
        if "Niveau de description" in facets else {b["label"]: b["count"] for b in facets["Description level"]["buckets"]}
    assert levels and sum(levels.values()) == response.context["results"].total == 2
    # The service producteur by its name, in the facet and in the rows, not by its code.
    agencies = facets.get("Service producteur") or facets["Producing service"]
    shown = {bucket["label"] for bucket in agencies["buckets"]} | {unit["agency"] for unit in response.context["results"].results}
    assert shown and all(label.startswith("Direction générale des services") for label in shown), shown


@pytest.mark.parametrize("params, expected", [
    ({"level": "Item", "date_from": "2001-01-01", "date_to": "2001-12-31"}, {'Compte rendu ; "quoted"', "Plan du quartier"}),
    # Rules as the unit page shows them: the items inherit their folder's (issue 14).
    ({"rule_type": "AccessRule", "rule_end_before": "2030-01-01"},
     {"Dossier public 2001", 'Compte rendu ; "quoted"', "Plan du quartier"}),
    ({"rule_type": "AccessRule", "rule_end_after": "2030-01-01"}, {"Dossier confidentiel 2020", "Note nominative"}),
    ({"final_action": "Destroy"}, {"Dossier public 2001", 'Compte rendu ; "quoted"', "Plan du quartier"}),
    ({"title": "plan"}, {"Plan du quartier"}),
    ({"description": "municipal"}, {"Dossier public 2001"}),
])
def test_advanced_criteria(client, archive, params, expected):
    client.force_login(archive.archivist_a)
    response = search(client, archive, **params)
    assert response.status_code == 200, response.content
    assert {unit["Title"] for unit in response.context["results"].results} == expected


def test_search_under_a_node_and_by_operation(client, archive):
    client.force_login(archive.archivist_a)
    under = search(client, archive, node=archive.ids["Dossier public 2001"])
    assert {u["Title"] for u in under.context["results"].results} == {'Compte rendu ; "quoted"', "Plan du quartier"}
    by_operation = search(client, archive, opi=archive.ids["operation"], sort="title")
    titles = [u["Title"] for u in by_operation.context["results"].results]
    assert titles == sorted(titles) and len(titles) == 5


def test_sorting_and_paging(client, archive):
    client.force_login(archive.archivist_a)
    first = search(client, archive, opi=archive.ids["operation"], sort="-start", per_page="25")
    starts = [u["StartDate"] for u in first.context["results"].results]
    assert starts == sorted(starts, reverse=True)
    beyond = search(client, archive, q="dossier", page="401", per_page="25")
    assert beyond.context["results"] is None
    assert "10" in beyond.content.decode() and beyond.context["form"].non_field_errors()


def test_invalid_dates_are_explained(client, archive):
    client.force_login(archive.archivist_a)
    response = search(client, archive, date_from="2020-01-01", date_to="2000-01-01")
    assert response.context["results"] is None and response.context["form"].errors["date_to"]


# --- CSV export -----------------------------------------------------------------------------------------


def test_csv_export_is_rfc4180_utf8_with_bom_and_streamed(client, archive):
    client.force_login(archive.archivist_a)
    url = reverse("consultation:search_export", args=[archive.tenant_a.pk])
    response = client.get(url, {"opi": archive.ids["operation"], "sort": "title", "columns": ["title", "id", "level"]})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["X-Total-Results"] == "5" and "X-Result-Window-Reached" not in response
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 6
    text = raw.decode("utf-8-sig")
    assert '"Compte rendu ; ""quoted"""' in text  # quotes doubled, field quoted
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 6 and len(rows[0]) == 3
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])
    assert {row[1] for row in rows[1:]} == {v for k, v in archive.ids.items() if k != "operation"}


def test_csv_export_defuses_formulas_and_unknown_columns_fall_back(client, archive):
    from sam.lib.csv_export import neutralise as _cell

    assert _cell("=SUM(A1)") == "'=SUM(A1)" and _cell("plain") == "plain"
    client.force_login(archive.archivist_a)
    url = reverse("consultation:search_export", args=[archive.tenant_a.pk])
    response = client.get(url, {"q": "dossier", "columns": ["nope"]})
    header = _text(response).lstrip("\ufeff").split("\r\n")[0]
    assert len(header.split(";")) == 6


# --- saved searches -----------------------------------------------------------------------------------------


def test_saved_searches_create_rename_delete(client, archive):
    client.force_login(archive.archivist_a)
    url = reverse("consultation:saved_search_manage", args=[archive.tenant_a.pk])
    for number in range(30):  # no small fixed limit
        response = client.post(url, {"action": "create", "name": f"Recherche {number}", "q": "dossier",
                                     "level": "File", "page": "3", "csrfmiddlewaretoken": "x"})
        assert response.status_code == 302
    saved = SavedSearch.objects.get(user=archive.archivist_a, name="Recherche 7")
    assert saved.parameters == {"q": "dossier", "level": "File"}
    duplicate = client.post(url, {"action": "create", "name": "Recherche 7", "q": "x"}, follow=True)
    assert SavedSearch.objects.filter(user=archive.archivist_a).count() == 30
    assert "Recherche 7" in duplicate.content.decode()
    client.post(url, {"action": "rename", "saved_search": saved.pk, "name": "Délibérations"})
    saved.refresh_from_db()
    assert saved.name == "Délibérations"
    page = search(client, archive)
    assert "Délibérations" in page.content.decode()
    client.post(url, {"action": "delete", "saved_search": saved.pk})
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()


def test_saved_searches_of_others_are_untouchable(client, archive):
    other = SavedSearch.objects.create(user=archive.referent_a, tenant=archive.tenant_a, name="Mine", parameters={})
    client.force_login(archive.archivist_a)
    url = reverse("consultation:saved_search_manage", args=[archive.tenant_a.pk])
    client.post(url, {"action": "rename", "saved_search": other.pk, "name": "Stolen"})
    client.post(url, {"action": "delete", "saved_search": other.pk})
    other.refresh_from_db()
    assert other.name == "Mine"
    assert "Mine" not in search(client, archive).content.decode()


# --- unit view ------------------------------------------------------------------------------------------------


def test_unit_view_shows_metadata_tree_rules_objects_lifecycle(client, archive):
    client.force_login(archive.archivist_a)
    unit_id = archive.ids['Compte rendu ; "quoted"']
    response = client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, unit_id]))
    assert response.status_code == 200
    context = response.context
    assert [a["Title"] for a in context["ancestors"]] == ["Dossier public 2001"]
    rules = {category.code: category for category in context["rules"]}
    access = rules["AccessRule"].rules[0]
    assert access.rule_id == "ACC-00001" and access.inherited and access.origin_id == archive.ids["Dossier public 2001"]
    assert access.end == "2001-12-31" and not access.running
    assert rules["AppraisalRule"].max_end == "2012-01-01"
    assert ("FinalAction", "Destroy") in [(n, str(v)) for n, v in rules["AppraisalRule"].properties] or \
        any(n == "FinalAction" for n, _v in rules["AppraisalRule"].properties)
    (version,) = context["objects"]
    assert version.usage == "BinaryMaster" and version.size == len(TEXT.encode())
    assert version.digest == hashlib.sha512(TEXT.encode()).hexdigest()
    assert context["lifecycle"] and context["lifecycle"][0]["evTypeProc"] == "INGEST"
    assert {row["name"] for row in context["metadata"]} >= {"Title", "DescriptionLevel", "StartDate"}
    # What the search rows compute on the unit (level_label, agency…) is not shown as its metadata.
    assert not {row["name"] for row in context["metadata"]} & ROW_DISPLAY_KEYS
    parent = client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, archive.ids["Dossier public 2001"]]))
    assert parent.context["children"].total == 2


def test_object_download_is_streamed_and_preview_is_safe(client, archive):
    client.force_login(archive.archivist_a)
    text_id = archive.ids['Compte rendu ; "quoted"']
    download = client.get(reverse("consultation:unit_object_download", args=[archive.tenant_a.pk, text_id, "BinaryMaster", 1]))
    assert download.status_code == 200 and download.streaming
    assert b"".join(download.streaming_content) == TEXT.encode()
    assert download["Content-Type"] == "application/octet-stream" and "attachment" in download["Content-Disposition"]
    preview = client.get(reverse("consultation:unit_object_preview",
                                 args=[archive.tenant_a.pk, archive.ids["Plan du quartier"], "BinaryMaster", 1]))
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert preview["Content-Disposition"].startswith("inline") and "sandbox" in preview["Content-Security-Policy"]
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert b"".join(preview.streaming_content) == tiny_png()
    missing = client.get(reverse("consultation:unit_object_download", args=[archive.tenant_a.pk, text_id, "Dissemination", 1]))
    assert missing.status_code == 404


def test_commune_a_cannot_open_commune_b_units(client, archive):
    client.force_login(archive.archivist_a)
    b_unit = archive.ids_b["Dossier public 2001"]
    assert client.get(reverse("consultation:unit_detail", args=[archive.tenant_b.pk, b_unit])).status_code == 404
    # Through its own tenant, A's archivist still cannot reach B's unit: Vitam isolates tenants.
    assert client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, b_unit])).status_code == 404
    assert client.get(reverse("consultation:unit_object_download",
                              args=[archive.tenant_a.pk, b_unit, "BinaryMaster", 1])).status_code == 404


# --- journal, register -----------------------------------------------------------------------------------------


def test_journal_filters_and_detail(client, archive):
    client.force_login(archive.archivist_a)
    url = reverse("consultation:operation_list", args=[archive.tenant_a.pk])
    ingests = client.get(url, {"type": "INGEST"}).context["operations"]
    assert ingests.total >= 1 and {op["evTypeProc"] for op in ingests.results} == {"INGEST"}
    assert archive.ids["operation"] in {op["id"] for op in ingests.results}
    masterdata = client.get(url, {"type": "MASTERDATA"}).context["operations"]
    assert masterdata.total >= 3 and {op["evTypeProc"] for op in masterdata.results} == {"MASTERDATA"}
    assert client.get(url, {"status": "FATAL"}).context["operations"].total == 0
    ok = client.get(url, {"status": "OK", "type": "INGEST"}).context["operations"]
    assert archive.ids["operation"] in {op["id"] for op in ok.results}
    assert client.get(url, {"date_to": "2000-01-01"}).context["operations"].total == 0
    detail = client.get(reverse("consultation:operation_detail", args=[archive.tenant_a.pk, archive.ids["operation"]]))
    assert detail.status_code == 200 and detail.context["operation"]["final_outcome"] in ("OK", "WARNING")
    assert len(detail.context["operation"]["event_rows"]) > 3


def test_journal_line_says_what_it_is_about_who_asked_and_links_to_the_deposit(client, archive,
                                                                                django_assert_num_queries):
    from sam.deposits.models import Deposit
    from sam.consultation.selectors import operation_subjects

    archive.archivist_a.first_name, archive.archivist_a.last_name = "Julie", "Archiviste"
    archive.archivist_a.save()
    deposit = Deposit.objects.create(
        tenant=archive.tenant_a, organisation=archive.org_a, created_by=archive.archivist_a,
        title="Délibérations du conseil 2019", originating_agency="A-SERVICE", operation_id=archive.ids["operation"],
        state=Deposit.State.COMPLETED, operation_status="OK")
    with django_assert_num_queries(1):  # a page's operation ids mapped to SAM records in one query
        subjects = operation_subjects(archive.tenant_a, [archive.ids["operation"], "aeeaaaaaaunknown"])
    assert subjects[archive.ids["operation"]]["person"] == "Julie Archiviste"
    client.force_login(archive.archivist_a)
    page = client.get(reverse("consultation:operation_list", args=[archive.tenant_a.pk]), {"type": "INGEST"})
    html = page.content.decode()
    assert "Délibérations du conseil 2019" in html and "A-SERVICE" in html and "Julie Archiviste" in html
    assert reverse("deposits:deposit_detail", args=[archive.tenant_a.pk, deposit.pk]) in html
    line = next(op for op in page.context["operations"].results if op["id"] == archive.ids["operation"])
    assert line["started_at"].tzinfo is not None  # shown in Europe/Paris by the date filter


def test_journal_shows_nothing_of_another_tenants_records(client, archive):
    from sam.deposits.models import Deposit
    from sam.consultation.selectors import operation_subjects

    Deposit.objects.create(tenant=archive.tenant_b, organisation=archive.org_b, title="Versement de B",
                           operation_id=archive.ids["operation"])
    assert operation_subjects(archive.tenant_a, [archive.ids["operation"]]) == {}


def test_atr_and_evidence_downloads(client, archive):
    client.force_login(archive.archivist_a)
    operation = archive.ids["operation"]
    atr = client.get(reverse("consultation:operation_atr", args=[archive.tenant_a.pk, operation]))
    assert atr.status_code == 200 and b"ArchiveTransferReply" in b"".join(atr.streaming_content)
    evidence = client.get(reverse("consultation:operation_evidence", args=[archive.tenant_a.pk, operation]))
    assert evidence.status_code == 200
    assert hashlib.sha512(evidence.content).hexdigest() == evidence["X-Content-SHA512"]
    document = json.loads(evidence.content)
    assert document["operation"]["evId"] == operation and len(document["operation"]["events"]) > 3
    canonical = json.dumps(document["operation"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha512(canonical.encode()).hexdigest() == document["operation_sha512"]


def test_rules_import_report(client, archive):
    client.force_login(archive.archivist_a)
    url = reverse("consultation:operation_list", args=[archive.tenant_a.pk])
    operations = client.get(url, {"type": "MASTERDATA"}).context["operations"].results
    rules_import = next(op for op in operations if "RULES" in op["evType"])
    report = client.get(reverse("consultation:operation_report", args=[archive.tenant_a.pk, rules_import["id"]]))
    assert report.status_code == 200
    assert json.loads(b"".join(report.streaming_content))


def test_register_summary_and_detail(client, archive):
    client.force_login(archive.archivist_a)
    response = client.get(reverse("consultation:register", args=[archive.tenant_a.pk]))
    assert response.status_code == 200
    summaries = response.context["summaries"]
    assert summaries and response.context["totals"]["TotalUnits"] >= 5
    agency = summaries[0]["OriginatingAgency"]
    detail = client.get(reverse("consultation:register_detail", args=[archive.tenant_a.pk, agency]))
    assert detail.status_code == 200 and detail.context["details"].results
    assert archive.ids["operation"] in {d["Opc"] for d in detail.context["details"].results}


def test_keyword_types_read_in_the_archivists_words():
    with override("fr"):
        (row,) = readable_metadata({"Keyword": [{"KeywordContent": "Pontoise", "KeywordType": "geogname"}]})
        (value,) = row["values"]
        assert "Pontoise" in value and "Lieu" in value and "geogname" not in value
