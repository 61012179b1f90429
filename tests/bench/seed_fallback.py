"""Bulk fill for ``make bench-http`` when the project has no ``manage.py seed`` command.

One ``INSERT ... SELECT generate_series`` per table, deterministic (no randomness): expedientes in
every estado with Spanish names (accents), documentos metadata on every fifth, one category per
five products, orders in every status with one item each and a succeeded payment where the status
implies one. The first ``HEAVY_ROWS`` expedientes and orders belong to one citizen; the rest are
spread over ``CITIZENS`` others.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

HEAVY_ROWS = 10_000
CITIZENS = 50
PRODUCTS = 50

NOMBRES = ["José", "María", "Ángel", "Lucía", "Sofía", "Iñaki", "Begoña", "Raúl", "Inés", "Jesús", "Nuria", "Óscar"]
APELLIDOS = ["García", "Pérez", "Martínez", "Núñez", "Gómez", "Fernández", "Sánchez", "Ibáñez", "Muñoz", "Castaño"]
CONCEPTOS = [
    "Solicitud de licencia de obra menor",
    "Subvención para rehabilitación de vivienda",
    "Autorización de terraza en vía pública",
    "Reclamación de responsabilidad patrimonial",
    "Inscripción en el padrón municipal",
    "Licencia de apertura de actividad",
]
ESTADOS = ["iniciado", "en_revision", "requiere_subsanacion", "aprobado", "rechazado", "archivado"]
STATUSES = ["pending", "confirmed", "approved", "rejected", "shipped", "delivered", "cancelled"]
PAID = ["confirmed", "approved", "shipped", "delivered"]


def fill(*, expedientes: int, orders: int, heavy: Any, citizens: list[Any]) -> None:
    citizen_ids = [user.pk for user in citizens]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO expedientes_expediente (numero, solicitante, concepto, estado, owner_id, assigned_to_id,"
            " version, created_at, updated_at)"
            " SELECT 'SEED-' || lpad(g::text, 7, '0'),"
            "  (%(nombres)s::text[])[1 + g %% cardinality(%(nombres)s::text[])] || ' '"
            "   || (%(apellidos)s::text[])[1 + (g / 7) %% cardinality(%(apellidos)s::text[])] || ' '"
            "   || (%(apellidos)s::text[])[1 + (g / 3) %% cardinality(%(apellidos)s::text[])],"
            "  (%(conceptos)s::text[])[1 + g %% cardinality(%(conceptos)s::text[])] || ' nº ' || g,"
            "  (%(estados)s::text[])[1 + g %% 6],"
            "  CASE WHEN g <= %(heavy_rows)s THEN %(heavy)s"
            "   ELSE (%(citizens)s::bigint[])[1 + g %% cardinality(%(citizens)s::bigint[])] END,"
            "  NULL, 1, now() - make_interval(secs => g), now() - make_interval(secs => g)"
            " FROM generate_series(1, %(n)s) g",
            {
                "nombres": NOMBRES,
                "apellidos": APELLIDOS,
                "conceptos": CONCEPTOS,
                "estados": ESTADOS,
                "heavy_rows": HEAVY_ROWS,
                "heavy": heavy.pk,
                "citizens": citizen_ids,
                "n": expedientes,
            },
        )
        cursor.execute(
            "INSERT INTO expedientes_documento (expediente_id, nombre, tipo, file, content_type, size, sha256,"
            " uploaded_by_id, created_at, updated_at)"
            " SELECT e.id, 'solicitud-' || e.id || '.pdf', 'solicitud', '', NULL, NULL, NULL, e.owner_id,"
            "  e.created_at, e.created_at"
            " FROM expedientes_expediente e WHERE e.id % 5 = 0"
        )
        cursor.execute(
            "INSERT INTO orders_category (name, slug, version, created_at, updated_at)"
            " SELECT 'Categoría ' || g, 'categoria-' || g, 1, now(), now() FROM generate_series(1, %s) g",
            [PRODUCTS // 5],
        )
        cursor.execute(
            "INSERT INTO orders_product (name, category_id, price, currency, stock, active, version,"
            " created_at, updated_at)"
            " SELECT 'Producto ' || g || ' de catálogo', (SELECT min(id) FROM orders_category) + (g - 1) / 5,"
            "  (g * 1.25 + 0.99)::numeric(12, 2), 'EUR', 1000000, true, 1, now(), now()"
            " FROM generate_series(1, %s) g",
            [PRODUCTS],
        )
        cursor.execute(
            "INSERT INTO orders_order (user_id, status, total, currency, shipping_address, version,"
            " created_at, updated_at)"
            " SELECT CASE WHEN g <= %(heavy_rows)s THEN %(heavy)s"
            "   ELSE (%(citizens)s::bigint[])[1 + g %% cardinality(%(citizens)s::bigint[])] END,"
            "  (%(statuses)s::text[])[1 + g %% 7], 0, 'EUR', 'Calle Mayor ' || (g %% 200) || ', Logroño', 1,"
            "  now() - make_interval(secs => g), now() - make_interval(secs => g)"
            " FROM generate_series(1, %(n)s) g",
            {
                "heavy_rows": HEAVY_ROWS,
                "heavy": heavy.pk,
                "citizens": citizen_ids,
                "statuses": STATUSES,
                "n": orders,
            },
        )
        cursor.execute(
            "WITH p AS (SELECT id, name, price, row_number() OVER (ORDER BY id) - 1 AS k FROM orders_product),"
            " n AS (SELECT count(*) AS c FROM p)"
            " INSERT INTO orders_orderitem (order_id, product_id, name, quantity, unit_price, line_total)"
            " SELECT o.id, p.id, p.name, 1 + o.id % 3, p.price, p.price * (1 + o.id % 3)"
            " FROM orders_order o CROSS JOIN n JOIN p ON p.k = o.id % n.c"
        )
        cursor.execute("UPDATE orders_order o SET total = i.line_total FROM orders_orderitem i WHERE i.order_id = o.id")
        cursor.execute(
            "INSERT INTO orders_payment (order_id, amount, currency, status, provider, payment_method,"
            " idempotency_key, transaction_id, refund_id, failure_reason, created_at, updated_at)"
            " SELECT o.id, o.total, 'EUR', 'succeeded', 'fake', 'pm_card_visa', 'seed-' || o.id, 'ch_seed_' || o.id,"
            "  '', '', o.created_at, o.created_at"
            " FROM orders_order o WHERE o.status = ANY(%s)",
            [PAID],
        )
