"""Units store: graph bookkeeping (#allunitups, #min, #max, agencies), writes, rule lookups, object groups."""

import pytest

from vitamlite import units_store
from vitamlite.dsl import search_units
from vitamlite.store import Store


@pytest.fixture
def db(tmp_path):
    connection = Store(tmp_path).new_connection()
    yield connection
    connection.close()


def unit(unit_id, *parents, agency=None, **fields):
    doc = {"#id": unit_id, "Title": f"Unité {unit_id}", "#unitups": list(parents), **fields}
    if agency:
        doc["#originating_agency"] = agency
    return doc


def graph(db, tenant=0):
    return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, min_depth, max_depth FROM units WHERE tenant = ?",
                                                          (tenant,))}


def ancestors(db, unit_id, tenant=0):
    return dict(db.execute("SELECT ancestor_id, depth FROM unit_ancestors WHERE tenant = ? AND unit_id = ?",
                           (tenant, unit_id)).fetchall())


def test_batch_in_any_order_computes_graph_fields(db):
    # Children listed before their parents, and a unit with two parents at different depths.
    stored = units_store.insert_units(db, 0, [
        unit("d", "c", "a", agency="AG2"), unit("c", "b"), unit("b", "a"), unit("a", agency="AG1"),
    ])
    by_id = {doc["#id"]: doc for doc in stored}
    assert by_id["d"]["#allunitups"] == ["a", "b", "c"]
    assert (by_id["d"]["#min"], by_id["d"]["#max"]) == (2, 4)
    assert ancestors(db, "d") == {"c": 1, "a": 1, "b": 2}
    assert by_id["d"]["#originating_agencies"] == ["AG1", "AG2"]
    assert by_id["a"]["#unitups"] == [] and by_id["a"]["#tenant"] == 0
    assert graph(db) == {"a": (1, 1), "b": (2, 2), "c": (3, 3), "d": (2, 4)}


def test_later_batch_attaches_under_stored_units(db):
    units_store.insert_units(db, 0, [unit("root"), unit("child", "root", agency="AG1")])
    [stored] = units_store.insert_units(db, 0, [unit("leaf", "child", agency="AG2")])
    assert stored["#allunitups"] == ["child", "root"]
    assert (stored["#min"], stored["#max"]) == (3, 3)
    assert stored["#originating_agencies"] == ["AG1", "AG2"]
    assert units_store.children_count(db, 0, "root") == 1
    assert units_store.children_ids(db, 0, "child") == ["leaf"]


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([unit("x", "missing")], "parente inconnue : missing"),
        ([unit("x", "y"), unit("y", "x")], "Cycle"),
        ([unit("x"), unit("x")], "plusieurs fois"),
        ([{"Title": "sans id"}], "pas d'identifiant"),
    ],
)
def test_invalid_batches_are_refused_whole(db, batch, message):
    with pytest.raises(units_store.UnitsStoreError, match=message):
        units_store.insert_units(db, 0, batch)
    assert db.execute("SELECT COUNT(*) FROM units").fetchone()[0] == 0


def test_an_existing_id_is_refused(db):
    units_store.insert_units(db, 0, [unit("x")])
    with pytest.raises(units_store.UnitsStoreError, match="existe déjà"):
        units_store.insert_units(db, 0, [unit("x")])


def test_parents_are_looked_up_in_the_same_tenant_only(db):
    units_store.insert_units(db, 1, [unit("parent")])
    with pytest.raises(units_store.UnitsStoreError, match="parente inconnue"):
        units_store.insert_units(db, 0, [unit("x", "parent")])


def test_rules_are_indexed_and_counted(db):
    management = {"AppraisalRule": {"Rules": [{"Rule": "APP-00001", "EndDate": "2030-01-01"}]},
                  "AccessRule": {"Rules": [{"Rule": "ACC-00002"}, {"Rule": "ACC-00003"}]}}
    units_store.insert_units(db, 0, [unit("a", **{"#management": management}),
                                     unit("b", **{"#management": {"AccessRule": {"Rules": [{"Rule": "ACC-00002"}]}}})])
    units_store.insert_units(db, 1, [unit("c", **{"#management": {"AccessRule": {"Rules": [{"Rule": "ACC-00002"}]}}})])
    assert units_store.units_using_rules(db, 0, ["ACC-00002", "APP-00001", "ACC-00009"]) == {"ACC-00002": 2,
                                                                                            "APP-00001": 1}


