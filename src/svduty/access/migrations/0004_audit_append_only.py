"""Make the audit table append-only in the database itself, not only in the app."""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON access_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON access_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION svduty_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;",
    "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON access_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION svduty_audit_append_only();",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_append_only ON access_auditevent")


class Migration(migrations.Migration):
    dependencies = [("access", "0003_audit_actor_unconstrained")]
    operations = [migrations.RunPython(forwards, backwards)]
