"""Check in the window, every example: the whole Check as the app does it (goal: under 50 ms).

    .venv/bin/python benchmarks/gui_practice.py [--rounds N]

For each example the window is in practice mode with an answer typed into every table (a
catalogue mistake's, so the diagnosis runs, else the right one), and Check is triggered
(``practice.action_check``, what Ctrl+Enter does): committing an open edit, the engine's check,
colouring every table, the summary, the first wrong cell selected and scrolled to, the
diagnosis; then the window repaints (``repaint()`` of the window, as the next frame would).

* **first check, fresh numbers** — on a fresh exercise (New exercise with a new seed before each
  round; drawing it solved it and simulated its mistakes already);
* **first check, own numbers** — the same numbers as typed inputs (``practice.from_inputs``):
  the engine's solve and its simulated mistakes are paid by this Check;
* **again** — another Check on the same exercise after a cell changed.

Median and 95th percentile of wall time, CPU time beside the median. Speed is shown here, never
asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_MS = 50.0

from gui_conv import _report as _report_goal  # noqa: E402 (benchmarks/ is on sys.path)
from gui_conv import _timed  # noqa: E402
from practice import _wrong_answer  # noqa: E402


def _report(label: str, wall: list[float], cpu: list[float]) -> None:
    _report_goal(label, wall, cpu, GOAL_MS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20, help="checks per measurement")
    args = ap.parse_args()
    n = args.rounds

    from engine import examples
    from pnn_gui import dialogs
    from pnn_gui.app import make_application
    from pnn_gui.main_window import MainWindow
    from tests.gui.practice_helpers import type_answers

    dialogs.ask_unsaved = lambda parent: "discard"
    app = make_application(["bench"])
    window = MainWindow(settings=False)
    window.set_animations_enabled(False)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    window.practice.set_on(True)
    shown = {n for e in window._entries for n in e.spec.examples}

    def check() -> None:
        window.practice.action_check.trigger()
        window.repaint()

    for name in (n for n in examples.NAMES if n in shown):
        window.load_example(name)
        print(name)

        def new_exercise(i):
            window.practice.new_exercise(7000 + i)

        def own_numbers(i):
            new_exercise(i)
            # forgotten, the numbers on the panel are taken as the student's own: a new
            # Exercise (practice.from_inputs), nothing solved or simulated yet
            window.practice.forget(window.current_title(), window.current_panel().state.kind)
            window.practice.refresh()
            assert window.practice.attempt().exercise.origin == "own numbers"

        for label, prepare in (("first check, fresh numbers (seed)", new_exercise),
                               ("first check, own numbers", own_numbers)):
            wall, cpu = [], []
            for i in range(n):      # only the Check is timed, not what comes before it
                prepare(i)
                type_answers(window, _wrong_answer(window.practice.attempt().exercise))
                app.processEvents()
                t, c = time.perf_counter(), time.process_time()
                check()
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            _report(label, wall, cpu)
        table = window.practice.pane.sheet().tables_all()[0]
        r, c = table.editable()[0]

        def again(i, table=table, r=r, c=c):
            table.type_text(r, c, str(i))
            check()

        _report("again, after a cell changed", *_timed(again, n))
    window.practice.mark_saved()
    window.set_saved()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
