"""The knobs of `make bench-http` (environment variables) and what a scenario is."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
LUA = Path(__file__).resolve().parents[1] / "requests.lua"
SIZES = {"10k": 10_000, "1m": 1_000_000}
TRANSITION_POOL = 1_000
CHECKOUT_USERS = 100
BENCH_PRODUCTS = 20
PASSWORD = "Bench-http-pass-1"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


SECONDS = env_int("SECONDS", 10)
WARMUP = env_int("WARMUP", 3)
CONNECTIONS = env_int("CONNECTIONS", 16)
WRK_THREADS = env_int("WRK_THREADS", 1)
WRK_TIMEOUT = os.environ.get("WRK_TIMEOUT", "10s")
RSS_REQUESTS = env_int("RSS_REQUESTS", 10_000)
# Reads alternate with their baselines this many times in all (see rounds.py).
ROUNDS = env_int("ROUNDS", 3)


@dataclass
class Scenario:
    name: str
    lines: list[tuple[str, str, str, str]]  # method, path, token, body
    baseline: str | None = None
    probe_setup: list[int] = field(default_factory=list)  # lines sent before the counted probe
    probe: int = 0
    prepare: Any = None  # called before each wrk run (resets state the scenario consumes)
    # Stateful scenarios warm up on rows of their own: requests still in flight when the warm-up's
    # wrk exits must not change the rows the measured run starts from.
    warmup_lines: list[tuple[str, str, str, str]] | None = None
    result: dict[str, Any] = field(default_factory=dict)
