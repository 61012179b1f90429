"""A list's statement is compiled once per shape of query (``core.statements``): the next query of the
same shape binds its own values to the kept SQL, and gets exactly the rows Django's compile would give.
A shape whose values do not go straight into parameters is compiled per query, as before."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from core import statements
from core.expressions import RowComparison
from events.models import AuditEvent
from expedientes.models import Estado, Expediente
from expedientes.selectors import expedientes_visible_to, search_expedientes

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "numero", "solicitante", "estado", "owner_id", "version", "created_at")


@pytest.fixture(autouse=True)
def _no_kept_statements() -> Iterator[None]:
    statements.forget()
    yield
    statements.forget()


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per statement Django compiles from here on (or starts to: an empty ``IN`` stops it)."""
    compiled: list[str] = []
    original = SQLCompiler.as_sql

    def as_sql(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model.__name__ if self.query.model else "")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return compiled


@pytest.fixture
def rows(make_expediente: Callable[..., Expediente], citizen: Any, other_citizen: Any) -> list[Expediente]:
    made = [
        make_expediente(citizen, solicitante="Ana García"),
        make_expediente(citizen, estado=Estado.EN_REVISION, solicitante="Luis Garcia"),
        make_expediente(other_citizen, estado=Estado.EN_REVISION, solicitante="Eva López"),
        make_expediente(other_citizen, estado=Estado.APROBADO, solicitante="José GARCÍA"),
        make_expediente(other_citizen, solicitante="Rosa Martín"),
    ]
    return made


def ordered(queryset: QuerySet) -> QuerySet:
    return queryset.order_by("-created_at", "-id")


def same_shape_twice(first: QuerySet, second: QuerySet) -> None:
    """Both querysets answer what ``values_list`` answers; the second binds to the first's statement."""
    assert statements.value_tuples(first, COLUMNS) == list(first.values_list(*COLUMNS))
    kept = statements.kept_shapes()
    assert kept == 1, "the first query's shape is kept"
    assert statements.value_tuples(second, COLUMNS) == list(second.values_list(*COLUMNS))
    assert statements.kept_shapes() == kept, "the second query has the same shape"


def test_a_citizens_statement_serves_the_next_citizen_their_own_rows(rows, citizen, other_citizen):
    same_shape_twice(ordered(expedientes_visible_to(citizen)), ordered(expedientes_visible_to(other_citizen)))
    mine = statements.value_tuples(ordered(expedientes_visible_to(citizen)), COLUMNS)
    theirs = statements.value_tuples(ordered(expedientes_visible_to(other_citizen)), COLUMNS)
    assert {row[4] for row in mine} == {citizen.pk}
    assert {row[4] for row in theirs} == {other_citizen.pk}
    assert len(mine) == 2
    assert len(theirs) == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(Q(estado__in=[Estado.INICIADO]), Q(estado__in=[Estado.APROBADO]), id="in"),
        pytest.param(
            Q(estado__in=[Estado.EN_REVISION, Estado.EN_REVISION, Estado.INICIADO]),
            Q(estado__in=[Estado.APROBADO, Estado.INICIADO]),
            id="in-with-a-duplicate",
        ),
        pytest.param(Q(version__gte=2), Q(version__gte=1), id="integer-column"),
        pytest.param(
            Q(solicitante__contains=Upper(Value("garc"))), Q(solicitante__contains=Upper(Value("LÓP"))), id="contains"
        ),
        pytest.param(
            Q(created_at__range=(timezone.now() - datetime.timedelta(days=1), timezone.now())),
            Q(created_at__range=(timezone.now(), timezone.now() + datetime.timedelta(days=1))),
            id="range",
        ),
        pytest.param(Q(assigned_to__isnull=True) | Q(version=3), Q(assigned_to__isnull=True) | Q(version=1), id="or"),
        pytest.param(~Q(estado=Estado.INICIADO), ~Q(estado=Estado.APROBADO), id="not"),
    ],
)
def test_a_shape_binds_each_querys_values(rows, first, second):
    same_shape_twice(ordered(Expediente.objects.filter(first)), ordered(Expediente.objects.filter(second)))


def test_a_search_binds_its_terms(rows, clerk):
    visible = ordered(expedientes_visible_to(clerk))
    first, second = search_expedientes(visible, "garcia"), search_expedientes(visible, "lopez")
    same_shape_twice(first, second)
    assert len(statements.value_tuples(first, COLUMNS)) == 3
    assert [row[2] for row in statements.value_tuples(second, COLUMNS)] == ["Eva López"]


def test_a_cursor_page_binds_the_row_it_starts_after(rows):
    def after(row: Expediente) -> QuerySet:
        bound = RowComparison([F("created_at"), F("id")], "<", [Value(row.created_at), Value(row.pk)])
        return ordered(Expediente.objects.filter(bound))[:2]

    same_shape_twice(after(rows[4]), after(rows[2]))
    assert [row[0] for row in statements.value_tuples(after(rows[2]), COLUMNS)] == [rows[1].pk, rows[0].pk]


