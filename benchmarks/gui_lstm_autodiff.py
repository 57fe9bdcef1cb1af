"""GUI speed of the LSTM and autodiff panels, in the main window (offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_lstm_autodiff.py [--rounds N]

(a) **Autodiff, a 200-node expression** (65 terms ``sin(xₖ·c)`` plus their sum):
    - *lay out and draw*: ``GraphView.set_graph`` (layers, ordering, bend points, every item
      updated) until painted — the goal is < 200 ms;
    - *whole edit*: pasting the expression into the field — parse, the engine's trace, the
      central-difference check, graph, tables — until painted;
    - *step change*: ``state.set_step(k)`` until painted, over the steps (goal < 16 ms);
    - *animation frame*: moving the marker along an edge until painted (goal < 16 ms).
(b) **LSTM, T = 50, n_in = 4, n_h = 16** (seeded random fill):
    - *step change*: ``state.set_step(k)`` until painted, animations off, every step;
    - *stepping with animation*: ``state.set_step(k + 1)`` with animations on (starts the delta
      flow and the bar growth) until painted;
    - *animation frame*: one frame of both animations (the flow markers and the growing δc bars
      at mid-time) until painted — the goal is < 16 ms.
Every measurement ends with ``app.processEvents()``, which paints what changed: a pyqtgraph view
paints its viewport from the event loop (the scene's ``changed`` signal), so ``window.repaint()``
alone would not include the heatmaps and the graph. Medians, 95th percentiles and maxima are
printed; nothing is asserted. The machine is shared: run it when nothing else is busy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stats(label: str, times: list[float], goal_ms: float) -> None:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"    {label:44s} median {statistics.median(times) * 1000:7.2f} ms, "
          f"95th pct {p95 * 1000:7.2f} ms, max {times[-1] * 1000:7.2f} ms  "
          f"(n = {len(times)}, goal < {goal_ms:g} ms)")


def _expression(terms: int = 65) -> str:
    return " + ".join(f"sin(x{i % 5}*{i + 2})" for i in range(terms))


def _show_step_times(panel, ks: list[int], rounds: int) -> list[float]:
    """The panel's own share of a step change: ``show_step`` alone, nothing painted (the rest
    of a step change is the solution pane, the player and Qt's paint)."""
    out = []
    for _ in range(rounds):
        for k in ks:
            panel.state.step = k  # what set_step does before the window calls show_step
            t = time.perf_counter()
            panel.show_step(k)
            out.append(time.perf_counter() - t)
    return out


def bench_autodiff(window, app, rounds: int) -> None:
    from PySide6 import QtWidgets

    from engine import autodiff

    window.show_panel("Autodiff")
    panel = window.current_panel()
    expression = _expression()
    values = {f"x{i}": 0.1 * (i + 1) for i in range(5)}
    n_nodes = len(autodiff.parse(expression))
    print(f"(a) autodiff: a {n_nodes}-node expression ({len(expression)} characters)")
    ev = autodiff.evaluate(expression, values)
    names = [n.name for n in ev.nodes]
    labels = list(ev.labels)
    inputs = [n.inputs for n in ev.nodes]
    derivs = [e.partial if e.partial is not None else 0.0 for e in ev.edges]
    layout = []
    for _ in range(rounds * 2):
        t = time.perf_counter()
        panel.graph.set_graph(names, labels, inputs, local_derivatives=derivs)
        app.processEvents()
        layout.append(time.perf_counter() - t)
    _stats("lay out and draw (set_graph + paint)", layout, 200)

    for name, v in values.items():
        panel._known[name] = v
    edits = []
    clipboard = QtWidgets.QApplication.clipboard()
    for r in range(rounds * 2):
        text = expression if r % 2 == 0 else expression + " + x0"
        clipboard.setText(text)
        t = time.perf_counter()
        panel.expression.selectAll()
        panel.expression.paste()
        app.processEvents()
        edits.append(time.perf_counter() - t)
    assert panel.state.trace is not None and not panel.state.errors, panel.state.errors
    _stats("whole edit (paste -> engine -> graph, tables)", edits, 200)

    window.set_animations_enabled(False)
    n = panel.state.n_steps
    ks = list(range(0, n + 1, max(1, n // 150)))
    steps = []
    for _ in range(rounds):
        for k in ks:
            t = time.perf_counter()
            panel.state.set_step(k)
            app.processEvents()
            steps.append(time.perf_counter() - t)
    _stats(f"step change ({n} steps)", steps, 16)
    _stats("  of which panel.show_step (no paint)", _show_step_times(panel, ks, rounds), 16)

    frames = []
    edge = len(panel.graph.edges) // 2
    for r in range(rounds * 20):
        t = time.perf_counter()
        panel.graph.set_flow((r % 20) / 19, edge if r % 20 == 0 else None)
        app.processEvents()
        frames.append(time.perf_counter() - t)
    panel.graph.set_flow(None)
    _stats("animation frame (marker moved + paint)", frames, 16)


def bench_lstm(window, app, rounds: int) -> None:
    window.show_panel("LSTM")
    panel = window.current_panel()
    window.set_animations_enabled(False)
    panel.spin_seed.setValue(1)
    panel.spin_n_in.setValue(4)
    panel.spin_n_h.setValue(16)
    panel.spin_T.setValue(50)
    panel.random_button.click()
    window.compute.finish()  # in case the solve went to a worker thread
    trace = panel.state.trace
    n = len(trace)
    print(f"(b) LSTM: T = 50, n_in = 4, n_h = 16, {n} steps"
          + (f" ({trace.note.split(';')[0]})" if trace.note else ""))
    steps = []
    for _ in range(rounds):
        for k in range(n + 1):
            t = time.perf_counter()
            panel.state.set_step(k)
            app.processEvents()
            steps.append(time.perf_counter() - t)
    _stats("step change, animations off", steps, 16)
    _stats("  of which panel.show_step (no paint)",
           _show_step_times(panel, list(range(n + 1)), rounds), 16)

    window.set_animations_enabled(True)
    animated, frames = [], []
    for _ in range(rounds):
        panel.state.set_step(0)
        app.processEvents()
        for k in range(1, n + 1):
            t = time.perf_counter()
            panel.state.set_step(k)
            app.processEvents()
            animated.append(time.perf_counter() - t)
            # one mid-animation frame of the delta flow and the growing bars
            t = time.perf_counter()
            if panel.flow.is_running():
                panel.flow._anim.setCurrentTime(panel.flow._anim.duration() // 2)
            if panel._grow.state() == panel._grow.State.Running:
                panel._grow.setCurrentTime(panel._grow.duration() // 2)
            app.processEvents()
            frames.append(time.perf_counter() - t)
            panel.flow.skip()
    _stats("step change, animations on (starts them)", animated, 16)
    _stats("animation frame (flow + bars moved + paint)", frames, 16)
    window.set_animations_enabled(False)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="passes over each measurement")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    sys.path.insert(0, str(ROOT))
    from pnn_gui.app import make_application
    from pnn_gui.main_window import MainWindow

    app = make_application(["bench"])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    for _ in range(5):
        app.processEvents()
    try:
        bench_autodiff(window, app, args.rounds)
        bench_lstm(window, app, args.rounds)
    finally:
        window.set_saved()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
