"""Emails as the receiving end reads them off the wire (what an SMTP sink parses with the stdlib)."""

from __future__ import annotations

import email
from email import policy

import pytest
from django.core import mail


def _wire_subject(sent: mail.EmailMessage) -> str:
    # Exactly the bytes Django's SMTP backend hands to the server.
    raw = sent.message().as_bytes(linesep="\r\n")
    return str(email.message_from_bytes(raw, policy=policy.default)["Subject"])


def test_status_change_subject_reads_back_exactly_naming_the_numero(publish, citizen):
    publish(
        "expediente.status_changed",
        owner=citizen.pk,
        numero="EXP-2026/000011.a",
        **{"from": "requiere_subsanacion", "to": "en_revision"},
    )
    [sent] = mail.outbox
    subject = _wire_subject(sent)
    assert subject == sent.subject
    assert subject.startswith("Expediente EXP-2026/000011.a")


@pytest.mark.parametrize("username", ["josé_ñandú", "ana_maría_de_la_concepción_fernández_y_núñez_de_arce"])
def test_non_ascii_subject_reads_back_without_stray_whitespace(make_user, publish, username):
    user = make_user("citizen", username=username, email="jose@example.com")
    publish("user.registered", data={"id": user.pk, "email": user.email, "username": user.username})
    [sent] = mail.outbox
    assert username in sent.subject
    assert _wire_subject(sent) == sent.subject
