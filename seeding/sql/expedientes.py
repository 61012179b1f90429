"""The seeded expedientes and documentos, with the audit rows and events of their creation and steps."""

from __future__ import annotations

from seeding.sql.common import BASE, WRITE_TRAIL

EXPEDIENTE_FACTS = (
    """
CREATE OR REPLACE FUNCTION pg_temp.exp_facts(lo bigint, hi bigint, seed bigint, step interval,
        citizen0 bigint, ncitizens bigint, heavy bigint, clerk0 bigint, nclerks bigint)
    RETURNS TABLE(i bigint, created timestamptz, estado text, path text, nsteps int, gap interval,
                  owner bigint, assignee bigint, clerk bigint, ndocs int)
    LANGUAGE sql STABLE AS $$
    SELECT g.i, x.created, x.estado,
        CASE WHEN x.estado = 'archivado'
             THEN CASE WHEN pg_temp.sh(g.i, seed * 1000 + 14) % 2 = 0 THEN 'archivado_a' ELSE 'archivado_r' END
             ELSE x.estado END,
        CASE x.estado WHEN 'iniciado' THEN 0 WHEN 'en_revision' THEN 1 WHEN 'archivado' THEN 3 ELSE 2 END,
        make_interval(days => 1, secs => pg_temp.sh(g.i, seed * 1000 + 13) % 43200),
        CASE WHEN g.i % 100 = 0 THEN heavy ELSE citizen0 + pg_temp.sh(g.i, seed * 1000 + 4) % ncitizens END,
        CASE WHEN x.estado <> 'iniciado' AND pg_temp.sh(g.i, seed * 1000 + 5) % 10 < 8
             THEN clerk0 + pg_temp.sh(g.i, seed * 1000 + 6) % nclerks END,
        clerk0 + pg_temp.sh(g.i, seed * 1000 + 15) % nclerks,
        CASE WHEN pg_temp.sh(g.i, seed * 1000 + 16) % 10 < 5 THEN 0
             WHEN pg_temp.sh(g.i, seed * 1000 + 16) % 10 < 8 THEN 1 ELSE 2 END
    FROM generate_series(lo, hi) AS g(i)
    CROSS JOIN LATERAL (
        SELECT TIMESTAMPTZ '"""
    + BASE
    + """'
                   + ((g.i - 1) + (pg_temp.sh(g.i, seed * 1000 + 2) % 1000) / 1000.0)::float8 * step AS created,
               CASE WHEN b < 30 THEN 'iniciado' WHEN b < 50 THEN 'en_revision'
                    WHEN b < 60 THEN 'requiere_subsanacion' WHEN b < 75 THEN 'aprobado'
                    WHEN b < 85 THEN 'rechazado' ELSE 'archivado' END AS estado
        FROM (SELECT pg_temp.sh(g.i, seed * 1000 + 3) % 100 AS b) AS bucket
    ) AS x
$$;
CREATE TEMP TABLE IF NOT EXISTS seed_exp_paths (path text, k int, src text, dst text, by_owner bool);
TRUNCATE seed_exp_paths;
INSERT INTO seed_exp_paths VALUES
    ('en_revision', 1, 'iniciado', 'en_revision', true),
    ('requiere_subsanacion', 1, 'iniciado', 'en_revision', true),
    ('requiere_subsanacion', 2, 'en_revision', 'requiere_subsanacion', false),
    ('aprobado', 1, 'iniciado', 'en_revision', true),
    ('aprobado', 2, 'en_revision', 'aprobado', false),
    ('rechazado', 1, 'iniciado', 'en_revision', true),
    ('rechazado', 2, 'en_revision', 'rechazado', false),
    ('archivado_a', 1, 'iniciado', 'en_revision', true),
    ('archivado_a', 2, 'en_revision', 'aprobado', false),
    ('archivado_a', 3, 'aprobado', 'archivado', false),
    ('archivado_r', 1, 'iniciado', 'en_revision', true),
    ('archivado_r', 2, 'en_revision', 'rechazado', false),
    ('archivado_r', 3, 'rechazado', 'archivado', false);
"""
)


INSERT_EXPEDIENTES = """
INSERT INTO expedientes_expediente (id, created_at, updated_at, version, numero, solicitante, concepto,
                                    estado, owner_id, assigned_to_id)
SELECT f.i, f.created, f.created + f.nsteps * f.gap, 1 + f.nsteps,
       'EXP-' || to_char(f.created AT TIME ZONE 'UTC', 'YYYY') || '-' || lpad(f.i::text, greatest(7, length(f.i::text)), '0'),
       pg_temp.pick(%(first)s, pg_temp.sh(f.i, %(seed)s * 1000 + 7)) || ' '
           || pg_temp.pick_skewed(%(surnames)s, pg_temp.sh(f.i, %(seed)s * 1000 + 8)) || ' '
           || pg_temp.pick_skewed(%(surnames)s, pg_temp.sh(f.i, %(seed)s * 1000 + 9)),
       pg_temp.pick(%(tramites)s, pg_temp.sh(f.i, %(seed)s * 1000 + 10)) || ' en '
           || pg_temp.pick(%(streets)s, pg_temp.sh(f.i, %(seed)s * 1000 + 11)) || ', '
           || (1 + pg_temp.sh(f.i, %(seed)s * 1000 + 12) %% 150)::text,
       f.estado, f.owner, f.assignee
FROM pg_temp.exp_facts(%(lo)s, %(hi)s, %(seed)s, %(exp_step)s, %(citizen0)s, %(citizens)s, %(heavy)s,
                       %(clerk0)s, %(clerks)s) AS f
"""

