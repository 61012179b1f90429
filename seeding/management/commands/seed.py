"""``manage.py seed``: fill the database at scale, for benchmarks and plan checks.

Every row is computed inside PostgreSQL (``INSERT ... SELECT generate_series``) from a hash of its
number and ``--seed``, so a run is deterministic and a million rows take seconds, not hours. The
rows keep every rule of the models (numero format and uniqueness, estado and status choices, one
live payment per order...) and the trail is consistent with them: each expediente, documento,
order and payment has its audit rows and domain events for its creation and for every workflow
step that brought it to its current state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from tqdm import tqdm

from accounts.models import office_language
from accounts.roles import sync_clerks_permissions
from core import tallies, versions
from expedientes.tallies import RECOUNT_DOCUMENTOS
from reports.daily import REBUILD_SQL as REBUILD_DAILY
from reports.moves import REBUILD_SQL as REBUILD_MOVES
from seeding import data

BENCH_PASSWORD = "bench-password-2024"  # noqa: S105 - a benchmark database's published credentials
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

ORDER_FACTS = (
    """
CREATE OR REPLACE FUNCTION pg_temp.ord_facts(lo bigint, hi bigint, seed bigint, step interval,
        citizen0 bigint, ncitizens bigint, heavy bigint, clerk0 bigint, nclerks bigint)
    RETURNS TABLE(i bigint, created timestamptz, status text, nsteps int, gap interval,
                  customer bigint, clerk bigint, nitems int, paid text)
    LANGUAGE sql STABLE AS $$
    SELECT g.i, x.created, x.status,
        CASE x.status WHEN 'pending' THEN 0 WHEN 'confirmed' THEN 1 WHEN 'cancelled' THEN 1
             WHEN 'approved' THEN 2 WHEN 'rejected' THEN 2 WHEN 'shipped' THEN 3 ELSE 4 END,
        make_interval(hours => 2, secs => pg_temp.sh(g.i, seed * 1000 + 33) % 86400),
        CASE WHEN g.i % 100 = 0 THEN heavy ELSE citizen0 + pg_temp.sh(g.i, seed * 1000 + 24) % ncitizens END,
        clerk0 + pg_temp.sh(g.i, seed * 1000 + 25) % nclerks,
        1 + (pg_temp.sh(g.i, seed * 1000 + 21) % 3)::int,
        -- The payment that brought the order where it is (checkout): none, or its final status.
        CASE WHEN x.status IN ('confirmed', 'approved', 'shipped', 'delivered') THEN 'succeeded'
             WHEN x.status = 'rejected' THEN 'refunded'
             WHEN x.status = 'cancelled' AND pg_temp.sh(g.i, seed * 1000 + 26) % 2 = 0 THEN 'failed' END
    FROM generate_series(lo, hi) AS g(i)
    CROSS JOIN LATERAL (
        SELECT TIMESTAMPTZ '"""
    + BASE
    + """'
                   + ((g.i - 1) + (pg_temp.sh(g.i, seed * 1000 + 22) % 1000) / 1000.0)::float8 * step AS created,
               CASE WHEN b < 15 THEN 'pending' WHEN b < 35 THEN 'confirmed' WHEN b < 45 THEN 'approved'
                    WHEN b < 55 THEN 'shipped' WHEN b < 85 THEN 'delivered' WHEN b < 90 THEN 'rejected'
                    ELSE 'cancelled' END AS status
        FROM (SELECT pg_temp.sh(g.i, seed * 1000 + 23) % 100 AS b) AS bucket
    ) AS x
$$;
CREATE TEMP TABLE IF NOT EXISTS seed_ord_paths (status text, k int, src text, dst text, by_customer bool);
TRUNCATE seed_ord_paths;
INSERT INTO seed_ord_paths VALUES
    ('confirmed', 1, 'pending', 'confirmed', true),
    ('approved', 1, 'pending', 'confirmed', true),
    ('approved', 2, 'confirmed', 'approved', false),
    ('shipped', 1, 'pending', 'confirmed', true),
    ('shipped', 2, 'confirmed', 'approved', false),
    ('shipped', 3, 'approved', 'shipped', false),
    ('delivered', 1, 'pending', 'confirmed', true),
    ('delivered', 2, 'confirmed', 'approved', false),
    ('delivered', 3, 'approved', 'shipped', false),
    ('delivered', 4, 'shipped', 'delivered', false),
    ('rejected', 1, 'pending', 'confirmed', true),
    ('rejected', 2, 'confirmed', 'rejected', false),
    ('cancelled', 1, 'pending', 'cancelled', true);
"""
)

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
),
audit AS (
    INSERT INTO events_auditevent (actor_id, entity_type, entity_id, action, changes, request_id, created_at)
    SELECT actor, entity_type, entity_id::text, action, changes, NULL, at FROM h ORDER BY at, ord, sort_id
)
INSERT INTO events_event (type, data, created_at)
SELECT event_type, data, at FROM h ORDER BY at, ord, sort_id
"""
)

INSERT_ORDERS = """
WITH f AS MATERIALIZED (
    SELECT * FROM pg_temp.ord_facts(%(lo)s, %(hi)s, %(seed)s, %(ord_step)s, %(citizen0)s, %(citizens)s, %(heavy)s,
                                    %(clerk0)s, %(clerks)s)
),
items AS MATERIALIZED (
    SELECT f.i AS order_id, k, p.id AS product_id, p.name, q.quantity, p.price AS unit_price,
           p.price * q.quantity AS line_total
    FROM f
    CROSS JOIN LATERAL generate_series(1, f.nitems) AS k
    CROSS JOIN LATERAL (SELECT 1 + pg_temp.sh(f.i * 4 + k, %(seed)s * 1000 + 27) %% %(products)s AS product_id,
                               (1 + pg_temp.sh(f.i * 4 + k, %(seed)s * 1000 + 28) %% 3)::int AS quantity) AS q
    JOIN orders_product AS p ON p.id = q.product_id
),
totals AS (SELECT order_id, sum(line_total) AS total FROM items GROUP BY order_id),
new_orders AS (
    INSERT INTO orders_order (id, created_at, updated_at, version, status, total, currency, shipping_address, user_id)
    SELECT f.i, f.created, f.created + f.nsteps * f.gap, 1 + f.nsteps, f.status, t.total, 'EUR',
           pg_temp.pick(%(streets)s, pg_temp.sh(f.i, %(seed)s * 1000 + 29)) || ', '
               || (1 + pg_temp.sh(f.i, %(seed)s * 1000 + 30) %% 200)::text || ', '
               || pg_temp.pick(%(cities)s, pg_temp.sh(f.i, %(seed)s * 1000 + 31)),
           f.customer
    FROM f JOIN totals AS t ON t.order_id = f.i
),
new_payments AS (
    INSERT INTO orders_payment (created_at, updated_at, amount, currency, status, provider, payment_method,
                                idempotency_key, transaction_id, refund_id, failure_reason, order_id)
    SELECT f.created + f.gap - interval '2 seconds',
           f.created + CASE WHEN f.paid = 'refunded' THEN 2 ELSE 1 END * f.gap,
           t.total, 'EUR', f.paid, 'fake',
           CASE WHEN f.paid = 'failed' THEN 'pm_card_declined' ELSE 'pm_card_visa' END,
           'seed-' || %(seed)s || '-order-' || f.i,
           CASE WHEN f.paid = 'failed' THEN '' ELSE 'ch_seed_' || md5(%(seed)s || '-' || f.i) END,
           CASE WHEN f.paid = 'refunded' THEN 're_seed_' || md5(%(seed)s || '-' || f.i) ELSE '' END,
           CASE WHEN f.paid = 'failed' THEN 'Your card was declined.' ELSE '' END,
           f.i
    FROM f JOIN totals AS t ON t.order_id = f.i
    WHERE f.paid IS NOT NULL
    ORDER BY f.i
)
INSERT INTO orders_orderitem (order_id, product_id, name, quantity, unit_price, line_total)
SELECT order_id, product_id, name, quantity, unit_price, line_total FROM items ORDER BY order_id, k
"""

ORDER_REPR = """
    jsonb_build_object('id', o.id, 'user', o.user_id, 'status', {status}, 'total', o.total::text,
        'currency', o.currency, 'shipping_address', o.shipping_address, 'version', {version},
        'created_at', pg_temp.iso(o.created_at), 'updated_at', pg_temp.iso({updated}))
