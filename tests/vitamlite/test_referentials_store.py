"""The referentials storage API other vitam-lite modules read (ingest, access, server context checks)."""

import pytest

from vitamlite.ids import is_guid
from vitamlite.referentials import store as referentials
from vitamlite.store import Store


@pytest.fixture
def db(tmp_path):
    connection = Store(tmp_path).new_connection()
    yield connection
    connection.close()


def test_put_creates_then_updates_with_system_fields(db):
    created = referentials.put(db, 0, "access_contracts", {"Identifier": "AC-1", "Name": "Un", "#id": "forged"})
    assert is_guid(created["#id"]) and created["#version"] == 0 and created["#tenant"] == 0
    assert created["CreationDate"] == created["LastUpdate"]
    updated = referentials.put(db, 0, "access_contracts", {"Identifier": "AC-1", "Name": "Deux"})
    assert (updated["#id"], updated["#version"], updated["Name"]) == (created["#id"], 1, "Deux")
    assert updated["CreationDate"] == created["CreationDate"]
    assert referentials.get(db, 0, "access_contracts", "AC-1") == updated


def test_rules_are_keyed_by_rule_id_and_dated_like_vitam(db):
    referentials.put_many(db, 3, "rules", [
        {"RuleId": "APP-1", "RuleType": "AppraisalRule", "RuleValue": "a"},
        {"RuleId": "ACC-1", "RuleType": "AccessRule", "RuleValue": "b"},
    ])
    assert [doc["RuleId"] for doc in referentials.list_all(db, 3, "rules")] == ["APP-1", "ACC-1"]
    assert set(referentials.get(db, 3, "rules", "APP-1")) >= {"CreationDate", "UpdateDate"}
    assert set(referentials.get_many(db, 3, "rules", ["ACC-1", "NOPE"])) == {"ACC-1"}
    referentials.delete_many(db, 3, "rules", ["APP-1"])
    assert not referentials.exists(db, 3, "rules", "APP-1")
    assert referentials.delete(db, 3, "rules", "ACC-1") and not referentials.delete(db, 3, "rules", "ACC-1")


def test_tenants_are_separate(db):
    referentials.put(db, 0, "agencies", {"Identifier": "AG-1", "Name": "Zéro"})
    assert referentials.get(db, 2, "agencies", "AG-1") is None
    assert referentials.list_all(db, 2, "agencies") == []
    assert "CreationDate" not in referentials.get(db, 0, "agencies", "AG-1")


def test_generated_identifiers_follow_a_sequence_per_tenant_and_kind(db):
    assert [referentials.next_identifier(db, 0, "ingest_contracts", "IC") for _ in range(2)] == ["IC-000001", "IC-000002"]
    assert referentials.next_identifier(db, 1, "ingest_contracts", "IC") == "IC-000001"
    assert referentials.next_identifier(db, 0, "profiles", "PR") == "PR-000001"


def test_unknown_kind_is_a_programming_error(db):
    with pytest.raises(ValueError):
        referentials.get(db, 0, "formats", "fmt/18")
