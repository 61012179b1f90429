"""Every scenario of the run, each beside its reference view."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from tests.bench.http.settings import TRANSITION_POOL, Scenario


def deep_cursor(token: str, estado: str | None = None) -> str | None:
    """A cursor 90% of the way down the clerk's list (of one ``estado``, when given): the first page of
    ``created_before=<that row>`` with one row per page gives the cursor just after that row, which then
    serves the list without ``created_before``."""
    from django.test import Client

    from expedientes.models import Expediente

    rows = Expediente.objects.filter(**({"estado": estado} if estado else {}))
    row = rows.order_by("-created_at", "-id").values_list("created_at", flat=True)[int(rows.count() * 0.9)]
    where = {"estado": estado} if estado else {}
    query = urllib.parse.urlencode({"cursor": "", "per_page": 1, "created_before": row.isoformat(), **where})
    answer = Client().get(f"/api/v1/expedientes?{query}", HTTP_AUTHORIZATION=f"Bearer {token}")
    if answer.status_code != 200:
        return None
    cursor = answer.json().get("next_cursor")
    check = Client().get(
        "/api/v1/expedientes?" + urllib.parse.urlencode({"cursor": cursor, "per_page": 20, **where}),
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
    rare = rare_numero()
    detail_ids = list(Expediente.objects.filter(owner=fx["heavy"]).order_by("-id").values_list("id", flat=True)[:500])
    cursor = deep_cursor(clerk)
    estado_cursor = deep_cursor(clerk, "en_revision")
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
    s.append(
        Scenario(
            "exp-list clerk estado cursor first",
            get(f"{exp}?per_page=20&estado=en_revision&cursor=", clerk),
            "exp-baseline clerk estado",
        )
    )
    if estado_cursor:
        query = urllib.parse.urlencode({"per_page": 20, "estado": "en_revision", "cursor": estado_cursor})
        s.append(
            Scenario("exp-list clerk estado cursor deep", get(f"{exp}?{query}", clerk), "exp-baseline clerk estado")
        )
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


def rare_numero() -> str:
    """The numero of the middle expediente (by id): one row matches it."""
    from expedientes.models import Expediente

    return str(Expediente.objects.order_by("id").values_list("numero", flat=True)[Expediente.objects.count() // 2])
