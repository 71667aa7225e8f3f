"""The application's PostgreSQL role can add to the audit trail and read it, never alter it.

The grants are the ones docs/configuration.md documents (its SQL block is read here), applied to a
role created for the test; the test then connects as that role.
"""

import re
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
HEADING = "## Droits de la base sur la piste d'audit"


def documented_grants() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    assert HEADING in text, f"{DOC} lost its section {HEADING!r}"
    block = re.search(r"```sql\n(.*?)```", text.split(HEADING, 1)[1], re.S)
    assert block, f"no SQL block under {HEADING!r} in {DOC}"
    return [statement.strip() for statement in block.group(1).split(";") if statement.strip()]


@pytest.fixture
def app_role(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(f"NOT RUN: the audit grants are PostgreSQL's; this run uses {connection.vendor} "
                    "(make test runs PostgreSQL: scripts/with-postgres.sh)")
    role = f"sam_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        for statement in documented_grants():
            cursor.execute(statement.replace("sam_app", role))
    settings = connection.settings_dict
    try:
        yield psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, dbname=settings["NAME"],
                              user=role, autocommit=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def test_documented_grants_allow_insert_and_select_only(app_role):
    with app_role as conn:
        inserted = conn.execute(
            "INSERT INTO tenants_auditentry (created_at, action, target_type, target_id, target_repr, request_id)"
            " VALUES (now(), 'grants.check', '', '', '', '') RETURNING id").fetchone()[0]
        assert conn.execute("SELECT action FROM tenants_auditentry WHERE id = %s", [inserted]).fetchone() == (
            "grants.check",)
        for statement in ("UPDATE tenants_auditentry SET action = 'forged' WHERE id = %(id)s",
                          "DELETE FROM tenants_auditentry WHERE id = %(id)s",
                          "TRUNCATE tenants_auditentry",
                          "DROP TRIGGER tenants_auditentry_append_only ON tenants_auditentry",
                          "ALTER TABLE tenants_auditentry DISABLE TRIGGER ALL"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, {"id": inserted})
        assert conn.execute("SELECT action FROM tenants_auditentry WHERE id = %s", [inserted]).fetchone() == (
            "grants.check",)
        # The same role keeps its ordinary rights on the other tables (the grants are not a lock-out).
        conn.execute("UPDATE tenants_organisation SET name = name WHERE false")
