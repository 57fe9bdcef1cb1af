"""GUI speed: process start to first paint, and the redraw of a step change.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui.py [--runs N]

(a) **First paint.** The app (``pnn_gui.app.build``, what ``python main.py`` runs, with the cli
    imported too) and a bare PySide6 + pyqtgraph window (a QMainWindow holding one PlotWidget with
    a line) are started as separate processes, alternately, ``--runs`` times each. Each child
    prints the wall-clock time when its first paint pass has finished (an application-wide event
    filter sees the first Paint event; a zero-delay timer then fires after that pass); the
    parent subtracts the time just before it started the process; the child's own CPU time at
    that moment is printed too (steadier when others share the machine). Medians are compared;
    the goal is app / bare <= 1.3.
(b) **Step redraw.** In this process: the main window with example ``fc`` (14 steps) and with a
    40 × 40 layer (1,720 steps), animations off; the time of ``state.set_step(k)`` plus a
    repaint, cycling through every step: once letting Qt repaint only what changed (as the app
    does), once forcing a synchronous ``window.repaint()`` of every widget (an upper bound).
    On the long trace also one step at a time (→ held down), and the solution pane's own
    ``set_current`` alone.
    Median (wall and CPU) and 95th percentile; the goal is < 16 ms. The delta-flow animation's
    per-frame cost (moving the markers and repainting the view) is measured too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FIRST_PAINT = textwrap.dedent("""
    from PySide6 import QtCore

    class _FirstPaint(QtCore.QObject):
        def __init__(self, app):
            super().__init__()
            self.app = app
            self.seen = False

        def eventFilter(self, obj, event):
            if not self.seen and event.type() == QtCore.QEvent.Type.Paint:
                self.seen = True
                QtCore.QTimer.singleShot(0, self.done)
            return False

        def done(self):
            print(f"PAINTED {time.time():.6f} {time.process_time():.6f}", flush=True)
            self.app.quit()
""")

APP_CHILD = """
import time, sys
sys.path.insert(0, {root!r})
import pnn_gui.cli  # noqa: F401  (python main.py imports it first)
from pnn_gui.app import build
app, window = build(["pnn-gui"])
{first_paint}
f = _FirstPaint(app)
app.installEventFilter(f)
window.show()
app.exec()
"""

BARE_CHILD = """
import time
from PySide6 import QtWidgets
import pyqtgraph as pg
app = QtWidgets.QApplication(["bare"])
{first_paint}
w = QtWidgets.QMainWindow()
pw = pg.PlotWidget()
pw.plot([1, 3, 2, 4])
w.setCentralWidget(pw)
w.resize(1400, 900)
f = _FirstPaint(app)
app.installEventFilter(f)
w.show()
app.exec()
"""


def _first_paint_seconds(code: str) -> tuple[float, float]:
    """(wall seconds from just before the start to the first paint, CPU seconds of the child)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6")
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith("PAINTED "):
            _, wall, cpu = line.split()
            return float(wall) - t0, float(cpu)
    raise RuntimeError(f"child did not paint: {proc.stderr[-400:]}")


