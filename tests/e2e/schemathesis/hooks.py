"""Schemathesis hooks for the run against the live server (loaded through SCHEMATHESIS_HOOKS).

One adjustment, for a documented reason: a ``cursor`` is an opaque token the server signs and
hands out in ``next_cursor``; a generated string is never one (422 by contract, and the hostile
cursor tests cover that door). So a generated cursor becomes the first page's (``""``), and cursor
mode keeps the default ordering (the contract limits cursor-mode ordering).
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if not query or "cursor" not in query:
        return query
    query = dict(query)
    if "ordering" in query:
        query.pop("cursor")
    else:
        query["cursor"] = ""
    return query
