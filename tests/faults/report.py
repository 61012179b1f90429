"""The fault run's figures as printed at its end (the JSON under ``bench/results/`` holds them all)."""

from __future__ import annotations

import json
from typing import Any


def summary(result: dict[str, Any], path: str) -> str:
    load, webhooks, emails, stock = result["load"], result["webhooks"], result["emails"], result["stock_and_payments"]
    lines = [
        f"\nrequests {load['requests']} (served {load['served']}, error ratio {load['error_ratio']}), "
        f"p50 {load['p50_ms']:g} ms, p99 {load['p99_ms']:g} ms, {load['requests_per_second']} req/s",
        f"events {result['changes']['events']}, webhook deliveries checked {webhooks['expected']} "
        f"(received {webhooks['received']}, lost {webhooks['lost']}, duplicates {webhooks['duplicates']}), "
        f"emails checked {emails['expected']} (lost {emails['lost']}, duplicates {emails['duplicates']})",
        f"units sold {stock['units_sold']}, oversold units {stock['oversold_units']}, "
        f"paid orders {stock['paid_orders']} (without payment {stock['paid_orders_without_payment']})",
        f"faults: {json.dumps(result['faults'], default=str)}",
        f"runtime {result['timings_s']['total']} s; results: {path}",
    ]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}" for name, ok in result["checks"].items()]
    return "\n".join(lines)
