"""$range on unit fields Vitam indexes as analysed text compares the index's terms, as Elasticsearch does,
and the SQL engine and the Python semantics agree on it."""

import pytest

from vitamlite import units_store
from vitamlite.dsl import matches, search_units
from vitamlite.dsl.analysis import index_terms, is_analysed_unit_field, java_text
from vitamlite.store import Store

UNITS = [
    {"#id": "extended", "Title": "Registre des mariages", "DescriptionLevel": "Item", "#unitType": "INGEST",
     "TransactedDate": "2016-05-31T18:17:53", "StartDate": "2016-05-31",
     "NumeroInterne": "2016", "Montant": ["001", "-2016", "0"], "Taux": "1234.567890", "Actif": "true",
     "DateInscription": "2016-05-31T18:17:53", "Detail": {"Annee": "2015", "Virgule": "1244,567890"}},
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("dsl-range"))
    connection = store.new_connection()
    units_store.insert_units(connection, 0, UNITS)
    connection.commit()
    yield connection
    connection.close()


def test_fields_outside_the_mapping_are_analysed_text_and_mapped_fields_keep_their_type():
    assert is_analysed_unit_field("NumeroInterne")
    assert is_analysed_unit_field("Detail.Annee")
    assert is_analysed_unit_field("Title") and is_analysed_unit_field("Title_.fr")
    assert not is_analysed_unit_field("TransactedDate")
    assert not is_analysed_unit_field("DescriptionLevel")
    assert not is_analysed_unit_field("#tenant")


def test_index_terms_follow_vitams_default_analyser():
    assert index_terms("2016-05-31T18:17:53") == ["2016", "05", "31", "t", "18", "17", "53"]
    assert index_terms("1234.567890") == ["1234", "567890"]
    assert index_terms("1244,567890") == ["1244", "567890"]
    assert index_terms("Mon texte data1 1") == ["text", "data", "1", "1"]
    assert index_terms("true") == ["tru"]


def test_bounds_are_written_as_java_prints_them():
    assert [java_text(v) for v in (2016, 1234.56789, 1234.0, 1e7, 0.0001, True)] == [
        "2016", "1234.56789", "1234.0", "1.0E7", "1.0E-4", "true"]


CASES = [
    ({"DateInscription": {"$gte": "2016-05-31T18:17:53", "$lte": "2016-05-31T18:17:53"}}, 0),
    ({"NumeroInterne": {"$gte": 2015, "$lte": 2017}}, 1),
    ({"NumeroInterne": {"$gt": 2016, "$lte": 2016}}, 0),
    ({"NumeroInterne": {"$gte": 2017, "$lte": 2015}}, 0),
    ({"Montant": {"$gte": 0, "$lte": 0}}, 1),
    ({"Montant": {"$gt": -2017, "$lt": -2015}}, 0),
    ({"Detail.Annee": {"$gte": 2015, "$lte": 2015}}, 1),
    ({"Detail.Virgule": {"$gte": 1244.56789, "$lte": 1244.56789}}, 0),
    ({"Taux": {"$gte": 1234.567890, "$lte": 9999.999999}}, 1),
    ({"Actif": {"$gte": True, "$lte": True}}, 0),
    ({"Title": {"$gte": "Registre des mariages", "$lte": "Registre des mariages"}}, 0),
    ({"TransactedDate": {"$gt": "2016-05-31T18:17:50", "$lt": "2016-05-31T18:18:00"}}, 1),
    ({"StartDate": {"$gte": "2016-05-31", "$lte": "2016-05-31"}}, 1),
]


@pytest.mark.parametrize(("bounds", "expected"), CASES, ids=lambda c: str(c)[:50])
def test_range_on_analysed_fields_compares_terms_in_sql_and_python_alike(db, bounds, expected):
    query = {"$range": bounds}
    in_sql = search_units(db, 0, {"$query": [query], "$projection": {}}).results
    in_python = [doc for doc in UNITS if matches(doc, query, analysed_field=is_analysed_unit_field)]
    assert len(in_sql) == len(in_python) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ({"$gte": {"NumeroInterne": 2015}}, 1),
    ({"$lt": {"DateInscription": "2016-05-31T18:17:54"}}, 1),  # the terms "05", "17"... sort before it
    ({"$gt": {"DateInscription": "2016-05-31T18:17:52"}}, 1),  # "t" sorts after it
    ({"$gt": {"Title": "z"}}, 0),
    ({"$lte": {"StartDate": "2016-05-30"}}, 0),  # a mapped date keeps date comparison
])
def test_comparisons_alone_follow_the_same_range_query(db, query, expected):
    in_sql = search_units(db, 0, {"$query": [query], "$projection": {}}).results
    in_python = [doc for doc in UNITS if matches(doc, query, analysed_field=is_analysed_unit_field)]
    assert len(in_sql) == len(in_python) == expected
