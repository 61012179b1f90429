"""manage.py demo: a small living data set through the services, loaded once, never in production."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from events.models import AuditEvent, Event
from expedientes.models import Documento, Estado, Expediente
from orders.models import Order, Product
from seeding.management.commands.demo import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage_backend")]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, Expediente, Documento, Product, Order, AuditEvent, Event)
    }


def test_loads_every_estado_and_the_logins_work(client):
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)

    assert set(Expediente.objects.values_list("estado", flat=True)) == {estado.value for estado in Estado}
    assert Documento.objects.filter(size__gt=0).count() == len(Estado)
    assert {"admin", "clerk", "citizen"} <= set(User.objects.values_list("role", flat=True))
    assert len(set(Order.objects.values_list("status", flat=True))) >= 4
    assert Product.objects.filter(stock__lt=0).count() == 0
    # Written through the services: every expediente has its audit trail and events.
    assert AuditEvent.objects.filter(entity_type="expediente", action="create").count() == len(Estado)
    assert Event.objects.filter(type="expediente.status_changed").exists()
    assert "demo-admin" in out.getvalue()
    assert PASSWORD in out.getvalue()
    response = client.post(
        "/api/v1/auth/login", {"username": "ana", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


def test_a_second_run_writes_nothing(storage_backend):
    from tests.support.files import stored_documento_files

    call_command("demo", stdout=io.StringIO())
    first, files = counts(), stored_documento_files()
    out = io.StringIO()
    call_command("demo", stdout=out)
    call_command("demo", "--if-empty", stdout=out)
    assert counts() == first
    assert stored_documento_files() == files
    assert "already loaded" in out.getvalue()


def test_if_empty_leaves_a_used_database_alone(make_user):
    make_user("citizen")
    before = counts()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert counts() == before
    assert "nothing loaded" in out.getvalue()


def test_never_in_production(settings):
    settings.DJANGO_ENV = "production"
    with pytest.raises(CommandError, match="development only"):
        call_command("demo", stdout=io.StringIO())
    assert User.objects.count() == 0