def test_raw_sql_parameters_are_bound_and_a_page_is_a_shape_of_its_own(rows):
    def annotated(name: str, window: slice) -> QuerySet:
        return ordered(Expediente.objects.annotate(tag=RawSQL("%s::text", [name])))[window]

    columns = (*COLUMNS, "tag")
    first, second = annotated("uno", slice(0, 2)), annotated("dos", slice(0, 2))
    assert statements.value_tuples(first, columns) == list(first.values_list(*columns))
    assert statements.value_tuples(second, columns) == list(second.values_list(*columns))
    assert {row[-1] for row in statements.value_tuples(second, columns)} == {"dos"}
    assert statements.kept_shapes() == 1
    third = annotated("tres", slice(2, 4))
    assert statements.value_tuples(third, columns) == list(third.values_list(*columns))
    assert statements.kept_shapes() == 2


def test_columns_django_converts_are_converted(citizen):
    AuditEvent.objects.create(action="create", entity_type="expediente", entity_id="1", changes={"estado": ["a", "b"]})
    AuditEvent.objects.create(action="update", entity_type="expediente", entity_id="1", changes={"n": 1})
    columns = ("id", "action", "changes")

    def of(action: str) -> QuerySet:
        return AuditEvent.objects.filter(action=action).order_by("id")

    assert statements.value_tuples(of("create"), columns) == list(of("create").values_list(*columns))
    assert statements.value_tuples(of("update"), columns)[0][2] == {"n": 1}
    assert statements.kept_shapes() == 1


@pytest.mark.parametrize(
    "condition",
    [
        # The pattern is built from the value in Python: the parameter is not the value.
        pytest.param(Q(solicitante__icontains="garc"), id="pattern-built-in-python"),
        pytest.param(Q(numero__startswith="TALLY-000"), id="prefix-built-in-python"),
        # Django runs no statement at all (an empty IN): nothing to keep.
        pytest.param(Q(documentos_count__in=[]), id="no-value-at-all"),
    ],
)
def test_a_shape_whose_values_are_not_plain_parameters_is_compiled_per_query(rows, condition, compiles):
    queryset = ordered(Expediente.objects.filter(condition))
    assert statements.value_tuples(queryset, COLUMNS) == list(queryset.values_list(*COLUMNS))
    assert statements.kept_shapes() == 0
    before = len(compiles)
    statements.value_tuples(queryset, COLUMNS)
    assert len(compiles) > before, "compiled again, as Django would"


def test_a_value_written_into_the_sql_is_part_of_the_shape(rows):
    # A boolean is written into the SQL text (IS NULL / IS NOT NULL): each is a shape of its own.
    unassigned = ordered(Expediente.objects.filter(assigned_to__isnull=True))
    assigned = ordered(Expediente.objects.filter(assigned_to__isnull=False))
    assert statements.value_tuples(unassigned, COLUMNS) == list(unassigned.values_list(*COLUMNS))
    assert statements.value_tuples(assigned, COLUMNS) == list(assigned.values_list(*COLUMNS)) == []
    assert statements.kept_shapes() == 2


def test_a_query_the_walk_does_not_know_is_compiled_as_django_does(rows):
    queryset = ordered(Expediente.objects.filter(numero__regex=r"^TALLY-000[12]$"))
    assert statements.value_tuples(queryset, COLUMNS) == list(queryset.values_list(*COLUMNS))
    assert len(statements.value_tuples(queryset, COLUMNS)) == 2
    assert statements.kept_shapes() == 0


def test_an_integer_past_a_bigint_is_not_bound_to_a_kept_statement(rows):
    small, huge = Expediente.objects.filter(id__lt=10**6), Expediente.objects.filter(id__lt=2**70)
    assert statements.value_tuples(ordered(small), COLUMNS) == list(ordered(small).values_list(*COLUMNS))
    # Django drops the condition for a value past the column's range: the same rows, a statement of its own.
    assert statements.value_tuples(ordered(huge), COLUMNS) == list(ordered(huge).values_list(*COLUMNS))
    assert len(statements.value_tuples(ordered(huge), COLUMNS)) == 5


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param({"estado": Estado.EN_REVISION}, {"estado": Estado.APROBADO}, (["José GARCÍA"], 1), id="estado"),
        # A full page of a search: its total is counted, by a statement kept as well.
        pytest.param({"search": "garcia"}, {"search": "garc"}, (["José GARCÍA"], 3), id="search"),
    ],
)
def test_the_next_list_request_compiles_nothing(rows, clerk_client, compiles, first, second, expected):
    answer = clerk_client.get("/api/v1/expedientes", {**first, "per_page": 1})
    assert answer.status_code == 200
    learned = len(compiles)
    assert learned > 0
    answer = clerk_client.get("/api/v1/expedientes", {**second, "per_page": 1})
    assert answer.status_code == 200
    assert len(compiles) == learned, "the second request's statements were bound, not compiled"
    body = answer.json()
    assert ([item["solicitante"] for item in body["data"]], body["total"]) == expected
