"""access-external units/objects endpoints: contracts, tenant isolation, binary downloads."""

import hashlib
import io
import os

import pytest

from vitamlite import binaries, units_store
from vitamlite.ids import new_guid
from vitamlite.referentials import store as referentials

ACCESS = "/access-external/v1"

IDS = {name: new_guid() for name in ("holding", "root", "child", "other", "foreign", "group", "master", "diss", "big",
                                      "bigv")}
MASTER = b"%PDF-1.4 master copy\n" * 100
DISSEMINATION = b"dissemination copy"
BIG = os.urandom(3 * 1024 * 1024 + 17)


def _unit(name, title, *, parents=(), agency=None, unit_type="INGEST", group=None):
    doc = {"#id": IDS[name], "Title": title, "DescriptionLevel": "File", "#unitType": unit_type, "#management": {},
           "#unitups": [IDS[p] for p in parents], "#opi": "op-test"}
    if agency:
        doc["#originating_agency"] = agency
        doc["#originating_agencies"] = [agency]
    if group:
        doc["#object"] = IDS[group]
    return doc


def _version(name, qualifier, stored, filename):
    return {"#id": IDS[name], "DataObjectVersion": f"{qualifier}_1", "Size": stored.size,
            "MessageDigest": stored.sha512, "Algorithm": "SHA-512", "FileInfo": {"Filename": filename}}


