"""Case- and accent-insensitive substring search that trigram indexes can serve.

Every search of the project matches ``UPPER(immutable_unaccent(column)) LIKE UPPER(pattern)``; each
searched column has a ``pg_trgm`` GIN index on exactly that expression (``trigram_index``), so a
search costs a few index pages instead of a scan of the table.

A table searched on several columns at a million rows keeps them folded into one stored column
instead (``search_document``: the columns joined by spaces, unaccented and upper-cased, kept by
PostgreSQL as a generated column) with one trigram index (``document_index``), searched by
``document_search``. Terms never hold whitespace, so a term is a substring of one of the columns
exactly when it is a substring of the document. Against three expression indexes this is one index
scan instead of three OR-ed ones, and a recheck that compares stored text instead of unaccenting
three columns per candidate row: a common name that matches a fifth of the table is counted about
five times faster.

A trigram index cannot narrow a term without a run of three letters or digits (``ab``, ``7``,
``a-b``): the index would have to be read whole. Such terms are matched through the plain
``UNACCENT`` (same result, no index), so the planner walks the ordering index and filters, which is
quick for the common short terms and never worse than before for the rare ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat, StrIndex, Upper
from django.db.models.lookups import Contains

from core.counts import planner_estimate

# pg_trgm splits text into words of letters and digits; a term needs one of 3+ to give a trigram.
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")
_WORD = re.compile(r"[^\W_]+")
_LONG_WORD = 5
# A part of a term matched by less than this share of the rows: sort them rather than walk past.
_SORT_UP_TO = 0.5
# The newest rows looked at before that, and the matches among them that make the walk the plan.
_PROBE_ROWS = 10_000
_PROBE_HITS = 100
# A part of a LIKE pattern from which pg_trgm takes a trigram: a word of three characters, a word a
# separator bounds on its left (padded with two blanks), or a word of two a separator ends.
_BOUNDED_TRIGRAM = re.compile(r"[^\W_]{3}|[\W_][^\W_]|[^\W_]{2}[\W_]")


class ImmutableUnaccent(Func):
    """``immutable_unaccent(text)`` (core migration 0003): ``unaccent`` usable in an index."""

    function = "immutable_unaccent"
    output_field = TextField()
    arity = 1


class Unaccent(Func):
    """The STABLE ``unaccent``: same values, never matched to an index."""

    function = "UNACCENT"
    output_field = TextField()
    arity = 1


def trigram_index(field: str, name: str) -> GinIndex:
    """The GIN index that serves ``unaccent_search`` on ``field``."""
    return GinIndex(OpClass(Upper(ImmutableUnaccent(F(field))), name="gin_trgm_ops"), name=name)


def search_document(*fields: str) -> Func:
    """The expression of a ``search_document`` generated column over ``fields``."""
    parts: list[Any] = []
    for field in fields:
        parts += [F(field), Value(" ")]
    return Upper(ImmutableUnaccent(Concat(*parts[:-1], output_field=TextField())))


def document_index(field: str, name: str) -> GinIndex:
    """The GIN index that serves ``document_search`` on the stored ``field``."""
    return GinIndex(OpClass(F(field), name="gin_trgm_ops"), name=name)


def each_term(queryset: QuerySet, text: str, narrow: Callable[[QuerySet, int, str], QuerySet]) -> QuerySet:
    """Every whitespace-separated term of ``text`` must match: ``narrow(queryset, index, term)``
    filters the rows by the ``index``-th term (the one loop of every search of the project)."""
    for index, term in enumerate(text.split()):
        queryset = narrow(queryset, index, term)
    return queryset


def document_search(queryset: QuerySet, text: str, document: str) -> QuerySet:
    """``unaccent_search`` over the columns folded into the stored ``document`` column.

    A term of several words (``EXP-2024-0500001``) gives the index only a selective part of it and
    checks the whole term after, which no index serves: see :func:`index_words`. For a term of short
    words only this reads the database (a few milliseconds) to choose the check, for the first such
    term of the text only (a text of a thousand of them costs one probe): see :class:`RareContains`.
    """
    probed = False

    def narrow(queryset: QuerySet, index: int, term: str) -> QuerySet:
        nonlocal probed
        needle = Upper(ImmutableUnaccent(Value(term)))
        words = index_words(term)
        rows = queryset
        for word in words:
            queryset = queryset.filter(**{f"{document}__contains": Upper(ImmutableUnaccent(Value(word)))})
        if words == [term]:
            return queryset
        if words and _WORD.fullmatch(words[0]) is None and not probed:
            probed = True
            if _sort_not_walk(rows, document, term, words[0]):
                # A short word and its separators (a numero's prefix): see RareContains.
                return queryset.filter(RareContains(F(document), needle))
        # strpos() is not an operator of the trigram index, so the planner keeps its ordering index
        # (a term without a trigram), or reads the index for the words above and checks the term.
        name = f"_search_{index}_{document}"
        return queryset.alias(**{name: StrIndex(F(document), needle)}).filter(**{f"{name}__gt": 0})

    return each_term(queryset, text, narrow)


class RareContains(Contains):
    """``contains`` through the ``~~~`` operator (core migration 0007): ``LIKE`` that the planner
    expects to match a single row.

    A term of short words only (``EXP-2024-05``) is looked up in the index by its last word and
    that word's separators (``-05``), which can match a tenth of a big table or a third
    (``EXP-2023``); and a numero's prefix matches rows created together, often far from the
    newest. Checked with ``strpos`` (a third of the rows, to the planner) the term makes the
    newest-first walk of the ordering index look cheap, and the walk reads every newer row before
    the first match (400,000 at a million rows, 0.4 s). Costed as a single row, the rows the index
    finds are sorted instead: at most half the table (:data:`_SORT_UP_TO`), so a page never reads
    more than half of it either way. Beyond that share (``EXP-2024-0``, in every row), or when the
    newest rows hold the term (``EXP-2025``, this year's numeros), the term is checked with
    ``strpos`` and the walk is right: its first rows match.
    """

    lookup_name = "rare_contains"

    def get_rhs_op(self, connection: Any, rhs: str) -> str:
        # Django's own pattern for an expression: the term's %, _ and \ escaped after UPPER/unaccent.
        # LIKE binds looser than ||, an operator of our own as tightly: the pattern is parenthesized.
        pattern = connection.pattern_ops["contains"].format(connection.pattern_esc).format(rhs)
        return f"~~~ ({pattern.removeprefix('LIKE ')})"


def index_words(term: str) -> list[str]:
    """What of ``term`` to look up in a trigram index: the term itself when it is one word; else
    its words of five characters or more; else its last word with the separators around it, when
    that gives a trigram; else nothing (the index cannot narrow the term).

    pg_trgm takes the trigrams of every word of a pattern; the short words of a numero (``EXP``,
    ``2024``) are in every row, so their trigrams' lists hold a million entries each, and reading
    them cost ~50 ms per search (3,000 index pages) where the long word alone costs 40 pages. A
    separator bounds a word, so pg_trgm pads it with blanks and a short word gives a trigram too
    (``-05``: ``"  0"``, ``" 05"``). Any row that holds the term holds each of these, and the
    term itself is checked after.
    """
    found = list(_WORD.finditer(term))
    words = [match.group() for match in found]
    if len(words) == 1 and words[0] == term:
        return [term] if has_trigram(term) else []
    long = [word for word in words if len(word) >= _LONG_WORD]
    if long:
        return long
    # The last word and the separators around it: from the end of the word before it to the end.
    last = term[found[-2].end() if len(found) > 1 else 0 :] if found else ""
    return [last] if _BOUNDED_TRIGRAM.search(last) else []


def _sort_not_walk(rows: QuerySet, document: str, term: str, part: str) -> bool:
    """Whether a page of ``rows`` holding the term (and ``part``) is found sooner by sorting the rows
    the index finds than by walking newest first: see :class:`RareContains`."""
    return not _newest_hold(rows, document, term) and _share(rows, document, part) < _SORT_UP_TO


def _newest_hold(queryset: QuerySet, document: str, term: str) -> bool:
    """Whether the newest rows (in the model's ordering) hold the term often enough that walking
    them is a page: at most ``_PROBE_ROWS`` rows read through the ordering index, fewer when the
    term is common among them (a few milliseconds)."""
    newest = queryset.order_by(*queryset.model._meta.ordering).values(document)[:_PROBE_ROWS]
    try:
        sql, params = newest.query.sql_with_params()
    except EmptyResultSet:  # queryset.none(): no row to walk
        return False
    connection = connections[queryset.db]
    column = connection.ops.quote_name(document)
    probe = (
        f"SELECT count(*) FROM (SELECT 1 FROM ({sql}) AS newest "  # noqa: S608 - Django's SQL and a column name
        f"WHERE strpos(newest.{column}, UPPER(immutable_unaccent(%s))) > 0 LIMIT %s) AS hits"
    )
    with connection.cursor() as cursor:
        cursor.execute(probe, [*params, term, _PROBE_HITS])
        (hits,) = cursor.fetchone()
    return bool(hits >= _PROBE_HITS)


def _share(queryset: QuerySet, document: str, part: str) -> float:
    """The share of the table's rows that hold ``part``, by the planner's statistics (no row read)."""
    everything = queryset.model._base_manager.all()
    holding = everything.filter(**{f"{document}__contains": Upper(ImmutableUnaccent(Value(part)))})
    return planner_estimate(holding) / max(planner_estimate(everything), 1)


def has_trigram(term: str) -> bool:
    return _TRIGRAM_WORD.search(term) is not None


def unaccent_search(queryset: QuerySet, text: str, fields: Sequence[str]) -> QuerySet:
    """Every whitespace-separated term must appear, case- and accent-insensitively, in some field."""

    def narrow(queryset: QuerySet, index: int, term: str) -> QuerySet:
        indexed = has_trigram(term)
        function = ImmutableUnaccent if indexed else Unaccent
        prefix = f"_search{'_trgm' if indexed else ''}_{index}"
        queryset = queryset.alias(**{f"{prefix}_{name.replace('__', '_')}": function(F(name)) for name in fields})
        needle = ImmutableUnaccent(Value(term))
        match = Q()
        for name in fields:
            match |= Q(**{f"{prefix}_{name.replace('__', '_')}__icontains": needle})
        return queryset.filter(match)

    return each_term(queryset, text, narrow)
