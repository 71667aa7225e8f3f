"""RuleCategoryToFilter on an access contract: units whose access rule (own or inherited) still runs are
invisible through that contract — in searches, by id, with inherited rules, and their object groups."""

import io
from datetime import date, timedelta

import pytest

from vitamlite import binaries, units_store
from vitamlite.ids import new_guid
from vitamlite.referentials import store as referentials

ACCESS = "/access-external/v1"
PAST = (date.today() - timedelta(days=400)).isoformat()
FUTURE = (date.today() + timedelta(days=400)).isoformat()
IDS = {name: new_guid() for name in ("open", "closed", "under_closed", "no_end", "open_child", "group_open",
                                     "group_closed", "bin_open", "bin_closed")}
QUERY = {"$roots": [], "$query": [{"$exists": "Title"}], "$filter": {}, "$projection": {}}


def _unit(name, *, parents=(), access_end="none", group=None):
    management = {}
    if access_end != "none":
        rule = {"Rule": "ACC-00001", "StartDate": "2000-01-01"}
        if access_end:
            rule["EndDate"] = access_end
        management["AccessRule"] = {"Rules": [rule]}
    doc = {"#id": IDS[name], "Title": f"Unité {name}", "DescriptionLevel": "File", "#unitType": "INGEST",
           "#management": management, "#unitups": [IDS[p] for p in parents], "#opi": "op-test",
           "#originating_agency": "AG1", "#originating_agencies": ["AG1"]}
    if group:
        doc["#object"] = IDS[group]
    return doc


def _group(name, unit, binary):
    return {"#id": IDS[name], "#originating_agency": "AG1", "#unitups": [IDS[unit]], "#qualifiers": [
        {"qualifier": "BinaryMaster", "#nbc": 1, "versions": [
            {"#id": IDS[binary], "DataObjectVersion": "BinaryMaster_1", "Size": 4,
             "FileInfo": {"Filename": "a.txt"}}]}]}


@pytest.fixture(scope="module")
def archive(lite):
    store = lite.app.store
    db = store.new_connection()
    referentials.put(db, 0, "access_contracts", {
        "Identifier": "AC-PUBLIC", "Name": "public", "Status": "ACTIVE", "EveryOriginatingAgency": True,
        "EveryDataObjectVersion": True, "RuleCategoryToFilter": ["AccessRule"]})
    referentials.put(db, 0, "access_contracts", {
        "Identifier": "AC-FULL", "Name": "full", "Status": "ACTIVE", "EveryOriginatingAgency": True,
        "EveryDataObjectVersion": True})
    for name in ("bin_open", "bin_closed"):
        binaries.put(store, 0, io.BytesIO(b"data"), name=IDS[name])
    units_store.insert_units(db, 0, [
        _unit("open", access_end=PAST, group="group_open"),
        _unit("open_child", parents=["open"]),
        _unit("closed", access_end=FUTURE, group="group_closed"),
        _unit("under_closed", parents=["closed"], access_end=PAST),
        _unit("no_end", access_end=""),
    ])
    units_store.insert_object_groups(db, 0, [_group("group_open", "open", "bin_open"),
                                             _group("group_closed", "closed", "bin_closed")])
    db.commit()
    db.close()
    return IDS


def _ids(response):
    assert response.status_code == 200, response.text
    return {unit["#id"] for unit in response.json()["$results"]}


def test_search_hides_units_whose_access_rule_runs_own_or_inherited(http, archive):
    public = _ids(http.with_(contract="AC-PUBLIC").get(f"{ACCESS}/units", json=QUERY))
    assert public == {archive["open"], archive["open_child"]}
    full = _ids(http.with_(contract="AC-FULL").get(f"{ACCESS}/units", json=QUERY))
    assert full == {archive[n] for n in ("open", "open_child", "closed", "under_closed", "no_end")}


@pytest.mark.parametrize("name", ["closed", "under_closed", "no_end"])
def test_get_by_id_of_a_non_communicable_unit_is_404(http, archive, name):
    response = http.with_(contract="AC-PUBLIC").get(f"{ACCESS}/units/{archive[name]}", json={"$projection": {}})
    assert response.status_code == 404
    objects = http.with_(contract="AC-PUBLIC").get(f"{ACCESS}/units/{archive[name]}/objects",
                                                   json={"$projection": {}})
    assert objects.status_code == 404
    assert http.with_(contract="AC-FULL").get(f"{ACCESS}/units/{archive[name]}",
                                              json={"$projection": {}}).status_code == 200


def test_communicable_unit_and_its_binary_are_served(http, archive):
    response = http.with_(contract="AC-PUBLIC").get(f"{ACCESS}/units/{archive['open']}", json={"$projection": {}})
    assert response.status_code == 200 and response.json()["$results"][0]["#id"] == archive["open"]
    binary = http.with_(contract="AC-PUBLIC").get(
        f"{ACCESS}/units/{archive['open']}/objects",
        headers={"Accept": "application/octet-stream", "X-Qualifier": "BinaryMaster", "X-Version": "1"})
    assert binary.status_code == 200 and binary.content == b"data"


def test_object_groups_follow_their_units(http, archive):
    query = {"$roots": [], "$query": [{"$exists": "#id"}], "$filter": {}, "$projection": {}}
    assert _ids(http.with_(contract="AC-PUBLIC").get(f"{ACCESS}/objects", json=query)) == {archive["group_open"]}
    assert http.with_(contract="AC-PUBLIC").get(f"{ACCESS}/objects/{archive['group_closed']}").status_code == 404
    assert _ids(http.with_(contract="AC-FULL").get(f"{ACCESS}/objects", json=query)) == {
        archive["group_open"], archive["group_closed"]}


def test_units_with_inherited_rules_apply_the_filter(http, archive):
    public = _ids(http.with_(contract="AC-PUBLIC").get(f"{ACCESS}/unitsWithInheritedRules", json=QUERY))
    assert public == {archive["open"], archive["open_child"]}
