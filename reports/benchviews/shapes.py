"""What the reference views share: the caller, the page parameters and the JSON shapes of the real endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import APIException

from accounts.authentication import JWTAuthentication
from accounts.models import STAFF_ROLES
from expedientes import workflow
from orders.serializers import PaymentSerializer

JSON_OPTIONS = orjson.OPT_UTC_Z
jwt_auth = JWTAuthentication()

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
# The API's payment fields, each a column of orders_payment (payment_body shows two empty ones as null).
PAYMENT_COLUMNS = tuple(PaymentSerializer.Meta.fields)


class Caller:
    """The little the floor needs to know about the token's user."""

    def __init__(self, pk: int, role: str) -> None:
        self.pk = pk
        self.role = role
        self.is_authenticated = True
        self.is_staff_role = role in STAFF_ROLES


def json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(body, default=json_default, option=JSON_OPTIONS), status=status, content_type="application/json"
    )


def unauthorized() -> HttpResponse:
    return json_response({"status": 401, "code": "not_authenticated"}, status=401)


def page_params(request: HttpRequest) -> tuple[int, int]:
    page = max(1, int(request.GET.get("page") or 1))
    per_page = min(100, max(1, int(request.GET.get("per_page") or 20)))
    return page, per_page


def estado_filter(request: HttpRequest) -> list[str]:
    raw = request.GET.get("estado") or ""
    return [value for value in raw.split(",") if value]


def page_body(rows: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    offset = (page - 1) * per_page
    return {
        "data": rows,
        "total": total,
        "page": page,
        "per_page": per_page,
        "has_next": offset + len(rows) < total,
        "has_previous": page > 1,
    }


def transitions_for(user: Any) -> Callable[[str, int], list[str]]:
    """``allowed_transitions`` memoised per (estado, owned-by-caller): the same rule as the serializer."""
    memo: dict[tuple[str, bool], list[str]] = {}

    def allowed(estado: str, owner_id: int) -> list[str]:
        key = (estado, owner_id == user.pk)
        if key not in memo:
            memo[key] = workflow.allowed_targets(estado, user, owner_id)
        return memo[key]

    return allowed


def expediente_body(row: dict[str, Any] | tuple, allowed: Callable[[str, int], list[str]]) -> dict[str, Any]:
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


def order_body(row: dict[str, Any], items: list[dict[str, Any]], payments: list[dict[str, Any]]) -> dict[str, Any]:
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


def item_body(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ITEM_COLUMNS[1:]}


def payment_body(row: dict[str, Any]) -> dict[str, Any]:
    body = {key: row[key] for key in PAYMENT_COLUMNS}
    body["transaction_id"] = body["transaction_id"] or None
    body["failure_reason"] = body["failure_reason"] or None
    return body


def order_bodies(
    rows: list[dict[str, Any]], items: Iterable[dict[str, Any]], payments: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The bodies of the orders ``rows``, each with its ``items`` and ``payments`` (rows of
    ``ITEM_COLUMNS`` and ``PAYMENT_COLUMNS`` of those orders, in the order they are shown)."""
    items_of: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    payments_of: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    for item in items:
        items_of[item["order_id"]].append(item_body(item))
    for payment in payments:
        payments_of[payment["order_id"]].append(payment_body(payment))
    return [order_body(row, items_of[row["id"]], payments_of[row["id"]]) for row in rows]


def authenticated(request: HttpRequest) -> Any:
    try:
        result = jwt_auth.authenticate(request)  # type: ignore[arg-type]
    except APIException:
        return None
    return result[0] if result else None
