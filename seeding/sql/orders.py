"""The seeded orders, their items and payments, with the audit rows and events of their creation and steps."""

from __future__ import annotations

from seeding.sql.common import BASE, WRITE_TRAIL

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
),"""
    + WRITE_TRAIL
)
