"""The expedientes changelist: query count, badges and columns, search, filters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from expedientes import services
from expedientes.models import Documento, Estado, Expediente
from tests.support.admin import CHANGELIST

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
