"""Writing expedientes in the admin: add, edit, delete through the services (refusals become
messages), and the documentos inline with its download."""

from __future__ import annotations

import pytest

from events.models import AuditEvent, Event
from expedientes.models import Documento, Estado, Expediente
from tests.support.admin import CHANGELIST, change_url, messages_of

pytestmark = pytest.mark.django_db


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


def test_deleting_past_iniciado_is_refused_on_the_change_page(citizen, admin_web, make_expediente):
    expediente = make_expediente(citizen, Estado.EN_REVISION)
    response = admin_web.post(f"{CHANGELIST}{expediente.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == change_url(expediente)
    [message] = messages_of(admin_web.get(response["Location"]))
    assert message == (
        "Only an expediente in iniciado can be deleted; this one is en_revision. "
        "Allowed: requiere_subsanacion, aprobado, rechazado."
    )
    assert Expediente.objects.filter(pk=expediente.pk).exists()


def test_deleting_one_with_documentos_is_stopped_by_the_delete_page_and_one_without_goes_through_the_service(
    citizen, admin_web, make_expediente
):
    kept = make_expediente(citizen)
    Documento.objects.create(expediente=kept, nombre="solo-metadatos", tipo="otro")
    response = admin_web.post(f"{CHANGELIST}{kept.pk}/delete/", {"post": "yes"})
    # The documentos protect it: Django's delete page says so before any service is asked.
    assert response.status_code == 200
    assert "<title>Cannot delete expediente" in response.content.decode()
    assert Expediente.objects.filter(pk=kept.pk).exists()

    gone = make_expediente(citizen)
    response = admin_web.post(f"{CHANGELIST}{gone.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Expediente.objects.filter(pk=gone.pk).exists()
    assert AuditEvent.objects.filter(entity_type="expediente", entity_id=str(gone.pk), action="delete").exists()


def test_download_of_a_documento_without_a_stored_file_is_404(citizen, clerk_web, make_expediente, storage_backend):
    from django.core.files.base import ContentFile

    expediente = make_expediente(citizen)
    metadata_only = Documento.objects.create(expediente=expediente, nombre="solo-metadatos", tipo="otro")
    lost = Documento(expediente=expediente, nombre="perdido.txt", tipo="anexo", content_type="text/plain", size=5)
    lost.file.save("documentos/lost", ContentFile(b"hola\n"), save=False)
    lost.save()
    lost.file.storage.delete(lost.file.name)
    for documento in (metadata_only, lost):
        response = clerk_web.get(f"{CHANGELIST}{expediente.pk}/documentos/{documento.pk}/download/")
        assert response.status_code == 404
    assert clerk_web.get(f"{CHANGELIST}{expediente.pk}/documentos/999999/download/").status_code == 404
