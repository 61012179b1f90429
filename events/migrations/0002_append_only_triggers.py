from django.db import migrations

# The model refuses updates and deletes; the database refuses them too, so no raw SQL,
# shell session or future code path can rewrite the trail. TRUNCATE (test flushes) is not affected.
SQL = """
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_auditevent_append_only BEFORE UPDATE OR DELETE ON events_auditevent
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_event_append_only BEFORE UPDATE OR DELETE ON events_event
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS events_auditevent_append_only ON events_auditevent;
DROP TRIGGER IF EXISTS events_event_append_only ON events_event;
DROP FUNCTION IF EXISTS events_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
