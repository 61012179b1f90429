"""The write yardsticks: the same rows through the same model layer, answered without DRF."""

from __future__ import annotations

from typing import Any

import orjson
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from events.services import record
from expedientes.models import Estado, Expediente
from expedientes.serializers import representation
from orders.services import create_order
from reports.benchviews.shapes import (
    EXPEDIENTE_COLUMNS,
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    authenticated,
    expediente_body,
    item_body,
    json_response,
    order_body,
    transitions_for,
    unauthorized,
)


@csrf_exempt
@require_POST
def expediente_create_baseline(request: HttpRequest) -> HttpResponse:
    user = authenticated(request)
    if user is None:
        return unauthorized()
    body = orjson.loads(request.body)
    with transaction.atomic():
        expediente = Expediente.objects.create(
            numero=body["numero"],
            solicitante=body["solicitante"],
            concepto=body.get("concepto", ""),
            estado=Estado.INICIADO,
            owner=user,
        )
        data = representation(expediente)
        record(
            actor=user,
            entity_type="expediente",
            entity_id=expediente.pk,
            action="create",
            changes={key: [None, data[key]] for key in ("numero", "solicitante", "concepto", "estado", "owner")},
            event_type="expediente.created",
            data=data,
        )
    return json_response(_written(expediente, user), status=201)


@csrf_exempt
@require_POST
def expediente_transition_baseline(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated(request)
    if user is None:
        return unauthorized()
    target = orjson.loads(request.body)["to"]
    with transaction.atomic():
        expediente = Expediente.objects.select_for_update().get(pk=pk)
        source = expediente.estado
        expediente.estado = target
        expediente.version += 1
        expediente.save(update_fields=["estado", "version", "updated_at"])
        record(
            actor=user,
            entity_type="expediente",
            entity_id=expediente.pk,
            action="transition",
            changes={"estado": [source, target]},
            event_type="expediente.status_changed",
            data={**representation(expediente), "from": source, "to": target},
        )
    return json_response(_written(expediente, user))


@csrf_exempt
@require_POST
def order_create_baseline(request: HttpRequest) -> HttpResponse:
    user = authenticated(request)
    if user is None:
        return unauthorized()
    body = orjson.loads(request.body)
    order = create_order(user=user, items=body["items"], shipping_address=body.get("shipping_address", ""))
    row = {column: getattr(order, column) for column in ORDER_COLUMNS}
    items = [item_body(item) for item in order.items.order_by("id").values(*ITEM_COLUMNS)]
    return json_response(order_body(row, items, []), status=201)


def _written(expediente: Expediente, user: Any) -> dict[str, Any]:
    row = {column: getattr(expediente, column) for column in EXPEDIENTE_COLUMNS}
    return expediente_body(row, transitions_for(user))
