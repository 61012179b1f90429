"""GET /expedientes: scoping, filters, accent-insensitive search, ordering, pagination, query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from expedientes.models import Estado, Expediente
from tests.support.expedientes import URL

pytestmark = pytest.mark.django_db


def numeros(response):
    assert response.status_code == 200, response.content
    return [item["numero"] for item in response.json()["data"]]


def test_citizens_see_their_own_staff_see_all(make_expediente, citizen, other_citizen, citizen_client, clerk_client):
    mine = make_expediente(citizen, numero="MINE-1")
    make_expediente(other_citizen, numero="THEIRS-1")

    assert numeros(citizen_client.get(URL)) == ["MINE-1"]
    assert sorted(numeros(clerk_client.get(URL))) == ["MINE-1", "THEIRS-1"]
    # A citizen naming another owner gets an empty page, not an error.
    response = citizen_client.get(f"{URL}?owner={other_citizen.pk}")
    assert numeros(response) == []
    assert response.json()["total"] == 0
    assert numeros(citizen_client.get(f"{URL}?owner={citizen.pk}")) == [mine.numero]


def test_default_order_is_newest_first(make_expediente, citizen, citizen_client):
    for n in range(3):
        make_expediente(citizen, numero=f"ORD-{n}")
    assert numeros(citizen_client.get(URL)) == ["ORD-2", "ORD-1", "ORD-0"]


def test_filter_by_estado_single_and_list(make_expediente, citizen, clerk_client):
    make_expediente(citizen, numero="A", estado=Estado.INICIADO)
    make_expediente(citizen, numero="B", estado=Estado.EN_REVISION)
    make_expediente(citizen, numero="C", estado=Estado.APROBADO)

    assert numeros(clerk_client.get(f"{URL}?estado=en_revision")) == ["B"]
    assert sorted(numeros(clerk_client.get(f"{URL}?estado=iniciado,aprobado"))) == ["A", "C"]
    response = clerk_client.get(f"{URL}?estado=cerrado")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "estado"
    assert clerk_client.get(f"{URL}?estado=iniciado,nope").status_code == 422


def test_filter_by_owner_and_assigned_to(make_expediente, citizen, other_citizen, clerk, clerk_client):
    make_expediente(citizen, numero="A")
    b = make_expediente(other_citizen, numero="B")
    Expediente.objects.filter(pk=b.pk).update(assigned_to=clerk)

    assert numeros(clerk_client.get(f"{URL}?owner={citizen.pk}")) == ["A"]
    assert numeros(clerk_client.get(f"{URL}?assigned_to={clerk.pk}")) == ["B"]
    assert clerk_client.get(f"{URL}?owner=abc").status_code == 422
    assert numeros(clerk_client.get(f"{URL}?owner=99999999999999999999")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("perez", ["P-1"]),
        ("PÉREZ", ["P-1"]),
        ("Pérez", ["P-1"]),
        ("josé pérez", ["P-1"]),
        ("jose  licencia", ["P-1"]),
        ("jose obras", []),
        ("exp-2024", ["P-1", "O-2"]),
        ("camion", ["O-2"]),
        ("100%", []),
        ("_", []),
    ],
)
def test_search_is_case_and_accent_insensitive_and_every_term_must_match(
    make_expediente, citizen, citizen_client, query, expected
):
    make_expediente(citizen, numero="P-1", solicitante="José Pérez", concepto="Licencia EXP-2024")
    make_expediente(citizen, numero="O-2", solicitante="Ana Obras", concepto="Camión exp-2024-x")

    assert sorted(numeros(citizen_client.get(URL, {"search": query}))) == sorted(expected)


def test_created_after_and_before(make_expediente, citizen, clerk_client):
    old = make_expediente(citizen, numero="OLD")
    Expediente.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    make_expediente(citizen, numero="NEW")
    cut = (timezone.now() - timedelta(days=5)).isoformat()

    assert numeros(clerk_client.get(URL, {"created_after": cut})) == ["NEW"]
    assert numeros(clerk_client.get(URL, {"created_before": cut})) == ["OLD"]
    assert clerk_client.get(URL, {"created_after": "yesterday"}).status_code == 422


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("numero", ["A", "B", "C"]),
        ("-numero", ["C", "B", "A"]),
        ("estado,numero", ["A", "C", "B"]),
        ("created_at", ["B", "C", "A"]),
        ("-updated_at", ["A", "C", "B"]),
    ],
)
def test_ordering(make_expediente, citizen, clerk_client, ordering, expected):
    make_expediente(citizen, numero="B", estado=Estado.RECHAZADO)
    make_expediente(citizen, numero="C", estado=Estado.EN_REVISION)
    make_expediente(citizen, numero="A", estado=Estado.APROBADO)
    assert numeros(clerk_client.get(URL, {"ordering": ordering})) == expected


def test_unknown_ordering_is_422(clerk_client):
    response = clerk_client.get(URL, {"ordering": "solicitante"})
    assert response.status_code == 422


def test_pagination_and_cursor(make_expediente, citizen, citizen_client):
    for n in range(5):
        make_expediente(citizen, numero=f"PG-{n}")
    page = citizen_client.get(URL, {"per_page": 2, "page": 3}).json()
    assert (page["total"], page["has_next"], page["has_previous"]) == (5, False, True)
    assert [item["numero"] for item in page["data"]] == ["PG-0"]
    assert citizen_client.get(URL, {"page": 99}).json()["data"] == []
    assert citizen_client.get(URL, {"per_page": 101}).status_code == 422

    seen, cursor = [], ""
    while True:
        body = citizen_client.get(URL, {"cursor": cursor, "per_page": 2, "estado": "iniciado"}).json()
        seen += [item["numero"] for item in body["data"]]
        if not body["has_next"]:
            break
        cursor = body["next_cursor"]
    assert seen == [f"PG-{n}" for n in range(4, -1, -1)]


def test_documentos_count_in_list(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    for n in range(3):
        citizen_client.post(f"{URL}/{expediente.pk}/documentos", {"nombre": f"d{n}", "tipo": "anexo"}, format="json")
    assert citizen_client.get(URL).json()["data"][0]["documentos_count"] == 3


@pytest.mark.parametrize("client_name", ["citizen_client", "clerk_client"])
def test_list_query_count_does_not_grow_with_page_size(
    citizen, clerk, request, django_assert_max_num_queries, client_name
):
    client = request.getfixturevalue(client_name)
    # The rows as one INSERT (the services' audit and events play no part in the list's queries).
    Expediente.objects.bulk_create(
        Expediente(
            numero=f"Q-{n:03d}",
            solicitante="Juan Pérez",
            estado=Estado.INICIADO,
            owner=citizen,
            assigned_to=clerk if n % 3 == 0 else None,
        )
        for n in range(120)
    )
    bound = 3  # the authenticated user, the count, the page (with documentos_count annotated)

    with django_assert_max_num_queries(bound):
        small = client.get(URL, {"per_page": 5, "search": "q"})
    with django_assert_max_num_queries(bound):
        large = client.get(URL, {"per_page": 100, "search": "q"})

    assert len(small.json()["data"]) == 5
    assert len(large.json()["data"]) == 100
