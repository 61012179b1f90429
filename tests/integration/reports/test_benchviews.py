"""The benchmark's reference views answer what the real lists answer (same rows, order, total, shape)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from django.test import RequestFactory, override_settings

from expedientes import services as expediente_services
from expedientes.models import Estado
from orders.models import Product
from orders.payments import services as payment_services
from orders.services import create_order
from reports import benchviews
from tests.support.api import access_token_for
from tests.support.expedientes import expediente_factory
from tests.support.flush import empty_tables

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def rows(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """Expedientes, documentos, orders and payments of two citizens, committed once for the tests that only
    read them (written through the services for each test, they were a fifth of a second each), and emptied
    after them as a transactional test's end empties its tables."""
    from accounts.models import User

    with django_db_blocker.unblock(), override_settings(PAYMENT_PROVIDER="fake"):
        try:
            who = SimpleNamespace(
                citizen=User.objects.create_user("bench-citizen", "bench-citizen@example.com", role="citizen"),
                other_citizen=User.objects.create_user("bench-other", "bench-other@example.com", role="citizen"),
                clerk=User.objects.create_user("bench-clerk", "bench-clerk@example.com", role="clerk"),
            )
            _fill(who.citizen, who.other_citizen, who.clerk)
            yield who
        finally:
            empty_tables()


def _fill(citizen: Any, other_citizen: Any, clerk: Any) -> None:
    make = expediente_factory(clerk, "BENCH")
    estados = [Estado.INICIADO, Estado.EN_REVISION, Estado.REQUIERE_SUBSANACION, Estado.APROBADO]
    for n in range(7):
        expediente = make(citizen, estados[n % len(estados)], solicitante=f"José Núñez {n}")
        if n % 3 == 0:
            expediente_services.add_documento(expediente_id=expediente.pk, actor=citizen, nombre="a.pdf", tipo="otro")
    make(other_citizen, solicitante="Ana")
    product = Product.objects.create(name="Sello", price=Decimal("12.50"), stock=1000)
    other = Product.objects.create(name="Tasa", price=Decimal("3.00"), stock=1000)
    for n in range(5):
        order = create_order(user=citizen, items=[{"product_id": product.pk, "quantity": n + 1}])
        if n % 2:
            create_order(user=other_citizen, items=[{"product_id": other.pk, "quantity": 1}])
            payment_services.charge_order(actor=citizen, order_id=order.pk, payment_method="pm_card_visa")


def _bench_get(view: Callable[..., Any], user: Any, query: str) -> dict[str, Any]:
    request = RequestFactory().get(f"/api/v1/bench/x?{query}", HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    response = view(request)
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


def _assert_answer_the_real_page(
    views: tuple[Callable[..., Any], ...], path: str, user: Any, query: str, client_for: Callable[[Any], Any]
) -> None:
    """Each of ``views`` answers ``query`` with the very body the real list at ``path`` gives ``user``."""
    real = client_for(user).get(f"{path}?{query}")
    assert real.status_code == 200
    expected = real.json()
    assert expected["data"], "the fixture must give every query some rows"
    for view in views:
        assert _bench_get(view, user, query) == expected, view.__name__


# The list each pair of reference views stands for, and pages of it (filters included) to compare.
REAL_PAGES = [
    *(
        ("/api/v1/expedientes", (benchviews.expedientes_baseline, benchviews.expedientes_floor), query)
        for query in ("per_page=3&page=2", "per_page=100", "per_page=2&estado=en_revision,aprobado")
    ),
    *(
        ("/api/v1/orders", (benchviews.orders_baseline, benchviews.orders_floor), query)
        for query in ("per_page=2&page=2", "per_page=100", "per_page=100&status=confirmed")
    ),
]


class TestOverCommittedRows:
    @pytest.mark.parametrize("who", ["citizen", "clerk"])
    @pytest.mark.parametrize(("path", "views", "query"), REAL_PAGES)
    def test_baseline_and_floor_answer_the_real_page(
        self, rows: SimpleNamespace, who: str, path: str, views: Any, query: str, client_for: Callable[[Any], Any]
    ) -> None:
        _assert_answer_the_real_page(views, path, getattr(rows, who), query, client_for)

    def test_expedientes_baseline_search_matches_the_real_search(
        self, rows: SimpleNamespace, client_for: Callable[[Any], Any]
    ) -> None:
        real = client_for(rows.citizen).get("/api/v1/expedientes?search=jose%20nunez&per_page=4").json()
        assert real["total"] == 7
        assert _bench_get(benchviews.expedientes_baseline, rows.citizen, "search=jose%20nunez&per_page=4") == real

    def test_reference_views_refuse_a_missing_or_bad_token(self, rows: SimpleNamespace) -> None:
        for view in (benchviews.expedientes_baseline, benchviews.expedientes_floor, benchviews.orders_floor):
            assert view(RequestFactory().get("/x")).status_code == 401
            assert view(RequestFactory().get("/x", HTTP_AUTHORIZATION="Bearer nope")).status_code == 401


def test_reference_views_are_not_mounted_by_default(citizen: Any, client_for: Callable[[Any], Any]) -> None:
    response = client_for(citizen).get("/api/v1/bench/expedientes/baseline")
    assert response.status_code == 404


def _bench_post(view: Callable[..., Any], user: Any, body: dict[str, Any], **kwargs: Any) -> tuple[int, dict[str, Any]]:
    request = RequestFactory().post(
        "/api/v1/bench/x",
        data=orjson.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}",
    )
    response = view(request, **kwargs)
    return response.status_code, orjson.loads(response.content)


