import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from events.models import AuditEvent

pytestmark = [pytest.mark.urls("tests.integration.core.urls")]


def make_rows(n, start=0):
    AuditEvent.objects.bulk_create(
        [AuditEvent(entity_type="thing", entity_id=str(start + i), action="create") for i in range(n)]
    )


@pytest.fixture
def client():
    return APIClient()


@pytest.mark.django_db
def test_page_mode_shape_and_totals(client):
    make_rows(25)
    first = client.get("/t/audit?page=1&per_page=10").json()
    assert (len(first["data"]), first["total"], first["has_next"], first["has_previous"]) == (10, 25, True, False)
    last = client.get("/t/audit?page=3&per_page=10").json()
    assert (len(last["data"]), last["has_next"], last["has_previous"]) == (5, False, True)
    assert last["page"] == 3
    assert last["per_page"] == 10


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["4", "999999999999999999999"])
def test_page_past_the_end_is_empty(client, page):
    make_rows(25)
    body = client.get(f"/t/audit?page={page}&per_page=10").json()
    assert body["data"] == []
    assert body["total"] == 25
    assert body["has_next"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=1.5", "per_page"),
        ("ordering=nope", "ordering"),
    ],
)
def test_bad_paging_parameters_are_422(client, query, field):
    response = client.get(f"/t/audit?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.django_db
def test_ordering_by_listed_field(client):
    make_rows(3)
    body = client.get("/t/audit?ordering=entity_id").json()
    assert [row["entity_id"] for row in body["data"]] == ["0", "1", "2"]
    body = client.get("/t/audit?ordering=-entity_id").json()
    assert [row["entity_id"] for row in body["data"]] == ["2", "1", "0"]


@pytest.mark.django_db
def test_cursor_mode_shape(client):
    make_rows(5)
    body = client.get("/t/audit?cursor=&per_page=2").json()
    assert set(body) == {"data", "per_page", "has_next", "next_cursor"}
    assert len(body["data"]) == 2
    assert body["has_next"] is True
    last = client.get(f"/t/audit?cursor={body['next_cursor']}&per_page=2").json()
    last = client.get(f"/t/audit?cursor={last['next_cursor']}&per_page=2").json()
    assert len(last["data"]) == 1
    assert last["has_next"] is False
    assert last["next_cursor"] is None


@pytest.mark.django_db
def test_tampered_cursor_is_422(client):
    make_rows(3)
    cursor = client.get("/t/audit?cursor=&per_page=1").json()["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for bad in (tampered, "garbage", "a:b:c"):
        response = client.get(f"/t/audit?cursor={bad}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.django_db
def test_cursor_from_another_ordering_is_422(client):
    make_rows(3)
    cursor = client.get("/t/audit?cursor=&per_page=1&ordering=created_at").json()["next_cursor"]
    assert client.get(f"/t/audit?cursor={cursor}&per_page=1").status_code == 422


@pytest.mark.django_db
def test_cursor_mode_refuses_other_orderings(client):
    assert client.get("/t/audit?cursor=&ordering=entity_id").status_code == 422


@pytest.mark.django_db(transaction=True)
def test_cursor_walk_visits_every_row_once_while_rows_are_inserted():
    make_rows(57)
    before = set(AuditEvent.objects.values_list("id", flat=True))
    stop = threading.Event()

    def writer():
        n = 1000
        try:
            while not stop.is_set():
                make_rows(2, start=n)
                n += 2
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    seen: list[int] = []
    client = APIClient()
    try:
        for ordering in ("", "&ordering=created_at"):
            seen.clear()
            cursor = ""
            while True:
                body = client.get(f"/t/audit?per_page=7&cursor={cursor}{ordering}").json()
                seen.extend(row["id"] for row in body["data"])
                if not body["has_next"]:
                    break
                cursor = body["next_cursor"]
            assert len(seen) == len(set(seen)), "a row was visited twice"
            assert before <= set(seen), "a row that existed before the walk was skipped"
    finally:
        stop.set()
        thread.join()
