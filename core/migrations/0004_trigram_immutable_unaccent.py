"""pg_trgm and ``immutable_unaccent(text)``: what the trigram indexes of every search are built on.

``unaccent(text)`` is STABLE (it reads its dictionary through the search path), so no index may use
it. The wrapper names the dictionary by schema, which makes it safe to declare IMMUTABLE; the
SQL-standard body (``RETURN``) is bound at creation, so the search path of a later session does not
matter either. The schema is the one the unaccent extension was installed in.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN {schema}.unaccent('{schema}.unaccent'::regdictionary, $1)
"""


def create_function(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'")
        (schema,) = cursor.fetchone()
    schema_editor.execute(FUNCTION.format(schema=schema))


def drop_function(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION IF EXISTS immutable_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_tally_counters")]
    operations = [
        TrigramExtension(),
        migrations.RunPython(create_function, drop_function),
    ]
