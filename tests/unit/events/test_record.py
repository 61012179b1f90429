import pytest
from django.db import connection, transaction

from core.request_context import reset_request_id, set_request_id
from core.versioned_writes import diff
from events.models import AppendOnlyError, AuditEvent, Event
from events.services import record

pytestmark = pytest.mark.django_db


def test_record_writes_audit_and_event(citizen):
    token = set_request_id("req-1")
    try:
        result = record(
            actor=citizen,
            entity_type="expediente",
            entity_id=7,
            action="update",
            changes={"concepto": ["a", "b"], "password": ["x", "y"], "secret": "s"},
            event_type="expediente.updated",
            data={"id": 7},
        )
    finally:
        reset_request_id(token)
    audit = AuditEvent.objects.get()
    assert audit == result.audit
    assert (audit.actor_id, audit.entity_type, audit.entity_id, audit.action) == (
        citizen.pk,
        "expediente",
        "7",
        "update",
    )
    assert audit.changes == {"concepto": ["a", "b"], "password": ["***", "***"], "secret": "***"}
    assert audit.request_id == "req-1"
    event = Event.objects.get()
    assert (event.type, event.data) == ("expediente.updated", {"id": 7})


def test_record_without_event_type_writes_only_audit():
    record(actor=None, entity_type="user", entity_id=1, action="delete")
    assert AuditEvent.objects.count() == 1
    assert Event.objects.count() == 0


def test_rolled_back_transaction_leaves_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created")
        raise RuntimeError("the caller fails after recording")
    assert AuditEvent.objects.count() == 0
    assert Event.objects.count() == 0


def test_audit_events_cannot_be_changed_or_deleted():
    audit = record(actor=None, entity_type="order", entity_id=1, action="create").audit
    audit.action = "delete"
    with pytest.raises(AppendOnlyError):
        audit.save()
    with pytest.raises(AppendOnlyError):
        audit.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="delete")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_database_refuses_raw_updates_of_the_trail():
    record(actor=None, entity_type="order", entity_id=1, action="create")
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE events_auditevent SET action = 'delete'")
    assert AuditEvent.objects.get().action == "create"


def test_diff_lists_changed_fields_only():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
