"""GET /api/v1/reports/...: the figures of a small history built by hand (through the real services,
at chosen instants), checked against numbers computed by hand below."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from events.models import Event, WebhookDelivery, WebhookEndpoint
from expedientes import services
from orders import services as orders_services
from orders.models import Product

pytestmark = pytest.mark.django_db

DAY = 86_400
PERIOD = "from=2026-03-02&to=2026-03-15"  # Monday 2 to Sunday 15 March 2026: two whole weeks


def days(n: float) -> float:
    """Days in seconds, rounded as the report rounds (to the millisecond)."""
    return round(n * DAY, 3)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _history(citizen: Any, clerk: Any, other_clerk: Any) -> dict[str, int]:
    """Seven expedientes (times UTC). Durations below in days; the period ends before 16 March 00:00.

    A  created 20 Feb 09:00, en_revision 25 Feb 09:00, aprobado 3 Mar 09:00        clerk
    B  created 2 Mar 10:00,  en_revision 4 Mar 10:00,  rechazado 9 Mar 10:00       other_clerk
    C  created 3 Mar 00:00,  en_revision 4 Mar, requiere_subsanacion 5 Mar,
       en_revision 8 Mar, aprobado 12 Mar (all 00:00)                              clerk
    D  created 5 Mar 12:00,  en_revision 6 Mar 12:00,  aprobado 7 Mar 00:00        clerk
    E  created 10 Mar 00:00, still iniciado                                        nobody
    F  created 1 Jan 00:00,  en_revision 2 Jan 00:00, still en_revision             other_clerk
    G  created 10 Mar 00:00, en_revision 11 Mar 00:00, aprobado 16 Mar 00:00 (after the period)
    """
    steps: list[tuple[str, str, str | None]] = [
        ("2026-01-01T00:00", "F", None),
        ("2026-01-02T00:00", "F", "en_revision"),
        ("2026-02-20T09:00", "A", None),
        ("2026-02-25T09:00", "A", "en_revision"),
        ("2026-03-02T10:00", "B", None),
        ("2026-03-03T00:00", "C", None),
        ("2026-03-03T09:00", "A", "aprobado"),
        ("2026-03-04T00:00", "C", "en_revision"),
        ("2026-03-04T10:00", "B", "en_revision"),
        ("2026-03-05T00:00", "C", "requiere_subsanacion"),
        ("2026-03-05T12:00", "D", None),
        ("2026-03-06T12:00", "D", "en_revision"),
        ("2026-03-07T00:00", "D", "aprobado"),
        ("2026-03-08T00:00", "C", "en_revision"),
        ("2026-03-09T10:00", "B", "rechazado"),
        ("2026-03-10T00:00", "E", None),
        ("2026-03-10T00:00", "G", None),
        ("2026-03-11T00:00", "G", "en_revision"),
        ("2026-03-12T00:00", "C", "aprobado"),
        ("2026-03-16T00:00", "G", "aprobado"),
    ]
    assignees = {"A": clerk, "B": other_clerk, "C": clerk, "D": clerk, "F": other_clerk}
    ids: dict[str, int] = {}
    for when, name, target in steps:
        with time_machine.travel(at(when), tick=False):
            if target is None:
                ids[name] = services.create_expediente(actor=citizen, numero=f"EXP-R-{name}", solicitante="Ana").pk
                if name in assignees:
                    services.update_expediente(
                        expediente_id=ids[name], actor=clerk, fields={"assigned_to": assignees[name].pk}
                    )
            else:
                services.transition_expediente(expediente_id=ids[name], actor=clerk, to=target)
    return ids


@pytest.fixture
def other_clerk(make_user):
    return make_user("clerk", username="zoe")


@pytest.fixture
def history(citizen, clerk, other_clerk) -> dict[str, int]:
    return _history(citizen, clerk, other_clerk)


def summary(count: int, median: float | None, p90: float | None, mean: float | None) -> dict[str, Any]:
    return {"count": count, "median_seconds": median, "p90_seconds": p90, "mean_seconds": mean}


def test_processing_times_match_the_hand_computed_figures(history, clerk_client):
    response = clerk_client.get(f"/api/v1/reports/processing-times?{PERIOD}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"from": "2026-03-02", "to": "2026-03-15"}
    # Decisions in the period, timed from creation: D 1.5, B 7, C 9, A 11 days (G's falls on 16 March).
    # Median of four = (7 + 9) / 2 = 8 days. p90: rank 0.9 * (4 - 1) = 2.7, between the 3rd (9) and
    # 4th (11) value: 9 + 0.7 * 2 = 10.4 days. Mean 28.5 / 4 = 7.125 days.
    decisions = body["decisions"]
    assert {key: decisions[key] for key in ("count", "median_seconds", "p90_seconds", "mean_seconds")} == summary(
        4, days(8), days(10.4), days(7.125)
    )
    # Approved: 1.5, 9, 11 -> median 9; p90 rank 1.8: 9 + 0.8 * 2 = 10.6; mean 21.5 / 3 days.
    assert decisions["by_outcome"]["aprobado"] == summary(3, days(9), days(10.6), round(days(21.5) / 3, 3))
    # Rejected: B alone, 7 days.
    assert decisions["by_outcome"]["rechazado"] == summary(1, days(7), days(7), days(7))

    stays = {row["estado"]: {k: v for k, v in row.items() if k != "estado"} for row in body["time_in_estado"]}
    # Stays that ended in the period. iniciado: B 2, C 1, D 1, G 1 (A's ended 25 Feb) -> sorted
    # 1, 1, 1, 2: median 1; p90 rank 2.7: 1 + 0.7 * 1 = 1.7; mean 5 / 4 = 1.25 days.
    assert stays["iniciado"] == summary(4, days(1), days(1.7), days(1.25))
    # en_revision: A 6 (25 Feb - 3 Mar), B 5, C 1 then 4, D 0.5 -> 0.5, 1, 4, 5, 6: median 4;
    # p90 rank 3.6: 5 + 0.6 * 1 = 5.6; mean 16.5 / 5 = 3.3 days. (G's stay has not ended in the period.)
    assert stays["en_revision"] == summary(5, days(4), days(5.6), days(3.3))
    # requiere_subsanacion: C, 5 Mar to 8 Mar = 3 days.
    assert stays["requiere_subsanacion"] == summary(1, days(3), days(3), days(3))
    # Nobody left aprobado or rechazado (to archivado).
    assert stays["aprobado"] == stays["rechazado"] == summary(0, None, None, None)


def test_processing_times_for_one_assigned_clerk(history, clerk, clerk_client):
    body = clerk_client.get(f"/api/v1/reports/processing-times?{PERIOD}&assigned_to={clerk.pk}").json()
    assert body["assigned_to"] == clerk.pk
    # The clerk's decisions: D 1.5, C 9, A 11 days (B and F are the other clerk's).
    assert body["decisions"]["count"] == 3
    assert body["decisions"]["median_seconds"] == days(9)
    assert body["decisions"]["by_outcome"]["rechazado"]["count"] == 0
    stays = {row["estado"]: row for row in body["time_in_estado"]}
    # iniciado: C 1, D 1 (B is the other clerk's, G nobody's) -> 1 day.
    assert (stays["iniciado"]["count"], stays["iniciado"]["median_seconds"]) == (2, DAY)


def test_throughput_counts_arrivals_and_decisions_per_week(history, clerk_client):
    body = clerk_client.get(f"/api/v1/reports/throughput?{PERIOD}").json()
    assert body["weeks"] == [
        # 2-8 March: B, C, D arrive; A (3 Mar) and D (7 Mar) approved.
        {"week": "2026-03-02", "arrivals": 3, "decisions": 2, "aprobado": 2, "rechazado": 0},
        # 9-15 March: E, G arrive; B rejected (9 Mar), C approved (12 Mar).
        {"week": "2026-03-09", "arrivals": 2, "decisions": 2, "aprobado": 1, "rechazado": 1},
    ]


def test_service_level_counts_open_expedientes_past_the_limit(history, clerk, other_clerk, client_for):
    with time_machine.travel(at("2026-03-20T00:00"), tick=False):
        clerk_client = client_for(clerk)  # a token issued on that day
        body = clerk_client.get("/api/v1/reports/service-level").json()
        short = clerk_client.get("/api/v1/reports/service-level?limit_days=5").json()
        mine = clerk_client.get(f"/api/v1/reports/service-level?limit_days=5&assigned_to={other_clerk.pk}").json()
    # Open on 20 March: E (iniciado, 10 days old) and F (en_revision, 78 days old).
    assert body["limit_days"] == 30
    assert (body["open"], body["over_limit"]) == (2, 1)
    assert body["by_estado"] == {
        "iniciado": {"open": 1, "over_limit": 0},
        "en_revision": {"open": 1, "over_limit": 1},
        "requiere_subsanacion": {"open": 0, "over_limit": 0},
    }
    assert [row["numero"] for row in body["oldest"]] == ["EXP-R-F"]
    assert body["oldest"][0]["age_days"] == 78.0
    # Five days: both are late, the oldest first.
    assert (short["open"], short["over_limit"]) == (2, 2)
    assert [row["numero"] for row in short["oldest"]] == ["EXP-R-F", "EXP-R-E"]
    # Only the other clerk's: F.
    assert (mine["open"], mine["over_limit"]) == (1, 1)
    assert [row["numero"] for row in mine["oldest"]] == ["EXP-R-F"]


def test_backlog_lists_open_expedientes_per_assignee(history, clerk, other_clerk, clerk_client):
    body = clerk_client.get("/api/v1/reports/backlog").json()
    rows = {row["username"]: row for row in body["assignees"]}
    # zoe (other_clerk): F en_revision (B was rejected); the clerk's three were all approved.
    assert rows["zoe"] == {
        "user": other_clerk.pk,
        "username": "zoe",
        "full_name": "",
        "total": 1,
        "iniciado": 0,
        "en_revision": 1,
        "requiere_subsanacion": 0,
    }
    assert rows[clerk.username]["total"] == 0
    assert body["assignees"][0]["username"] == "zoe"  # the largest backlog first
    # Unassigned and open: E (iniciado). G was approved.
    assert body["unassigned"] == {"total": 1, "iniciado": 1, "en_revision": 0, "requiere_subsanacion": 0}
    assert body["total"] == 2


def test_orders_and_revenue_per_week(citizen, clerk, clerk_client):
    product = Product.objects.create(name="Sello", price=Decimal("12.50"), stock=100)
    plan = [
        ("2026-03-03T10:00", 2, "confirm"),  # 25.00, confirmed: revenue
        ("2026-03-04T10:00", 1, None),  # 12.50, pending: not revenue
        ("2026-03-10T10:00", 3, "cancel"),  # 37.50, cancelled: not revenue
    ]
    for when, quantity, action in plan:
        with time_machine.travel(at(when), tick=False):
            order = orders_services.create_order(user=citizen, items=[{"product_id": product.pk, "quantity": quantity}])
            if action:
                orders_services.transition_order(actor=citizen, order_id=order.pk, action=action)
    body = clerk_client.get(f"/api/v1/reports/orders?{PERIOD}").json()
    assert body["currency"] == "EUR"
    assert body["weeks"] == [
        {"week": "2026-03-02", "orders": 2, "revenue": "25.00"},
        {"week": "2026-03-09", "orders": 1, "revenue": "0.00"},
    ]


def test_webhook_deliveries_per_day_count_settled_ones(clerk_client):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/in", secret="whsec_x")
    settled = [("succeeded", "2026-03-02T10:00"), ("succeeded", "2026-03-02T23:59"), ("failed", "2026-03-03T00:00")]
    for status, when in settled:
        event = Event.objects.create(type="order.created", data={})
        WebhookDelivery.objects.create(event=event, endpoint=endpoint, status=status, completed_at=at(when))
    pending = Event.objects.create(type="order.created", data={})
    WebhookDelivery.objects.create(event=pending, endpoint=endpoint)  # not settled: not counted
    body = clerk_client.get("/api/v1/reports/webhooks?from=2026-03-02&to=2026-03-04").json()
    assert body["days"] == [
        {"day": "2026-03-02", "succeeded": 2, "failed": 0},
        {"day": "2026-03-03", "succeeded": 0, "failed": 1},
        {"day": "2026-03-04", "succeeded": 0, "failed": 0},
    ]


REPORTS = ["processing-times", "throughput", "service-level", "backlog", "orders", "webhooks"]


@pytest.mark.parametrize("name", ["", *REPORTS])
def test_citizens_are_refused_and_anonymous_must_log_in(name, citizen_client, api_client):
    url = f"/api/v1/reports/{name}"
    assert citizen_client.get(url).status_code == 403
    assert api_client.get(url).status_code == 401


@pytest.mark.parametrize("name", REPORTS)
def test_staff_read_every_report_with_the_defaults(name, clerk_client, admin_client_api):
    assert clerk_client.get(f"/api/v1/reports/{name}").status_code == 200
    assert admin_client_api.get(f"/api/v1/reports/{name}/").status_code == 200


def test_the_reports_index_links_every_report(clerk_client):
    body = clerk_client.get("/api/v1/reports/").json()
    assert sorted(body) == sorted(name.replace("-", "_") for name in REPORTS)
    assert body["processing_times"].endswith("/api/v1/reports/processing-times")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-03-10&to=2026-03-01", "from"),
        ("from=2025-01-01&to=2026-01-02", "from"),  # 367 days
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
        ("assigned_to=0", "assigned_to"),
        ("assigned_to=abc", "assigned_to"),
    ],
)
def test_bad_periods_are_422(query, field, clerk_client):
    response = clerk_client.get(f"/api/v1/reports/processing-times?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_period_of_366_days_is_accepted(clerk_client):
    assert clerk_client.get("/api/v1/reports/throughput?from=2024-01-01&to=2024-12-31").status_code == 200


@pytest.mark.parametrize("query", ["limit_days=0", "limit_days=3651", "limit_days=x"])
def test_bad_service_level_limits_are_422(query, clerk_client):
    response = clerk_client.get(f"/api/v1/reports/service-level?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit_days"


def test_the_api_root_links_docs_schema_and_collections(api_client):
    for url in ("/api/v1/", "/api/v1"):
        response = api_client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert body["docs"].endswith("/api/v1/docs")
        assert body["schema"].endswith("/api/v1/schema")
        assert body["resources"]["expedientes"].endswith("/api/v1/expedientes")
        assert body["resources"]["reports"].endswith("/api/v1/reports")
    # Every link answers (the public ones 200, the others ask for a login), none is a 404.
    for link in [body["docs"], body["schema"], *body["resources"].values()]:
        path = link.split("testserver", 1)[1]
        api_client.check_schema = False
        assert api_client.get(path).status_code in (200, 401, 405), path
