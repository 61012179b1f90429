"""The list yardsticks: ``baseline`` (the ORM through ``.values()``) and ``floor`` (the same SQL through the DB-API cursor)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from rest_framework_simplejwt.tokens import AccessToken

from expedientes.selectors import expedientes_visible_to, search_expedientes
from orders.models import Order, OrderItem, Payment
from reports.benchviews.shapes import (
    EXPEDIENTE_COLUMNS,
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    PAYMENT_COLUMNS,
    Caller,
    authenticated,
    estado_filter,
    expediente_body,
    json_response,
    order_bodies,
    page_body,
    page_params,
    transitions_for,
    unauthorized,
)


@require_GET
def expedientes_baseline(request: HttpRequest) -> HttpResponse:
    user = authenticated(request)
    if user is None:
        return unauthorized()
    page, per_page = page_params(request)
    queryset = expedientes_visible_to(user)
    estados = estado_filter(request)
    if estados:
        queryset = queryset.filter(estado__in=estados)
    if request.GET.get("search"):
        queryset = search_expedientes(queryset, request.GET["search"])
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = list(queryset.order_by("-created_at", "-id").values(*EXPEDIENTE_COLUMNS)[offset : offset + per_page])
    allowed = transitions_for(user)
    return json_response(page_body([expediente_body(row, allowed) for row in rows], total, page, per_page))


@require_GET
def orders_baseline(request: HttpRequest) -> HttpResponse:
    user = authenticated(request)
    if user is None:
        return unauthorized()
    page, per_page = page_params(request)
    queryset = Order.objects.all()
    if not user.is_staff_role:
        queryset = queryset.filter(user_id=user.pk)
    if request.GET.get("status"):
        queryset = queryset.filter(status=request.GET["status"])
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = list(queryset.order_by("-created_at", "-id").values(*ORDER_COLUMNS)[offset : offset + per_page])
    ids = [row["id"] for row in rows]
    items: Iterable[dict[str, Any]] = ()
    payments: Iterable[dict[str, Any]] = ()
    if ids:
        items = OrderItem.objects.filter(order_id__in=ids).order_by("id").values(*ITEM_COLUMNS)
        payments = Payment.objects.filter(order_id__in=ids).order_by("-created_at", "-id").values(*PAYMENT_COLUMNS)
    return json_response(page_body(order_bodies(rows, items, payments), total, page, per_page))


def _caller(request: HttpRequest) -> Caller | None:
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
    return Caller(found[0], found[1]) if found else None


def _where(caller: Caller, owner_column: str, state_column: str, states: list[str]) -> tuple[str, list[Any]]:
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
        return unauthorized()
    page, per_page = page_params(request)
    where, params = _where(caller, "e.owner_id", "e.estado", estado_filter(request))
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
    allowed = transitions_for(caller)
    return json_response(page_body([expediente_body(row, allowed) for row in rows], total, page, per_page))


@require_GET
def orders_floor(request: HttpRequest) -> HttpResponse:
    caller = _caller(request)
    if caller is None:
        return unauthorized()
    page, per_page = page_params(request)
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
        items: list[dict[str, Any]] = []
        payments: list[dict[str, Any]] = []
        if ids:
            cursor.execute(
                f"SELECT {', '.join(ITEM_COLUMNS)} FROM orders_orderitem WHERE order_id = ANY(%s) ORDER BY id",  # noqa: S608
                [ids],
            )
            items = [dict(zip(ITEM_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT {', '.join(PAYMENT_COLUMNS)} FROM orders_payment WHERE order_id = ANY(%s)"  # noqa: S608
                " ORDER BY created_at DESC, id DESC",
                [ids],
            )
            payments = [dict(zip(PAYMENT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    return json_response(page_body(order_bodies(rows, items, payments), total, page, per_page))
