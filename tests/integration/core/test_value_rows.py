"""List pages fetched as value rows (``core.values``, ``core.rows``) answer what model instances would,
byte for byte, in as many queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from core import pagination
from core.rows import make_row
from core.values import values_plan
from events.models import AuditEvent, WebhookDelivery
from events.serializers import AuditEventSerializer, WebhookDeliverySerializer
from expedientes.models import Documento, Expediente
from expedientes.selectors import expedientes_visible_to
from expedientes.serializers import DocumentoSerializer, ExpedienteSerializer
from orders.models import Order, OrderItem, Payment, Product
from orders.serializers import OrderSerializer, PaymentSerializer
from tests.support.representation import drf_representation

pytestmark = pytest.mark.django_db


def test_values_rows_render_like_model_instances(citizen: Any) -> None:
    baker.make(Expediente, numero="EXP-1", solicitante="Ana", owner=citizen, assigned_to=None)
    queryset = expedientes_visible_to(citizen)
    plan = values_plan(ExpedienteSerializer, queryset)
    assert plan is not None
    columns = plan.columns
    assert "documentos_count" in columns
    serializer = ExpedienteSerializer(context={"user": citizen})
    row = make_row(queryset.values(*columns).get())
    assert serializer.to_representation(row) == drf_representation(serializer, queryset.get())


def test_serializers_that_need_the_model_are_not_fetched_as_values() -> None:
    # has_file is a property, event_type reads a related row: both need model instances.
    assert values_plan(DocumentoSerializer, Documento.objects.all()) is None
    assert values_plan(WebhookDeliverySerializer, WebhookDelivery.objects.all()) is None
    # Nested lists only as the queryset prefetches them.
    assert values_plan(OrderSerializer, Order.objects.all()) is None
    plan = values_plan(OrderSerializer, Order.objects.prefetch_related("items", "payments"))
    assert plan is not None
    assert [name for name, *_ in plan.children] == ["items", "payments"]
    assert values_plan(AuditEventSerializer, AuditEvent.objects.all()) is not None


def test_a_nested_list_fetches_only_the_columns_it_renders() -> None:
    plan = values_plan(OrderSerializer, Order.objects.prefetch_related("items", "payments"))
    assert plan is not None
    children = {name: set(columns) for name, _, _, columns in plan.children}
    # Neither has a method field, so each reads only its fields' columns; the foreign key groups the
    # rows under their order.
    assert children["items"] == {"order_id", "product_id", "name", "quantity", "unit_price", "line_total"}
    assert children["payments"] == set(PaymentSerializer.Meta.fields)
    assert not {"updated_at", "payment_method", "idempotency_key", "refund_id"} & children["payments"]
    # The list's own rows keep every stored column (a cursor reads its ordering's columns from them).
    assert {"updated_at", "shipping_address", "version"} <= set(plan.columns)


def assert_same_body(fast: Any, slow: Any) -> None:
    """Byte-identical bodies; a ``next_cursor`` is compared by what it holds, since its signature
    carries the second it was made in (two requests may straddle a second)."""
    cursors = [response.json().get("next_cursor") for response in (fast, slow)]
    bodies = [response.content for response in (fast, slow)]
    if all(cursors):
        bodies = [body.replace(cursor.encode(), b"") for body, cursor in zip(bodies, cursors, strict=True)]
        assert pagination.signing.loads(cursors[0], salt=pagination._CURSOR_SALT) == pagination.signing.loads(
            cursors[1], salt=pagination._CURSOR_SALT
        )
    assert bodies[0] == bodies[1]


@pytest.mark.parametrize(
    "query",
    ["per_page=3", "per_page=3&page=2", "per_page=3&cursor=", "per_page=100&ordering=numero", "search=nunez"],
)
def test_list_bodies_are_identical_with_and_without_values_rows(
    citizen: Any, citizen_client: Any, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    for n in range(7):
        baker.make(Expediente, numero=f"EXP-{n}", solicitante=f"Núñez {n}", owner=citizen)
    fast = citizen_client.get(f"/api/v1/expedientes?{query}")
    monkeypatch.setattr(pagination, "values_plan", lambda *args: None)
    slow = citizen_client.get(f"/api/v1/expedientes?{query}")
    assert fast.status_code == slow.status_code == 200
    assert_same_body(fast, slow)
    assert fast.json()["data"]


@pytest.mark.parametrize("query", ["per_page=2", "per_page=2&page=2", "per_page=2&cursor=", "per_page=100"])
def test_order_bodies_with_nested_lines_are_identical_with_and_without_values_rows(
    citizen: Any, citizen_client: Any, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    product = baker.make(Product, name="Código", price="3.10", currency="EUR")
    for n in range(5):
        order = baker.make(Order, user=citizen, total="6.20", currency="EUR", status="pending")
        for line in range(n % 3):
            baker.make(OrderItem, order=order, product=product, name=f"línea {line}", quantity=2, unit_price="3.10")
        if n % 2:
            baker.make(Payment, order=order, amount="6.20", currency="EUR", status="succeeded", provider="fake")
    # Payments whose texts are empty (shown as null) or not, amounts at both ends of numeric(12,2).
    order = baker.make(Order, user=citizen, total="9999999999.99", currency="EUR", status="approved")
    baker.make(Payment, order=order, amount="9999999999.99", status="succeeded", transaction_id="tx-1")
    baker.make(Payment, order=order, amount="0.00", status="failed", failure_reason="card_declined")
    with CaptureQueriesContext(connection) as fast_queries:
        fast = citizen_client.get(f"/api/v1/orders?{query}")
    monkeypatch.setattr(pagination, "values_plan", lambda *args: None)
    with CaptureQueriesContext(connection) as slow_queries:
        slow = citizen_client.get(f"/api/v1/orders?{query}")
    assert fast.status_code == slow.status_code == 200
    assert_same_body(fast, slow)
    assert len(fast_queries) == len(slow_queries)
    assert any(order["items"] for order in fast.json()["data"])
    if query == "per_page=100":
        payments = [payment for order in fast.json()["data"] for payment in order["payments"]]
        assert {payment["transaction_id"] for payment in payments} == {None, "tx-1"}
        assert {payment["failure_reason"] for payment in payments} == {None, "card_declined"}
        assert {payment["amount"] for payment in payments} == {"6.20", "9999999999.99", "0.00"}


def test_nested_rows_are_read_with_one_statement_compiled_once(citizen: Any) -> None:
    from core.values import _children, _children_statement

    product = baker.make(Product, price="1.00")
    orders = baker.make(Order, user=citizen, _quantity=3)
    for order in orders[:2]:
        baker.make(OrderItem, order=order, product=product, unit_price="1.00", _quantity=2)
    columns = ["order_id", "product_id", "quantity", "unit_price"]
    pks = [order.pk for order in orders]
    with CaptureQueriesContext(connection) as captured:
        rows = _children(OrderItem, "order_id", columns, pks, "default")
        assert _children(OrderItem, "order_id", columns, pks[:1], "default") == rows[:2]
    assert [row.as_dict() for row in rows] == list(
        OrderItem.objects.filter(order__in=orders).order_by("id").values(*columns)
    )
    # One array parameter: the same statement text for one parent or twenty.
    assert captured[0]["sql"].count("ANY(") == 1
    assert _children_statement.cache_info().hits >= 1
    # A column Django converts as it reads (JSON here) keeps the ORM's own read.
    assert _children_statement(AuditEvent, "actor_id", ("actor_id", "changes"), "default") is None
    baker.make(AuditEvent, actor_id=citizen.pk, entity_type="expediente", changes={"a": [1]})
    (row,) = _children(AuditEvent, "actor_id", ["actor_id", "changes"], [citizen.pk], "default")
    assert row.changes == {"a": [1]}


def test_value_rows_leave_datetimes_to_the_renderer_which_writes_them_as_drf_does(citizen: Any) -> None:
    from django.utils import timezone

    from core.renderers import ORJSONRenderer

    baker.make(Expediente, numero="EXP-WIRE", solicitante="Ana", owner=citizen)
    queryset = Expediente.objects.filter(numero="EXP-WIRE")
    plan = values_plan(ExpedienteSerializer, queryset)
    assert plan is not None
    (row,) = pagination.fetch_rows(queryset, plan)
    with timezone.override(datetime.UTC):  # as every API request runs
        serializer = ExpedienteSerializer(context={"user": citizen})
        wire = serializer.to_representation(row)
        plain = serializer.to_representation(queryset.get())
    assert isinstance(wire["created_at"], datetime.datetime)
    assert isinstance(plain["created_at"], str)
    assert plain["created_at"].endswith("Z")
    renderer = ORJSONRenderer()
    assert renderer.render(wire) == renderer.render(plain)
    with timezone.override(datetime.UTC):
        assert plain == drf_representation(serializer, queryset.get())


@pytest.mark.parametrize("model", [Expediente, AuditEvent, Order], ids=lambda model: model.__name__)
def test_value_rows_are_the_values_of_the_queryset(citizen, model):
    """Value rows are the rows ``.values()`` gives (a JSON column's decoded, too); a queryset that can
    match nothing gives none without a query."""
    from core.values import value_rows

    baker.make(Expediente, owner=citizen, _quantity=3)
    baker.make(AuditEvent, entity_type="expediente", changes={"estado": ["iniciado", "en_revision"]}, _quantity=3)
    baker.make(Order, user=citizen, total="12.50", _quantity=3)
    columns = [field.attname for field in model._meta.concrete_fields if not field.generated]
    queryset = model.objects.order_by("-pk")
    assert [row.as_dict() for row in value_rows(queryset, columns)] == list(queryset.values(*columns))
    with CaptureQueriesContext(connection) as captured:
        assert value_rows(queryset.filter(pk__in=[]), columns) == []
    assert len(captured) == 0
