"""The benchmark's own database: created or kept, filled by the seed, and its fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from tests.bench.http.settings import BENCH_PRODUCTS, CHECKOUT_USERS, PASSWORD, ROOT, SIZES


def database_urls(size: str) -> tuple[str, str, str]:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/expedientes"
    parsed = urllib.parse.urlsplit(base)
    name = f"{parsed.path.lstrip('/') or 'expedientes'}_http{size}"
    bench = urllib.parse.urlunsplit(parsed._replace(path=f"/{name}"))
    maintenance = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    return bench, maintenance, name


def prepare_database(size: str) -> tuple[str, bool]:
    """Create (or keep) the bench database; True when it must be filled."""
    import psycopg

    url, maintenance, name = database_urls(size)
    rebuild = size != "1m" or os.environ.get("REBUILD") == "1"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    if exists:
        with psycopg.connect(url) as conn:
            try:
                have = conn.execute("SELECT count(*) FROM expedientes_expediente").fetchone()[0]
            except psycopg.Error:
                have = 0
        if have < SIZES[size]:
            print(f"# {name}: {have} expedientes, fewer than {SIZES[size]}: rebuilding")
            with psycopg.connect(maintenance, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            return url, True
        print(f"# {name}: kept from an earlier run ({have} expedientes; REBUILD=1 to rebuild)")
        return url, False
    return url, True


def has_seed_command() -> bool:
    done = subprocess.run(
        [sys.executable, "manage.py", "help", "seed"], cwd=ROOT, capture_output=True, env=os.environ.copy()
    )
    return done.returncode == 0


def fill(size: str) -> str:
    from django.db import connection

    n = SIZES[size]
    if has_seed_command():
        print(f"# filling with manage.py seed --expedientes {n} --orders {n} --seed 1")
        subprocess.run(
            [sys.executable, "manage.py", "seed", "--expedientes", str(n), "--orders", str(n), "--seed", "1"],
            cwd=ROOT,
            check=True,
            env=os.environ.copy(),
        )
        how = "manage.py seed"
    else:
        from accounts.models import User
        from tests.bench import seed_fallback

        print(f"# filling with the bulk-SQL fallback ({n} expedientes, {n} orders)")
        started = time.perf_counter()
        heavy = User.objects.create_user("bench-heavy", "bench-heavy@example.com", None)
        citizens = [
            User.objects.create_user(f"seed-citizen-{i}", f"seed-citizen-{i}@example.com", None)
            for i in range(seed_fallback.CITIZENS)
        ]
        seed_fallback.fill(expedientes=n, orders=n, heavy=heavy, citizens=citizens)
        print(f"# filled in {time.perf_counter() - started:.1f} s")
        how = "fallback"
    with connection.cursor() as cursor:
        # Every table, as autovacuum would soon after a load: left to it, its run lands in the first
        # scenarios (the heavy citizen's) and charges whichever view happens to run beside it.
        cursor.execute("VACUUM ANALYZE")
    return how


def bench_fixtures() -> dict[str, Any]:
    """Users with known passwords, a pool of citizens, products with stock enough for any run."""
    from django.db.models import Count

    from accounts.models import User
    from expedientes.models import Expediente
    from orders.models import Product

    top = Expediente.objects.values("owner_id").annotate(n=Count("id")).order_by("-n").first()
    heavy = User.objects.get(pk=top["owner_id"])
    heavy.set_password(PASSWORD)
    heavy.save(update_fields=["password"])
    clerk = User.objects.filter(username="bench-clerk").first() or User.objects.create_user(
        "bench-clerk", "bench-clerk@example.com", PASSWORD, role="clerk"
    )
    pool = []
    for i in range(CHECKOUT_USERS):
        user = User.objects.filter(username=f"bench-buyer-{i}").first() or User.objects.create_user(
            f"bench-buyer-{i}", f"bench-buyer-{i}@example.com", None
        )
        pool.append(user)
    products = list(Product.objects.filter(name__startswith="Bench sello").order_by("id"))
    for i in range(len(products), BENCH_PRODUCTS):
        products.append(Product.objects.create(name=f"Bench sello {i}", price="4.50", stock=2**31 - 1))
    Product.objects.filter(pk__in=[p.pk for p in products]).update(stock=2**31 - 1, active=True)
    return {"heavy": heavy, "heavy_rows": top["n"], "clerk": clerk, "pool": pool, "products": products}
