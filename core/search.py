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
from django.db.models import F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat, StrIndex, Upper

# pg_trgm splits text into words of letters and digits; a term needs one of 3+ to give a trigram.
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")
_WORD = re.compile(r"[^\W_]+")
_LONG_WORD = 5


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

    A term of several words (``EXP-2024-0500001``) gives the index only its long words and checks the
    whole term with ``strpos``, which no index serves: see :func:`index_words`.
    """

    def narrow(queryset: QuerySet, index: int, term: str) -> QuerySet:
        needle = Upper(ImmutableUnaccent(Value(term)))
        if has_trigram(term):
            words = index_words(term)
            for word in words:
                queryset = queryset.filter(**{f"{document}__contains": Upper(ImmutableUnaccent(Value(word)))})
            if words == [term]:
                return queryset
        # strpos() is not an operator of the trigram index, so the planner keeps its ordering index
        # (a term without a trigram), or reads the index for the words above and checks the term.
        name = f"_search_{index}_{document}"
        return queryset.alias(**{name: StrIndex(F(document), needle)}).filter(**{f"{name}__gt": 0})

    return each_term(queryset, text, narrow)


def index_words(term: str) -> list[str]:
    """What of ``term`` to look up in a trigram index: the term itself when it is one word, else its
    words of five characters or more (or its longest word).

    pg_trgm takes the trigrams of every word of a pattern; the short words of a numero (``EXP``,
    ``2024``) are in every row, so their trigrams' lists hold a million entries each, and reading
    them cost ~50 ms per search (3,000 index pages) where the long word alone costs 40 pages. Any
    row that holds the term holds each of its words, and the term itself is checked after.
    """
    words = _WORD.findall(term)
    if len(words) == 1 and words[0] == term:
        return [term]
    long = [word for word in words if len(word) >= _LONG_WORD]
    return long or [max(words, key=len)]


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
