"""Object-level authorization, generated from the URL configuration.

Every API route that takes an id, with every method it allows, is tried by citizen B on citizen
A's object, by A on the staff-only steps of A's own objects, and anonymously. The rules are the
contract's: an object the caller may not see is ``404`` (never ``403``, so ids cannot be probed),
also for an action reserved to another role; whole staff endpoints are ``403`` for a citizen
whatever the id; the catalog is read by anyone and written by staff only. Nothing a refused
request touched may change. A route with an id that the table below does not know fails the test,
so a new route cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from events.models import AuditEvent, Event, WebhookDelivery
from events.services import create_endpoint
from expedientes.models import Documento, Expediente
from orders.models import CartItem, Category, Order, Payment, Product

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def api_routes() -> Iterator[tuple[str, URLPattern, list[str]]]:
    """``(name, pattern, methods)`` of every route under ``/api/v1/`` whose path takes parameters."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            else:
                yield prefix + str(entry.pattern), entry

    for route, pattern in walk(get_resolver(), ""):
        if not route.startswith("api/v1/") or not pattern.pattern.regex.groupindex:
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        view_class = getattr(callback, "cls", None)
        if actions:
            methods = [method for method in METHODS if method in actions]
        else:
            methods = [method for method in METHODS if view_class is not None and hasattr(view_class, method)]
        yield str(pattern.name), pattern, methods


@dataclass
class World:
    """Citizen A's objects (made through the API, as A would) and the staff-side rows."""

    a: User
    b: User
    clerk: User
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Door:
    """A route's rules: ``kwargs`` names A's object; ``other`` what citizen B gets per method;
    ``own`` what A gets for staff-only steps on A's own object; ``anonymous`` without a token;
    ``rows`` the rows that must not change when a request is refused."""

    kwargs: Callable[[World], dict[str, Any]]
    other: dict[str, int]
    rows: Callable[[World], list[Any]]
    own: dict[str, int] = field(default_factory=dict)
    anonymous: dict[str, int] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(METHODS, status)


def rows_of(*picks: Callable[[World], Any]) -> Callable[[World], list[Any]]:
    def snapshot(world: World) -> list[Any]:
        out = []
        for pick in picks:
            obj = pick(world)
            out.append(list(type(obj).objects.filter(pk=obj.pk).values()))
        return out

    return snapshot


def staff_only(name: str) -> Door:
    """A staff-only route on the world's object ``name``: every citizen is refused, nothing changes."""
    return Door(
        kwargs=lambda w: {"pk": w.objects[name].pk},
        other=STAFF_ONLY,
        own=STAFF_ONLY,
        rows=rows_of(lambda w: w.objects[name]),
    )


def exp(world: World) -> Any:
    return world.objects["expediente"]


# Staff-only endpoints: a citizen gets 403 on every one, whether or not the id exists.
STAFF_ONLY = every(403)
DOORS: dict[str, Door] = {
    "user-detail": Door(
        kwargs=lambda w: {"pk": w.a.pk},
        other=every(404),
        rows=rows_of(lambda w: w.a),
        body={"full_name": "Changed"},
    ),
    "expediente-detail": Door(
        kwargs=lambda w: {"pk": exp(w).pk},
        other=every(404),
        rows=rows_of(exp),
        body={"solicitante": "Changed"},
    ),
    "expediente-transitions": Door(
        kwargs=lambda w: {"pk": exp(w).pk},
        other=every(404),
        rows=rows_of(exp),
        body={"to": "en_revision"},
    ),
    "expediente-history": Door(kwargs=lambda w: {"pk": exp(w).pk}, other=every(404), rows=rows_of(exp)),
    "documento-list": Door(
        kwargs=lambda w: {"expediente_pk": exp(w).pk},
        other=every(404),
        rows=rows_of(exp),
        body={"nombre": "x", "tipo": "anexo"},
    ),
    "documento-detail": Door(
        kwargs=lambda w: {"expediente_pk": exp(w).pk, "pk": w.objects["documento"].pk},
        other=every(404),
        rows=rows_of(exp, lambda w: w.objects["documento"]),
    ),
    "documento-download": Door(
        kwargs=lambda w: {"expediente_pk": exp(w).pk, "pk": w.objects["documento"].pk},
        other=every(404),
        rows=rows_of(lambda w: w.objects["documento"]),
    ),
    "cart-item": Door(
        # The id is a product's; the cart is the caller's own: B never reaches A's line.
        kwargs=lambda w: {"product_id": w.objects["product"].pk},
        other=every(404),
        rows=rows_of(lambda w: w.objects["cart_item"]),
        body={"quantity": 7},
    ),
    "order-detail": Door(
        kwargs=lambda w: {"pk": w.objects["order"].pk}, other=every(404), rows=rows_of(lambda w: w.objects["order"])
    ),
    "order-transition": Door(
        # "approve" is staff's: A may see the order, so A gets 403; B cannot see it: 404.
        kwargs=lambda w: {"pk": w.objects["order"].pk, "action": "approve"},
        other=every(404),
        own={"post": 403},
        rows=rows_of(lambda w: w.objects["order"]),
    ),
    "payment-detail": Door(
        kwargs=lambda w: {"pk": w.objects["payment"].pk}, other=every(404), rows=rows_of(lambda w: w.objects["payment"])
    ),
    "payment-refund": Door(
        kwargs=lambda w: {"pk": w.objects["payment"].pk},
        other=every(404),
        own={"post": 403},
        rows=rows_of(lambda w: w.objects["payment"], lambda w: w.objects["order"]),
    ),
    "category-detail": Door(
        kwargs=lambda w: {"pk": w.objects["category"].pk},
        other={"get": 200, "put": 403, "patch": 403, "delete": 403},
        own={"put": 403, "patch": 403, "delete": 403},
        anonymous={"get": 200},
        rows=rows_of(lambda w: w.objects["category"]),
        body={"name": "Renamed"},
    ),
    "product-detail": Door(
        kwargs=lambda w: {"pk": w.objects["product"].pk},
        other={"get": 200, "put": 403, "patch": 403, "delete": 403},
        own={"put": 403, "patch": 403, "delete": 403},
        anonymous={"get": 200},
        rows=rows_of(lambda w: w.objects["product"]),
        body={"stock": 0},
    ),
    "webhook-endpoint-detail": Door(
        kwargs=lambda w: {"pk": w.objects["endpoint"].pk},
        other=STAFF_ONLY,
        own=STAFF_ONLY,
        rows=rows_of(lambda w: w.objects["endpoint"]),
        body={"active": False},
    ),
    "webhook-endpoint-rotate-secret": staff_only("endpoint"),
    "webhook-delivery-detail": staff_only("delivery"),
    "webhook-delivery-retry": staff_only("delivery"),
    "event-detail": staff_only("event"),
    "audit-event-detail": staff_only("audit"),
}


