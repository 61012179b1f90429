"""`make bench`: the project's benchmarks, reported as ratios (and query counts), never asserted.

Runs against a database of its own (``<name>_bench`` on the configured or embedded server), kept
between runs so large fixtures are built once.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    name = settings.DATABASES["default"]["NAME"] + "_bench"
    settings.DATABASES["default"]["TEST"].update(NAME=name)
    connection.settings_dict["TEST"].update(NAME=name)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)

    from tests.bench import suites

    selected = sys.argv[1:]
    for suite in suites.ALL:
        if selected and suite.__name__ not in selected:
            continue
        print(f"\n== {suite.__name__}: {suite.__doc__.strip().splitlines()[0]}")
        suite(best_of)
    return 0


if __name__ == "__main__":
    sys.exit(main())
