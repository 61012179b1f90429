"""Queued email sent by a real worker through a real SMTP server on loopback."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.db import transaction

from events.models import EmailMessage
from tests.support.e2e import wait_for
from tests.support.outbox import record_registration

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_welcome_email_arrives_over_smtp_with_text_and_html(make_worker, smtp):
    inbox, port = smtp
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username="nueva", email="nueva@example.com", password="S3cure-pass!")
        record_registration(user)
    assert EmailMessage.objects.get().status == "pending"

    worker = make_worker(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    wait_for(lambda: inbox.messages, 60, f"the welcome email arrives\n{worker.log()}")
    wait_for(lambda: EmailMessage.objects.filter(status="succeeded").exists(), 30, "the row is marked sent")

    [message] = inbox.messages
    assert message["To"] == "nueva@example.com"
    assert "nueva" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "nueva" in parts["text/plain"]
    assert "<p>" in parts["text/html"]