@pytest.fixture
def world(make_user, client_for, settings) -> World:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    w = World(a=make_user("citizen"), b=make_user("citizen"), clerk=make_user("clerk"))
    a = client_for(w.a)
    category = Category.objects.create(name="Libros", slug="libros")
    product = Product.objects.create(name="Libro", price="10.00", stock=50, category=category)
    expediente = a.post("/api/v1/expedientes", {"numero": "EXP-MATRIX-1", "solicitante": "Ana"}, format="json")
    assert expediente.status_code == 201, expediente.json()
    upload = SimpleUploadedFile("notas.txt", b"hola", content_type="text/plain")
    documento = a.post(
        f"/api/v1/expedientes/{expediente.json()['id']}/documentos",
        {"file": upload, "tipo": "anexo"},
        format="multipart",
    )
    assert documento.status_code == 201, documento.json()
    order = a.post("/api/v1/orders", {"items": [{"product_id": product.pk, "quantity": 1}]}, format="json")
    assert order.status_code == 201, order.json()
    payment = a.post(
        "/api/v1/payments", {"order_id": order.json()["id"], "payment_method": "pm_card_visa"}, format="json"
    )
    assert payment.status_code == 201, payment.json()
    assert a.post("/api/v1/cart/items", {"product_id": product.pk, "quantity": 2}, format="json").status_code == 201
    endpoint = create_endpoint(actor=None, url="http://127.0.0.1:9/hook", events=["order.*"], active=False)
    event = Event.objects.create(type="order.created", data={"id": order.json()["id"]})
    w.objects.update(
        category=category,
        product=product,
        expediente=Expediente.objects.get(pk=expediente.json()["id"]),
        documento=Documento.objects.get(pk=documento.json()["id"]),
        order=Order.objects.get(pk=order.json()["id"]),
        payment=Payment.objects.get(pk=payment.json()["id"]),
        cart_item=CartItem.objects.get(cart__user=w.a, product=product),
        endpoint=endpoint,
        event=event,
        delivery=WebhookDelivery.objects.create(event=event, endpoint=endpoint),
        audit=AuditEvent.objects.filter(entity_type="expediente").latest("id"),
    )
    return w


def test_every_route_with_an_id_is_in_the_table():
    names = {name for name, _, _ in api_routes()}
    assert names - set(DOORS) == set(), "routes with an id and no row in DOORS: add one"
    assert set(DOORS) - names == set(), "rows in DOORS for routes that no longer exist"


def test_the_authorization_matrix(world, client_for, api_client):
    from django.urls import reverse

    callers = {"other": client_for(world.b), "own": client_for(world.a), "anonymous": api_client}
    cases = []
    for name, _, methods in api_routes():
        door = DOORS[name]
        kwargs = door.kwargs(world)
        path = reverse(name, kwargs=kwargs)
        for method in methods:
            for who in ("other", "own", "anonymous"):
                expected = getattr(door, who).get(method)
                if who == "anonymous" and expected is None:
                    expected = 401
                if expected is None:
                    continue  # A's own object, a door A may pass: other tests cover what A may do
                for variant in (path.rstrip("/"), path.rstrip("/") + "/"):
                    cases.append((name, method, who, variant, expected))

    failures = []
    for name, method, who, path, expected in cases:
        door = DOORS[name]
        before = door.rows(world)
        kwargs: dict[str, Any] = {"format": "json"} if method in ("post", "put", "patch") else {}
        if kwargs:
            kwargs["data"] = door.body
        response = getattr(callers[who], method)(path, **kwargs)
        if response.status_code != expected:
            failures.append(f"{who} {method.upper()} {path}: {response.status_code}, expected {expected}")
        elif expected >= 400 and door.rows(world) != before:
            failures.append(f"{who} {method.upper()} {path}: refused ({expected}) but changed a row")
    print(f"authorization matrix: {len(cases)} cases over {len(DOORS)} routes")
    assert len(cases) >= 150
    assert failures == []


def test_the_objects_exist_for_their_owner_and_staff(world, client_for):
    """The 404s above are about who asks: A (or staff, for staff-only routes) reads each object."""
    from django.urls import reverse

    owner, staff = client_for(world.a), client_for(world.clerk)
    for name, _, methods in api_routes():
        if "get" not in methods:
            continue
        door = DOORS[name]
        path = reverse(name, kwargs=door.kwargs(world))
        reader = staff if door.other == STAFF_ONLY else owner
        assert reader.get(path).status_code == 200, path
