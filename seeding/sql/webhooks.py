"""Two disabled webhook endpoints and a few deliveries of the seeded events, for the dashboard's counts."""

from __future__ import annotations

INSERT_ENDPOINTS = """
INSERT INTO events_webhookendpoint (id, created_at, updated_at, version, url, secret, previous_secret,
    previous_secret_expires_at, events, description, active, disabled_reason, disabled_at,
    failing_since, consecutive_failures)
SELECT n, TIMESTAMPTZ %(base)s, TIMESTAMPTZ %(base)s, 1, 'http://127.0.0.1:9/seed-hook-' || n,
       'whsec_' || encode(sha256(('seed-' || %(seed)s || '-' || n)::bytea), 'base64'), '', NULL,
       ARRAY['order.*', 'expediente.*'], 'Seeded for benchmarks: never delivered', false,
       'Seeded endpoint (benchmarks)', TIMESTAMPTZ %(base)s, NULL, 0
FROM generate_series(1, 2) AS n
"""

INSERT_DELIVERIES = """
INSERT INTO events_webhookdelivery (status, attempt_count, schedule_start, next_attempt_at,
    locked_until, lease_token, enqueued_at, last_error, completed_at, created_at, updated_at,
    last_status_code, event_id, endpoint_id)
SELECT s.status, CASE s.status WHEN 'pending' THEN 0 WHEN 'failed' THEN 8 ELSE 1 END, 0, NULL, NULL,
       '', NULL, CASE WHEN s.status = 'failed' THEN 'Connection refused' ELSE '' END,
       CASE WHEN s.status = 'pending' THEN NULL ELSE e.created_at END, e.created_at, e.created_at,
       CASE WHEN s.status = 'succeeded' THEN 200 END, e.id, 1 + e.id %% 2
FROM events_event AS e
CROSS JOIN LATERAL (
    SELECT CASE WHEN pg_temp.sh(e.id, %(seed)s * 1000 + 61) %% 20 = 0 THEN 'pending'
                WHEN pg_temp.sh(e.id, %(seed)s * 1000 + 61) %% 20 = 1 THEN 'failed'
                ELSE 'succeeded' END AS status
) AS s
WHERE e.id %% 200 = 0 AND (e.type LIKE 'order.%%' OR e.type LIKE 'expediente.%%')
ORDER BY e.id
"""
