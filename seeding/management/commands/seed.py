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
from seeding.plan import Plan
from seeding.sql.common import BASE, BULK_TABLES, FUNCTIONS, INSERT_USERS, TABLES
from seeding.sql.expedientes import (
    EXPEDIENTE_FACTS,
    INSERT_DOCUMENTOS,
    INSERT_EXPEDIENTES,
    TRAIL_EXPEDIENTES,
)
from seeding.sql.orders import INSERT_ORDERS, ORDER_FACTS, TRAIL_ORDERS
from seeding.sql.webhooks import INSERT_DELIVERIES, INSERT_ENDPOINTS

BENCH_PASSWORD = "bench-password-2024"  # noqa: S105 - a benchmark database's published credentials


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
            self.cursor.execute(INSERT_ENDPOINTS, {"base": BASE, "seed": plan.seed})
            self.cursor.execute(INSERT_DELIVERIES, {"seed": plan.seed})
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
