"""Throwaway reference views for ``make bench-http``: what the stack allows for the same page.

Mounted under ``/api/v1/bench/`` only when ``BENCH_VIEWS=true`` (never in a normal deployment).
Each answers the same JSON as the real list in page mode (``?page=&per_page=``, plus ``estado``
and, for the baseline, ``search``) for the caller of the same JWT, so the benchmark can put the
real endpoint beside:

- ``baseline``: a bare Django view, the same querysets through ``.values()``, rendered by orjson;
- ``floor``: the same SQL through ``connection.cursor()``, rendered by orjson.

The writes have a baseline too (``POST expedientes/create-baseline``, ``POST expedientes/<id>/transition-baseline``,
``POST orders/create-baseline``): a bare Django view that writes the same rows through the same model
layer (the expediente, then ``events.services.record`` for its audit row, domain event and outbox
rows; an order through ``orders.services.create_order``, which locks and reserves the stock) and
answers the new representation with orjson, without DRF's parsing, validation, ETag and rendering.

No DRF, no validation beyond what a page needs: these are yardsticks, not endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import JWTAuthentication
from accounts.models import STAFF_ROLES
from events.services import record
from expedientes import workflow
from expedientes.models import Estado, Expediente
from expedientes.selectors import expedientes_visible_to, search_expedientes
from expedientes.serializers import representation
from orders.models import Order, OrderItem, Payment
from orders.services import create_order

_JSON_OPTIONS = orjson.OPT_UTC_Z
_auth = JWTAuthentication()

EXPEDIENTE_COLUMNS = (
    "id",
    "numero",
    "solicitante",
    "concepto",
    "estado",
    "owner_id",
    "assigned_to_id",
    "documentos_count",
    "version",
    "created_at",
    "updated_at",
)
ORDER_COLUMNS = (
    "id",
    "user_id",
    "status",
    "total",
    "currency",
    "shipping_address",
    "version",
    "created_at",
    "updated_at",
)
ITEM_COLUMNS = ("order_id", "product_id", "name", "quantity", "unit_price", "line_total")
PAYMENT_COLUMNS = (
    "id",
    "order_id",
    "amount",
    "currency",
    "status",
    "transaction_id",
    "provider",
    "failure_reason",
    "created_at",
)


class _Caller:
    """The little the floor needs to know about the token's user."""

    def __init__(self, pk: int, role: str) -> None:
        self.pk = pk
        self.role = role
        self.is_authenticated = True
        self.is_staff_role = role in STAFF_ROLES


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def _json(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(body, default=_default, option=_JSON_OPTIONS), status=status, content_type="application/json"
    )


def _unauthorized() -> HttpResponse:
    return _json({"status": 401, "code": "not_authenticated"}, status=401)


def _page_params(request: HttpRequest) -> tuple[int, int]:
    page = max(1, int(request.GET.get("page") or 1))
    per_page = min(100, max(1, int(request.GET.get("per_page") or 20)))
    return page, per_page


def _estados(request: HttpRequest) -> list[str]:
    raw = request.GET.get("estado") or ""
    return [value for value in raw.split(",") if value]


