"""Every changelist answers in the same number of queries for 4 rows as for 16 (a query per row would
show twelve more; every related row the list shows is among the first four)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from accounts.models import User
from core.adminkit import TalliedPaginator
from core.counts import planner_estimate
from events.models import AuditEvent, EmailMessage, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from expedientes.models import Documento, Expediente
from expedientes.selectors import search_expedientes
from orders.models import Cart, CartItem, Category, Order, OrderItem, Payment, Product

pytestmark = pytest.mark.django_db


class Rows:
    """Builds ``n`` more rows of one model, each with the related rows its list row shows."""

    def __init__(self, make_user: Callable[..., Any]) -> None:
        self.make_user = make_user
        self.n = 0
        self.people = [make_user("citizen") for _ in range(3)]
        self.staff = [make_user("clerk") for _ in range(2)]
        self.base_category = Category.objects.create(name="Base", slug="base")
        self.base_product = Product.objects.create(name="Base product", price=Decimal("5.00"), stock=10**6)
        self.base_endpoint = WebhookEndpoint.objects.create(
            url="https://hooks.example.com/x", secret="whsec_x", events=["*"]
        )

    def _next(self) -> int:
        self.n += 1
        return self.n

    def expediente(self) -> None:
        n = self._next()
        expediente = Expediente.objects.create(
            numero=f"EXP-R-{n}",
            solicitante=f"Persona {n}",
            owner=self.people[n % 3],
            assigned_to=self.staff[n % 2] if n % 3 else None,
        )
        Documento.objects.create(expediente=expediente, nombre=f"doc{n}.pdf", tipo="anexo")

    def documento(self) -> None:
        self.expediente()

    def user(self) -> None:
        self.make_user("citizen")

    def category(self) -> None:
        n = self._next()
        category = Category.objects.create(name=f"Cat {n}", slug=f"cat-{n}")
        Product.objects.create(name=f"In cat {n}", category=category, price=Decimal("1.00"), stock=1)

    def product(self) -> None:
        n = self._next()
        category = Category.objects.create(name=f"Pcat {n}", slug=f"pcat-{n}")
        Product.objects.create(name=f"Prod {n}", category=category, price=Decimal("2.00"), stock=n)

    def order(self) -> None:
        n = self._next()
        order = Order.objects.create(user=self.people[n % 3], total=Decimal("10.00"))
        OrderItem.objects.create(
            order=order, product=self.base_product, name="Base product", quantity=2, unit_price=5, line_total=10
        )

    def payment(self) -> None:
        n = self._next()
        order = Order.objects.create(user=self.people[n % 3], total=Decimal("10.00"))
        Payment.objects.create(
            order=order,
            amount=Decimal("10.00"),
            provider="fake",
            payment_method="pm_card_visa",
            idempotency_key=f"key-{n}",
            status="failed",
        )

    def cart(self) -> None:
        cart = Cart.objects.create(user=self.make_user("citizen"))
        CartItem.objects.create(cart=cart, product=self.base_product, quantity=1)

    def auditevent(self) -> None:
        n = self._next()
        AuditEvent.objects.create(
            actor_id=self.staff[n % 2].pk, entity_type="expediente", entity_id=str(n), action="update", changes={}
        )

    def event(self) -> None:
        Event.objects.create(type="order.created", data={"id": self._next()})

    def webhookendpoint(self) -> None:
        n = self._next()
        WebhookEndpoint.objects.create(url=f"https://hooks.example.com/{n}", secret="whsec_x", events=["order.*"])

    def webhookdelivery(self) -> None:
        event = Event.objects.create(type="order.created", data={"id": self._next()})
        delivery = WebhookDelivery.objects.create(event=event, endpoint=self.base_endpoint, status="failed")
        WebhookAttempt.objects.create(delivery=delivery, number=1, at=timezone.now(), status_code=500)

    def emailmessage(self) -> None:
        n = self._next()
        EmailMessage.objects.create(kind="welcome", to=f"p{n}@example.com", subject="Hola", body_text="Hola")


MODELS: dict[str, Any] = {
    "expediente": Expediente,
    "documento": Documento,
    "user": User,
    "category": Category,
    "product": Product,
    "order": Order,
    "payment": Payment,
    "cart": Cart,
    "auditevent": AuditEvent,
    "event": Event,
    "webhookendpoint": WebhookEndpoint,
    "webhookdelivery": WebhookDelivery,
    "emailmessage": EmailMessage,
}
# Carts are support screens for admins; clerks have no permission on them.
CHANGELISTS = [
    *(("admin", model) for model in MODELS),
    *(("clerk", model) for model in MODELS if model != "cart"),
]


@pytest.mark.parametrize(("role", "model"), CHANGELISTS)
def test_changelist_queries_do_not_grow_with_rows(make_user, web_client_for, role, model):
    rows = Rows(make_user)
    client = web_client_for(make_user(role))
    model_class = MODELS[model]
    url = f"/admin/{model_class._meta.app_label}/{model}/?all="
    build = getattr(rows, model)

    def count_queries(at_least: int) -> int:
        while model_class.objects.count() < at_least:
            build()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == model_class.objects.count()
        return len(captured)

    few = count_queries(4)
    more = count_queries(16)
    assert few == more, f"{model}: {few} queries for ~4 rows, {more} for ~16"


def test_changelist_counts_come_from_the_counters_when_they_cover_the_filters(admin_client: Any) -> None:
    baker.make(Expediente, numero="EXP-T-1", solicitante="Ana", estado="aprobado")
    baker.make(Expediente, numero="EXP-T-2", solicitante="Eva", estado="iniciado")
    for query, shown in (("", "2 expedientes"), ("?estado__exact=aprobado", "1 expediente")):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(f"/admin/expedientes/expediente/{query}")
        assert response.status_code == 200
        assert shown in response.content.decode()
        sql = [q["sql"] for q in queries.captured_queries]
        assert not any("COUNT(*)" in s and '"expedientes_expediente"' in s for s in sql), sql
        assert any("core_tally" in s for s in sql)


class _SmallCap(TalliedPaginator):
    exact_up_to = 5


def test_tallied_paginator_counts_exactly_up_to_its_cap_then_estimates(make_user: Callable[..., Any]) -> None:
    owner = make_user("citizen")
    for n in range(12):
        Expediente.objects.create(numero=f"CAP-{n}", solicitante="García" if n < 9 else "Núñez", owner=owner)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE expedientes_expediente")
    every = Expediente.objects.all()
    # Filters the counters cover: exact whatever the size, no COUNT over the rows.
    with CaptureQueriesContext(connection) as queries:
        assert _SmallCap(every.filter(owner=owner), 50).count == 12
    assert not any("COUNT(" in q["sql"].upper() and "expedientes_expediente" in q["sql"] for q in queries)
    # A search: counted (with a LIMIT) while at most the cap matches...
    few = search_expedientes(every, "nunez")
    with CaptureQueriesContext(connection) as queries:
        assert _SmallCap(few, 50).count == 3
    assert "LIMIT 6" in queries.captured_queries[-1]["sql"]
    # ...and beyond it the planner's estimate, never below what was counted.
    many = search_expedientes(every, "garcia")
    assert _SmallCap(many, 50).count >= 6
    assert _SmallCap(many, 50).count == max(6, planner_estimate(many))
    assert TalliedPaginator(many, 50).count == 9
