# documentos_count kept by the database: statement-level triggers on expedientes_documento add the
# documentos each statement inserts, subtract those it deletes, move those it re-parents, and a
# TRUNCATE of documentos zeroes the counts. Existing rows are counted once here.

from django.db import migrations, models

INSTALL = """
CREATE FUNCTION expedientes_documentos_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE expedientes_expediente AS e SET documentos_count = e.documentos_count + d.n
    FROM (SELECT expediente_id, count(*) AS n FROM new_rows GROUP BY expediente_id ORDER BY expediente_id) AS d
    WHERE e.id = d.expediente_id;
    RETURN NULL;
END $$;

CREATE FUNCTION expedientes_documentos_count_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE expedientes_expediente AS e SET documentos_count = e.documentos_count - d.n
    FROM (SELECT expediente_id, count(*) AS n FROM old_rows GROUP BY expediente_id ORDER BY expediente_id) AS d
    WHERE e.id = d.expediente_id;
    RETURN NULL;
END $$;

CREATE FUNCTION expedientes_documentos_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE expedientes_expediente AS e SET documentos_count = e.documentos_count + d.n
    FROM (
        SELECT expediente_id, sum(n) AS n FROM (
            SELECT expediente_id, count(*) AS n FROM new_rows GROUP BY expediente_id
            UNION ALL
            SELECT expediente_id, -count(*) AS n FROM old_rows GROUP BY expediente_id
        ) AS moves GROUP BY expediente_id HAVING sum(n) <> 0 ORDER BY expediente_id
    ) AS d
    WHERE e.id = d.expediente_id;
    RETURN NULL;
END $$;

CREATE FUNCTION expedientes_documentos_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE expedientes_expediente SET documentos_count = 0 WHERE documentos_count <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER expedientes_documentos_count_add AFTER INSERT ON expedientes_documento
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION expedientes_documentos_count_add();
CREATE TRIGGER expedientes_documentos_count_remove AFTER DELETE ON expedientes_documento
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION expedientes_documentos_count_remove();
CREATE TRIGGER expedientes_documentos_count_move AFTER UPDATE ON expedientes_documento
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION expedientes_documentos_count_move();
CREATE TRIGGER expedientes_documentos_count_reset AFTER TRUNCATE ON expedientes_documento
    FOR EACH STATEMENT EXECUTE FUNCTION expedientes_documentos_count_reset();

LOCK TABLE expedientes_documento IN SHARE MODE;
UPDATE expedientes_expediente AS e SET documentos_count = d.n
FROM (SELECT expediente_id, count(*) AS n FROM expedientes_documento GROUP BY expediente_id) AS d
WHERE e.id = d.expediente_id;
"""

UNINSTALL = """
DROP TRIGGER expedientes_documentos_count_add ON expedientes_documento;
DROP TRIGGER expedientes_documentos_count_remove ON expedientes_documento;
DROP TRIGGER expedientes_documentos_count_move ON expedientes_documento;
DROP TRIGGER expedientes_documentos_count_reset ON expedientes_documento;
DROP FUNCTION expedientes_documentos_count_add();
DROP FUNCTION expedientes_documentos_count_remove();
DROP FUNCTION expedientes_documentos_count_move();
DROP FUNCTION expedientes_documentos_count_reset();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("expedientes", "0003_tally_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="expediente",
            name="documentos_count",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False, verbose_name="documentos"),
        ),
        migrations.RunSQL(INSTALL, UNINSTALL),
    ]
