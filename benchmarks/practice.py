"""Checking an answer, every example: the practice engine's cost (goal: under 50 ms).

    .venv/bin/python benchmarks/practice.py [--rounds N]

For each example, on fresh exercises (a new seed each round) and on the example's numbers:

* **first check** — ``practice.exercise(name, seed)`` and one ``practice.check`` of a wrong
  answer (a catalogue mistake's on the example: the diagnosis compares it with every simulated
  mistake). This is what ``python main.py
  check`` does after start-up, and what the app's Check costs on a new exercise: drawing the
  numbers (with the redraws that keep every mistake distinguishable), the worked solution, every
  mistake simulated whole, the comparison;
* **again** — another ``check`` on the same Exercise object (the app's Check after the student
  changed a cell): the solution and the simulations are kept, only the comparison runs.

Median and 95th percentile of wall time, CPU time beside the median. Speed is shown here, never
asserted in tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_MS = 50.0

from gui_conv import _report as _report_goal  # noqa: E402 (benchmarks/ is on sys.path)
from gui_conv import _timed  # noqa: E402


def _report(label: str, wall: list[float], cpu: list[float]) -> None:
    _report_goal(label, wall, cpu, GOAL_MS)


def _wrong_answer(ex):
    """The answer of the exercise's first distinguishable mistake (else the right one)."""
    from engine.practice.mistakes import differs
    sim = next((s for s in ex.simulations if differs(s, ex)), None)
    if sim is None:
        return {a.name: ex.expected(a.name) for a in ex.asked}
    return dict(sim.tensors)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30, help="checks per measurement")
    args = ap.parse_args()
    n = args.rounds

    from engine import examples, practice

    for name in examples.NAMES:
        print(name)
        answers = _wrong_answer(practice.exercise(name))

        def first_check_example(i, name=name, answers=answers):
            practice.check(practice.exercise(name), answers)

        def first_check_fresh(i, name=name, answers=answers):
            practice.check(practice.exercise(name, 1000 + i), answers)

        ex = practice.exercise(name)
        practice.check(ex, answers)

        def again(i, ex=ex, answers=answers):
            practice.check(ex, answers)

        _report("first check, the example's numbers", *_timed(first_check_example, n))
        _report("first check, fresh numbers (seed)", *_timed(first_check_fresh, n))
        _report("again, same exercise", *_timed(again, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
