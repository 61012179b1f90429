"""The contract's rules hold in the database itself, whatever writes the row."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from expedientes.models import Documento, Expediente

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"numero": ""},
        {"numero": "has space"},
        {"numero": "Ñ-1"},
        {"solicitante": ""},
        {"solicitante": "   "},
        {"concepto": "c" * 2001},
        {"estado": "cerrado"},
    ],
)
def test_check_constraints_refuse_bad_rows(citizen, fields):
    values = {"numero": "OK-1", "solicitante": "Ana", "owner": citizen, **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Expediente.objects.create(**values)


def test_numero_is_unique_in_the_database(citizen):
    Expediente.objects.create(numero="DUP-1", solicitante="Ana", owner=citizen)
    with pytest.raises(IntegrityError), transaction.atomic():
        Expediente.objects.create(numero="DUP-1", solicitante="Otra", owner=citizen)


@pytest.mark.parametrize("fields", [{"nombre": " "}, {"tipo": "factura"}, {"size": -1}])
def test_documento_constraints(citizen, fields):
    expediente = Expediente.objects.create(numero="D-1", solicitante="Ana", owner=citizen)
    values = {"expediente": expediente, "nombre": "a", "tipo": "otro", **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Documento.objects.create(**values)
