"""Compiled serializers render exactly what DRF would, and timestamps are read in C as Django reads them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from model_bakery import baker
from rest_framework import serializers

from accounts.serializers import UserSerializer
from core.db import fast_tz_loader
from core.representation import FastRepresentation
from events.models import AuditEvent, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.serializers import (
    AuditEventSerializer,
    EventSerializer,
    WebhookAttemptSerializer,
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)
from expedientes.models import Documento, Expediente
from expedientes.selectors import expedientes_visible_to
from expedientes.serializers import DocumentoSerializer, ExpedienteSerializer, HistoryEntrySerializer
from orders.models import Category, Order, OrderItem, Payment, Product
from orders.serializers import (
    CategorySerializer,
    OrderItemSerializer,
    OrderSerializer,
    PaymentSerializer,
    ProductSerializer,
)
from tests.support.representation import drf_representation

pytestmark = pytest.mark.django_db


def _fixtures(owner: Any) -> list[tuple[type[serializers.Serializer], Any]]:
    expediente = baker.make(Expediente, numero="EXP-2024-001", solicitante="José Núñez", owner=owner)
    documento = baker.make(
        Documento, expediente=expediente, nombre="informe.pdf", size=1234, file="docs/a.pdf", _fill_optional=True
    )
    bare_documento = baker.make(Documento, expediente=expediente, nombre="nota")
    audit = baker.make(AuditEvent, entity_type="expediente", entity_id=str(expediente.pk), changes={"estado": "x"})
    category = baker.make(Category, name="Libros", slug="libros")
    product = baker.make(Product, name="Código civil", category=category, price="12.50", currency="EUR")
    order = baker.make(Order, user=owner, total="25.00", currency="EUR", status="pending")
    item = baker.make(OrderItem, order=order, product=product, name="Código civil", quantity=2, unit_price="12.50")
    payment = baker.make(Payment, order=order, amount="25.00", currency="EUR", status="succeeded", provider="fake")
    endpoint = baker.make(WebhookEndpoint, url="https://example.org/hook", events=["*"], secret="s" * 40)
    event = baker.make(Event, type="expediente.created", data={"id": 1, "nombre": "ñ"})
    delivery = baker.make(WebhookDelivery, endpoint=endpoint, event=event, _fill_optional=["next_attempt_at"])
    attempt = baker.make(WebhookAttempt, delivery=delivery, number=1, status_code=503, error="Service Unavailable")
    return [
        (ExpedienteSerializer, expedientes_visible_to(owner).get(pk=expediente.pk)),
        (DocumentoSerializer, documento),
        (DocumentoSerializer, bare_documento),
        (HistoryEntrySerializer, audit),
        (AuditEventSerializer, audit),
        (CategorySerializer, category),
        (ProductSerializer, product),
        (OrderItemSerializer, item),
        (OrderSerializer, Order.objects.prefetch_related("items", "payments").get(pk=order.pk)),
        (PaymentSerializer, payment),
        (WebhookEndpointSerializer, endpoint),
        (WebhookEndpointCreatedSerializer, endpoint),
        (EventSerializer, event),
        (WebhookDeliverySerializer, delivery),
        (WebhookDeliveryDetailSerializer, delivery),
        (WebhookAttemptSerializer, attempt),
        (UserSerializer, owner),
    ]


def test_every_fast_serializer_renders_what_drf_renders(citizen: Any, clerk: Any) -> None:
    from django.utils import timezone

    fixtures = _fixtures(citizen)
    covered = {cls for cls, _ in fixtures}
    # UTC, as the API runs (the office's TIME_ZONE would send every serializer down DRF's path).
    with timezone.override(datetime.UTC):
        for cls, instance in fixtures:
            for user in (citizen, clerk, None):
                serializer = cls(context={"user": user} if user else {})
                assert getattr(serializer.renderer(), "func", None) is not serializers.Serializer.to_representation, cls
                assert serializer.to_representation(instance) == drf_representation(serializer, instance), cls
    # A serializer added later with FastRepresentation must be added to the fixtures above.
    everything = {cls for cls in _subclasses(FastRepresentation) if cls.__module__.split(".")[0] != "tests"}
    assert everything <= covered


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return {sub for sub in found if getattr(getattr(sub, "Meta", None), "model", None) is not None}


@pytest.mark.parametrize(
    "literal",
    [
        "2024-01-01 10:00:00+00",
        "2024-01-01 10:00:00.5+00",
        "2024-02-29 23:59:59.999999+00",
        "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.123+00",
        "2024-06-01 12:00:00+05:30",
        "0044-03-15 12:00:00+00 BC",
    ],
)
def test_fast_timestamp_loader_reads_what_djangos_loader_reads(literal: str) -> None:
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    connection.ensure_connection()
    raw = connection.connection
    tz = connection.timezone

    class DjangoLoader(BaseTzLoader):
        timezone = tz

    results = []
    for loader in (DjangoLoader, fast_tz_loader(tz)):
        with raw.cursor() as cursor:
            cursor.adapters.register_loader("timestamptz", loader)
            try:
                cursor.execute("SELECT %s::timestamptz", [literal])
                results.append(("ok", cursor.fetchone()[0]))
            except Exception as exc:  # both loaders must fail alike on what Python cannot hold
                results.append(("error", type(exc)))
    assert results[0] == results[1]
    if results[0][0] == "ok":
        assert results[0][1].tzinfo is results[1][1].tzinfo
        assert isinstance(results[1][1], datetime.datetime)


def test_the_fast_loader_is_installed_on_every_connection() -> None:
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text format
    assert loader.__name__ == "FastTzLoader"
    assert loader.timezone == connection.timezone


def test_an_active_time_zone_other_than_utc_renders_as_drf_does(citizen: Any) -> None:
    from django.utils import timezone

    expediente = baker.make(Expediente, numero="EXP-TZ", solicitante="Ana", owner=citizen)
    with timezone.override("Europe/Madrid"):
        serializer = ExpedienteSerializer(context={"user": citizen})
        rendered = serializer.to_representation(expediente)
        assert rendered == drf_representation(serializer, expediente)
    assert rendered["created_at"].endswith(("+01:00", "+02:00"))
