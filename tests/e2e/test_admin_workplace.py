"""The clerks' workplace in a real browser (Debian Chromium, headless) against a live server.

Assertions are on what the page shows: the list, the badge, the flash message, the history table.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.support.api import PASSWORD
from tests.support.e2e import admin_login
from tests.support.http_server import LoopbackServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expedientes(make_user: Any, clerk_user: Any) -> dict[str, Any]:
    from expedientes import services

    owner = make_user("citizen", username="juan")
    revision = services.create_expediente(actor=owner, numero="EXP-E2E-REV", solicitante="Juan Pérez")
    services.transition_expediente(expediente_id=revision.pk, actor=owner, to="en_revision")
    nuevo = services.create_expediente(actor=owner, numero="EXP-E2E-NEW", solicitante="Ana Gómez")
    return {"revision": revision, "nuevo": nuevo}


@pytest.fixture
def spanish_page(chromium: Any) -> Iterator[Any]:
    """A browser whose user asks for Spanish (Accept-Language es-ES), as the office's clerks' do."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_clerk_filters_opens_and_approves_an_expediente_in_spanish(
    spanish_page: Any, live_server: Any, clerk_user: Any, expedientes
):
    page = spanish_page
    admin_login(page, live_server.url, "clara", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Panel" in page.locator("#content h1").inner_text()
    page.goto(f"{live_server.url}/admin/expedientes/expediente/")
    assert page.locator("#result_list tbody tr").count() == 2
    headers = page.locator("#result_list thead th").all_inner_texts()
    # (The admin's style shows column headers in capitals.)
    assert {"número", "solicitante", "estado", "titular", "asignado a"} <= {h.strip().lower() for h in headers}

    page.locator("#changelist-filter a", has_text="En revisión").click()
    page.wait_for_url("**estado__exact=en_revision**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "EXP-E2E-REV" in rows.first.inner_text()
    assert rows.first.locator(".estado-badge").inner_text() == "En revisión"

    rows.first.locator("a", has_text="EXP-E2E-REV").click()
    page.wait_for_selector("#workflow")
    assert page.locator("#workflow h2").inner_text() == "Tramitación"
    buttons = page.locator("#workflow button.workflow-button")
    assert buttons.all_inner_texts() == ["Requiere subsanación", "Aprobado", "Rechazado"]
    assert page.locator("#workflow button", has_text="Archivado").count() == 0
    assert page.locator("#workflow input[name=comment]").get_attribute("placeholder") == "Comentario (opcional)"

    page.fill("#workflow input[name=comment]", "Documentación completa")
    page.locator("#workflow button", has_text="Aprobado").click()
    page.wait_for_selector(".messagelist .success")
    assert "EXP-E2E-REV ha pasado a Aprobado." in page.locator(".messagelist").inner_text()
    assert page.locator("#workflow .current .estado-badge").inner_text() == "Aprobado"
    # From aprobado the table offers only archivado.
    assert page.locator("#workflow button.workflow-button").all_inner_texts() == ["Archivado"]

    assert page.locator("#history h2").inner_text() == "Historial"
    last = page.locator("#history tbody tr.history-row").last
    text = last.inner_text()
    assert "clara" in text
    assert "Cambio de estado" in text
    assert "estado: En revisión → Aprobado" in text
    assert "Documentación completa" in text
    # The time of the change in the office's zone, named.
    assert " CET" in text or " CEST" in text

    expediente = expedientes["revision"]
    expediente.refresh_from_db()
    assert expediente.estado == "aprobado"


def test_a_disallowed_transition_is_not_offered(page: Any, live_server: Any, clerk_user: Any, expedientes):
    admin_login(page, live_server.url, "clara", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/expedientes/expediente/{expedientes['nuevo'].pk}/change/")
    page.wait_for_selector("#workflow")
    # Chromium asks for English by default: the same screen in English.
    assert page.locator("#workflow .current .estado-badge").inner_text() == "Opened"
    assert page.locator("#workflow button.workflow-button").all_inner_texts() == ["Under review"]
    for label in ("Approved", "Rejected", "Archived"):
        assert page.locator("#workflow button", has_text=label).count() == 0


def test_bulk_action_reports_refusals_per_row(page: Any, live_server: Any, clerk_user: Any, expedientes):
    admin_login(page, live_server.url, "clara", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/expedientes/expediente/")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "move_to_aprobado")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    messages = page.locator(".messagelist").inner_text()
    assert "1 expediente moved to Approved: EXP-E2E-REV." in messages
    assert "EXP-E2E-NEW: refused — Cannot go from iniciado to aprobado." in messages


def test_citizen_cannot_log_in_to_the_admin(page: Any, live_server: Any, make_user: Any):
    make_user("citizen", username="ciudadano", password=PASSWORD)
    admin_login(page, live_server.url, "ciudadano", PASSWORD)
    assert page.url.startswith(f"{live_server.url}/admin/login/")
    assert "staff account" in page.locator(".errornote").inner_text()
    page.goto(f"{live_server.url}/admin/expedientes/expediente/")
    assert page.url.startswith(f"{live_server.url}/admin/login/")


@pytest.fixture
def receiver() -> Iterator[dict[str, Any]]:
    """A webhook receiver on loopback that answers ``state["status"]`` and counts the POSTs."""
    state: dict[str, Any] = {"status": 204, "hits": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state["hits"] += 1
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = LoopbackServer(Handler).start()
    state["url"] = f"{server.url}/hook"
    yield state
    server.close()


@pytest.fixture
def eager_outbox(settings: Any) -> Iterator[None]:
    from config.celery import app as celery_app

    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_a_failed_webhook_delivery_is_retried_from_the_admin(
    page: Any, live_server: Any, clerk_user: Any, receiver: dict[str, Any], eager_outbox: None
):
    from events.models import WebhookDelivery
    from events.services import create_endpoint, record

    endpoint = create_endpoint(actor=None, url=receiver["url"], events=["order.*"])
    receiver["status"] = 500
    # Committed (transaction=True), so the first attempt runs on commit and fails for good.
    record(actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created", data={"id": 1})
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, receiver["hits"]) == ("failed", 1)

    receiver["status"] = 204
    admin_login(page, live_server.url, "clara", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/events/webhookdelivery/?status__exact=failed")
    row = page.locator("#result_list tbody tr")
    assert row.count() == 1
    assert row.first.locator(".status-badge").inner_text() == "Failed"
    row.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "retry")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    assert f"1 delivery queued again: delivery {delivery.pk}." in page.locator(".messagelist").inner_text()

    page.goto(f"{live_server.url}/admin/events/webhookdelivery/{delivery.pk}/change/")
    assert page.locator(".field-status_display .status-badge").inner_text() == "Succeeded"
    attempts = page.locator("#attempt_log-group tbody tr.form-row, #attempt_log-group tbody tr[id^=attempt_log]")
    assert attempts.count() == 2
    assert receiver["hits"] == 2