@pytest.fixture(scope="module")
def archive(lite):
    store = lite.app.store
    db = store.new_connection()
    contracts = [
        {"Identifier": "AC-ALL", "EveryOriginatingAgency": True, "EveryDataObjectVersion": True},
        {"Identifier": "AC-AG1", "OriginatingAgencies": ["AG1"], "DataObjectVersion": ["Dissemination"]},
        {"Identifier": "AC-ROOT", "EveryOriginatingAgency": True, "EveryDataObjectVersion": True,
         "RootUnits": [IDS["root"]]},
        {"Identifier": "AC-EXCL", "EveryOriginatingAgency": True, "EveryDataObjectVersion": True,
         "ExcludedRootUnits": [IDS["root"]]},
    ]
    for contract in contracts:
        referentials.put(db, 0, "access_contracts", {"Name": contract["Identifier"], "Status": "ACTIVE", **contract})
    referentials.put(db, 2, "access_contracts", {"Identifier": "AC-ALL", "Name": "x", "Status": "ACTIVE",
                                                 "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    master = binaries.put(store, 0, io.BytesIO(MASTER), name=IDS["master"])
    diss = binaries.put(store, 0, io.BytesIO(DISSEMINATION), name=IDS["diss"])
    big = binaries.put(store, 0, io.BytesIO(BIG), name=IDS["bigv"])
    units_store.insert_units(db, 0, [
        _unit("holding", "Arbre", unit_type="HOLDING_UNIT"),
        _unit("root", "Fonds AG1", agency="AG1"),
        _unit("child", "Dossier AG1", parents=["root"], agency="AG1", group="group"),
        _unit("other", "Dossier AG2", agency="AG2", group="big"),
    ])
    units_store.insert_object_groups(db, 0, [
        {"#id": IDS["group"], "#originating_agency": "AG1", "#unitups": [IDS["child"]], "#qualifiers": [
            {"qualifier": "BinaryMaster", "#nbc": 1, "versions": [_version("master", "BinaryMaster", master, "a.pdf")]},
            {"qualifier": "Dissemination", "#nbc": 1, "versions": [_version("diss", "Dissemination", diss, "a.txt")]},
        ]},
        {"#id": IDS["big"], "#originating_agency": "AG2", "#unitups": [IDS["other"]], "#qualifiers": [
            {"qualifier": "BinaryMaster", "#nbc": 1, "versions": [_version("bigv", "BinaryMaster", big, "big.bin")]}]},
    ])
    units_store.insert_units(db, 2, [_unit("foreign", "Unité d'une autre commune", agency="AG1")])
    db.commit()
    db.close()
    return IDS


def _ids(response):
    assert response.status_code == 200, response.text
    return {unit["#id"] for unit in response.json()["$results"]}


def test_get_unit_by_id(http, archive):
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/units/{archive['child']}", json={"$projection": {}})
    assert response.status_code == 200
    body = response.json()
    assert body["$results"][0]["Title"] == "Dossier AG1" and body["$hits"]["total"] == 1
    assert body["$results"][0]["#allunitups"] == [archive["root"]]


@pytest.mark.parametrize("unit, contract", [
    ("foreign", "AC-ALL"),   # another tenant's unit
    ("other", "AC-AG1"),     # agency outside the contract
    ("other", "AC-ROOT"),    # outside the root units
    ("child", "AC-EXCL"),    # under an excluded root
])
def test_invisible_units_are_404_020101(http, archive, unit, contract):
    response = http.with_(contract=contract).get(f"{ACCESS}/units/{archive[unit]}")
    assert response.status_code == 404
    assert response.json()["code"] == "020101" and response.json()["description"] == "Unit not found"


def test_holding_units_are_always_visible(http, archive):
    assert http.with_(contract="AC-AG1").get(f"{ACCESS}/units/{archive['holding']}").status_code == 200


def test_unit_search_applies_tenant_and_contract(http, archive):
    query = {"$roots": [], "$query": [{"$exists": "Title"}], "$filter": {}, "$projection": {}}
    all_units = _ids(http.with_(contract="AC-ALL").get(f"{ACCESS}/units", json=query))
    assert all_units == {archive[n] for n in ("holding", "root", "child", "other")}
    assert _ids(http.with_(contract="AC-AG1").get(f"{ACCESS}/units", json=query)) == {
        archive["holding"], archive["root"], archive["child"]}
    assert _ids(http.with_(contract="AC-ROOT").get(f"{ACCESS}/units", json=query)) == {archive["root"], archive["child"]}
    assert _ids(http.with_(tenant=2, contract="AC-ALL").get(f"{ACCESS}/units", json=query)) == {archive["foreign"]}
    # POST with X-Http-Method-Override: GET is the same search.
    override = http.with_(contract="AC-AG1").post(f"{ACCESS}/units", json=query,
                                                  headers={"X-Http-Method-Override": "GET"})
    assert _ids(override) == {archive["holding"], archive["root"], archive["child"]}
    assert override.json()["$context"] == query


def test_unit_search_refuses_track_total_hits_and_bad_dsl(http, archive):
    query = {"$roots": [], "$query": [{"$exists": "Title"}], "$filter": {"$track_total_hits": True},
             "$projection": {}}
    assert http.with_(contract="AC-ALL").get(f"{ACCESS}/units", json=query).status_code == 401
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/units", json={"$query": "nope"})
    assert response.status_code == 400 and response.json()["code"] == "000601"


def test_unit_search_without_or_with_bad_contract_is_401(http, archive):
    query = {"$roots": [], "$query": [{"$exists": "Title"}], "$filter": {}, "$projection": {}}
    assert http.get(f"{ACCESS}/units", json=query).status_code == 401
    assert http.with_(tenant=3, contract="AC-ALL").get(f"{ACCESS}/units", json=query).status_code == 401


def test_object_group_metadata(http, archive):
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/units/{archive['child']}/objects", json={"$projection": {}})
    assert response.status_code == 200
    assert response.json()["$results"][0]["#id"] == archive["group"]
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/objects/{archive['group']}")
    assert response.status_code == 200 and response.json()["$results"][0]["#id"] == archive["group"]
    assert http.with_(contract="AC-ALL").get(f"{ACCESS}/units/{archive['root']}/objects").status_code == 404
    assert http.with_(contract="AC-AG1").get(f"{ACCESS}/objects/{archive['big']}").status_code == 404
    assert http.with_(tenant=2, contract="AC-ALL").get(f"{ACCESS}/objects/{archive['group']}").status_code == 404


def test_object_group_search(http, archive):
    query = {"$roots": [], "$query": [{"$exists": "#id"}], "$filter": {}, "$projection": {}}
    found = _ids(http.with_(contract="AC-AG1").get(f"{ACCESS}/objects", json=query))
    assert found == {archive["group"]}
    assert _ids(http.with_(tenant=2, contract="AC-ALL").get(f"{ACCESS}/objects", json=query)) == set()


def _binary(qualifier, version="1"):
    return {"Accept": "application/octet-stream", "X-Qualifier": qualifier, "X-Version": version}


@pytest.mark.parametrize("path", ["/objects/{group}", "/units/{child}/objects", "/units/{child}"])
def test_binary_download_paths(http, archive, path):
    url = ACCESS + path.format(**archive)
    response = http.with_(contract="AC-ALL").get(url, headers=_binary("BinaryMaster"))
    assert response.status_code == 200
    assert response.content == MASTER
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert 'filename="a.pdf"' in response.headers["Content-Disposition"]


def test_binary_download_checks_headers_and_contract_usages(http, archive):
    url = f"{ACCESS}/objects/{archive['group']}"
    missing = http.with_(contract="AC-ALL").get(url, headers={"Accept": "application/octet-stream"})
    assert missing.status_code == 412 and missing.json()["code"] == "PRECONDITION_FAILED"
    assert http.with_(contract="AC-ALL").get(url, headers=_binary("BinaryMaster", "x")).status_code == 412
    assert http.with_(contract="AC-ALL").get(url, headers=_binary("BinaryMaster", "2")).status_code == 404
    assert http.with_(contract="AC-AG1").get(url, headers=_binary("BinaryMaster")).status_code == 401
    allowed = http.with_(contract="AC-AG1").get(url, headers=_binary("Dissemination"))
    assert allowed.status_code == 200 and allowed.content == DISSEMINATION
    foreign = http.with_(tenant=2, contract="AC-ALL").get(url, headers=_binary("BinaryMaster"))
    assert foreign.status_code == 404


def test_large_binary_is_streamed_intact(http, archive):
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/units/{archive['other']}/objects",
                                                 headers=_binary("BinaryMaster"), stream=True)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(BIG)
    digest = hashlib.sha512()
    for chunk in response.iter_content(256 * 1024):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha512(BIG).hexdigest()


def test_binaries_put_streams_and_refuses_traversal(lite):
    stored = binaries.put(lite.app.store, 7, io.BytesIO(b"abc"))
    assert stored.size == 3 and stored.sha512 == hashlib.sha512(b"abc").hexdigest()
    with binaries.open_binary(lite.app.store, 7, stored.path) as handle:
        assert handle.read() == b"abc"
    with pytest.raises(ValueError):
        binaries.open_binary(lite.app.store, 7, "../0/" + stored.path)
    with pytest.raises(ValueError):
        binaries.put(lite.app.store, 7, io.BytesIO(b"x"), name="../evil")


def test_head_on_binary_download_sends_headers_only(lite, archive):
    import socket

    sock = socket.create_connection(("127.0.0.1", lite.port), timeout=5)
    sock.sendall((f"HEAD {ACCESS}/objects/{archive['group']} HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: 0\r\n"
                  "X-Access-Contract-Id: AC-ALL\r\nAccept: application/octet-stream\r\nX-Qualifier: BinaryMaster\r\n"
                  "X-Version: 1\r\n\r\n").encode())
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert f"Content-Length: {len(MASTER)}".encode() in head
    assert body == b""
