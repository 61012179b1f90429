"""The load of the fault run (``locust --headless``) and the faults injected while it runs.

Each fault returns the record the run reports (what was done, when, for how long); the database
outage also keeps every probe answer, which the checks judge.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench import processes
from tests.faults.postgres import OwnPostgres
from tests.faults.probes import http, is_unavailable_problem, poll_until
from tests.faults.topology import Topology


class Load:
    """``locust`` running for ``seconds`` with ``users``; the faults are timed against its start."""

    def __init__(self, base: str, users: int, seconds: int, logs: Path, env: dict[str, str]) -> None:
        self.seconds = seconds
        self.logs = logs
        argv = [str(processes.PROJECT_DIR / ".venv" / "bin" / "locust"), "-f", "tests/faults/locustfile.py"]
        argv += ["--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base]
        argv += ["--csv", str(logs / "locust"), "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
        with (logs / "locust.log").open("wb") as out:
            self.process = subprocess.Popen(
                argv,
                cwd=processes.PROJECT_DIR,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.t0 = time.monotonic()

    def elapsed(self) -> float:
        return round(time.monotonic() - self.t0, 1)

    def keep(self, seconds: float) -> None:
        """Let the load run ``seconds`` more (a fault stays in place meanwhile); the load ending
        first would put the faults outside it, so that stops the run."""
        try:
            self.process.wait(timeout=max(0.0, seconds))
        except subprocess.TimeoutExpired:
            return
        raise SystemExit(f"e2e-faults: the load ended early (locust exit {self.process.returncode}); see {self.logs}")

    def until(self, fraction: float) -> None:
        """Wait until ``fraction`` of the load's length has passed."""
        self.keep(self.t0 + fraction * self.seconds - time.monotonic())

    def finish(self) -> float:
        """Wait for the load to end; its length in seconds."""
        self.process.wait(timeout=self.seconds + 120)
        return time.monotonic() - self.t0


def kill_worker(load: Load, topology: Topology, name: str) -> dict[str, Any]:
    """SIGKILL to the worker's whole process group; started again as a supervisor would, 4 s later."""
    topology.kill(name)
    fault: dict[str, Any] = {"fault": f"SIGKILL {name}", "at_s": load.elapsed()}
    load.keep(4)
    topology.start(name)
    fault["restarted_after_s"] = round(load.elapsed() - fault["at_s"], 1)
    return fault


def restart_redis(load: Load, stop: Callable[[], None], start: Callable[[], None]) -> dict[str, Any]:
    down = time.monotonic()
    stop()
    load.keep(1)
    start()
    return {"fault": "restart Redis", "at_s": round(down - load.t0, 1), "down_s": round(time.monotonic() - down, 1)}


def database_outage(load: Load, pg: OwnPostgres, targets: list[str], token: str, seconds: float) -> dict[str, Any]:
    """PostgreSQL stopped for ``seconds`` while every server is probed (a list and a create) each half
    second; then started again and the API polled until it answers. ``down_epoch``/``recovered_epoch``
    (wall clock) tell which of the load's failed requests fell inside the outage."""
    down, down_epoch = time.monotonic(), time.time()
    pg.stop()
    answers: list[tuple[int, str, Any]] = []
    while time.monotonic() - down < seconds:
        for target in targets:
            answers.append(http("GET", f"{target}/api/v1/expedientes", token))
            answers.append(http("POST", f"{target}/api/v1/expedientes", token, {"numero": "X-1", "solicitante": "x"}))
        load.keep(0.5)  # a round of probes every half second of the outage
    ready = http("GET", f"{targets[0]}/health/ready")
    pg.start()
    up = time.monotonic()
    recovered_after = None
    if poll_until(lambda: http("GET", f"{targets[0]}/api/v1/expedientes", token)[0] == 200, 60, every=0.2):
        recovered_after = round(time.monotonic() - up, 2)
    return {
        "fault": "restart PostgreSQL",
        "at_s": round(down - load.t0, 1),
        "down_s": round(up - down, 1),
        "probes": len(answers),
        "answered_503_problem": sum(is_unavailable_problem(answer) for answer in answers),
        "other_answers": dict(Counter(f"{a[0]} {a[1]}" for a in answers if not is_unavailable_problem(a))),
        "health_ready_during_outage": {"status": ready[0], "body": ready[2]},
        "recovered_after_s": recovered_after,
        "down_epoch": down_epoch,
        "recovered_epoch": time.time(),
    }
