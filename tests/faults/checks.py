"""The fault run's verdicts: each check of the result, true when it passed."""

from __future__ import annotations

from typing import Any


def checks(result: dict[str, Any]) -> dict[str, bool]:
    changes, webhooks, emails, stock = (
        result["changes"],
        result["webhooks"],
        result["emails"],
        result["stock_and_payments"],
    )
    db_outage = next(fault for fault in result["faults"] if fault["fault"] == "restart PostgreSQL")
    return {
        "load was served": result["load"]["served"] > 0,
        "every change has exactly its events": all(
            count == 0
            for name, count in changes.items()
            if name not in ("expedientes", "orders", "events", "acknowledged_writes")
        ),
        "no webhook lost": webhooks["lost"] == 0 and webhooks["unexpected"] == 0,
        "no email lost": emails["lost"] == 0 and emails["events_without_exactly_one_email"] == 0,
        "at most one duplicate per killed worker": webhooks["duplicates"] + emails["duplicates"]
        <= result["killed_workers"],
        "the outbox drained": result["drained"]
        and webhooks["rows_not_succeeded"] == 0
        and emails["rows_not_succeeded"] == 0,
        "no stock below zero, none over-sold": stock["oversold_units"] == 0
        and stock["products_below_zero"] == 0
        and stock["stock_mismatches"] == 0,
        "no paid order without its payment": stock["paid_orders_without_payment"] == 0
        and stock["payments_for_unpaid_orders"] == 0,
        "no failed request outside the database outage": not result["failures_outside_the_database_outage"],
        "503 problems while the database is down": db_outage["probes"] > 0
        and db_outage["answered_503_problem"] == db_outage["probes"],
        "recovered without a restart": db_outage["recovered_after_s"] is not None
        and not result["web_servers_restarted"]
        and not result["processes_dead_at_end"],
    }
