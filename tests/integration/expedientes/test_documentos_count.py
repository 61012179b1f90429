"""``documentos_count`` is a column the database keeps: exact after every kind of write, never clobbered."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from model_bakery import baker

from expedientes.models import Documento, Expediente

pytestmark = pytest.mark.django_db


def stored_count(expediente: Expediente) -> int:
    return Expediente.objects.values_list("documentos_count", flat=True).get(pk=expediente.pk)


def real_count(expediente: Expediente) -> int:
    return Documento.objects.filter(expediente=expediente).count()


@pytest.fixture
def expedientes(citizen: Any) -> list[Expediente]:
    return [baker.make(Expediente, numero=f"EXP-C-{n}", solicitante="Ana", owner=citizen) for n in range(3)]


def test_the_api_count_follows_documentos_added_and_removed(citizen_client: Any, expedientes: list) -> None:
    first = expedientes[0]
    url = f"/api/v1/expedientes/{first.pk}"
    for name in ("a", "b", "c"):
        assert citizen_client.post(f"{url}/documentos", {"nombre": name, "tipo": "anexo"}).status_code == 201
    assert citizen_client.get(url).json()["documentos_count"] == 3
    documento = Documento.objects.filter(expediente=first).first()
    assert citizen_client.delete(f"{url}/documentos/{documento.pk}").status_code == 204
    listed = {row["id"]: row["documentos_count"] for row in citizen_client.get("/api/v1/expedientes").json()["data"]}
    assert listed == {first.pk: 2, expedientes[1].pk: 0, expedientes[2].pk: 0}


def test_bulk_sql_moves_and_truncate_keep_every_count_exact(expedientes: list) -> None:
    a, b, c = expedientes
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO expedientes_documento (created_at, updated_at, expediente_id, nombre, tipo, file)"
            " SELECT now(), now(), e, 'doc ' || g, 'otro', '' FROM generate_series(1, 5) g,"
            " unnest(ARRAY[%s, %s, %s, %s]) e",
            [a.pk, a.pk, b.pk, c.pk],
        )
        assert [stored_count(x) for x in expedientes] == [10, 5, 5]
        cursor.execute(
            "UPDATE expedientes_documento SET expediente_id = %s WHERE id IN"
            " (SELECT id FROM expedientes_documento WHERE expediente_id = %s ORDER BY id LIMIT 3)",
            [c.pk, a.pk],
        )
        cursor.execute("DELETE FROM expedientes_documento WHERE expediente_id = %s AND nombre = 'doc 1'", [b.pk])
        assert [stored_count(x) for x in expedientes] == [real_count(x) for x in expedientes] == [7, 4, 8]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE expedientes_documento")
    assert [stored_count(x) for x in expedientes] == [0, 0, 0]


def test_a_stale_instance_saved_whole_does_not_overwrite_the_count(expedientes: list) -> None:
    stale = Expediente.objects.get(pk=expedientes[0].pk)
    baker.make(Documento, expediente=expedientes[0], nombre="late", _quantity=2)
    stale.concepto = "changed after the documentos arrived"
    stale.save()
    fresh = Expediente.objects.get(pk=stale.pk)
    assert (fresh.concepto, fresh.documentos_count) == ("changed after the documentos arrived", 2)
