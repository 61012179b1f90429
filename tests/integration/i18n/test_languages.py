"""Spanish and English throughout: API problem texts follow Accept-Language, emails the recipient's
language, the admin the browser's; codes, keys and values never change; the API stays in UTC."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from model_bakery import baker
from rest_framework import serializers

from events import emails
from events.models import EmailMessage
from expedientes import services
from expedientes.models import Expediente
from expedientes.serializers import ExpedienteSerializer

pytestmark = pytest.mark.django_db

OFFICE = "es"


@pytest.fixture
def office(settings: Any) -> None:
    """The default configuration: a Spanish office in Madrid."""
    settings.LANGUAGE_CODE = OFFICE
    settings.TIME_ZONE = "Europe/Madrid"


def _problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# --- API problems ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("es", "No encontrado", "Expediente no encontrado"),
        ("en", "Not found", "Expediente not found"),
        ("es-ES,es;q=0.9,en;q=0.5", "No encontrado", "Expediente no encontrado"),
        ("en-GB,en;q=0.9", "Not found", "Expediente not found"),
    ],
)
def test_a_not_found_keeps_its_code_in_every_language(office, citizen, client_for, language, title, detail):
    response = client_for(citizen).get("/api/v1/expedientes/999999", HTTP_ACCEPT_LANGUAGE=language)
    body = _problem(response)
    assert response.status_code == 404
    assert (body["code"], body["type"], body["status"]) == (
        "not_found",
        "https://errors.expedientes.dev/not-found",
        404,
    )
    assert (body["title"], body["detail"]) == (title, detail)
    assert response["Content-Language"] == language[:2]


def test_without_accept_language_the_office_language_answers(office, api_client):
    body = _problem(api_client.get("/api/v1/me"))
    assert (body["code"], body["title"], body["detail"]) == ("not_authenticated", "No autenticado", "No autenticado")


def test_the_office_language_is_configurable(settings, api_client):
    settings.LANGUAGE_CODE = "en"
    body = _problem(api_client.get("/api/v1/me"))
    assert (body["code"], body["detail"]) == ("not_authenticated", "Not authenticated")


def test_validation_errors_keep_codes_and_fields_and_translate_messages(office, api_client):
    sent = {"email": "not-an-email", "username": "ana", "password": "S3cure-pass!", "language": "fr"}
    bodies = {
        language: _problem(api_client.post("/api/v1/auth/register", sent, HTTP_ACCEPT_LANGUAGE=language))
        for language in ("es", "en")
    }
    machine = {
        language: (body["code"], body["status"], [(e["field"], e["code"]) for e in body["errors"]])
        for language, body in bodies.items()
    }
    assert machine["es"] == machine["en"]
    assert machine["es"][0] == "validation_error"
    assert {field for field, _code in machine["es"][2]} == {"email", "language"}
    assert bodies["es"]["title"] == "Error de validación"
    assert bodies["en"]["title"] == "Validation failed"
    messages = {language: {e["field"]: e["message"] for e in body["errors"]} for language, body in bodies.items()}
    # DRF's own messages come in Spanish too.
    assert messages["es"]["email"] == "Introduzca una dirección de correo electrónico válida."
    assert messages["en"]["email"] == "Enter a valid email address."
    assert messages["es"]["language"] != messages["en"]["language"]


def test_a_service_refusal_in_both_languages(office, clerk, client_for, make_user):
    owner = make_user("citizen")
    expediente = services.create_expediente(actor=owner, numero="EXP-I18N-1", solicitante="Ana")
    url = f"/api/v1/expedientes/{expediente.pk}/transitions"
    answers = {
        language: client_for(clerk).post(url, {"to": "aprobado"}, HTTP_ACCEPT_LANGUAGE=language)
        for language in ("es", "en")
    }
    es, en = (_problem(answers[language]) for language in ("es", "en"))
    assert answers["es"].status_code == answers["en"].status_code == 409
    for key in ("type", "code", "status", "allowed_transitions"):
        assert es[key] == en[key]
    assert [(e["field"], e["code"], e["allowed"]) for e in es["errors"]] == [
        (e["field"], e["code"], e["allowed"]) for e in en["errors"]
    ]
    assert es["detail"] == "No se puede pasar de iniciado a aprobado."
    assert en["detail"] == "Cannot go from iniciado to aprobado."
    assert es["errors"][0]["message"] == "Permitidos: en_revision"


# --- the user's language -------------------------------------------------------------------------------
def test_registration_defaults_to_the_office_language_and_accepts_another(office, api_client):
    plain = api_client.post(
        "/api/v1/auth/register", {"email": "a@example.com", "username": "ana", "password": "S3cure-pass!"}
    )
    chosen = api_client.post(
        "/api/v1/auth/register",
        {"email": "b@example.com", "username": "bob", "password": "S3cure-pass!", "language": "en"},
    )
    assert (plain.status_code, chosen.status_code) == (201, 201)
    assert plain.json()["language"] == "es"
    assert chosen.json()["language"] == "en"


def test_a_user_changes_their_language_with_patch_me(office, citizen, client_for):
    client = client_for(citizen)
    response = client.patch("/api/v1/me", {"language": "en"})
    assert response.status_code == 200
    assert response.json()["language"] == "en"
    citizen.refresh_from_db()
    assert citizen.language == "en"
    refused = client.patch("/api/v1/me", {"language": "de"})
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["language"]


def test_the_schema_documents_the_language_field(api_client, admin, client_for):
    schema = client_for(admin).get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert "language" in components["User"]["properties"]
    assert "language" in components["RegisterRequest"]["properties"]
    assert "language" in components["PatchedProfileUpdateRequest"]["properties"]


# --- emails ------------------------------------------------------------------------------------------------
def _status_email(owner: Any, clerk: Any, numero: str) -> EmailMessage:
    expediente = services.create_expediente(actor=owner, numero=numero, solicitante="Ana")
    services.transition_expediente(expediente_id=expediente.pk, actor=owner, to="en_revision")
    return EmailMessage.objects.filter(kind="expediente_status_changed", to=owner.email).latest("id")


def test_a_status_change_email_reaches_each_owner_in_their_language(office, make_user, clerk):
    spanish = make_user("citizen", language="es")
    english = make_user("citizen", language="en")
    es = _status_email(spanish, clerk, "EXP-ES-1")
    en = _status_email(english, clerk, "EXP-EN-1")

    assert es.subject == "Expediente EXP-ES-1: Iniciado → En revisión"
    assert "Hola, " in es.body_text
    assert "ha pasado de «Iniciado» a «En revisión»" in es.body_text
    assert "ha pasado de <em>Iniciado</em> a <em>En revisión</em>" in es.body_html
    assert '<html lang="es">' in es.body_html
    for spanish_word in ("Hello", "moved", "Under review"):
        assert spanish_word not in es.body_text + es.body_html + es.subject

    assert en.subject == "Expediente EXP-EN-1: Opened → Under review"
    assert 'moved from "Opened" to "Under review"' in en.body_text
    assert '<html lang="en">' in en.body_html
    for word in ("Hola", "ha pasado", "En revisión", "Iniciado", "Fecha"):
        assert word not in en.body_text + en.body_html + en.subject


def test_email_times_are_the_office_zone_named(office, make_user):
    user = make_user("citizen", language="es")
    at = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC)  # 12:00 in Madrid (summer time)
    subject, text, _html = emails.render(
        "order_confirmed",
        {"order_id": 7, "total": emails._amount("25.50"), "currency": "EUR", "username": "ana", "at": at},
        "es",
    )
    assert "Confirmado el 1 de julio de 2026 a las 12:00 CEST (Europe/Madrid)" in text
    assert "25,50 EUR" in text
    assert subject == "Su pedido n.º 7 está confirmado"
    _subject, text_en, _html = emails.render(
        "order_confirmed",
        {"order_id": 7, "total": emails._amount("25.50"), "currency": "EUR", "username": "ana", "at": at},
        "en",
    )
    assert "Confirmed on July 1, 2026, noon CEST (Europe/Madrid)" in text_en
    assert "25.50 EUR" in text_en
    assert user.language == "es"


@pytest.mark.django_db(transaction=True)
def test_the_welcome_email_is_sent_in_the_language_chosen_at_registration(office, api_client):
    api_client.post(
        "/api/v1/auth/register",
        {"email": "e@example.com", "username": "emma", "password": "S3cure-pass!", "language": "en"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    api_client.post("/api/v1/auth/register", {"email": "s@example.com", "username": "sara", "password": "S3cure-pass!"})
    sent = {message.to[0]: message for message in mail.outbox}
    assert sent["e@example.com"].subject == "Welcome to expedientes, emma"
    assert sent["s@example.com"].subject == "Bienvenido a expedientes, sara"
    html = {part[1]: part[0] for part in sent["s@example.com"].alternatives}["text/html"]
    assert "su cuenta en <strong>expedientes</strong> está lista" in html


# --- time ----------------------------------------------------------------------------------------------------
def test_the_api_stays_in_utc_through_the_compiled_renderer(office, citizen, client_for, monkeypatch):
    baker.make(Expediente, numero="EXP-UTC", solicitante="Ana", owner=citizen)

    def drf_path(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the API must not fall back to DRF's per-field rendering")

    # Under TIME_ZONE=Europe/Madrid, the API still renders through the compiled (UTC) path.
    monkeypatch.setattr(serializers.Serializer, "to_representation", drf_path)
    response = client_for(citizen).get("/api/v1/expedientes")
    monkeypatch.undo()
    assert response.status_code == 200
    [row] = response.json()["data"]
    assert row["created_at"].endswith("Z")
    assert row["updated_at"].endswith("Z")


def test_event_payloads_are_utc_whoever_calls_the_service(office, citizen):
    from django.utils import timezone

    with timezone.override("Europe/Madrid"):  # as in the admin
        expediente = services.create_expediente(actor=citizen, numero="EXP-UTC-2", solicitante="Ana")
    from events.models import Event

    data = Event.objects.filter(type="expediente.created").latest("id").data
    assert data["id"] == expediente.pk
    assert data["created_at"].endswith("Z")
    assert data == dict(ExpedienteSerializer(expediente, context={"user": None}).data) | {
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
    }


# --- the admin ------------------------------------------------------------------------------------------------
def test_the_admin_follows_the_browser_and_defaults_to_spanish(office, clerk, make_user):
    owner = make_user("citizen")
    expediente = services.create_expediente(actor=owner, numero="EXP-ADM-ES", solicitante="Ana")
    services.transition_expediente(expediente_id=expediente.pk, actor=owner, to="en_revision")
    client = Client()
    client.force_login(clerk)
    spanish = client.get("/admin/expedientes/expediente/").content.decode()
    assert '<html lang="es"' in spanish
    for text in ("Expedientes", "En revisión", "Solicitante", "Estado", "Asignados a mí", "Pasar los expedientes"):
        assert text in spanish, text
    english = client.get("/admin/expedientes/expediente/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in english
    for text in ("Under review", "Applicant", "Assigned to me"):
        assert text in english, text
    for text in ("En revisión", "Solicitante", "Asignados a mí"):
        assert text not in english, text
    change = client.get(f"/admin/expedientes/expediente/{expediente.pk}/change/").content.decode()
    for text in ("Tramitación", "Estado actual:", "Historial", "Cambio de estado"):
        assert text in change, text
    # Times in the office's zone, named (CET in winter, CEST in summer).
    assert (" CET" in change) or (" CEST" in change)