"""

PAYMENT_REPR = """
    jsonb_build_object('id', y.id, 'order_id', y.order_id, 'amount', y.amount::text, 'currency', y.currency,
        'status', {status}, 'transaction_id', y.transaction_id, 'provider', y.provider,
        'failure_reason', y.failure_reason, 'created_at', pg_temp.iso(y.created_at))
"""

TRAIL_ORDERS = (
    """
WITH o AS MATERIALIZED (
    SELECT f.*, o.id, o.user_id, o.total, o.currency, o.shipping_address, o.created_at
    FROM pg_temp.ord_facts(%(lo)s, %(hi)s, %(seed)s, %(ord_step)s, %(citizen0)s, %(citizens)s, %(heavy)s,
                           %(clerk0)s, %(clerks)s) AS f
    JOIN orders_order AS o ON o.id = f.i
),
y AS MATERIALIZED (
    SELECT y.*, o.gap, o.customer FROM orders_payment AS y JOIN o ON o.id = y.order_id
),
h AS MATERIALIZED (
    SELECT o.created_at AS at, 0 AS ord, o.id AS sort_id, o.user_id AS actor, 'order' AS entity_type,
           o.id AS entity_id, 'create' AS action,
           jsonb_build_object('status', jsonb_build_array(NULL, 'pending'),
                              'total', jsonb_build_array(NULL, o.total::text)) AS changes,
           'order.created' AS event_type,
           """
    + ORDER_REPR.format(status="'pending'", version="1", updated="o.created_at")
    + """ AS data
    FROM o
    UNION ALL
    SELECT y.created_at, 1, y.id, y.customer, 'payment', y.id, 'create',
           jsonb_build_object('status', jsonb_build_array(NULL, 'pending'),
                              'amount', jsonb_build_array(NULL, y.amount::text)),
           NULL, NULL
    FROM y
    UNION ALL
    SELECT y.created_at + interval '1 second', 2, y.id, y.customer, 'payment', y.id, 'transition',
           jsonb_build_object('status', jsonb_build_array('pending', CASE WHEN y.status = 'failed' THEN 'failed' ELSE 'succeeded' END)),
           CASE WHEN y.status = 'failed' THEN 'payment.failed' ELSE 'payment.succeeded' END,
           """
    + PAYMENT_REPR.format(status="CASE WHEN y.status = 'failed' THEN 'failed' ELSE 'succeeded' END")
    + """
    FROM y
    UNION ALL
    SELECT o.created_at + p.k * o.gap, 2 + p.k, o.id,
           CASE WHEN p.by_customer THEN o.user_id ELSE o.clerk END,
           'order', o.id, 'transition',
           jsonb_build_object('status', jsonb_build_array(p.src, p.dst)),
           'order.' || p.dst,
           """
    + ORDER_REPR.format(status="p.dst", version="1 + p.k", updated="o.created_at + p.k * o.gap")
    + """ || jsonb_build_object('from', p.src, 'to', p.dst)
    FROM o
    JOIN seed_ord_paths AS p ON p.status = o.status
    UNION ALL
    SELECT y.created_at + y.gap + interval '2 seconds', 9, y.id, NULL, 'payment', y.id, 'transition',
           jsonb_build_object('status', jsonb_build_array('succeeded', 'refunded')),
           'payment.refunded',
           """
    + PAYMENT_REPR.format(status="'refunded'")
    + """
    FROM y
    WHERE y.status = 'refunded'
),
audit AS (
    INSERT INTO events_auditevent (actor_id, entity_type, entity_id, action, changes, request_id, created_at)
    SELECT actor, entity_type, entity_id::text, action, changes, NULL, at FROM h ORDER BY at, ord, sort_id
)
INSERT INTO events_event (type, data, created_at)
SELECT event_type, data, at FROM h WHERE event_type IS NOT NULL ORDER BY at, ord, sort_id
"""
)


@dataclass(frozen=True)
class Plan:
    seed: int
    users: int
    clerks: int
    expedientes: int
    orders: int
    products: int
    chunk: int

    @property
    def citizens(self) -> int:
        return self.users - self.clerks - 1

    def params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "clerk0": 2,
            "clerks": self.clerks,
            "citizen0": self.clerks + 2,
            "citizens": self.citizens,
            "heavy": self.clerks + 2,
            "products": self.products,
            "exp_step": f"{SPAN_DAYS * 86400 / max(self.expedientes, 1):.6f} seconds",
            "ord_step": f"{SPAN_DAYS * 86400 / max(self.orders, 1):.6f} seconds",
            "first": data.FIRST_NAMES,
            "surnames": data.SURNAMES,
            "tramites": data.TRAMITES,
            "streets": data.STREETS,
            "cities": data.CITIES,
            "documentos": [name for name, _ in data.DOCUMENTOS],
            "tipos": [tipo for _, tipo in data.DOCUMENTOS],
        }


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database at scale for benchmarks: users (an admin, clerks, citizens), expedientes in "
        "every estado with documentos (metadata only), categories, products, orders with items and payments, "
        "and the audit rows and domain events of all of them. Deterministic for a given --seed and sizes. "
        "Refuses a database that already has users, expedientes or orders unless --reset is given; --reset "
        "TRUNCATEs every table of accounts, expedientes, orders and events first (all users included), so use "
        "it only on a benchmark database. Every seeded user's password is the bench password printed at the end. "
        "Secondary indexes of the big tables are dropped during the load and rebuilt after; ANALYZE runs last."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--expedientes", type=int, default=10_000)
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--users", type=int, default=1_000, help="All users: 1 admin, the clerks, citizens.")
        parser.add_argument("--clerks", type=int, default=20)
        parser.add_argument("--products", type=int, default=2_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--chunk", type=int, default=50_000, help="Rows per INSERT statement.")
        parser.add_argument("--reset", action="store_true", help="TRUNCATE the seeded tables first.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = Plan(
            seed=options["seed"],
            users=options["users"],
            clerks=options["clerks"],
            expedientes=options["expedientes"],
            orders=options["orders"],
            products=options["products"],
            chunk=options["chunk"],
        )
        if plan.clerks < 1 or plan.citizens < 1 or plan.products < 1:
            raise CommandError("Need at least 1 clerk, 1 citizen (--users > --clerks + 1) and 1 product.")
        if not 0 <= plan.seed <= 1_000_000:
            raise CommandError("--seed must be between 0 and 1000000.")
        self.progress = not options["no_progress"]
        started = time.monotonic()
        with connection.cursor() as cursor:
            self.cursor = cursor
            if options["reset"]:
                cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
            elif self._has_rows():
                raise CommandError("The database already has users, expedientes or orders: use --reset to empty it.")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            self.replica_role = bool(cursor.fetchone()[0])
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET jit = off")  # compiling these one-off statements costs more than running them
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute("SET work_mem = '64MB'")
            cursor.execute(FUNCTIONS + EXPEDIENTE_FACTS + ORDER_FACTS)
            indexes = self._drop_indexes()
            params = plan.params()
            try:
                self._users(plan, params)
                self._catalog(plan, params)
                self._chunked("expedientes", plan.expedientes, plan.chunk, INSERT_EXPEDIENTES, params)
                self._chunked("documentos", plan.expedientes, plan.chunk, INSERT_DOCUMENTOS, params)
                self._chunked("orders+items+payments", plan.orders, plan.chunk // 2, INSERT_ORDERS, params)
                self._trails(plan, params)
                self._webhooks(plan)
            finally:
                self._create_indexes(indexes)
            self._sequences()
            self._recount()
            self._analyze()
            cursor.execute("RESET synchronous_commit; RESET jit; RESET maintenance_work_mem; RESET work_mem")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {elapsed:.0f} s: {plan.users} users, {plan.expedientes} expedientes, {plan.orders} orders "
                f"(seed {plan.seed})."
            )
        )
        self.stdout.write(
            f"Bench credentials (every seeded user has this password): password {BENCH_PASSWORD!r}\n"
            f"  admin   bench_admin\n  clerk   bench_clerk\n"
            f"  citizen bench_citizen (owns every 100th expediente and order)"
        )

    # --- steps -------------------------------------------------------------------------------------
    def _bar(self, desc: str, total: int) -> tqdm:
        return tqdm(total=total, desc=f"{desc:<24}", unit="row", unit_scale=True, disable=not self.progress)

    def _has_rows(self) -> bool:
        self.cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM accounts_user) OR EXISTS (SELECT 1 FROM expedientes_expediente)"
            " OR EXISTS (SELECT 1 FROM orders_order)"
        )
        return bool(self.cursor.fetchone()[0])

    def _users(self, plan: Plan, params: dict[str, Any]) -> None:
        params["password"] = make_password(BENCH_PASSWORD)  # hashed once, shared by every seeded user
        with self._bar("users", plan.users) as bar:
            for lo in range(1, plan.users + 1, plan.chunk):
                hi = min(lo + plan.chunk - 1, plan.users)
                with transaction.atomic():
                    self.cursor.execute(INSERT_USERS, {**params, "lo": lo, "hi": hi, "language": office_language()})
                bar.update(hi - lo + 1)
        group = sync_clerks_permissions()
        self.cursor.execute(
            "INSERT INTO accounts_user_groups (user_id, group_id) SELECT id, %s FROM accounts_user WHERE role = 'clerk'",
            [group.pk],
        )

    def _catalog(self, plan: Plan, params: dict[str, Any]) -> None:
        with self._bar("categories", len(data.CATEGORIES)) as bar:
            self.cursor.execute(
                "INSERT INTO orders_category (id, created_at, updated_at, version, name, slug)"
                " SELECT n, TIMESTAMPTZ %s, TIMESTAMPTZ %s, 1, c.name, c.slug"
                " FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS c(name, slug, n)",
                [BASE, BASE, [n for n, _ in data.CATEGORIES], [s for _, s in data.CATEGORIES]],
            )
            bar.update(len(data.CATEGORIES))
        with self._bar("products", plan.products) as bar:
            self.cursor.execute(
                """
                INSERT INTO orders_product (id, created_at, updated_at, version, name, price, currency, stock, active,
                                            category_id)
                SELECT g, TIMESTAMPTZ %(base)s + make_interval(mins => g::int), TIMESTAMPTZ %(base)s + make_interval(mins => g::int), 1,
                       pg_temp.pick(%(nouns)s, pg_temp.sh(g, %(seed)s * 1000 + 51)) || ' '
                           || pg_temp.pick(%(qualifiers)s, pg_temp.sh(g, %(seed)s * 1000 + 52)) || ' nº ' || g,
                       (1 + pg_temp.sh(g, %(seed)s * 1000 + 53) %% 20000) / 100.0, 'EUR', 1000000,
                       pg_temp.sh(g, %(seed)s * 1000 + 54) %% 20 <> 0,
                       1 + pg_temp.sh(g, %(seed)s * 1000 + 55) %% %(categories)s
                FROM generate_series(1, %(products)s::bigint) AS g
                """,
                {
                    **params,
                    "base": BASE,
                    "nouns": data.PRODUCT_NOUNS,
                    "qualifiers": data.PRODUCT_QUALIFIERS,
                    "categories": len(data.CATEGORIES),
                },
            )
            bar.update(plan.products)

    def _chunked(self, desc: str, total: int, chunk: int, sql: str, params: dict[str, Any]) -> None:
        chunk = max(chunk, 1)
        with self._bar(desc, total) as bar:
            for lo in range(1, total + 1, chunk):
                hi = min(lo + chunk - 1, total)
                with transaction.atomic():
                    self._skip_fk_triggers()
                    self.cursor.execute(sql, {**params, "lo": lo, "hi": hi})
                bar.update(hi - lo + 1)

    def _trails(self, plan: Plan, params: dict[str, Any]) -> None:
        """The audit trails and domain events of expedientes and orders, window by window of time.

        Both kinds of rows span the same days, so the i-th of ``windows`` equal slices of each covers
        the same stretch of time; writing the slices alternately gives events ids that follow time
        (as a live system's do), not every expediente event before the first order event.
        """
        windows = max(1, -(-max(plan.expedientes, plan.orders) // max(plan.chunk // 10, 1)))
        with self._bar("trails (audit + events)", plan.expedientes + plan.orders) as bar:
            for window in range(windows):
                for total, sql in ((plan.expedientes, TRAIL_EXPEDIENTES), (plan.orders, TRAIL_ORDERS)):
                    lo, hi = total * window // windows + 1, total * (window + 1) // windows
                    if lo > hi:
                        continue
                    with transaction.atomic():
                        self._skip_fk_triggers()
                        self.cursor.execute(sql, {**params, "lo": lo, "hi": hi})
                    bar.update(hi - lo + 1)

    def _recount(self) -> None:
        """What the triggers keep (skipped with the foreign-key triggers): the counters, the documentos
        counts, the expedientes' moves of the reports and the reports' per-day counters (after the
        moves: decisions are counted from them), computed from the rows."""
        tables = tallies.counted_tables()
        with self._bar("counters", len(tables) + 3) as bar, transaction.atomic():
            for table in tables:
                self.cursor.execute(tallies.recount_sql(table, tallies.specs_for(table)))
                bar.update(1)
            self.cursor.execute(RECOUNT_DOCUMENTOS)
            bar.update(1)
            self.cursor.execute(REBUILD_MOVES)
            bar.update(1)
            self.cursor.execute(REBUILD_DAILY)
            bar.update(1)
            for table in versions.versioned_tables():  # rows changed behind the version triggers' back
                self.cursor.execute(versions.bump_sql(table))

    def _skip_fk_triggers(self) -> None:
        """Skip the per-row foreign-key triggers in this transaction (as ``pg_restore`` does).

        Every reference is built from rows inserted before it; CHECK, NOT NULL and unique constraints
        still apply. Needs a superuser; without one the triggers run (slower, same rows).
        """
        if self.replica_role:
            self.cursor.execute("SET LOCAL session_replication_role = replica")

    def _webhooks(self, plan: Plan) -> None:
        """Two disabled endpoints on a closed loopback port and a few deliveries for the dashboard's counts.

        Disabled, so no new event is ever fanned out to them; a seeded pending delivery has no next attempt,
        and would be given up without a request if a worker ever claimed it.
        """
        with self._bar("webhook deliveries", 1) as bar, transaction.atomic():
            self.cursor.execute(
                """
                INSERT INTO events_webhookendpoint (id, created_at, updated_at, version, url, secret, previous_secret,
                    previous_secret_expires_at, events, description, active, disabled_reason, disabled_at,
                    failing_since, consecutive_failures)
                SELECT n, TIMESTAMPTZ %(base)s, TIMESTAMPTZ %(base)s, 1, 'http://127.0.0.1:9/seed-hook-' || n,
                       'whsec_' || encode(sha256(('seed-' || %(seed)s || '-' || n)::bytea), 'base64'), '', NULL,
                       ARRAY['order.*', 'expediente.*'], 'Seeded for benchmarks: never delivered', false,
                       'Seeded endpoint (benchmarks)', TIMESTAMPTZ %(base)s, NULL, 0
                FROM generate_series(1, 2) AS n
                """,
                {"base": BASE, "seed": plan.seed},
            )
            self.cursor.execute(
                """
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
                """,
                {"seed": plan.seed},
            )
            bar.update(1)

    # --- bulk-load helpers -------------------------------------------------------------------------
    def _drop_indexes(self) -> list[tuple[str, str]]:
        """Secondary, non-unique indexes of the big tables: dropped now, rebuilt by ``_create_indexes``."""
        self.cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index AS i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
            ORDER BY i.indexrelid
            """,
            [BULK_TABLES],
        )
        indexes = [(name, definition) for name, definition in self.cursor.fetchall()]
        for name, _ in indexes:
            self.cursor.execute(f"DROP INDEX {name}")
        return indexes

    def _create_indexes(self, indexes: list[tuple[str, str]]) -> None:
        with self._bar("indexes", len(indexes)) as bar:
            for _, definition in indexes:
                self.cursor.execute(definition)
                bar.update(1)

    def _sequences(self) -> None:
        for table in TABLES:
            self.cursor.execute("SELECT pg_get_serial_sequence(%s, 'id') IS NOT NULL", [table])
            if self.cursor.fetchone()[0]:
                self.cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)",
                    [table],
                )

    def _analyze(self) -> None:
        with self._bar("analyze", len(TABLES)) as bar:
            for table in TABLES:
                self.cursor.execute(f"ANALYZE {table}")
                bar.update(1)