def _written_rows(entity_id: int) -> list[tuple[str, str]]:
    from events.models import AuditEvent, Event

    audit = list(AuditEvent.objects.filter(entity_type="expediente", entity_id=str(entity_id)).values_list("action"))
    events = list(Event.objects.filter(data__id=entity_id).order_by("id").values_list("type"))
    return [("audit", action) for (action,) in audit] + [("event", kind) for (kind,) in events]


def test_write_baselines_write_the_rows_and_answer_the_body_of_the_real_writes(
    citizen: Any, clerk: Any, client_for: Callable[[Any], Any]
) -> None:
    body = {"numero": "BW-1", "solicitante": "Begoña Ibáñez", "concepto": "Alta"}
    real = client_for(citizen).post("/api/v1/expedientes", body, format="json")
    assert real.status_code == 201
    status, baseline = _bench_post(benchviews.expediente_create_baseline, citizen, {**body, "numero": "BW-2"})
    assert status == 201
    expected = real.json()
    assert {**baseline, "id": expected["id"], "numero": "BW-1", "created_at": None, "updated_at": None} == {
        **expected,
        "created_at": None,
        "updated_at": None,
    }
    assert (
        _written_rows(baseline["id"])
        == _written_rows(expected["id"])
        == [
            ("audit", "create"),
            ("event", "expediente.created"),
        ]
    )

    client_for(clerk).post(f"/api/v1/expedientes/{expected['id']}/transitions", {"to": "en_revision"}, format="json")
    status, moved = _bench_post(
        benchviews.expediente_transition_baseline, clerk, {"to": "en_revision"}, pk=baseline["id"]
    )
    assert status == 200
    assert (moved["estado"], moved["version"]) == ("en_revision", 2)
    assert _written_rows(baseline["id"]) == _written_rows(expected["id"])


def test_order_create_baseline_reserves_stock_and_answers_the_body_of_the_real_create(
    citizen: Any, client_for: Callable[[Any], Any]
) -> None:
    product = Product.objects.create(name="Sello", price=Decimal("4.50"), stock=10)
    body = {"items": [{"product_id": product.pk, "quantity": 2}]}
    real = client_for(citizen).post("/api/v1/orders", body, format="json")
    assert real.status_code == 201
    status, baseline = _bench_post(benchviews.order_create_baseline, citizen, body)
    assert status == 201
    product.refresh_from_db()
    assert product.stock == 6
    volatile = {"id": None, "created_at": None, "updated_at": None}
    assert {**baseline, **volatile} == {**real.json(), **volatile}
