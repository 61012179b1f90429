"""Throwaway reference views for ``make bench-http``: what the stack allows for the same page.

Mounted under ``/api/v1/bench/`` only when ``BENCH_VIEWS=true`` (never in a normal deployment).
Each answers the same JSON as the real list in page mode (``?page=&per_page=``, plus ``estado``
and, for the baseline, ``search``) for the caller of the same JWT, so the benchmark can put the
real endpoint beside:

- ``baseline``: a bare Django view, the same querysets through ``.values()``, rendered by orjson;
- ``floor``: the same SQL through ``connection.cursor()``, rendered by orjson.

The writes have a baseline too (``POST expedientes/create-baseline``, ``POST expedientes/<id>/transition-baseline``,
``POST orders/create-baseline``): a bare Django view that writes the same rows through the same model
layer (the expediente, then ``events.services.record`` for its audit row, domain event and outbox
rows; an order through ``orders.services.create_order``, which locks and reserves the stock) and
answers the new representation with orjson, without DRF's parsing, validation, ETag and rendering.

No DRF, no validation beyond what a page needs: these are yardsticks, not endpoints.
"""

from __future__ import annotations

from django.urls import path

from reports.benchviews.reads import expedientes_baseline, expedientes_floor, orders_baseline, orders_floor
from reports.benchviews.writes import expediente_create_baseline, expediente_transition_baseline, order_create_baseline

urlpatterns = [
    path("expedientes/baseline", expedientes_baseline, name="bench-expedientes-baseline"),
    path("expedientes/floor", expedientes_floor, name="bench-expedientes-floor"),
    path("expedientes/create-baseline", expediente_create_baseline, name="bench-expediente-create-baseline"),
    path(
        "expedientes/<int:pk>/transition-baseline",
        expediente_transition_baseline,
        name="bench-expediente-transition-baseline",
    ),
    path("orders/create-baseline", order_create_baseline, name="bench-order-create-baseline"),
    path("orders/baseline", orders_baseline, name="bench-orders-baseline"),
    path("orders/floor", orders_floor, name="bench-orders-floor"),
]
