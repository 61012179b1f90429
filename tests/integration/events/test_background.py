"""Without a broker (`make run`), webhooks and emails are sent by a background thread, never the request's.

A real receiver on loopback holds its answer until the test releases it (an event, not a sleep):
the API answers while the receiver still holds the delivery, and the attempt is recorded only after
the release. Retries keep the schedule, through the thread's timer and through its sweep alike.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from django.core.mail.backends.locmem import EmailBackend

from core.request_context import get_request_id
from events import background, transport
from events.models import EmailMessage, WebhookAttempt, WebhookDelivery
from events.services import create_endpoint
from tests.support.http_server import LoopbackServer

pytestmark = pytest.mark.django_db(transaction=True)

THREAD = "outbox-background"
WAIT = 20.0  # a bound on waits for events that must come; never a pause


@dataclass
class SlowReceiver:
    """Answers ``POST`` once ``release`` is set (or 500 to the first ``fail_first`` posts at once)."""

    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    answered: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    fail_first: int = 0
    posts: int = 0
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            self.posts += 1
            failing = self.posts <= self.fail_first
        self.arrived.set()
        if not failing:
            # A receiver that is never released answers after a bound, so a wrong build fails
            # (the request would have waited for it) instead of hanging.
            self.release.wait(WAIT / 2)
        with self.lock:
            self.log.append("answered" if not failing else "failed")
        return 500 if failing else 200


@pytest.fixture
def slow_receiver() -> Iterator[SlowReceiver]:
    state = SlowReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = state.answer()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            state.answered.release()

        def log_message(self, *args: Any) -> None:
            pass

    server = LoopbackServer(Handler).start()
    state.url = f"{server.url}/hook"
    yield state
    state.release.set()
    server.close()


SENDERS: list[tuple[str, str]] = []  # (what, thread name)
SENT_UNDER: list[str | None] = []  # the request id in force when each message was sent


class RecordingBackend(EmailBackend):
    """Django's locmem backend that also notes which thread sent each message, and for which request."""

    def send_messages(self, messages: Any) -> int:
        SENDERS.extend(("email", threading.current_thread().name) for _ in messages)
        SENT_UNDER.extend(get_request_id() for _ in messages)
        return super().send_messages(messages)


@pytest.fixture
def background_outbox(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    settings.OUTBOX_WITHOUT_BROKER = "background"
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    settings.OUTBOX_RETRY_JITTER = 0
    settings.OUTBOX_SWEEP_SECONDS = 0.2
    settings.EMAIL_BACKEND = f"{__name__}.RecordingBackend"
    SENDERS.clear()
    SENT_UNDER.clear()
    post = transport.post

    def recording_post(*args: Any, **kwargs: Any) -> Any:
        SENDERS.append(("webhook", threading.current_thread().name))
        return post(*args, **kwargs)

    monkeypatch.setattr(transport, "post", recording_post)
    background.shutdown(WAIT)  # a dispatcher of an earlier test would keep its old settings
    yield SENDERS
    assert background.shutdown(WAIT)


def new_expediente(client: Any, numero: str) -> Any:
    return client.post("/api/v1/expedientes", {"numero": numero, "solicitante": "Ana Pérez"}, format="json")


def test_a_slow_receiver_does_not_hold_the_request(background_outbox, slow_receiver, citizen_client):
    create_endpoint(actor=None, url=slow_receiver.url, events=["expediente.created"])

    response = new_expediente(citizen_client, "EXP-BG-1")
    slow_receiver.log.append("response")

    assert response.status_code == 201
    # The request returned while the receiver holds the delivery: no attempt is recorded yet.
    assert slow_receiver.arrived.wait(WAIT), "the background thread never reached the receiver"
    assert WebhookAttempt.objects.count() == 0
    assert WebhookDelivery.objects.get().status == "pending"

    slow_receiver.log.append("released")
    slow_receiver.release.set()
    assert slow_receiver.answered.acquire(timeout=WAIT)
    assert background.dispatcher().wait_idle(WAIT)

    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempt_count) == ("succeeded", 1)
    assert slow_receiver.log == ["response", "released", "answered"]
    assert background_outbox == [("webhook", THREAD)]


def test_emails_are_sent_by_the_background_thread(background_outbox, citizen_client):
    created = new_expediente(citizen_client, "EXP-BG-2")
    response = citizen_client.post(
        f"/api/v1/expedientes/{created.json()['id']}/transitions", {"to": "en_revision"}, format="json"
    )
    assert response.status_code == 200
    assert background.dispatcher().wait_idle(WAIT)

    message = EmailMessage.objects.get(kind="expediente_status_changed")
    assert message.status == "succeeded"
    assert background_outbox == [("email", THREAD)]
    assert threading.current_thread().name != THREAD


def test_the_thread_sends_under_the_id_of_the_request_that_queued(background_outbox, citizen_client, settings):
    # The row must go by its hand-over, not by a sweep (which has no request): the thread's first
    # sweep is over before the request (an empty hand-over is idle only after it), the next one is
    # an hour away.
    settings.OUTBOX_SWEEP_SECONDS = 3600
    background.submit()
    assert background.dispatcher().wait_idle(WAIT)
    created = new_expediente(citizen_client, "EXP-BG-3")
    response = citizen_client.post(
        f"/api/v1/expedientes/{created.json()['id']}/transitions",
        {"to": "en_revision"},
        format="json",
        HTTP_X_REQUEST_ID="req-moved-it",
    )
    assert response.status_code == 200
    assert background.dispatcher().wait_idle(WAIT)

    assert background_outbox == [("email", THREAD)]
    assert SENT_UNDER == ["req-moved-it"]
    assert get_request_id() is None  # nothing leaked into this thread


@pytest.mark.parametrize("by", ["timer", "sweep"])
def test_a_failed_attempt_is_retried_on_the_schedule(background_outbox, slow_receiver, citizen_client, settings, by):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.3, 0.3]
    # Waits up to OUTBOX_MAX_COUNTDOWN_SECONDS ride the thread's timer; longer ones its sweep.
    settings.OUTBOX_MAX_COUNTDOWN_SECONDS = 30 if by == "timer" else 0
    slow_receiver.fail_first = 1
    slow_receiver.release.set()
    create_endpoint(actor=None, url=slow_receiver.url, events=["expediente.created"])

    assert new_expediente(citizen_client, f"EXP-BG-{by}").status_code == 201
    assert slow_receiver.answered.acquire(timeout=WAIT)
    assert slow_receiver.answered.acquire(timeout=WAIT), "the retry never came"
    assert background.dispatcher().wait_idle(WAIT)

    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempt_count) == ("succeeded", 2)
    first, second = WebhookAttempt.objects.filter(delivery=row).order_by("number")
    assert (first.status_code, second.status_code) == (500, 200)
    # Not before its time: the schedule's 0.3 s after the failed attempt.
    assert (second.at - first.at).total_seconds() >= 0.3
    assert slow_receiver.log == ["failed", "answered"]
    assert background_outbox == [("webhook", THREAD), ("webhook", THREAD)]
