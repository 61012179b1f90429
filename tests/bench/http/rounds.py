"""Alternating rounds: each read scenario and its baseline again, back to back, ``ROUNDS - 1`` more times.

The machine's speed drifts by tens of percent within a run (other tenants, frequency), so one 10 s run of
a scenario and one of its baseline, minutes apart, can disagree by that much. Each extra round runs the
baseline and then the scenario, and the scenario's ratio is the median of its rounds' ratios (the
first pass counts as a round when its baseline ran just before it). Writes consume state and keep their
single run.
"""

from __future__ import annotations

import statistics
from typing import Any

from tests.bench.http.settings import SECONDS, Scenario
from tests.bench.http.wrk import run_wrk


def alternates(scenario: Scenario, by_name: dict[str, Scenario]) -> bool:
    """A read with a baseline of its own in this run (a GET replayed as is, nothing to reset)."""
    return (
        scenario.baseline in by_name
        and scenario.prepare is None
        and all(method == "GET" for method, *_ in scenario.lines)
        and by_name[scenario.baseline].prepare is None
    )


def run_rounds(base: str, scenarios: list[Scenario], rounds: int, stamp: str) -> None:
    """Adds ``ratio_rounds`` (one ratio per round) to each alternating scenario and sets its ``ratio`` to
    their median; prints one line per scenario."""
    by_name = {sc.name: sc for sc in scenarios}
    chosen = [sc for sc in scenarios if alternates(sc, by_name) and sc.result.get("rps")]
    if rounds < 2 or not chosen:
        return
    order = [s.name for s in scenarios]
    for sc in chosen:
        first_is_paired = order.index(sc.name) - order.index(sc.baseline) in (1, 2) and "ratio" in sc.result
        sc.result["ratio_rounds"] = [sc.result["ratio"]] if first_is_paired else []
    print(f"# alternating rounds: {rounds - 1} more of each read and its baseline, {SECONDS} s each")
    for r in range(1, rounds):
        for n, sc in enumerate(chosen):
            baseline = run_wrk(base, by_name[sc.baseline].lines, SECONDS, f"b{stamp[-7:-1]}{r}{n}")
            result = run_wrk(base, sc.lines, SECONDS, f"a{stamp[-7:-1]}{r}{n}")
            if baseline["rps"]:
                sc.result["ratio_rounds"].append(round(result["rps"] / baseline["rps"], 2))
    print(f"{'scenario':<36} {'ratio (median)':>14}  rounds")
    for sc in chosen:
        ratios: list[Any] = sc.result["ratio_rounds"]
        if ratios:
            sc.result["ratio"] = round(statistics.median(ratios), 2)
            print(f"{sc.name:<36} {sc.result['ratio']:>13.2f}x  {', '.join(f'{x:.2f}' for x in ratios)}")
