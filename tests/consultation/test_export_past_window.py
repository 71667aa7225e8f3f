"""CSV exports past Vitam's 10,000 result window: the search export and a selection's export read Vitam's
/units/stream and hold every unit, never a silent cut at 10,000."""

import csv
import io

import pytest
from django.urls import reverse

from sam.selection.models import Selection, SelectionEntry
from sam.site.demo import agency_prefix
from vitamlite import units_store
from vitamlite.ids import new_guid

pytestmark = pytest.mark.django_db
COUNT = 10_050


@pytest.fixture
def many_units(vitam_world, vitamlite_server):
    """10,050 items under one file of tenant A, stored in vitam-lite's own store in 5,000-unit batches (as many
    ingests would)."""
    tenant = vitam_world.tenant_a.vitam_id
    agency = f"{agency_prefix(vitam_world.tenant_a.organisation)}-URBA"
    opi = new_guid(tenant)
    common = {"#unitType": "INGEST", "#originating_agency": agency, "#originating_agencies": [agency], "#opi": opi,
              "#operations": [opi], "#management": {}}
    folder = {"#id": new_guid(tenant), "Title": "Registre d'état civil", "DescriptionLevel": "File",
              "#unitups": [], **common}
    items = [{"#id": new_guid(tenant), "Title": f"Acte {n:05d}", "DescriptionLevel": "Item",
              "StartDate": "1901-01-01", "#unitups": [folder["#id"]], **common} for n in range(COUNT)]
    db = vitamlite_server.app.store.new_connection()
    try:
        units_store.insert_units(db, tenant, [folder])
        for start in range(0, COUNT, 5000):
            units_store.insert_units(db, tenant, items[start:start + 5000])
            db.commit()
    finally:
        db.close()
    return {"world": vitam_world, "folder": folder["#id"], "opi": opi}


def rows_of(response):
    assert response.status_code == 200 and response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))


def test_search_export_holds_every_unit_past_10000(client, many_units):
    world = many_units["world"]
    client.force_login(world.archivist_a)
    response = client.get(reverse("consultation:search_export", args=[world.tenant_a.pk]),
                          {"opi": many_units["opi"], "level": "Item", "columns": ["title"]})
    assert response["X-Total-Results"] == str(COUNT)
    rows = rows_of(response)
    assert len(rows) == COUNT + 1
    assert {row[0] for row in rows[1:]} == {f"Acte {n:05d}" for n in range(COUNT)}


def test_selection_export_holds_every_unit_past_10000(client, many_units):
    world = many_units["world"]
    selection = Selection.objects.create(user=world.archivist_a, tenant=world.tenant_a,
                                         organisation=world.tenant_a.organisation, name="Registre", kept=True)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=many_units["folder"],
                                  label="Registre", with_descendants=True)
    client.force_login(world.archivist_a)
    response = client.get(reverse("selection:export", args=[world.tenant_a.pk, selection.pk]), {"columns": ["title"]})
    rows = rows_of(response)
    assert len(rows) == COUNT + 2  # header, the file and its 10,050 items
    assert "-premiers" not in response["Content-Disposition"]
