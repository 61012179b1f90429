"""The expediente's workflow in the admin: the buttons the table allows, transitions and their
refusals, the history, and bulk actions that report row by row."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from events.models import AuditEvent, Event
from expedientes import services
from expedientes.models import Estado, Expediente
from tests.support.admin import CHANGELIST, change_url, messages_of

pytestmark = pytest.mark.django_db


def test_change_page_offers_only_allowed_transitions(citizen, clerk_web, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION)
    response = clerk_web.get(change_url(expediente))
    assert response.status_code == 200
    offered = [target["value"] for target in response.context["workflow_targets"]]
    assert offered == ["requiere_subsanacion", "aprobado", "rechazado"]
    html = response.content.decode()
    assert 'data-target="archivado"' not in html
    assert 'data-target="iniciado"' not in html

    archived = make_expediente(citizen, Estado.ARCHIVADO)
    response = clerk_web.get(change_url(archived))
    assert response.context["workflow_targets"] == []
    assert "No workflow step is available" in response.content.decode()


def test_workflow_button_moves_and_shows_history(citizen, clerk, clerk_web, make_expediente, mailoutbox):
    expediente = make_expediente(citizen, Estado.EN_REVISION)
    response = clerk_web.post(
        f"{CHANGELIST}{expediente.pk}/transition/",
        {"to": "aprobado", "comment": "Todo correcto", "version": expediente.version},
        follow=True,
    )
    assert response.status_code == 200
    expediente.refresh_from_db()
    assert expediente.estado == Estado.APROBADO
    assert f"{expediente.numero} moved to Approved." in messages_of(response)
    assert 'class="estado-badge estado-aprobado badge colour-198754"' in response.content.decode()
    history = response.context["history"]
    assert history[-1]["action"] == "transition"
    assert history[-1]["actor"] == clerk.username
    # The history reads as a clerk would: the field by its name, estados by their labels.
    assert {"field": "status", "old": "Under review", "new": "Approved"} in history[-1]["changes"]
    assert [target["value"] for target in response.context["workflow_targets"]] == ["archivado"]


def test_refused_transition_explains_why_and_changes_nothing(citizen, clerk_web, make_expediente):
    expediente = make_expediente(citizen, Estado.INICIADO)
    response = clerk_web.post(f"{CHANGELIST}{expediente.pk}/transition/", {"to": "aprobado"}, follow=True)
    expediente.refresh_from_db()
    assert expediente.estado == Estado.INICIADO
    [message] = messages_of(response)
    assert "Cannot go from iniciado to aprobado" in message
    assert "Allowed: en_revision" in message
    assert not AuditEvent.objects.filter(entity_type="expediente", action="transition").exists()


def test_stale_version_is_refused(citizen, clerk, clerk_web, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION)
    stale = expediente.version
    services.update_expediente(expediente_id=expediente.pk, actor=clerk, fields={"concepto": "changed meanwhile"})
    response = clerk_web.post(
        f"{CHANGELIST}{expediente.pk}/transition/", {"to": "aprobado", "version": stale}, follow=True
    )
    expediente.refresh_from_db()
    assert expediente.estado == Estado.EN_REVISION
    assert len(messages_of(response)) == 1


def test_transition_view_needs_post_and_change_permission(citizen, make_user, web_client_for, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION)
    clerk = make_user("clerk")
    clerk_web = web_client_for(clerk)
    assert clerk_web.get(f"{CHANGELIST}{expediente.pk}/transition/").status_code == 405
    # A staff account without the Clerks group's permissions may not even look.
    clerk.groups.clear()
    response = clerk_web.post(f"{CHANGELIST}{expediente.pk}/transition/", {"to": "aprobado"})
    assert response.status_code == 403
    expediente.refresh_from_db()
    assert expediente.estado == Estado.EN_REVISION


def test_view_only_user_sees_no_buttons(citizen, make_user, web_client_for, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION)
    viewer = make_user("clerk")
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_expediente"))
    response = web_client_for(viewer).get(change_url(expediente))
    assert response.status_code == 200
    assert response.context["workflow_targets"] == []


def test_admin_transition_writes_the_same_audit_and_event_as_the_api(
    citizen, clerk, clerk_client, clerk_web, make_expediente, mailoutbox
):
    via_admin = make_expediente(citizen, Estado.EN_REVISION, numero="EXP-SAME-A")
    via_api = make_expediente(citizen, Estado.EN_REVISION, numero="EXP-SAME-B")
    clerk_web.post(f"{CHANGELIST}{via_admin.pk}/transition/", {"to": "aprobado"})
    response = clerk_client.post(f"/api/v1/expedientes/{via_api.pk}/transitions", {"to": "aprobado"}, format="json")
    assert response.status_code == 200

    def trail(expediente):
        audit = AuditEvent.objects.filter(entity_type="expediente", entity_id=str(expediente.pk)).latest("id")
        event = Event.objects.filter(type="expediente.status_changed", data__id=expediente.pk).latest("id")
        volatile = {"id", "numero", "created_at", "updated_at"}
        return (
            (audit.actor_id, audit.action, audit.changes),
            {key: value for key, value in event.data.items() if key not in volatile},
        )

    assert trail(via_admin) == trail(via_api)
    event = Event.objects.filter(type="expediente.status_changed", data__id=via_admin.pk).latest("id")
    assert event.data["from"] == "en_revision"
    assert event.data["to"] == "aprobado"


def test_bulk_transition_reports_each_row(citizen, clerk_web, make_expediente):
    ready = make_expediente(citizen, Estado.EN_REVISION, numero="EXP-BULK-1")
    also_ready = make_expediente(citizen, Estado.EN_REVISION, numero="EXP-BULK-2")
    too_early = make_expediente(citizen, Estado.INICIADO, numero="EXP-BULK-3")
    response = clerk_web.post(
        CHANGELIST,
        {"action": "move_to_aprobado", "_selected_action": [ready.pk, also_ready.pk, too_early.pk]},
        follow=True,
    )
    shown = messages_of(response)
    assert "EXP-BULK-3: refused — Cannot go from iniciado to aprobado. Allowed: en_revision." in shown
    assert "2 expedientes moved to Approved: EXP-BULK-1, EXP-BULK-2." in shown
    estados = dict(Expediente.objects.values_list("numero", "estado"))
    assert estados == {"EXP-BULK-1": "aprobado", "EXP-BULK-2": "aprobado", "EXP-BULK-3": "iniciado"}
    assert (
        AuditEvent.objects.filter(entity_type="expediente", action="transition", changes__estado__1="aprobado").count()
        == 2
    )


def test_bulk_assign_to_me(citizen, clerk, clerk_web, make_expediente):
    first = make_expediente(citizen, numero="EXP-ASSIGN-1")
    second = make_expediente(citizen, numero="EXP-ASSIGN-2")
    response = clerk_web.post(
        CHANGELIST, {"action": "assign_to_me", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert f"2 expedientes assigned to {clerk.username}: EXP-ASSIGN-1, EXP-ASSIGN-2." in messages_of(response)
    assert set(Expediente.objects.values_list("assigned_to", flat=True)) == {clerk.pk}
    updates = AuditEvent.objects.filter(entity_type="expediente", action="update")
    assert [event.changes for event in updates] == [{"assigned_to": [None, clerk.pk]}] * 2
    assert Event.objects.filter(type="expediente.updated").count() == 2
