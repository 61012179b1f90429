"""The audit after `make e2e-faults`: the database against itself, the client, the receiver and the mail sink.

Run in the runner's process once the outbox has drained. Every figure is a count; the runner
decides which must be zero.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

PAID = ("confirmed", "approved", "shipped", "delivered")
RELEASED = ("cancelled", "rejected")


def _chain_problems(events: list[dict[str, Any]], initial: str, current: str) -> int:
    """Status events of one resource, oldest first: each starts where the last ended, the last is now."""
    state, problems = initial, 0
    for data in events:
        if data.get("from") != state:
            problems += 1
        state = str(data.get("to"))
    return problems + (state != current)


def changes_and_events(acks: list[dict[str, Any]]) -> dict[str, int]:
    """Every committed change has exactly its events; every write the client saw acknowledged is there."""
    from events.models import AuditEvent, Event
    from expedientes.models import Expediente
    from orders.models import Order, Payment

    by_type: dict[str, dict[int, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    order_changes: dict[int, list[dict[str, Any]]] = defaultdict(list)  # every order.<status>, oldest first
    for event_type, data in Event.objects.order_by("id").values_list("type", "data"):
        key = data.get("id")
        if isinstance(key, int):
            by_type[event_type][key].append(data)
            if event_type.startswith("order.") and "to" in data:
                order_changes[key].append(data)
    transitions = Counter(
        (entity, int(entity_id))
        for entity, entity_id in AuditEvent.objects.filter(action="transition").values_list("entity_type", "entity_id")
    )
    problems: Counter[str] = Counter()

    expedientes = dict(Expediente.objects.values_list("id", "estado"))
    for pk, estado in expedientes.items():
        problems["expediente_created_events"] += len(by_type["expediente.created"].get(pk, [])) != 1
        changed = by_type["expediente.status_changed"].get(pk, [])
        problems["expediente_status_events"] += _chain_problems(changed, "iniciado", estado)
        problems["expediente_status_events"] += len(changed) != transitions[("expediente", pk)]
    problems["events_for_missing_expedientes"] = len(set(by_type["expediente.created"]) - set(expedientes))

    orders = dict(Order.objects.values_list("id", "status"))
    for pk, status in orders.items():
        problems["order_created_events"] += len(by_type["order.created"].get(pk, [])) != 1
        changed = order_changes.get(pk, [])
        problems["order_status_events"] += _chain_problems(changed, "pending", status)
        problems["order_status_events"] += len(changed) != transitions[("order", pk)]
    problems["events_for_missing_orders"] = len(set(by_type["order.created"]) - set(orders))

    expected = {"pending": (0, 0, 0), "succeeded": (1, 0, 0), "failed": (0, 1, 0), "refunded": (1, 0, 1)}
    for pk, status in Payment.objects.values_list("id", "status"):
        seen = tuple(len(by_type[f"payment.{kind}"].get(pk, [])) for kind in ("succeeded", "failed", "refunded"))
        problems["payment_events"] += seen != expected[status]

    for row in acks:
        kind = row["kind"]
        if kind == "expediente":
            problems["acknowledged_writes_missing"] += row["id"] not in expedientes
        elif kind == "order":
            problems["acknowledged_writes_missing"] += row["id"] not in orders
        elif kind == "transition":
            event_type = "expediente.status_changed" if row["entity"] == "expediente" else f"order.{row['to']}"
            found = [data for data in by_type[event_type].get(row["id"], []) if data.get("to") == row["to"]]
            problems["acknowledged_writes_missing"] += not found
        elif kind == "checkout":
            paid = Payment.objects.filter(pk=row["payment"], order_id=row["order"], status="succeeded").exists()
            problems["acknowledged_writes_missing"] += not (paid and orders.get(row["order"]) in PAID)
    return {
        "expedientes": len(expedientes),
        "orders": len(orders),
        "events": sum(len(rows) for by_id in by_type.values() for rows in by_id.values()),
        "acknowledged_writes": len(acks),
        **{name: int(count) for name, count in sorted(problems.items())},
    }


def deliveries(records: list[tuple[str, str, float]], endpoints: dict[str, list[str]]) -> dict[str, int]:
    """Every event reached every endpoint subscribed to it: none lost, duplicates counted."""
    from events.delivery import LOST
    from events.models import Event, WebhookAttempt, WebhookDelivery
    from events.types import matches

    expected = {
        (path, str(pk))
        for pk, event_type in Event.objects.values_list("id", "type")
        for path, patterns in endpoints.items()
        if matches(patterns, event_type)
    }
    received = Counter((path, webhook_id) for path, webhook_id, _ in records)
    statuses = Counter(WebhookDelivery.objects.values_list("status", flat=True))
    return {
        "expected": len(expected),
        "received": sum(received.values()),
        "lost": len(expected - set(received)),
        "duplicates": sum(count - 1 for count in received.values()),
        "unexpected": len(set(received) - expected),
        "rows_not_succeeded": sum(count for status, count in statuses.items() if status != "succeeded"),
        "rows": sum(statuses.values()),
        # Attempts a killed worker had claimed and never recorded (each was made again).
        "attempts_lost_with_a_worker": WebhookAttempt.objects.filter(error=LOST).count(),
    }


def emails(records: list[dict[str, Any]]) -> dict[str, int]:
    """Every email an event sends was queued once and reached the sink: none lost, duplicates counted."""
    from django.conf import settings

    from events.emails import BUILDERS
    from events.models import EmailMessage, Event

    rows = list(EmailMessage.objects.values_list("id", "event_id", "status"))
    per_event = Counter(event_id for _, event_id, _ in rows if event_id is not None)
    needing = Event.objects.filter(type__in=list(BUILDERS)).values_list("id", flat=True)
    expected = {f"<email-{pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>" for pk, _, _ in rows}
    received = Counter(record["message_id"] for record in records)
    return {
        "expected": len(expected),
        "received": sum(received.values()),
        "lost": len(expected - set(received)),
        "duplicates": sum(count - 1 for count in received.values()),
        "events_without_exactly_one_email": sum(per_event[pk] != 1 for pk in needing),
        "rows_not_succeeded": sum(status != "succeeded" for _, _, status in rows),
    }


def stock_and_payments(initial_stock: dict[int, int]) -> dict[str, int]:
    """No stock below zero, none over-sold, every unit accounted for; no paid order without its payment."""
    from django.db.models import Sum

    from orders.models import Order, OrderItem, Payment, Product

    held = dict(
        OrderItem.objects.exclude(order__status__in=RELEASED)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "units")
    )
    stock = dict(Product.objects.filter(pk__in=list(initial_stock)).values_list("id", "stock"))
    succeeded: dict[int, list[Decimal]] = defaultdict(list)
    for order_id, amount in Payment.objects.filter(status="succeeded").values_list("order_id", "amount"):
        succeeded[order_id].append(amount)
    orders = list(Order.objects.values_list("id", "status", "total"))
    return {
        "units_sold": sum(held.get(pk, 0) for pk in initial_stock),
        "oversold_units": sum(max(0, held.get(pk, 0) - initial) for pk, initial in initial_stock.items()),
        "products_below_zero": sum(value < 0 for value in stock.values()),
        "stock_mismatches": sum(stock[pk] != initial - held.get(pk, 0) for pk, initial in initial_stock.items()),
        "paid_orders": sum(status in PAID for _, status, _ in orders),
        "paid_orders_without_payment": sum(status in PAID and succeeded[pk] != [total] for pk, status, total in orders),
        "payments_for_unpaid_orders": sum(bool(succeeded[pk]) and status not in PAID for pk, status, _ in orders),
        "payments_left_pending": Payment.objects.filter(status="pending").count(),
    }