def first_paint(runs: int) -> None:
    app_code = APP_CHILD.format(root=str(ROOT), first_paint=_FIRST_PAINT)
    bare_code = BARE_CHILD.format(first_paint=_FIRST_PAINT)
    _first_paint_seconds(bare_code)  # warm the file cache once
    app_t, bare_t = [], []
    for _ in range(runs):
        bare_t.append(_first_paint_seconds(bare_code))
        app_t.append(_first_paint_seconds(app_code))
    print("(a) process start -> first paint, median of", runs, "runs each "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    ratios = []
    for i, what in ((0, "wall"), (1, "CPU ")):
        a = statistics.median(t[i] for t in app_t)
        b = statistics.median(t[i] for t in bare_t)
        ratios.append(a / b)
        print(f"    {what}: bare PySide6 + pyqtgraph window {b * 1000:5.0f} ms "
              f"[{', '.join(f'{t[i] * 1000:.0f}' for t in bare_t)}]")
        print(f"          pnn-gui main window (fc)        {a * 1000:5.0f} ms "
              f"[{', '.join(f'{t[i] * 1000:.0f}' for t in app_t)}]   ratio {a / b:.2f}")
    print(f"    goal: ratio <= 1.3 (wall {ratios[0]:.2f}, CPU {ratios[1]:.2f}); CPU time is the "
          "steadier figure when other work shares the machine")


def step_redraw(rounds: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from pnn_gui.app import make_application
    from pnn_gui.main_window import MainWindow

    app = make_application(["bench"])
    window = MainWindow(settings=False)
    window.resize(1400, 900)
    window.set_animations_enabled(False)
    window.show()
    for _ in range(5):
        app.processEvents()
    panel = window.current_panel()
    rng = np.random.default_rng(0)
    big = {"x": rng.normal(size=40), "w": rng.normal(size=(40, 40)), "b": rng.normal(size=40),
           "dy": rng.normal(size=40)}
    print("(b) step change: state.set_step(k) + the repaint it causes")
    for label, inputs in (("fc example, 14 steps", None), ("40 x 40 layer", big)):
        if inputs is not None:
            for name, ed in panel.editors.items():
                ed.set_value(inputs[name])
            panel.state.set_inputs(inputs, replace=True)
        n = panel.state.n_steps
        jumps = list(range(n + 1)) if n <= 100 else list(range(0, n + 1, max(1, n // 100)))
        passes = [("changed areas", jumps), ("whole window", jumps)]
        if n > 100:  # what → held down does: one step at a time, through a stretch of the trace
            passes.append(("→ one by one", list(range(n // 2, n // 2 + 300))))
        app.processEvents()
        for how, ks in passes:
            times, cpu = [], []
            for _ in range(rounds):
                for k in ks:
                    t, c = time.perf_counter(), time.thread_time()
                    panel.state.set_step(k)
                    if how == "whole window":
                        window.repaint()
                    else:
                        app.processEvents()  # Qt repaints what changed, as in the app
                    times.append(time.perf_counter() - t)
                    cpu.append(time.thread_time() - c)
                    app.processEvents()
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            print(f"    {label:20s} ({n:4d} steps), {how:13s}: median "
                  f"{statistics.median(times) * 1000:5.2f} ms (CPU "
                  f"{statistics.median(cpu) * 1000:5.2f} ms), 95th percentile "
                  f"{p95 * 1000:5.2f} ms over {len(times)} changes  (goal < 16 ms)")

        pane = window.solution
        pane_t = []
        for _ in range(rounds):
            for k in jumps:
                t = time.perf_counter()
                pane.set_current(k)
                pane_t.append(time.perf_counter() - t)
            app.processEvents()
        print(f"    {'':20s}  of which the solution pane's set_current: median "
              f"{statistics.median(pane_t) * 1000:5.3f} ms")

    # one delta-flow frame: move the markers, repaint the view
    panel.set_animations_enabled(True)
    panel.state.set_step(1)
    frames = []
    for _ in range(rounds * 10):
        panel.flow.play(panel.state.trace.steps[0].reads, panel.state.trace.steps[0].writes)
        t = time.perf_counter()
        panel.flow._on_frame(0.5)
        panel.view_widget.viewport().repaint()
        frames.append(time.perf_counter() - t)
        panel.flow.skip()
    print(f"    delta-flow frame (markers moved + view repainted): median "
          f"{statistics.median(frames) * 1000:.2f} ms")
    window.set_saved()
    window.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="first-paint runs per side")
    ap.add_argument("--rounds", type=int, default=5, help="passes over the steps")
    ap.add_argument("--only", choices=("paint", "step"), help="one of the two measurements")
    args = ap.parse_args()
    if args.only in (None, "paint"):
        first_paint(args.runs)
    if args.only in (None, "step"):
        step_redraw(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
