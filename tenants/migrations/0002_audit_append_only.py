"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail.

TRUNCATE stays possible: it is what test databases are flushed with (and needs table ownership).
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION tenants_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'tenants_auditentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tenants_auditentry_append_only
    BEFORE UPDATE OR DELETE ON tenants_auditentry
    FOR EACH ROW EXECUTE FUNCTION tenants_auditentry_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS tenants_auditentry_append_only ON tenants_auditentry;
DROP FUNCTION IF EXISTS tenants_auditentry_append_only();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [migrations.RunPython(forbid, allow)]
