"""What every part of the seed shares: the time origin, the tables it writes, the helper functions, the users."""

from __future__ import annotations

BASE = "2023-01-01 00:00:00+00"
SPAN_DAYS = 1095

# Every table the seed writes (and --reset empties), children first.
TABLES = [
    "reports_expedientemove",
    "events_webhookattempt",
    "events_webhookdelivery",
    "events_emailmessage",
    "events_webhookendpoint",
    "events_event",
    "events_auditevent",
    "orders_orderitem",
    "orders_payment",
    "orders_order",
    "orders_cartitem",
    "orders_cart",
    "orders_product",
    "orders_category",
    "expedientes_documento",
    "expedientes_expediente",
    "accounts_user_groups",
    "accounts_user_user_permissions",
    "accounts_loginfailure",
    "accounts_user",
]
# Tables whose secondary indexes are dropped during the load and rebuilt after (much faster); the
# documentos and payments keep theirs: the trail reads them by expediente and by order.
BULK_TABLES = [
    "expedientes_expediente",
    "orders_order",
    "orders_orderitem",
    "events_auditevent",
    "events_event",
]

FUNCTIONS = """
CREATE OR REPLACE FUNCTION pg_temp.sh(bigint, bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$ SELECT hashint8extended($1, $2) & 9223372036854775807 $$;
CREATE OR REPLACE FUNCTION pg_temp.pick(text[], bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT $1[1 + $2 % cardinality($1)] $$;
-- Skewed towards the head of the list (u^2): a few very common values, a long tail of rare ones.
CREATE OR REPLACE FUNCTION pg_temp.pick_skewed(text[], bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT $1[1 + floor(cardinality($1) * power(($2 % 1000000) / 1000000.0, 2))::int] $$;
CREATE OR REPLACE FUNCTION pg_temp.iso(timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
"""

# The end of a trail's statement: its history ``h`` (at, ord, sort_id, actor, entity_type, entity_id,
# action, changes, event_type, data) written as audit rows and, where it names one, domain events,
# both in the order the steps happened.
WRITE_TRAIL = """
audit AS (
    INSERT INTO events_auditevent (actor_id, entity_type, entity_id, action, changes, request_id, created_at)
    SELECT actor, entity_type, entity_id::text, action, changes, NULL, at FROM h ORDER BY at, ord, sort_id
)
INSERT INTO events_event (type, data, created_at)
SELECT event_type, data, at FROM h WHERE event_type IS NOT NULL ORDER BY at, ord, sort_id
"""


INSERT_USERS = (
    """
INSERT INTO accounts_user (id, password, last_login, is_superuser, email, username, full_name, role,
                           is_active, is_staff, date_joined, deleted_at, version,
                           username_canonical, email_canonical, language)
SELECT u.id, %(password)s, NULL, u.role = 'admin', u.username || '@example.es', u.username,
       pg_temp.pick(%(first)s, pg_temp.sh(u.id, %(seed)s * 1000 + 41)) || ' '
           || pg_temp.pick_skewed(%(surnames)s, pg_temp.sh(u.id, %(seed)s * 1000 + 42)) || ' '
           || pg_temp.pick_skewed(%(surnames)s, pg_temp.sh(u.id, %(seed)s * 1000 + 43)),
       u.role, true, u.role <> 'citizen',
       TIMESTAMPTZ '"""
    + BASE
    + """' - make_interval(days => 30, secs => u.id::int), NULL, 1,
       -- accounts.models.canonical of these ASCII names is their lower case
       lower(u.username), lower(u.username) || '@example.es', %(language)s
FROM (
    SELECT g AS id,
           CASE WHEN g = 1 THEN 'admin' WHEN g <= 1 + %(clerks)s THEN 'clerk' ELSE 'citizen' END AS role,
           CASE WHEN g = 1 THEN 'bench_admin'
                WHEN g = 2 THEN 'bench_clerk'
                WHEN g <= 1 + %(clerks)s THEN 'clerk' || lpad(g::text, 5, '0')
                WHEN g = 2 + %(clerks)s THEN 'bench_citizen'
                ELSE 'ciudadano' || lpad(g::text, 7, '0') END AS username
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
) AS u
"""
)
