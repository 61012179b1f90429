"""Which database refusals a create turns into ``409 conflict``: a violation of the numero's unique
constraint (a concurrent twin), and no other, told apart by the constraint's name."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from expedientes.models import Expediente
from expedientes.services.lifecycle import _is_unique_numero_violation

pytestmark = pytest.mark.django_db


def refusal(make: object) -> IntegrityError:
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        make()  # type: ignore[operator]
    return raised.value


def test_a_twin_numero_is_the_unique_violation(make_user):
    owner = make_user("citizen")
    Expediente.objects.create(numero="EXP-TWIN-1", solicitante="Ana", owner=owner)
    twin = refusal(lambda: Expediente.objects.create(numero="EXP-TWIN-1", solicitante="Eva", owner=owner))
    assert twin.__cause__.diag.constraint_name == "expedientes_numero_unique"  # type: ignore[union-attr]
    assert _is_unique_numero_violation(twin) is True


def test_another_constraint_is_not(make_user):
    owner = make_user("citizen")
    malformed = refusal(lambda: Expediente.objects.create(numero="EXP 1 ñ", solicitante="Ana", owner=owner))
    assert _is_unique_numero_violation(malformed) is False


def test_without_a_diagnostic_the_message_decides():
    assert _is_unique_numero_violation(IntegrityError('violates "expedientes_numero_unique"')) is True
    assert _is_unique_numero_violation(IntegrityError("violates another constraint")) is False
