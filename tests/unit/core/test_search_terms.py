"""What of a search term the trigram index is given (``core.search.index_words``)."""

from __future__ import annotations

import pytest

from core.search import index_words


@pytest.mark.parametrize(
    ("term", "words"),
    [
        # One word: itself when it has a trigram, else nothing (no index can narrow "ab").
        ("garcia", ["garcia"]),
        ("ab", []),
        ("7", []),
        # Several words: the long ones only (the short words of a numero are in every row).
        ("EXP-2024-0500001", ["0500001"]),
        ("obra-menor", ["menor"]),
        ("josé-garcía", ["garcía"]),
        # Short words only: the last with its separators, which pg_trgm pads into trigrams.
        ("EXP-2024-05", ["-05"]),
        ("EXP-2024", ["-2024"]),
        ("2024-05-", ["-05-"]),
        ("-05", ["-05"]),
        ("ab-", ["ab-"]),
        ("a-b", ["-b"]),
        # Nothing pg_trgm could take a trigram from: a lone letter before a separator, no word.
        ("a-", []),
        ("%", []),
        ("-_-", []),
        # Long runs of separators (what a URL can carry): read once, never backtracked over.
        ("-" * 4000, []),
        ("a" + "-" * 4000 + "b", ["-" * 4000 + "b"]),
    ],
)
def test_index_words(term: str, words: list[str]) -> None:
    assert index_words(term) == words
