"""The outbox fed by the real domain services, through the API (accounts is merged)."""

import pytest
from django.core import mail

from events.models import EmailMessage, WebhookDelivery

pytestmark = pytest.mark.django_db


def test_registration_queues_and_sends_the_welcome_email_and_webhook(
    api_client, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.post("http://hooks.example.com/hook", status_code=200)
    endpoint = make_endpoint(events=["user.*"])
    payload = {"username": "nueva", "email": "nueva@example.com", "password": "S3cure-pass!word"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/auth/register", payload, format="json")
    assert response.status_code == 201, response.json()
    assert EmailMessage.objects.get().kind == "welcome"
    assert [m.to for m in mail.outbox] == [["nueva@example.com"]]
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.event.type, delivery.status) == ("user.registered", "succeeded")
    assert "password" not in receiver.last_request.body.decode()