def _page_body(rows: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    offset = (page - 1) * per_page
    return {
        "data": rows,
        "total": total,
        "page": page,
        "per_page": per_page,
        "has_next": offset + len(rows) < total,
        "has_previous": page > 1,
    }


def _transitions(user: Any) -> Callable[[str, int], list[str]]:
    """``allowed_transitions`` memoised per (estado, owned-by-caller): the same rule as the serializer."""
    memo: dict[tuple[str, bool], list[str]] = {}

    def allowed(estado: str, owner_id: int) -> list[str]:
        key = (estado, owner_id == user.pk)
        if key not in memo:
            memo[key] = workflow.allowed_targets(estado, user, owner_id)
        return memo[key]

    return allowed


def _expediente(row: dict[str, Any] | tuple, allowed: Callable[[str, int], list[str]]) -> dict[str, Any]:
    if not isinstance(row, dict):
        row = dict(zip(EXPEDIENTE_COLUMNS, row, strict=True))
    return {
        "id": row["id"],
        "numero": row["numero"],
        "solicitante": row["solicitante"],
        "concepto": row["concepto"],
        "estado": row["estado"],
        "owner": row["owner_id"],
        "assigned_to": row["assigned_to_id"],
        "documentos_count": row["documentos_count"],
        "allowed_transitions": allowed(row["estado"], row["owner_id"]),
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _order(row: dict[str, Any], items: list[dict[str, Any]], payments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user": row["user_id"],
        "status": row["status"],
        "items": items,
        "total": row["total"],
        "currency": row["currency"],
        "shipping_address": row["shipping_address"],
        "payments": payments,
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ITEM_COLUMNS[1:]}


def _payment(row: dict[str, Any]) -> dict[str, Any]:
    body = {key: row[key] for key in PAYMENT_COLUMNS}
    body["transaction_id"] = body["transaction_id"] or None
    body["failure_reason"] = body["failure_reason"] or None
    return body


# --- baseline: the ORM through .values() ---------------------------------------------------------
def _authenticated(request: HttpRequest) -> Any:
    try:
        result = _auth.authenticate(request)  # type: ignore[arg-type]
    except APIException:
        return None
    return result[0] if result else None


@require_GET
def expedientes_baseline(request: HttpRequest) -> HttpResponse:
    user = _authenticated(request)
    if user is None:
        return _unauthorized()
    page, per_page = _page_params(request)
    queryset = expedientes_visible_to(user)
    estados = _estados(request)
    if estados:
        queryset = queryset.filter(estado__in=estados)
    if request.GET.get("search"):
        queryset = search_expedientes(queryset, request.GET["search"])
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = list(queryset.order_by("-created_at", "-id").values(*EXPEDIENTE_COLUMNS)[offset : offset + per_page])
    allowed = _transitions(user)
    return _json(_page_body([_expediente(row, allowed) for row in rows], total, page, per_page))


@require_GET
def orders_baseline(request: HttpRequest) -> HttpResponse:
    user = _authenticated(request)
    if user is None:
        return _unauthorized()
    page, per_page = _page_params(request)
    queryset = Order.objects.all()
    if not user.is_staff_role:
        queryset = queryset.filter(user_id=user.pk)
    if request.GET.get("status"):
        queryset = queryset.filter(status=request.GET["status"])
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = list(queryset.order_by("-created_at", "-id").values(*ORDER_COLUMNS)[offset : offset + per_page])
    ids = [row["id"] for row in rows]
    items: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    payments: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    if ids:
        for item in OrderItem.objects.filter(order_id__in=ids).order_by("id").values(*ITEM_COLUMNS):
            items[item["order_id"]].append(_item(item))
        for payment in Payment.objects.filter(order_id__in=ids).order_by("-created_at", "-id").values(*PAYMENT_COLUMNS):
            payments[payment["order_id"]].append(_payment(payment))
    data = [_order(row, items[row["id"]], payments[row["id"]]) for row in rows]
    return _json(_page_body(data, total, page, per_page))


@csrf_exempt
@require_POST
def expediente_create_baseline(request: HttpRequest) -> HttpResponse:
    user = _authenticated(request)
    if user is None:
        return _unauthorized()
    body = orjson.loads(request.body)
    with transaction.atomic():
        expediente = Expediente.objects.create(
            numero=body["numero"],
            solicitante=body["solicitante"],
            concepto=body.get("concepto", ""),
            estado=Estado.INICIADO,
            owner=user,
        )
        data = representation(expediente)
        record(
            actor=user,
            entity_type="expediente",
            entity_id=expediente.pk,
            action="create",
            changes={key: [None, data[key]] for key in ("numero", "solicitante", "concepto", "estado", "owner")},
            event_type="expediente.created",
            data=data,
        )
    return _json(_written(expediente, user), status=201)


@csrf_exempt
@require_POST
def expediente_transition_baseline(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authenticated(request)
    if user is None:
        return _unauthorized()
    target = orjson.loads(request.body)["to"]
    with transaction.atomic():
        expediente = Expediente.objects.select_for_update().get(pk=pk)
        source = expediente.estado
        expediente.estado = target
        expediente.version += 1
        expediente.save(update_fields=["estado", "version", "updated_at"])
        record(
            actor=user,
            entity_type="expediente",
            entity_id=expediente.pk,
            action="transition",
            changes={"estado": [source, target]},
            event_type="expediente.status_changed",
            data={**representation(expediente), "from": source, "to": target},
        )
    return _json(_written(expediente, user))


@csrf_exempt
@require_POST
def order_create_baseline(request: HttpRequest) -> HttpResponse:
    user = _authenticated(request)
    if user is None:
        return _unauthorized()
    body = orjson.loads(request.body)
    order = create_order(user=user, items=body["items"], shipping_address=body.get("shipping_address", ""))
    row = {column: getattr(order, column) for column in ORDER_COLUMNS}
    items = [_item(item) for item in order.items.order_by("id").values(*ITEM_COLUMNS)]
    return _json(_order(row, items, []), status=201)


def _written(expediente: Expediente, user: Any) -> dict[str, Any]:
    row = {column: getattr(expediente, column) for column in EXPEDIENTE_COLUMNS}
    return _expediente(row, _transitions(user))


# --- floor: the same SQL through the DB-API cursor ----------------------------------------------
def _caller(request: HttpRequest) -> _Caller | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return None
    try:
        token = AccessToken(raw.strip())  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - any unreadable token is a 401 here
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, role FROM accounts_user WHERE id = %s AND is_active AND deleted_at IS NULL",
            [token["user_id"]],
        )
        found = cursor.fetchone()
    return _Caller(found[0], found[1]) if found else None


def _where(caller: _Caller, owner_column: str, state_column: str, states: list[str]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if not caller.is_staff_role:
        clauses.append(f"{owner_column} = %s")
        params.append(caller.pk)
    if states:
        clauses.append(f"{state_column} = ANY(%s)")
        params.append(states)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


@require_GET
def expedientes_floor(request: HttpRequest) -> HttpResponse:
    caller = _caller(request)
    if caller is None:
        return _unauthorized()
    page, per_page = _page_params(request)
    where, params = _where(caller, "e.owner_id", "e.estado", _estados(request))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM expedientes_expediente e{where}", params)  # noqa: S608
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT e.id, e.numero, e.solicitante, e.concepto, e.estado, e.owner_id, e.assigned_to_id,"  # noqa: S608
            " (SELECT COUNT(*) FROM expedientes_documento d WHERE d.expediente_id = e.id),"
            f" e.version, e.created_at, e.updated_at FROM expedientes_expediente e{where}"
            " ORDER BY e.created_at DESC, e.id DESC LIMIT %s OFFSET %s",
            [*params, per_page, (page - 1) * per_page],
        )
        rows = cursor.fetchall()
    allowed = _transitions(caller)
    return _json(_page_body([_expediente(row, allowed) for row in rows], total, page, per_page))


@require_GET
def orders_floor(request: HttpRequest) -> HttpResponse:
    caller = _caller(request)
    if caller is None:
        return _unauthorized()
    page, per_page = _page_params(request)
    status = request.GET.get("status")
    where, params = _where(caller, "o.user_id", "o.status", [status] if status else [])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM orders_order o{where}", params)  # noqa: S608
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT {', '.join('o.' + c for c in ORDER_COLUMNS)} FROM orders_order o{where}"  # noqa: S608
            " ORDER BY o.created_at DESC, o.id DESC LIMIT %s OFFSET %s",
            [*params, per_page, (page - 1) * per_page],
        )
        rows = [dict(zip(ORDER_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
        ids = [row["id"] for row in rows]
        items: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
        payments: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
        if ids:
            cursor.execute(
                f"SELECT {', '.join(ITEM_COLUMNS)} FROM orders_orderitem WHERE order_id = ANY(%s) ORDER BY id",  # noqa: S608
                [ids],
            )
            for row in cursor.fetchall():
                item = dict(zip(ITEM_COLUMNS, row, strict=True))
                items[item["order_id"]].append(_item(item))
            cursor.execute(
                f"SELECT {', '.join(PAYMENT_COLUMNS)} FROM orders_payment WHERE order_id = ANY(%s)"  # noqa: S608
                " ORDER BY created_at DESC, id DESC",
                [ids],
            )
            for row in cursor.fetchall():
                payment = dict(zip(PAYMENT_COLUMNS, row, strict=True))
                payments[payment["order_id"]].append(_payment(payment))
    data = [_order(row, items[row["id"]], payments[row["id"]]) for row in rows]
    return _json(_page_body(data, total, page, per_page))


urlpatterns = [
    path("expedientes/baseline", expedientes_baseline, name="bench-expedientes-baseline"),
    path("expedientes/floor", expedientes_floor, name="bench-expedientes-floor"),
    path("expedientes/create-baseline", expediente_create_baseline, name="bench-expediente-create-baseline"),
    path(
        "expedientes/<int:pk>/transition-baseline",
        expediente_transition_baseline,
        name="bench-expediente-transition-baseline",
    ),
    path("orders/create-baseline", order_create_baseline, name="bench-order-create-baseline"),
    path("orders/baseline", orders_baseline, name="bench-orders-baseline"),
    path("orders/floor", orders_floor, name="bench-orders-floor"),
]
