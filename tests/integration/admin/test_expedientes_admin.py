"""The expedientes admin: list, search, filters, workflow buttons, history, bulk actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import AuditEvent, Event
from expedientes import services
from expedientes.models import Documento, Estado, Expediente
from tests.integration.admin.conftest import CHANGELIST, change_url, messages_of

pytestmark = pytest.mark.django_db


def _changelist_queries(client, query: str = "") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{CHANGELIST}{query}")
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _fill(make_expediente, owners, staff, start: int, count: int) -> None:
    estados = list(Estado)
    for n in range(start, start + count):
        expediente = make_expediente(owners[n % len(owners)], numero=f"EXP-Q-{n:04d}")
        # Vary estado, assignee and documentos so every column has real data to fetch.
        Expediente.objects.filter(pk=expediente.pk).update(
            estado=estados[n % len(estados)], assigned_to=staff[n % len(staff)] if n % 3 else None
        )
        for k in range(n % 3):
            Documento.objects.create(expediente=expediente, nombre=f"doc-{n}-{k}.pdf", tipo="anexo")


def test_changelist_query_count_does_not_grow_with_rows(make_user, make_expediente, clerk, clerk_web, settings):
    owners = [make_user("citizen") for _ in range(4)]
    staff = [clerk, make_user("clerk")]
    _fill(make_expediente, owners, staff, 0, 5)
    five, body = _changelist_queries(clerk_web, "?o=1")
    assert body.count('class="estado-badge') == 5
    _fill(make_expediente, owners, staff, 5, 95)
    hundred, body = _changelist_queries(clerk_web, "?all=")
    assert body.count('class="estado-badge') == 100
    assert five == hundred


def test_list_shows_badge_owner_assignee_and_documentos_count(citizen, clerk, clerk_web, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION, numero="EXP-LIST-1")
    services.update_expediente(expediente_id=expediente.pk, actor=clerk, fields={"assigned_to": clerk.pk})
    for n in range(3):
        Documento.objects.create(expediente=expediente, nombre=f"d{n}.pdf", tipo="anexo")
    response = clerk_web.get(CHANGELIST)
    row = response.context["cl"].result_list.get(pk=expediente.pk)
    assert row.documentos_count == 3
    html = response.content.decode()
    assert 'class="estado-badge estado-en_revision badge colour-0d6efd"' in html
    assert "Under review" in html
    assert citizen.username in html
    assert clerk.username in html


@pytest.mark.parametrize(("term", "found"), [("perez", True), ("PÉREZ", True), ("pérez juan", True), ("lopez", False)])
def test_search_is_accent_and_case_insensitive(citizen, clerk_web, make_expediente, term, found):
    make_expediente(citizen, numero="EXP-SRCH-1", solicitante="Juan Pérez")
    make_expediente(citizen, numero="EXP-SRCH-2", solicitante="Ana Gómez")
    response = clerk_web.get(CHANGELIST, {"q": term})
    numeros = [row.numero for row in response.context["cl"].result_list]
    assert numeros == (["EXP-SRCH-1"] if found else [])


def test_search_by_numero(citizen, clerk_web, make_expediente):
    make_expediente(citizen, numero="EXP-2024-777")
    make_expediente(citizen, numero="EXP-2024-888")
    response = clerk_web.get(CHANGELIST, {"q": "2024-77"})
    assert [row.numero for row in response.context["cl"].result_list] == ["EXP-2024-777"]


def test_filters_by_estado_and_assignee(citizen, clerk, clerk_web, make_expediente):
    revision = make_expediente(citizen, Estado.EN_REVISION)
    make_expediente(citizen, Estado.INICIADO)
    mine = make_expediente(citizen, Estado.APROBADO)
    services.update_expediente(expediente_id=mine.pk, actor=clerk, fields={"assigned_to": clerk.pk})

    by_estado = clerk_web.get(CHANGELIST, {"estado__exact": "en_revision"})
    assert [row.pk for row in by_estado.context["cl"].result_list] == [revision.pk]
    by_me = clerk_web.get(CHANGELIST, {"assignee": "me"})
    assert [row.pk for row in by_me.context["cl"].result_list] == [mine.pk]
    by_id = clerk_web.get(CHANGELIST, {"assignee": str(clerk.pk)})
    assert [row.pk for row in by_id.context["cl"].result_list] == [mine.pk]
    unassigned = clerk_web.get(CHANGELIST, {"assignee": "none"})
    assert mine.pk not in [row.pk for row in unassigned.context["cl"].result_list]
    by_date = clerk_web.get(CHANGELIST, {"created_at__gte": "2000-01-01 00:00:00+00:00"})
    assert by_date.context["cl"].result_count == 3


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


def test_edit_in_admin_goes_through_the_service(citizen, clerk, clerk_web, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION)
    response = clerk_web.post(
        change_url(expediente),
        {
            "solicitante": "Juan Pérez García",
            "concepto": "Nuevo concepto",
            "assigned_to": str(clerk.pk),
            "documentos-TOTAL_FORMS": "0",
            "documentos-INITIAL_FORMS": "0",
            "documentos-MIN_NUM_FORMS": "0",
            "documentos-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    expediente.refresh_from_db()
    assert (expediente.solicitante, expediente.assigned_to_id) == ("Juan Pérez García", clerk.pk)
    assert expediente.version == 3
    audit = AuditEvent.objects.filter(entity_type="expediente", action="update").get()
    assert audit.changes == {
        "solicitante": ["Juan Pérez", "Juan Pérez García"],
        "concepto": ["", "Nuevo concepto"],
        "assigned_to": [None, clerk.pk],
    }


def test_assigning_a_citizen_is_refused_by_the_form(citizen, clerk_web, make_expediente):
    expediente = make_expediente(citizen)
    response = clerk_web.post(
        change_url(expediente),
        {
            "solicitante": "Juan Pérez",
            "concepto": "",
            "assigned_to": str(citizen.pk),
            "documentos-TOTAL_FORMS": "0",
            "documentos-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "assigned_to" in response.context["adminform"].form.errors
    expediente.refresh_from_db()
    assert expediente.assigned_to_id is None


def test_add_in_admin_creates_through_the_service(clerk, clerk_web):
    response = clerk_web.post(
        f"{CHANGELIST}add/", {"numero": "EXP-ADMIN-NEW", "solicitante": "María Núñez", "concepto": ""}
    )
    assert response.status_code == 302
    expediente = Expediente.objects.get(numero="EXP-ADMIN-NEW")
    assert (expediente.owner_id, expediente.estado) == (clerk.pk, Estado.INICIADO)
    assert Event.objects.filter(type="expediente.created", data__id=expediente.pk).exists()
    duplicate = clerk_web.post(f"{CHANGELIST}add/", {"numero": "EXP-ADMIN-NEW", "solicitante": "Otro"})
    assert duplicate.status_code == 200
    assert "numero" in duplicate.context["adminform"].form.errors
    assert Expediente.objects.filter(numero="EXP-ADMIN-NEW").count() == 1


def test_documentos_inline_and_download(citizen, clerk_web, make_expediente, storage_backend):
    from django.core.files.base import ContentFile

    expediente = make_expediente(citizen)
    documento = Documento(expediente=expediente, nombre="informe.txt", tipo="anexo", content_type="text/plain", size=5)
    documento.file.save("documentos/abc", ContentFile(b"hola\n"), save=False)
    documento.save()
    Documento.objects.create(expediente=expediente, nombre="solo-metadatos", tipo="otro")
    page = clerk_web.get(change_url(expediente)).content.decode()
    assert "informe.txt" in page
    assert "5\xa0bytes" in page
    assert "metadata only" in page
    download = clerk_web.get(f"{CHANGELIST}{expediente.pk}/documentos/{documento.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"hola\n"
    assert 'attachment; filename="informe.txt"' in download["Content-Disposition"]
    assert download["Content-Length"] == "5"
    other = make_expediente(citizen)
    assert clerk_web.get(f"{CHANGELIST}{other.pk}/documentos/{documento.pk}/download/").status_code == 404
