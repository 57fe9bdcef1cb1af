"""Does the window keep running while a large solve runs? Event-loop gaps, GUI thread vs worker.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_worker.py [--rounds N]

The main window with a 2 ms QTimer ticking and, every 10 ms, a step change of the player plus a
synchronous repaint of the tensors (what a student clicking → during the solve does). Then a
large input arrives (a paste): a fully connected layer 500 → 500, a Conv2D 32×32×8 input with
3×3×8×16 filters (stride 1, padding 1), an LSTM with T = 64, n_in = 32, n_h = 64. Each is run
twice: once forced onto the GUI thread (``window.compute.synchronously()``, how every panel
solved before pnn_gui.compute) and once as the window runs it (on a worker thread, since the
inputs are large).

Printed per run (medians over the rounds): the solve's own time, the longest gap between two
event-loop ticks while the solve ran (the window's longest freeze before the result arrived),
how many step changes got through meanwhile, and the time the GUI thread then spent applying
the result (solution pane, views: it cannot move to a worker). Speed is shown here, never
asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="runs of each case")
    args = ap.parse_args()

    import numpy as np
    from PySide6 import QtCore

    from pnn_gui import dialogs
    from pnn_gui.app import make_application
    from pnn_gui.main_window import MainWindow

    app = make_application(["bench"])
    dialogs.ask_unsaved = lambda parent: "discard"
    window = MainWindow(settings=False)
    window.resize(1400, 900)
    window.set_animations_enabled(False)
    window.show()
    for _ in range(5):
        app.processEvents()
    rng = np.random.default_rng(0)

    def fc_big(panel):
        n = 500
        panel.state.set_inputs({"x": rng.normal(size=n), "w": rng.normal(size=(n, n)),
                                "b": rng.normal(size=n), "dy": rng.normal(size=n)},
                               replace=True)

    def conv_big(panel):
        inp = panel._inputs["full"]
        inp.update(x=rng.normal(size=(32, 32, 8)), f=rng.normal(size=(3, 3, 8, 16)),
                   b=rng.normal(size=16), dy=rng.normal(size=(32, 32, 16)), stride=(1, 1),
                   padding=(1, 1))
        panel._submit()

    def lstm_big(panel):
        from pnn_gui.panels.lstm import random_inputs

        panel.state.set_inputs(random_inputs(64, 32, 64, int(rng.integers(1000))),
                               replace=True)

    def run(title, apply, on_gui_thread):
        window.show_panel(title)
        panel = window.current_panel()
        for _ in range(3):
            app.processEvents()
        ticks, steps, marks = [], [], {}
        timer = QtCore.QTimer()
        timer.setInterval(2)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

        def poke():
            st = panel.state
            st.set_step((st.step + 1) % (st.n_steps + 1))
            window.view_stack.repaint()
            steps.append(time.perf_counter())

        stepper = QtCore.QTimer()
        stepper.setInterval(10)
        stepper.timeout.connect(poke)
        # first in line, so "trace" is when the result arrived, before anyone drew it
        panel.state._listeners.insert(
            0, lambda what: marks.setdefault(what, time.perf_counter()))
        timer.start()
        stepper.start()
        for _ in range(3):
            app.processEvents()
        ticks.clear()
        steps.clear()
        marks.clear()
        t0 = time.perf_counter()
        if on_gui_thread:
            with window.compute.synchronously():
                apply(panel)
        else:
            apply(panel)
        while panel.state.pending:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
        app.processEvents()
        done = time.perf_counter()
        timer.stop()
        stepper.stop()
        arrived = marks.get("trace", done)
        during = [t for t in ticks if t <= arrived]
        gap = max(np.diff([t0, *during, arrived])) * 1000
        after = next((t for t in ticks if t > arrived), done)
        return (panel.state.last_seconds * 1000, gap, sum(1 for t in steps if t <= arrived),
                (after - arrived) * 1000)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"sys.getswitchinterval() = {sys.getswitchinterval() * 1000:g} ms")
    print(f"{'case':34s} {'where':10s} {'solve':>9s} {'longest freeze':>15s} "
          f"{'steps meanwhile':>16s} {'applying':>9s}")
    for label, title, apply in (("fully connected 500 -> 500", "Fully connected", fc_big),
                                ("Conv2D 32x32x8, 3x3x8x16, s1 p1", "Conv2D", conv_big),
                                ("LSTM T=64, n_in=32, n_h=64", "LSTM", lstm_big)):
        for on_gui_thread in (True, False):
            rows = [run(title, apply, on_gui_thread) for _ in range(args.rounds)]
            solve, gap, steps, applying = (statistics.median(c) for c in zip(*rows, strict=True))
            print(f"{label:34s} {'GUI thread' if on_gui_thread else 'worker':10s} "
                  f"{solve:7.1f}ms {gap:13.1f}ms {steps:16.0f} {applying:7.1f}ms")
    window.set_saved()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