def test_update_replaces_document_fts_and_rules(db):
    units_store.insert_units(db, 0, [unit("a", **{"#management": {"AccessRule": {"Rules": [{"Rule": "ACC-1"}]}}})])
    doc = units_store.get_unit_doc(db, 0, "a")
    doc.update(Title="Registre des baptêmes", DescriptionLevel="Item", StartDate="1850-01-01")
    doc["#management"] = {"AccessRule": {"Rules": [{"Rule": "ACC-2"}]}}
    units_store.update_unit(db, 0, "a", doc)
    found = search_units(db, 0, {"$query": [{"$match": {"Title": "bapteme"}}], "$projection": {}}).results
    assert [u["#id"] for u in found] == ["a"]
    assert search_units(db, 0, {"$query": [{"$match": {"Title": "unité"}}], "$projection": {}}).results == []
    assert units_store.units_using_rules(db, 0, ["ACC-1", "ACC-2"]) == {"ACC-2": 1}
    assert tuple(db.execute("SELECT start_date, description_level FROM units WHERE id = 'a'").fetchone()) == (
        "1850-01-01T00:00:00", "Item")


def test_moving_a_unit_recomputes_its_subtree(db):
    units_store.insert_units(db, 0, [unit("r1", agency="AG1"), unit("r2", agency="AG2"), unit("m", "r1"),
                                     unit("leaf", "m")])
    moved = units_store.get_unit_doc(db, 0, "m")
    moved["#unitups"] = ["r2"]
    units_store.update_unit(db, 0, "m", moved)
    leaf = units_store.get_unit_doc(db, 0, "leaf")
    assert leaf["#allunitups"] == ["m", "r2"]
    assert leaf["#originating_agencies"] == ["AG2"]
    assert ancestors(db, "leaf") == {"m": 1, "r2": 2}


def test_delete_units_removes_every_trace(db):
    units_store.insert_units(db, 0, [unit("a", **{"#management": {"AccessRule": {"Rules": [{"Rule": "ACC-1"}]}}}),
                                     unit("b", "a")])
    assert units_store.delete_units(db, 0, ["b", "absent"]) == 1
    assert units_store.children_count(db, 0, "a") == 0
    assert units_store.delete_units(db, 0, ["a"]) == 1
    for table in ("units", "unit_parents", "unit_ancestors", "unit_agencies", "unit_rules", "units_fts"):
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


def test_object_groups_round_trip(db):
    group = {"#id": "g1", "#opi": "op", "#originating_agency": "AG1", "#unitups": ["a"],
             "#qualifiers": [{"qualifier": "BinaryMaster", "versions": [{"DataObjectVersion": "BinaryMaster_1"}]}]}
    [stored] = units_store.insert_object_groups(db, 0, [group])
    assert stored["#originating_agencies"] == ["AG1"] and stored["#tenant"] == 0
    with pytest.raises(units_store.UnitsStoreError):
        units_store.insert_object_groups(db, 0, [group])
    units_store.update_object_group(db, 0, "g1", {**stored, "#nbobjects": 1})
    assert units_store.get_object_group_doc(db, 0, "g1")["#nbobjects"] == 1
    assert units_store.get_object_group_doc(db, 1, "g1") is None
    assert units_store.delete_object_groups(db, 0, ["g1"]) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2014-01-02", "2014-01-02T00:00:00"), ("2014-01-02T03:04:05.123+02:00", "2014-01-02T03:04:05"),
     ("2014-01-02T03:04", "2014-01-02T03:04:00"), ("2014", "2014-01-01T00:00:00"), ("2014-06", "2014-06-01T00:00:00"),
     ("hier", None), (2014, None)],
)
def test_dates_are_normalised_for_comparison(value, expected):
    assert units_store.normalize_date(value) == expected
