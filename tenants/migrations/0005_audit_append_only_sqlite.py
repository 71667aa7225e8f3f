"""On SQLite too, the database itself refuses UPDATE and DELETE on the audit trail.

This catches what AuditEntry.save()/delete() cannot: QuerySet.update() and .delete(), raw SQL.
DELETE is let through only while sam_audit_flush_allowed() answers 1, which tenants.audit makes it do
inside audit_trail_flush() alone: the test suite's flush between transactional tests, the SQLite
counterpart of the TRUNCATE that PostgreSQL test databases are flushed with.
"""

from django.db import migrations

FORBID = [
    """CREATE TRIGGER tenants_auditentry_no_update BEFORE UPDATE ON tenants_auditentry
       BEGIN SELECT RAISE(ABORT, 'tenants_auditentry is append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER tenants_auditentry_no_delete BEFORE DELETE ON tenants_auditentry
       WHEN NOT sam_audit_flush_allowed()
       BEGIN SELECT RAISE(ABORT, 'tenants_auditentry is append-only (DELETE refused)'); END""",
]
ALLOW = [
    "DROP TRIGGER IF EXISTS tenants_auditentry_no_update",
    "DROP TRIGGER IF EXISTS tenants_auditentry_no_delete",
]


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in FORBID:
            schema_editor.execute(statement, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in ALLOW:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_api_token")]
    operations = [migrations.RunPython(forbid, allow)]
