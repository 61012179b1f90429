"""Contract audit: racing deletes of one documento (exactly one 204, the others 404, one audit row)."""

from __future__ import annotations

import pytest

from events.models import AuditEvent
from expedientes import services
from expedientes.models import Documento
from tests.support.concurrency import run_concurrently
from tests.support.expedientes import detail_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_deletes_of_one_documento_delete_and_audit_once(make_expediente, citizen, clerk, client_for):
    expediente = make_expediente(citizen)
    documento = services.add_documento(expediente_id=expediente.pk, actor=citizen, nombre="acta", tipo="otro")
    url = f"{detail_url(expediente.pk)}/documentos/{documento.pk}"

    responses = run_concurrently([lambda user=user: client_for(user).delete(url) for user in [citizen, clerk] * 4])

    statuses = sorted(getattr(response, "status_code", response) for response in responses)
    assert statuses == [204] + [404] * 7, responses
    assert not Documento.objects.filter(pk=documento.pk).exists()
    deletes = AuditEvent.objects.filter(entity_type="documento", entity_id=str(documento.pk), action="delete")
    assert deletes.count() == 1
