"""`make bench-http`: `python -m tests.bench.http` (see its __main__ module)."""
