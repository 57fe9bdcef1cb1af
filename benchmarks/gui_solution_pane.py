"""The worked-solution pane: a step change, from set_current to the end of its paint.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_solution_pane.py [--rounds N]
    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python benchmarks/gui_solution_pane.py          # a real window (X server)

The main window (animations off, 1280 x 800: the narrowest worked solution, the most wrapping)
shows the fully connected panel with traces of growing length: the fc example (14 steps), a
12 x 12 layer (180 steps) and an 18 x 18 layer (378 steps; both still wrapped), and a 47 -> 39
layer (1,958 steps, the longest fully connected trace the engine does not coarsen: uniform rows).
For each, two ways of stepping, each timed from the call to the end of the repaint it causes
(``processEvents()``, which on xcb also sends the pixels to the X server):

- ``jumps``: Home, End and slider jumps across the trace (every row may change colour; the pane
  scrolls far);
- ``→ held``: one step at a time through a stretch of the trace (the pane scrolls a row).

Printed for the whole step change (``state.set_step(k)``: panel, player and pane) and for the pane
alone (``pane.set_current(k)`` + its repaint): median of the wall time and of this thread's CPU
time (the steadier one when others share the machine), 95th percentile and maximum of the wall
time. Goal: a step change under 16 ms. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layer(n_in: int, n_out: int, seed: int = 0) -> dict:
    import numpy as np

    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=n_in), "w": rng.normal(size=(n_in, n_out)),
            "b": rng.normal(size=n_out), "dy": rng.normal(size=n_out)}


def _summary(wall: list[float], cpu: list[float]) -> str:
    wall = sorted(wall)
    p95 = wall[int(0.95 * (len(wall) - 1))]
    return (f"median {statistics.median(wall) * 1000:5.2f} ms (CPU "
            f"{statistics.median(cpu) * 1000:5.2f}), 95th percentile {p95 * 1000:5.2f}, max "
            f"{wall[-1] * 1000:5.2f} ({len(wall)} changes)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="passes over the steps")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from pnn_gui.app import build
    from pnn_gui.widgets.solution_pane import WRAP_LIMIT

    app, window = build(["bench"], settings=False)
    window.set_animations_enabled(False)
    window.resize(1280, 800)
    window.show()
    for _ in range(5):
        app.processEvents()
    panel, pane = window.current_panel(), window.solution
    print(f"platform {app.platformName()}, window {window.width()} x {window.height()}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for label, inputs in (("fc example", None), ("12 x 12 layer", _layer(12, 12)),
                          ("18 x 18 layer", _layer(18, 18)), ("47 x 39 layer", _layer(47, 39))):
        if inputs is not None:
            for name, ed in panel.editors.items():
                ed.set_value(inputs[name])
            panel.state.set_inputs(inputs, replace=True)
        for _ in range(5):
            app.processEvents()
        n = panel.state.n_steps
        mode = "wrapped" if n <= WRAP_LIMIT else "uniform rows"
        jumps = [0, n, 0, n] + list(range(0, n + 1, max(1, n // 40))) + [n // 3, 2, n - 1, 1]
        held = list(range(n // 2, min(n, n // 2 + 200)))
        print(f"{label} ({n} steps, {mode}):")
        for how, ks in (("jumps", jumps), ("→ held", held)):
            for who, change in (("step change", panel.state.set_step),
                                ("pane alone ", pane.set_current)):
                wall, cpu = [], []
                for _ in range(args.rounds):
                    for k in ks:
                        t, c = time.perf_counter(), time.thread_time()
                        change(k)
                        app.processEvents()
                        wall.append(time.perf_counter() - t)
                        cpu.append(time.thread_time() - c)
                print(f"    {how:6s} {who}: {_summary(wall, cpu)}")
    window.set_saved()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
