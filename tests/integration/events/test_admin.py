import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["auditevent", "event", "webhookendpoint", "webhookdelivery", "emailmessage"])
def test_admin_shows_the_outbox_read_only(admin, make_endpoint, publish, receiver, model):
    receiver.post("http://hooks.example.com/hook", status_code=200)
    make_endpoint()
    publish("order.confirmed", user=admin.pk)
    client = Client()
    client.force_login(admin)
    changelist = client.get(f"/admin/events/{model}/")
    assert changelist.status_code == 200
    assert client.get(f"/admin/events/{model}/add/").status_code == 403


def test_process_outbox_command_reports_counts(capsys):
    from django.core.management import call_command, get_commands

    assert "process_outbox" in get_commands()  # the sweep by hand (or from cron) without a broker
    call_command("process_outbox")
    assert "0 deliveries, 0 emails" in capsys.readouterr().out
