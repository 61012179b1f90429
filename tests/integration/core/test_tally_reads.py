"""core_tally read by page-mode lists (core.counts) only when the counters cover the query's filters exactly."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import counts
from events.models import AuditEvent, Event
from events.services import record
from expedientes.models import Expediente
from expedientes.selectors import expedientes_visible_to, search_expedientes
from tests.support.tallies import assert_tallies_exact, order_of

pytestmark = pytest.mark.django_db

# --- which queries the counters answer ----------------------------------------------------------


def test_exact_count_answers_only_the_filters_a_counter_covers(citizen, other_citizen, clerk, make_expediente):
    for estado in ("iniciado", "aprobado", "aprobado", "rechazado"):
        make_expediente(citizen, estado=estado)
    make_expediente(other_citizen, estado="aprobado")
    Expediente.objects.filter(numero__endswith="0001").update(assigned_to=clerk)
    every = Expediente.objects.all()

    covered = [
        every,
        every.filter(estado="aprobado"),
        every.filter(estado__in=["aprobado", "rechazado"]),
        every.filter(owner=citizen),
        every.filter(owner_id=citizen.pk, estado__in=["aprobado", "iniciado"]),
        every.filter(assigned_to=clerk.pk),
        every.filter(assigned_to=clerk.pk, estado="iniciado"),
        every.filter(owner=citizen).filter(owner=other_citizen),  # nothing matches both
        every.filter(estado="aprobado").filter(estado__in=["aprobado", "iniciado"]),
        expedientes_visible_to(citizen),  # a citizen's own list, annotated
        expedientes_visible_to(clerk).filter(estado="aprobado").order_by("numero"),
    ]
    for queryset in covered:
        assert counts.exact_count(queryset) == queryset.count(), str(queryset.query)

    not_covered = [
        every.filter(numero="TALLY-0001"),
        every.filter(estado__startswith="apro"),
        every.exclude(estado="aprobado"),
        every.filter(owner=citizen) | every.filter(estado="aprobado"),
        every.filter(assigned_to__isnull=True),
        every.filter(owner=citizen, assigned_to=clerk),
        every.filter(owner__role="citizen"),
        every.filter(created_at__gte="2000-01-01T00:00:00Z"),
        search_expedientes(every, "Pérez"),
        every.filter(estado="aprobado").distinct(),
        every.filter(owner=citizen)[:2],
        every.none(),
    ]
    for queryset in not_covered:
        assert counts.exact_count(queryset) is None, str(queryset.query)


def test_audit_and_event_counters_answer_their_filters(citizen):
    record(actor=citizen, entity_type="order", entity_id=1, action="create", event_type="order.created", data={})
    record(actor=None, entity_type="expediente", entity_id=2, action="update", event_type="x.y", data={})
    audit = AuditEvent.objects.all()
    for queryset in (
        audit,
        audit.filter(action="create"),
        audit.filter(entity_type="order"),
        audit.filter(entity_type="order", action="create"),
        audit.filter(actor_id=citizen.pk),
        Event.objects.filter(type="order.created"),
    ):
        assert counts.exact_count(queryset) == queryset.count(), str(queryset.query)
    # actor_id is nullable: only a query that fixes it may use the per-actor counter.
    assert counts.exact_count(audit.filter(entity_id="1")) is None
    assert_tallies_exact()


# --- the lists' page mode -------------------------------------------------------------------------

LISTS = [
    ("/api/v1/expedientes", "expedientes_expediente"),
    ("/api/v1/expedientes?estado=aprobado,iniciado", "expedientes_expediente"),
    ("/api/v1/expedientes?owner={citizen}", "expedientes_expediente"),
    ("/api/v1/expedientes?assigned_to={clerk}&estado=aprobado", "expedientes_expediente"),
    ("/api/v1/orders", "orders_order"),
    ("/api/v1/orders?status=pending&user={citizen}", "orders_order"),
    ("/api/v1/audit-events?action=create", "events_auditevent"),
    ("/api/v1/audit-events?entity_type=expediente&action=transition", "events_auditevent"),
    ("/api/v1/events?type=expediente.created", "events_event"),
]
UNCOVERED = [
    "/api/v1/webhooks/deliveries?status=pending",
    "/api/v1/expedientes?search=perez",
    "/api/v1/expedientes?estado=aprobado&created_after=2000-01-01T00:00:00Z",
    "/api/v1/expedientes?owner={citizen}&assigned_to={clerk}",
    "/api/v1/orders?created_before=2100-01-01T00:00:00Z",
    "/api/v1/audit-events?entity_type=expediente&entity_id={first}",
    "/api/v1/events?after=1",
]


@pytest.fixture
def populated(citizen, other_citizen, clerk, make_expediente, product) -> dict[str, int]:
    first = make_expediente(citizen, estado="aprobado")
    make_expediente(citizen)
    make_expediente(other_citizen, estado="aprobado")
    make_expediente(other_citizen, estado="rechazado")
    Expediente.objects.filter(pk=first.pk).update(assigned_to=clerk)
    order_of(citizen, product)
    order_of(other_citizen, product)
    return {"citizen": citizen.pk, "clerk": clerk.pk, "first": first.pk}


@pytest.mark.parametrize(("url", "table"), LISTS)
def test_page_mode_totals_come_from_the_counters_and_equal_a_count(populated, admin_client_api, url, table):
    url = url.format(**populated)
    with CaptureQueriesContext(connection) as small:
        five = admin_client_api.get(f"{url}{'&' if '?' in url else '?'}per_page=5&page=1")
    with CaptureQueriesContext(connection) as large:
        hundred = admin_client_api.get(f"{url}{'&' if '?' in url else '?'}per_page=100&page=1")
    assert five.status_code == hundred.status_code == 200, five.content
    assert hundred.json()["total"] == len(hundred.json()["data"]) == five.json()["total"]
    assert len(small) == len(large)
    sql = [query["sql"] for query in large]
    assert any("core_tally" in statement for statement in sql)
    assert not any("COUNT(*)" in statement and f'"{table}"' in statement for statement in sql), sql


@pytest.mark.parametrize("url", UNCOVERED)
def test_filters_no_counter_covers_still_give_the_exact_count(populated, admin_client_api, url):
    url = url.format(**populated)
    with CaptureQueriesContext(connection) as captured:
        body = admin_client_api.get(f"{url}&per_page=100").json()
    assert body["total"] == len(body["data"])
    assert not any("core_tally" in query["sql"] for query in captured)


def test_a_citizens_own_list_total_comes_from_the_counters(populated, citizen_client, citizen):
    with CaptureQueriesContext(connection) as captured:
        body = citizen_client.get("/api/v1/expedientes?per_page=1").json()
    assert body["total"] == Expediente.objects.filter(owner=citizen).count() == 2
    assert body["has_next"] is True
    assert any("core_tally" in query["sql"] for query in captured)
