"""The score of the last `make mutation` run, from mutmut's result files under mutants/.

    python scripts/mutation_score.py [--min 85] [--survivors]

Prints killed / total per module and in all; with --survivors, the names of the mutants that
survived (`mutmut show NAME` prints one's diff). Exits 1 when the share killed is below --min.
A mutant counts as killed when a test failed, timed out or crashed with it; "no tests" (no test
reaches the function) and "survived" count against the score; mutants not yet checked are
reported apart and left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILLED = {1, 3, 36, 24, -24, 152, 255, -9, -11, 37}
SURVIVED = {0}
NO_TESTS = {5, 33}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min", type=float, default=85.0)
    parser.add_argument("--survivors", action="store_true")
    args = parser.parse_args(argv)
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    if not metas:
        print("no mutmut results: run `make mutation` first", file=sys.stderr)
        return 1
    totals = {"killed": 0, "survived": 0, "no tests": 0, "not checked": 0, "other": 0}
    survivors: list[str] = []
    print(f"{'module':<36} {'killed':>7} {'survived':>9} {'no tests':>9} {'unchecked':>10} {'score':>7}")
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        row = dict.fromkeys(totals, 0)
        for name, code in codes.items():
            if code is None:
                row["not checked"] += 1
            elif code in KILLED:
                row["killed"] += 1
            elif code in SURVIVED:
                row["survived"] += 1
                survivors.append(name)
            elif code in NO_TESTS:
                row["no tests"] += 1
                survivors.append(name)
            else:
                row["other"] += 1
                survivors.append(name)
        for key in totals:
            totals[key] += row[key]
        checked = row["killed"] + row["survived"] + row["no tests"] + row["other"]
        score = 100.0 * row["killed"] / checked if checked else 0.0
        module = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        print(
            f"{module:<36} {row['killed']:>7} {row['survived']:>9} {row['no tests']:>9} "
            f"{row['not checked']:>10} {score:>6.1f}%"
        )
    checked = totals["killed"] + totals["survived"] + totals["no tests"] + totals["other"]
    score = 100.0 * totals["killed"] / checked if checked else 0.0
    print(
        f"{'all':<36} {totals['killed']:>7} {totals['survived']:>9} {totals['no tests']:>9} "
        f"{totals['not checked']:>10} {score:>6.1f}%"
    )
    if args.survivors:
        print("\nsurvivors:")
        for name in sorted(survivors):
            print(f"  {name}")
    if score < args.min:
        print(f"mutation score {score:.1f}% is below {args.min:.0f}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
