"""Contract audit (docs/api-guide.md#limits): requests past Django's field limits are 422, never 500."""

from __future__ import annotations

import pytest
from django.test import override_settings

from expedientes.models import Documento
from tests.integration.expedientes.conftest import URL, detail_url

pytestmark = pytest.mark.django_db


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=50)
def test_a_query_string_with_too_many_fields_is_422(citizen_client):
    query = "&".join("a=" for _ in range(60))
    response = citizen_client.get(f"{URL}?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=50)
def test_a_multipart_form_with_too_many_fields_is_422_and_writes_nothing(make_expediente, citizen, citizen_client):
    expediente = make_expediente(citizen)
    data = {f"extra{n}": "x" for n in range(60)}
    data.update(nombre="acta", tipo="otro")
    response = citizen_client.post(f"{detail_url(expediente.pk)}/documentos", data, format="multipart")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    assert Documento.objects.count() == 0
