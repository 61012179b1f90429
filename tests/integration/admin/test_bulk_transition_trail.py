"""A bulk "move to ..." in the admin records each move as the API does: the estado alone, no comment."""

from __future__ import annotations

import pytest

from events.models import AuditEvent
from expedientes.models import Estado
from tests.support.admin import CHANGELIST

pytestmark = pytest.mark.django_db


def test_a_bulk_move_records_only_the_estado(citizen, clerk_web, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION, numero="EXP-BULK-TRAIL")
    clerk_web.post(CHANGELIST, {"action": "move_to_aprobado", "_selected_action": [expediente.pk]}, follow=True)
    audit = AuditEvent.objects.filter(entity_type="expediente", entity_id=str(expediente.pk)).latest("id")
    assert audit.action == "transition"
    assert audit.changes == {"estado": ["en_revision", "aprobado"]}
