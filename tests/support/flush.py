"""A faster end to a transactional test: the tables emptied by ``DELETE`` instead of Django's ``flush``.

Django ends every ``transaction=True`` test with ``manage.py flush``: one ``TRUNCATE`` of every table
(new files for each table and index, ~0.3 s here) and then ``post_migrate``, which recreates every
content type and permission it has just deleted (~0.3 s more). A test writes a handful of rows, so
deleting them is a few milliseconds. Triggers are off while it runs (``session_replication_role =
replica``, as ``manage.py seed`` loads): no foreign-key order to follow, and no counter or version
trigger fires, because the counter and version tables are emptied with the rest. Content types and
permissions are kept, and ``post_migrate`` runs as after a flush: it finds them in place (~60 ms)
and writes again what the apps' own handlers write (the Clerks group and its permissions).

What ``post_migrate`` writes is a few hundred rows that a test seldom touches, and writing it again
is most of the cost (~70 ms a test, a few seconds of the suite). So the tables it writes (content
types, permissions, groups and their permissions) are fingerprinted after it has run; a test that
leaves them as they were keeps them, and neither they are emptied nor ``post_migrate`` runs. Any
change to any of their rows (a group renamed, a permission taken from the Clerks) changes the
fingerprint, and the groups are emptied and written again as above.

Where this does not apply (another database vendor, a role that may not set the replication role,
``available_apps`` or ``serialized_rollback``), Django's own ``flush`` runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connections, transaction
from django.test import TransactionTestCase

_KEEP = ("django_content_type", "auth_permission")
# Everything post_migrate writes: the rows above, and the groups the apps' handlers keep in shape.
_POST_MIGRATE = (*_KEEP, "auth_group", "auth_group_permissions")

_django_teardown = TransactionTestCase._fixture_teardown

# Per database: the fingerprint of the _POST_MIGRATE tables just after post_migrate last ran.
_after_post_migrate: dict[str, str] = {}


def empty_tables(using: str = "default") -> None:
    """Delete every row of every table the models own, except content types and permissions, then run
    ``post_migrate`` as ``flush`` does; or, when nothing ``post_migrate`` writes has changed since it
    last ran, delete every other row and keep those."""
    connection = connections[using]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        untouched = _after_post_migrate.get(using) == _fingerprint(cursor)
        keep = _POST_MIGRATE if untouched else _KEEP
        cursor.execute("SET LOCAL session_replication_role = replica")
        statements = (f"DELETE FROM {quote(table)};" for table in sorted(tables) if table not in keep)  # noqa: S608
        cursor.execute("".join(statements))
    if untouched:
        return
    emit_post_migrate_signal(verbosity=0, interactive=False, db=using)
    with connection.cursor() as cursor:
        _after_post_migrate[using] = _fingerprint(cursor)


def _fingerprint(cursor: Any) -> str:
    """A digest of every row of the tables post_migrate writes (a few hundred rows: a millisecond)."""
    digests = " || ".join(
        f"coalesce((SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} AS t), '')"  # noqa: S608 - the module's own table names
        for table in _POST_MIGRATE
    )
    cursor.execute(f"SELECT {digests}")
    return str(cursor.fetchone()[0])


def _fixture_teardown(self: TransactionTestCase) -> None:
    names = self._databases_names(include_mirrors=False)  # type: ignore[attr-defined]
    plain = self.available_apps is None and not self.serialized_rollback
    if not plain or any(connections[name].vendor != "postgresql" for name in names):
        _django_teardown(self)
        return
    try:
        for name in names:
            empty_tables(name)
    except DatabaseError:  # e.g. a role that is not allowed the replication role
        _django_teardown(self)


def install() -> None:
    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]
