"""`make bench-http`: the production server under `wrk`, scenario by scenario, beside its reference views.

    SIZE=10k|1m  SECONDS=10  WARMUP=3  CONNECTIONS=16  ONLY=<regex>  python -m tests.bench.http

Other knobs: WRK_THREADS (1), WRK_TIMEOUT (10s), RSS_REQUESTS (10000; RSS=0 skips that part),
SEARCH_COMMON (the common search term, "garcia"), REBUILD=1 (the 1m database), BENCH_EMAIL_URL
(dummymail://: without a broker tasks run eagerly after commit, so their mail goes nowhere).

1. A database of its own, named after ``DATABASE_URL``'s (``<name>_http10k`` / ``<name>_http1m``):
   the 10k one is rebuilt on every run, the 1m one is built once and kept (``REBUILD=1`` rebuilds).
   Filled by ``manage.py seed`` when the project has it, else by ``tests.bench.seed_fallback``.
2. ``make serve-prod`` on a free loopback port with ``BENCH_VIEWS=true`` (the baseline and floor
   views of ``reports.benchviews``), keys shared with this process so it can mint tokens and cursors.
3. Per scenario: the queries one request costs (Django's test client in this process, under the same
   settings, with ``CaptureQueriesContext``), a warm-up, then ``wrk`` for ``SECONDS``; one line with
   req/s, p50, p99, errors, queries and the ratio to the scenario's baseline view.
4. Each gunicorn worker's RSS before and after 10,000 more requests (a mix of the reads).

Results go to ``bench/results/<timestamp>.json``. Latencies are wrk's (closed loop, at this many
connections mostly queueing); compare req/s within one run, the machine's cores are shared.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import processes

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("requests.lua")
SIZES = {"10k": 10_000, "1m": 1_000_000}
TRANSITION_POOL = 1_000
CHECKOUT_USERS = 100
BENCH_PRODUCTS = 20
PASSWORD = "Bench-http-pass-1"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


SECONDS = env_int("SECONDS", 10)
WARMUP = env_int("WARMUP", 3)
CONNECTIONS = env_int("CONNECTIONS", 16)
WRK_THREADS = env_int("WRK_THREADS", 1)
WRK_TIMEOUT = os.environ.get("WRK_TIMEOUT", "10s")
RSS_REQUESTS = env_int("RSS_REQUESTS", 10_000)


@dataclass
class Scenario:
    name: str
    lines: list[tuple[str, str, str, str]]  # method, path, token, body
    baseline: str | None = None
    probe_setup: list[int] = field(default_factory=list)  # lines sent before the counted probe
    probe: int = 0
    prepare: Any = None  # called before each wrk run (resets state the scenario consumes)
    # Stateful scenarios warm up on rows of their own: requests still in flight when the warm-up's
    # wrk exits must not change the rows the measured run starts from.
    warmup_lines: list[tuple[str, str, str, str]] | None = None
    result: dict[str, Any] = field(default_factory=dict)


# --- database ---------------------------------------------------------------------------------
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
        for table in ("expedientes_expediente", "expedientes_documento", "orders_order", "orders_orderitem"):
            cursor.execute(f"VACUUM ANALYZE {table}")
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


# --- server -----------------------------------------------------------------------------------
def start_server(port: int, log: Path) -> subprocess.Popen:
    argv = ["make", "--no-print-directory", "serve-prod", f"BIND=127.0.0.1:{port}"]
    proc = processes.start(argv, log, ready="Listening at:", timeout=120, env=os.environ.copy())
    # The socket is bound: a request waits in its backlog until a worker has loaded the app.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=120) as answer:
        if answer.status != 200:
            processes.stop(proc)
            raise SystemExit(f"serve-prod answered {answer.status} on /health/live; see {log}")
    return proc


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def gunicorn_workers(root_pid: int) -> list[int]:
    """Processes under ``root_pid`` whose parent is a gunicorn process too (the master's children)."""
    tree = _children()

    def is_gunicorn(pid: int) -> bool:
        try:
            return b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    workers, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        for child in tree.get(pid, []):
            if is_gunicorn(child) and is_gunicorn(pid):
                workers.append(child)
            todo.append(child)
    return sorted(workers)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- HTTP helpers -----------------------------------------------------------------------------
def http_json(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def login(base: str, username: str) -> str:
    status, body = http_json("POST", f"{base}/api/v1/auth/login", {"username": username, "password": PASSWORD})
    if status != 200:
        raise SystemExit(f"login of {username} answered {status}: {body}")
    return body["access_token"]


# --- wrk --------------------------------------------------------------------------------------
WRK_LINE = re.compile(r"wrk-result: (.*)")


def run_wrk(base: str, lines: list[tuple[str, str, str, str]], seconds: float, run_id: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
        for method, path, token, body in lines:
            handle.write(f"{method}\t{path}\t{token}\t{body}\n")
        requests_file = handle.name
    env = {**os.environ, "BENCH_REQUESTS": requests_file, "BENCH_RUN": run_id, "BENCH_THREADS": str(WRK_THREADS)}
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(LUA),
        base,
    ]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    finally:
        os.unlink(requests_file)
    match = WRK_LINE.search(done.stdout)
    if not match:
        raise SystemExit(f"wrk gave no result line:\n{done.stdout}\n{done.stderr}")
    raw = dict(pair.split("=", 1) for pair in match.group(1).split())
    numbers = {key: (value if key == "first_non2xx" else int(float(value))) for key, value in raw.items()}
    seconds_run = numbers["duration_us"] / 1e6
    errors = numbers["non2xx"] + numbers["connect"] + numbers["read"] + numbers["write"] + numbers["timeout"]
    return {
        "requests": numbers["requests"],
        "rps": round(numbers["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": round(numbers["p50_us"] / 1000, 2),
        "p90_ms": round(numbers["p90_us"] / 1000, 2),
        "p99_ms": round(numbers["p99_us"] / 1000, 2),
        "max_ms": round(numbers["max_us"] / 1000, 2),
        "errors": errors,
        "non2xx": numbers["non2xx"],
        "first_non2xx": numbers["first_non2xx"],
        "timeouts": numbers["timeout"],
    }


# --- queries per request, in this process -----------------------------------------------------
def probe(scenario: Scenario) -> tuple[int | None, int | None]:
    """The scenario's request once through Django's test client: (status, queries)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def send(index: int) -> Any:
        method, path, token, body = scenario.lines[index]
        body = body.replace("{n}", f"probe-{secrets.token_hex(4)}")
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return client.generic(method, path, body.encode(), content_type="application/json", **extra)

    for index in scenario.probe_setup:
        send(index)
    with CaptureQueriesContext(connection) as queries:
        response = send(scenario.probe)
    return response.status_code, len(queries)


# --- scenarios --------------------------------------------------------------------------------
def deep_cursor(token: str, clerk_rows: int) -> str | None:
    """A cursor 90% of the way down the clerk's list: the first page of ``created_before=<that row>``
    with one row per page gives the cursor just after that row, which then serves the unfiltered list."""
    from django.test import Client

    from expedientes.models import Expediente

    row = Expediente.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)[int(clerk_rows * 0.9)]
    query = urllib.parse.urlencode({"cursor": "", "per_page": 1, "created_before": row.isoformat()})
    answer = Client().get(f"/api/v1/expedientes?{query}", HTTP_AUTHORIZATION=f"Bearer {token}")
    if answer.status_code != 200:
        return None
    cursor = answer.json().get("next_cursor")
    check = Client().get(
        "/api/v1/expedientes?" + urllib.parse.urlencode({"cursor": cursor, "per_page": 20}),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return cursor if check.status_code == 200 and check.json()["data"] else None


def build_scenarios(fx: dict[str, Any], tokens: dict[str, str]) -> list[Scenario]:
    from accounts.tokens import issue_tokens
    from expedientes.models import Expediente
    from orders.models import CartItem

    heavy, clerk = tokens["heavy"], tokens["clerk"]
    products = [p.pk for p in fx["products"]]
    buyers = [issue_tokens(user)["access_token"] for user in fx["pool"]]
    buyer_ids = [user.pk for user in fx["pool"]]

    def get(path: str, token: str) -> list[tuple[str, str, str, str]]:
        return [("GET", path, token, "")]

    exp = "/api/v1/expedientes"
    bench = "/api/v1/bench"
    # A common surname of the seed (accent-free, so the search is accent-insensitive) and a rare numero.
    common = os.environ.get("SEARCH_COMMON", "garcia")
    rare = Expediente.objects.order_by("id").values_list("numero", flat=True)[Expediente.objects.count() // 2]
    clerk_rows = Expediente.objects.count()
    detail_ids = list(Expediente.objects.filter(owner=fx["heavy"]).order_by("-id").values_list("id", flat=True)[:500])
    cursor = deep_cursor(clerk, clerk_rows)
    # The oldest rows: at the end of every list, they take turns between two estados.
    pool_ids = list(Expediente.objects.order_by("id").values_list("id", flat=True)[: TRANSITION_POOL + 200])

    def reset_transition_pool() -> None:
        Expediente.objects.filter(pk__in=pool_ids).update(estado="en_revision")

    def empty_carts() -> None:
        CartItem.objects.filter(cart__user_id__in=buyer_ids).delete()

    def transitions(ids: list[int], path: str = f"{exp}/{{pk}}/transitions") -> list[tuple[str, str, str, str]]:
        # Every id once to requiere_subsanacion, then every id back: the next request on an id comes
        # len(ids) requests later, long after the previous one finished.
        return [
            ("POST", path.format(pk=pk), clerk, json.dumps({"to": to}))
            for to in ("requiere_subsanacion", "en_revision")
            for pk in ids
        ]

    def checkout(tokens: list[str]) -> list[tuple[str, str, str, str]]:
        # Each buyer adds a line, and len(tokens) requests later checks the cart out.
        adds = [
            ("POST", "/api/v1/cart/items", t, json.dumps({"product_id": products[i % len(products)], "quantity": 1}))
            for i, t in enumerate(tokens)
        ]
        return adds + [("POST", "/api/v1/checkout", t, json.dumps({"payment_method": "pm_card_visa"})) for t in tokens]

    warm_buyers = len(buyers) // 4

    def order_lines(path: str) -> list[tuple[str, str, str, str]]:
        return [
            ("POST", path, buyers[i % len(buyers)], json.dumps({"items": [{"product_id": p, "quantity": 1}]}))
            for i, p in enumerate(products * 5)
        ]

    def create(path: str, prefix: str) -> list[tuple[str, str, str, str]]:
        body = {"numero": f"{prefix}-{{n}}", "solicitante": "Begoña Ibáñez Núñez", "concepto": "Alta de bench"}
        return [("POST", path, heavy, json.dumps(body))]

    s = [
        # page mode, heavy citizen: the figure of the issue (10k rows of one citizen), 100 and 20 per page
        Scenario("exp-baseline heavy per_page=100", get(f"{bench}/expedientes/baseline?per_page=100", heavy)),
        Scenario("exp-list heavy per_page=100", get(f"{exp}?per_page=100", heavy), "exp-baseline heavy per_page=100"),
        Scenario(
            "exp-floor heavy per_page=100",
            get(f"{bench}/expedientes/floor?per_page=100", heavy),
            "exp-baseline heavy per_page=100",
        ),
        Scenario("exp-baseline heavy per_page=20", get(f"{bench}/expedientes/baseline?per_page=20", heavy)),
        Scenario("exp-list heavy per_page=20", get(f"{exp}?per_page=20", heavy), "exp-baseline heavy per_page=20"),
        Scenario(
            "exp-floor heavy per_page=20",
            get(f"{bench}/expedientes/floor?per_page=20", heavy),
            "exp-baseline heavy per_page=20",
        ),
        # clerk: every row
        Scenario("exp-baseline clerk", get(f"{bench}/expedientes/baseline?per_page=20", clerk)),
        Scenario("exp-list clerk", get(f"{exp}?per_page=20", clerk), "exp-baseline clerk"),
        Scenario("exp-floor clerk", get(f"{bench}/expedientes/floor?per_page=20", clerk), "exp-baseline clerk"),
        Scenario(
            "exp-baseline clerk estado", get(f"{bench}/expedientes/baseline?per_page=20&estado=en_revision", clerk)
        ),
        Scenario(
            "exp-list clerk estado", get(f"{exp}?per_page=20&estado=en_revision", clerk), "exp-baseline clerk estado"
        ),
        Scenario(
            "exp-baseline clerk search common", get(f"{bench}/expedientes/baseline?per_page=20&search={common}", clerk)
        ),
        Scenario(
            "exp-list clerk search common",
            get(f"{exp}?per_page=20&search={common}", clerk),
            "exp-baseline clerk search common",
        ),
        Scenario(
            "exp-baseline clerk search numero", get(f"{bench}/expedientes/baseline?per_page=20&search={rare}", clerk)
        ),
        Scenario(
            "exp-list clerk search numero",
            get(f"{exp}?per_page=20&search={rare}", clerk),
            "exp-baseline clerk search numero",
        ),
        Scenario("exp-list clerk cursor first", get(f"{exp}?per_page=20&cursor=", clerk), "exp-baseline clerk"),
    ]
    if cursor:
        s.append(
            Scenario(
                "exp-list clerk cursor deep",
                get(f"{exp}?" + urllib.parse.urlencode({"per_page": 20, "cursor": cursor}), clerk),
                "exp-baseline clerk",
            )
        )
    else:
        print("# no deep cursor could be built: that scenario is left out")
    s += [
        Scenario(
            "exp-detail heavy",
            [("GET", f"{exp}/{pk}", heavy, "") for pk in detail_ids],
            "exp-baseline heavy per_page=20",
        ),
        Scenario("orders-baseline heavy", get(f"{bench}/orders/baseline?per_page=20", heavy)),
        Scenario("orders-list heavy", get("/api/v1/orders?per_page=20", heavy), "orders-baseline heavy"),
        Scenario("orders-floor heavy", get(f"{bench}/orders/floor?per_page=20", heavy), "orders-baseline heavy"),
        Scenario("orders-baseline clerk", get(f"{bench}/orders/baseline?per_page=20", clerk)),
        Scenario("orders-list clerk", get("/api/v1/orders?per_page=20", clerk), "orders-baseline clerk"),
        Scenario("orders-floor clerk", get(f"{bench}/orders/floor?per_page=20", clerk), "orders-baseline clerk"),
        Scenario("dashboard clerk", get("/api/v1/dashboard", clerk), "exp-baseline clerk"),
        # the staff feeds' filters (no reference views: their figures are read against the targets)
        Scenario("audit clerk action", get("/api/v1/audit-events?per_page=100&action=transition", clerk)),
        Scenario("audit clerk entity_type", get("/api/v1/audit-events?per_page=100&entity_type=order", clerk)),
        Scenario("events clerk type", get("/api/v1/events?per_page=100&type=order.created", clerk)),
        Scenario("events clerk type cursor", get("/api/v1/events?per_page=100&type=order.created&cursor=", clerk)),
        # writes last, so the reads above see the seeded rows only
        Scenario("exp-create-baseline heavy", create(f"{bench}/expedientes/create-baseline", "BB")),
        Scenario("exp-create heavy", create(exp, "B"), "exp-create-baseline heavy"),
        Scenario(
            "exp-transition-baseline clerk",
            transitions(pool_ids[200:], f"{bench}/expedientes/{{pk}}/transition-baseline"),
            prepare=reset_transition_pool,
            warmup_lines=transitions(pool_ids[:200], f"{bench}/expedientes/{{pk}}/transition-baseline"),
        ),
        Scenario(
            "exp-transition clerk",
            transitions(pool_ids[200:]),
            "exp-transition-baseline clerk",
            prepare=reset_transition_pool,
            warmup_lines=transitions(pool_ids[:200]),
        ),
        Scenario("order-create-baseline", order_lines(f"{bench}/orders/create-baseline")),
        Scenario("order-create", order_lines("/api/v1/orders"), "order-create-baseline"),
        Scenario(
            "checkout (cart add + checkout)",
            checkout(buyers[warm_buyers:]),
            "orders-baseline heavy",
            probe_setup=[0],
            probe=len(buyers) - warm_buyers,
            prepare=empty_carts,
            warmup_lines=checkout(buyers[:warm_buyers]),
        ),
    ]
    return s


def selected(scenarios: list[Scenario]) -> list[Scenario]:
    """``ONLY=<regex>``: the matching scenarios and their baselines."""
    only = os.environ.get("ONLY")
    if not only:
        return scenarios
    wanted = re.compile(only)
    names = {sc.name for sc in scenarios if wanted.search(sc.name)}
    names |= {sc.baseline for sc in scenarios if sc.name in names and sc.baseline}
    return [sc for sc in scenarios if sc.name in names]


def rss_mix(scenarios: list[Scenario]) -> list[tuple[str, str, str, str]]:
    reads = [sc for sc in scenarios if sc.lines[0][0] == "GET" and "/bench/" not in sc.lines[0][1]]
    mix = []
    for i in range(max(len(sc.lines) for sc in reads)):
        mix += [sc.lines[i % len(sc.lines)] for sc in reads]
    return mix


# --- main -------------------------------------------------------------------------------------
def main() -> int:
    size = os.environ.get("SIZE", "10k").lower()
    if size not in SIZES:
        raise SystemExit(f"SIZE must be one of {', '.join(SIZES)}")
    url, needs_fill = prepare_database(size)
    # The server and this process share the database, the keys and the settings.
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_ENV": "production",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
            "JWT_SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or secrets.token_urlsafe(64),
            "SECURE_SSL_REDIRECT": "false",
            "BENCH_VIEWS": "true",
            "DEBUG": "false",
            # Tokens must outlive a long run; mail goes nowhere (tasks run eagerly without a broker).
            "JWT_ACCESS_LIFETIME_SECONDS": os.environ.get("JWT_ACCESS_LIFETIME_SECONDS", str(6 * 3600)),
            "EMAIL_URL": os.environ.get("BENCH_EMAIL_URL", "dummymail://"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    import django

    django.setup()
    # This process's own requests (the query probes) run tasks eagerly; their INFO lines are noise here.
    logging.getLogger().setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    how = fill(size) if needs_fill else "kept"
    fx = bench_fixtures()

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = results_dir / f"{stamp}.server.log"
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, log)
    report: dict[str, Any] = {}
    try:
        tokens = {"heavy": login(base, fx["heavy"].username), "clerk": login(base, fx["clerk"].username)}
        every = build_scenarios(fx, tokens)
        scenarios = selected(every)
        workers = gunicorn_workers(server.pid)
        load_at_start = os.getloadavg()[0]
        print(
            f"# bench-http SIZE={size} ({how}) db={url.rsplit('/', 1)[1]} server={base} workers={workers} "
            f"c={CONNECTIONS} t={WRK_THREADS} warm-up={WARMUP}s run={SECONDS}s cores={os.cpu_count()} "
            f"load={load_at_start:.2f} heavy={fx['heavy'].username} ({fx['heavy_rows']} expedientes)"
        )
        by_name = {sc.name: sc for sc in scenarios}
        header = (
            f"{'scenario':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'queries':>7} "
            f"{'vs baseline':>11} {'requests':>8}"
        )
        print(header)
        for n, sc in enumerate(scenarios):
            if sc.prepare:
                sc.prepare()
            status, queries = probe(sc)
            if sc.prepare:
                sc.prepare()
            if WARMUP:
                run_wrk(base, sc.warmup_lines or sc.lines, WARMUP, f"w{stamp[-7:-1]}{n}")
            if sc.prepare:
                sc.prepare()
            result = run_wrk(base, sc.lines, SECONDS, f"r{stamp[-7:-1]}{n}")
            result.update(probe_status=status, queries=queries, baseline=sc.baseline)
            base_result = by_name[sc.baseline].result if sc.baseline in by_name else {}
            if base_result.get("rps"):
                result["ratio"] = round(result["rps"] / base_result["rps"], 2)
            sc.result = result
            ratio = f"{result['ratio']:.2f}x" if "ratio" in result else "-"
            flag = "" if status and 200 <= status < 300 else f"  (probe answered {status})"
            if result["errors"]:
                flag += f"  (first non-2xx: {result['first_non2xx']})"
            if not result["requests"]:
                flag += "  (no response within the run: raise SECONDS)"
            print(
                f"{sc.name:<36} {result['rps']:>8.1f} {result['p50_ms']:>8.1f} {result['p99_ms']:>8.1f} "
                f"{result['errors']:>7} {queries if queries is not None else '-':>7} {ratio:>11} "
                f"{result['requests']:>8}{flag}",
                flush=True,
            )
        # Ratios of scenarios measured before their baseline.
        for sc in scenarios:
            base_result = by_name[sc.baseline].result if sc.baseline in by_name else {}
            if "ratio" not in sc.result and base_result.get("rps"):
                sc.result["ratio"] = round(sc.result["rps"] / base_result["rps"], 2)

        admin = admin_changelists(fx["clerk"], os.environ.get("SEARCH_COMMON", "garcia"))
        rss = measure_rss(base, server.pid, rss_mix(every), stamp) if os.environ.get("RSS", "1") != "0" else {}
        report = {
            "started_at": stamp,
            "size": size,
            "filled_by": how,
            "database": url.rsplit("/", 1)[1],
            "connections": CONNECTIONS,
            "wrk_threads": WRK_THREADS,
            "seconds": SECONDS,
            "warmup": WARMUP,
            "cores": os.cpu_count(),
            "load_at_start": round(load_at_start, 2),
            "git_commit": subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
            ).stdout.strip(),
            "heavy_citizen_rows": fx["heavy_rows"],
            "scenarios": [{"name": sc.name, "path": sc.lines[0][1][:200], **sc.result} for sc in scenarios],
            "admin_changelists_ms": admin,
            "rss": rss,
        }
    finally:
        processes.stop(server)
    out = results_dir / f"{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"# results: {out.relative_to(ROOT)} (server log: {log.relative_to(ROOT)})")
    return 0


def admin_changelists(clerk: Any, common: str) -> dict[str, float]:
    """The expedientes changelist alone (this process, a clerk's session): best of 5, in ms."""
    from django.test import Client

    client = Client()
    client.force_login(clerk)
    pages = {
        "plain": "/admin/expedientes/expediente/",
        "estado": "/admin/expedientes/expediente/?estado__exact=en_revision",
        "search common": f"/admin/expedientes/expediente/?q={common}",
        "search numero": "/admin/expedientes/expediente/?q=EXP-2024-05",
    }
    timings = {}
    for name, path in pages.items():
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            status = client.get(path).status_code
            best = min(best, (time.perf_counter() - started) * 1000)
        timings[name] = round(best, 1) if status == 200 else float("nan")
    print("# admin changelist alone (best of 5): " + ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items()))
    return timings


def measure_rss(base: str, server_pid: int, mix: list[tuple[str, str, str, str]], stamp: str) -> dict[str, Any]:
    """Each worker's VmRSS before and after RSS_REQUESTS more requests (the read mix), after a warm-up."""
    run_wrk(base, mix, max(WARMUP, 1), f"m{stamp[-7:-1]}w")
    workers = gunicorn_workers(server_pid)
    before = {pid: rss_kib(pid) for pid in workers}
    done, rounds = 0, 0
    rate = 100.0
    while done < RSS_REQUESTS and rounds < 20:
        seconds = max(2.0, min(120.0, (RSS_REQUESTS - done) / rate * 1.1))
        result = run_wrk(base, mix, seconds, f"m{stamp[-7:-1]}{rounds}")
        done += result["requests"]
        rate = max(result["rps"], 1.0)
        rounds += 1
    after = {pid: rss_kib(pid) for pid in workers if Path(f"/proc/{pid}").exists()}
    lines = []
    for pid in workers:
        if pid not in after:
            lines.append({"pid": pid, "before_kib": before[pid], "after_kib": None, "growth_pct": None})
            continue
        growth = (after[pid] - before[pid]) / before[pid] * 100 if before[pid] else 0.0
        lines.append({"pid": pid, "before_kib": before[pid], "after_kib": after[pid], "growth_pct": round(growth, 1)})
    text = ", ".join(
        f"pid {w['pid']}: {w['before_kib'] / 1024:.1f} -> "
        + (f"{w['after_kib'] / 1024:.1f} MiB ({w['growth_pct']:+.1f}%)" if w["after_kib"] else "gone (restarted)")
        for w in lines
    )
    print(f"# worker RSS over {done} requests (read mix): {text}")
    return {"requests": done, "workers": lines}


if __name__ == "__main__":
    sys.exit(main())
