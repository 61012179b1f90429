"""The end of a transactional test (tests/support/flush.py) leaves the database as Django's flush
would: every table empty, counters and versions included, then what ``post_migrate`` writes (content
types, permissions, the Clerks group with its permissions)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from accounts.roles import CLERK_PERMISSIONS, CLERKS_GROUP
from core.models import Tally
from expedientes import services
from tests.support.flush import empty_tables

pytestmark = pytest.mark.django_db(transaction=True)


def rows_per_table() -> dict[str, int]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a model's table
            counts[table] = cursor.fetchone()[0]
    return counts


def test_every_table_is_emptied_but_content_types_and_permissions(citizen, clerk):
    expediente = services.create_expediente(actor=citizen, numero="FL-1", solicitante="Ana", concepto="Obra")
    services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to="en_revision")
    types, permissions = ContentType.objects.count(), Permission.objects.count()
    before = rows_per_table()
    assert before["expedientes_expediente"] == 1
    assert before["events_auditevent"] >= 2
    assert Tally.objects.exists()  # the triggers counted what was written

    empty_tables()

    after = rows_per_table()
    post_migrate = {"django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}
    assert {table for table, n in after.items() if n} == post_migrate
    assert (ContentType.objects.count(), Permission.objects.count()) == (types, permissions)
    assert set(Group.objects.get(name=CLERKS_GROUP).permissions.values_list("codename", flat=True)) == {
        codename for _, codename in CLERK_PERMISSIONS
    }


def test_triggers_are_back_on_after_emptying(make_user):
    empty_tables()
    services.create_expediente(actor=make_user(), numero="FL-2", solicitante="Luis", concepto="")

    assert Tally.objects.filter(name="expedientes_expediente:estado", k1="iniciado").count() >= 1


def test_what_post_migrate_wrote_is_kept_while_no_test_changes_it(citizen):
    empty_tables()  # post_migrate has run, and its rows are fingerprinted
    clerks = Group.objects.get(name=CLERKS_GROUP)

    empty_tables()

    assert Group.objects.get(name=CLERKS_GROUP).pk == clerks.pk  # kept, not deleted and written again
    assert not type(citizen).objects.exists()  # the other tables were emptied all the same


@pytest.mark.parametrize("change", ["rename", "take_a_permission", "add_a_group"])
def test_a_changed_group_is_written_again(change):
    empty_tables()
    clerks = Group.objects.get(name=CLERKS_GROUP)
    if change == "rename":
        Group.objects.filter(pk=clerks.pk).update(name="Renamed")
    elif change == "take_a_permission":
        clerks.permissions.remove(clerks.permissions.order_by("pk").first())
    else:
        Group.objects.create(name="Extra")

    empty_tables()

    assert list(Group.objects.values_list("name", flat=True)) == [CLERKS_GROUP]
    assert set(Group.objects.get(name=CLERKS_GROUP).permissions.values_list("codename", flat=True)) == {
        codename for _, codename in CLERK_PERMISSIONS
    }
