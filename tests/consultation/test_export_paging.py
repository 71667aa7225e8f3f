"""CSV export: Vitam streams only the chosen columns' fields (/units/stream, no result window); every unit
comes once, in order."""

import csv
import io

from django.urls import reverse

from sam.consultation import selectors
from sam.consultation.services import EXPORT_COLUMN_FIELDS, EXPORT_COLUMNS


def test_every_column_says_which_fields_it_reads():
    assert set(EXPORT_COLUMN_FIELDS) == set(EXPORT_COLUMNS)


def test_the_stream_gives_every_unit_once_in_order(archive):
    criteria = {"opi": archive.ids["operation"], "sort": "title"}
    total, rows = selectors.units_for_export(archive.tenant_a, criteria, user=archive.archivist_a, fields=["#id", "Title"])
    units = list(rows)
    assert total == 5 and len(units) == 5
    assert [unit["Title"] for unit in units] == sorted((unit["Title"] for unit in units), key=str.casefold)
    assert {unit["#id"] for unit in units} == {v for k, v in archive.ids.items() if k != "operation"}
    assert all(set(unit) <= {"#id", "Title"} for unit in units)


def test_rule_columns_are_exported_from_the_management_metadata(client, archive):
    client.force_login(archive.archivist_a)
    url = reverse("consultation:search_export", args=[archive.tenant_a.pk])
    columns = ["title", "appraisal_rule", "appraisal_end", "final_action", "access_end", "parent", "has_objects"]
    response = client.get(url, {"opi": archive.ids["operation"], "level": "File", "columns": columns})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {"Dossier public 2001", "Dossier confidentiel 2020"}
    public, confidential = by_title["Dossier public 2001"], by_title["Dossier confidentiel 2020"]
    assert public[1] == "APP-DELIB" and public[3] == "Destroy" and confidential[3] == "Keep"
    assert public[2] and public[4] and confidential[4] > public[4]  # end dates computed by Vitam
    assert public[5] == "" and public[6] == "0"  # top-level files, no object of their own
