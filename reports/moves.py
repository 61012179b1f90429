"""SQL that keeps ``reports_expedientemove`` (see ``reports.models.ExpedienteMove``) from the audit trail.

The trigger is statement-level on ``events_auditevent`` inserts (a transition table, like the
counters of ``core.tallies``): it picks the expedientes' ``transition`` events and writes one move
each. ``entered_at`` is the previous move's time: inside the statement a window function over the
new rows (``lag``), else the expediente's latest move already stored (its index), else its
creation. Transitions of one expediente are serialised by the row lock the workflow service
takes, so the previous move is always committed and visible.

``REBUILD_SQL`` computes every move again from the trail with the same window function, for a load
that skipped the triggers (``manage.py seed``, a restore with ``session_replication_role = replica``).
Migrations install these constants: once one does, they never change (a change is a new constant
and a new migration), so an old migration keeps installing what it installed.
"""

from __future__ import annotations

INSTALL_SQL = """
LOCK TABLE events_auditevent IN SHARE ROW EXCLUSIVE MODE;

CREATE FUNCTION reports_expediente_moves_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reports_expedientemove (id, expediente_id, at, from_estado, to_estado, entered_at, started_at)
  SELECT n.id, e.id, n.created_at, n.changes -> 'estado' ->> 0, n.changes -> 'estado' ->> 1,
         coalesce(
           lag(n.created_at) OVER (PARTITION BY n.entity_id ORDER BY n.created_at, n.id),
           (SELECT m.at FROM reports_expedientemove AS m WHERE m.expediente_id = e.id ORDER BY m.at DESC LIMIT 1),
           e.created_at),
         e.created_at
  FROM new_rows AS n
  JOIN expedientes_expediente AS e
    ON e.id = CASE WHEN n.entity_id ~ '^[0-9]{1,18}$' THEN n.entity_id::bigint END
  WHERE n.entity_type = 'expediente' AND n.action = 'transition'
    AND jsonb_typeof(n.changes -> 'estado') = 'array';
  RETURN NULL;
END $$;

-- DELETE, not TRUNCATE: the moves table may be truncated by the same statement (a test flush).
CREATE FUNCTION reports_expediente_moves_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM reports_expedientemove;
  RETURN NULL;
END $$;

CREATE TRIGGER reports_expediente_moves_insert AFTER INSERT ON events_auditevent
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_expediente_moves_insert();
CREATE TRIGGER reports_expediente_moves_truncate AFTER TRUNCATE ON events_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION reports_expediente_moves_truncate();
"""

UNINSTALL_SQL = """
DROP TRIGGER IF EXISTS reports_expediente_moves_insert ON events_auditevent;
DROP TRIGGER IF EXISTS reports_expediente_moves_truncate ON events_auditevent;
DROP FUNCTION IF EXISTS reports_expediente_moves_insert();
DROP FUNCTION IF EXISTS reports_expediente_moves_truncate();
"""

# Every move of the trail, in one statement (the window function gives each its entered_at).
MOVES_FROM_TRAIL_SQL = """
INSERT INTO reports_expedientemove (id, expediente_id, at, from_estado, to_estado, entered_at, started_at)
SELECT a.id, e.id, a.created_at, a.changes -> 'estado' ->> 0, a.changes -> 'estado' ->> 1,
       lag(a.created_at, 1, e.created_at) OVER (PARTITION BY e.id ORDER BY a.created_at, a.id),
       e.created_at
FROM events_auditevent AS a
JOIN expedientes_expediente AS e
  ON e.id = CASE WHEN a.entity_id ~ '^[0-9]{1,18}$' THEN a.entity_id::bigint END
WHERE a.entity_type = 'expediente' AND a.action = 'transition'
  AND jsonb_typeof(a.changes -> 'estado') = 'array'
ORDER BY a.created_at, a.id;
"""

REBUILD_SQL = (
    "LOCK TABLE events_auditevent IN SHARE ROW EXCLUSIVE MODE;\nTRUNCATE reports_expedientemove;\n"
    + MOVES_FROM_TRAIL_SQL
    + "ANALYZE reports_expedientemove;\n"
)
