"""SQL expressions the ORM does not have."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, Lookup
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property


class RowComparison(Expression):
    """``(a, b, ...) < (x, y, ...)``: SQL's row-wise comparison (lexicographic, for non-null values)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, lhs: list[Any], operator: str, rhs: list[Any]) -> None:
        if operator not in ("<", ">") or len(lhs) != len(rhs):
            raise ValueError("A row comparison needs < or > between rows of equal length.")
        super().__init__()
        self.lhs, self.operator, self.rhs = list(lhs), operator, list(rhs)

    def get_source_expressions(self) -> list[Any]:
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        half = len(exprs) // 2
        self.lhs, self.rhs = list(exprs[:half]), list(exprs[half:])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sql: dict[str, list[str]] = {"lhs": [], "rhs": []}
        params: list[Any] = []
        for side, expressions in (("lhs", self.lhs), ("rhs", self.rhs)):
            for expression in expressions:
                part, part_params = compiler.compile(expression)
                sql[side].append(part)
                params.extend(part_params)
        return f"({', '.join(sql['lhs'])}) {self.operator} ({', '.join(sql['rhs'])})", tuple(params)


class DriverValue(RawSQL):
    """Raw SQL whose value is taken as the driver reads it: no converter runs on it, row by row.

    (Django converts an integer expression's value with ``int()`` on every row; an SQL ``bigint``
    already arrives as one.)"""

    @cached_property
    def convert_value(self) -> Any:
        return self._convert_value_noop  # type: ignore[attr-defined]


class EqualsAny(Lookup):
    """``lhs = ANY(%s)`` over one array parameter: ``filter(EqualsAny(F("order_id"), ids))`` is one
    statement text whatever the number of ids (``__in`` has a placeholder per id)."""

    lookup_name = "equals_any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))