INSERT_DOCUMENTOS = """
INSERT INTO expedientes_documento (created_at, updated_at, nombre, tipo, file, content_type, size, sha256,
                                   uploaded_by_id, expediente_id)
SELECT f.created + make_interval(hours => k), f.created + make_interval(hours => k),
       (%(documentos)s::text[])[1 + d], (%(tipos)s::text[])[1 + d], '', NULL, NULL, NULL, f.owner, f.i
FROM pg_temp.exp_facts(%(lo)s, %(hi)s, %(seed)s, %(exp_step)s, %(citizen0)s, %(citizens)s, %(heavy)s,
                       %(clerk0)s, %(clerks)s) AS f
CROSS JOIN LATERAL generate_series(1, f.ndocs) AS k
CROSS JOIN LATERAL (SELECT (pg_temp.sh(f.i * 4 + k, %(seed)s * 1000 + 17) %% cardinality(%(documentos)s::text[]))::int AS d) AS pick
ORDER BY f.i, k
"""

EXPEDIENTE_REPR = """
    jsonb_build_object('id', e.id, 'numero', e.numero, 'solicitante', e.solicitante, 'concepto', e.concepto,
        'estado', {estado}, 'owner', e.owner_id, 'assigned_to', {assigned}, 'documentos_count', {docs},
        'version', {version}, 'created_at', pg_temp.iso(e.created_at), 'updated_at', pg_temp.iso({updated}))
"""

TRAIL_EXPEDIENTES = (
    """
WITH f AS MATERIALIZED (
    SELECT f.*, e.numero, e.solicitante, e.concepto, e.owner_id, e.created_at, e.id
    FROM pg_temp.exp_facts(%(lo)s, %(hi)s, %(seed)s, %(exp_step)s, %(citizen0)s, %(citizens)s, %(heavy)s,
                           %(clerk0)s, %(clerks)s) AS f
    JOIN expedientes_expediente AS e ON e.id = f.i
),
h AS MATERIALIZED (
    SELECT e.created_at AS at, 0 AS ord, e.id AS sort_id, e.owner_id AS actor, 'expediente' AS entity_type,
           e.id AS entity_id, 'create' AS action,
           jsonb_build_object('numero', jsonb_build_array(NULL, e.numero),
                              'solicitante', jsonb_build_array(NULL, e.solicitante),
                              'concepto', jsonb_build_array(NULL, e.concepto),
                              'estado', jsonb_build_array(NULL, 'iniciado'),
                              'owner', jsonb_build_array(NULL, e.owner_id)) AS changes,
           'expediente.created' AS event_type,
           """
    + EXPEDIENTE_REPR.format(estado="'iniciado'", assigned="NULL", docs="0", version="1", updated="e.created_at")
    + """ AS data
    FROM f AS e
    UNION ALL
    SELECT d.created_at, 1, d.id, d.uploaded_by_id, 'documento', d.id, 'create',
           jsonb_build_object('expediente', jsonb_build_array(NULL, d.expediente_id),
                              'nombre', jsonb_build_array(NULL, d.nombre), 'tipo', jsonb_build_array(NULL, d.tipo),
                              'content_type', jsonb_build_array(NULL, NULL), 'size', jsonb_build_array(NULL, NULL),
                              'sha256', jsonb_build_array(NULL, NULL), 'has_file', jsonb_build_array(NULL, false)),
           'documento.added',
           jsonb_build_object('id', d.id, 'expediente', d.expediente_id, 'nombre', d.nombre, 'tipo', d.tipo,
                              'content_type', NULL, 'size', NULL, 'sha256', NULL, 'has_file', false,
                              'created_at', pg_temp.iso(d.created_at))
    FROM expedientes_documento AS d
    WHERE d.expediente_id BETWEEN %(lo)s AND %(hi)s
    UNION ALL
    SELECT e.created_at + p.k * e.gap, 1 + p.k, e.id,
           CASE WHEN p.by_owner THEN e.owner_id ELSE coalesce(e.assignee, e.clerk) END,
           'expediente', e.id, 'transition',
           jsonb_build_object('estado', jsonb_build_array(p.src, p.dst)),
           'expediente.status_changed',
           """
    + EXPEDIENTE_REPR.format(
        estado="p.dst",
        assigned="e.assignee",
        docs="e.ndocs",
        version="1 + p.k",
        updated="e.created_at + p.k * e.gap",
    )
    + """ || jsonb_build_object('from', p.src, 'to', p.dst)
    FROM f AS e
    JOIN seed_exp_paths AS p ON p.path = e.path
),"""
    + WRITE_TRAIL
)
