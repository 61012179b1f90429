"""Inputs found by fuzzing (schemathesis) that used to answer 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("param", ["created_after", "created_before"])
@pytest.mark.parametrize("value", ["2000-01-01T00:00:09+21:11", "2000-01-01T00:00:00-23:59"])
def test_offsets_postgresql_cannot_store_are_compared_in_utc(citizen_client, param, value):
    citizen_client.post("/api/v1/expedientes", {"numero": "EXP-1", "solicitante": "Ana"}, format="json")
    response = citizen_client.get("/api/v1/expedientes", {param: value})
    assert response.status_code == 200, response.content
    assert len(response.json()["data"]) == (1 if param == "created_after" else 0)


def test_offset_that_leaves_the_calendar_is_422(citizen_client):
    response = citizen_client.get("/api/v1/expedientes", {"created_after": "0001-01-01T00:00:00+01:00"})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "created_after"
