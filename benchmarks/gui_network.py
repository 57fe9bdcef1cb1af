"""Speed of the Network panel in the window (issue 15's budgets).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_network.py [--rounds N]

(a) The `network` example's solve as the panel's state runs it — parse, forward + backward and
    the layer-by-layer trace (`network_steps.solve`) — and going into each layer (parse, run,
    the layer's own trace): goal < 50 ms.
(b) A step change and the repaint it causes (`state.set_step(k)`, then Qt repaints what
    changed), at the chain depth (12 steps) and inside the Conv2D layer (131 steps), every
    step in turn and one by one (→ held down); medians and 95th percentiles. Goal < 16 ms.
(c) The same for a 32×32×3 input with two conv layers (benchmarks/network.py (b)): its solve
    runs on a worker; here the step changes once it has arrived.

Wall-clock medians; nothing is asserted. The figures: benchmarks/README.md.
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
sys.path.append(str(ROOT / "benchmarks"))   # after the project: benchmarks/engine.py


def _ms(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    return f"median {statistics.median(times) * 1000:6.2f} ms, 95th percentile {p95 * 1000:6.2f} ms"


def solve_times(rounds: int) -> None:
    from engine import examples, network_steps
    from engine import network as nw

    spec = examples.load("network").inputs
    print("(a) the network example's solve (goal < 50 ms)")
    times = []
    for _ in range(rounds + 1):
        t = time.perf_counter()
        network_steps.solve(**spec)
        times.append(time.perf_counter() - t)
    print(f"    parse + run + layer_by_layer       {_ms(times[1:])}")
    n = len(spec["layers"])
    for i in range(1, n + 1):
        times = []
        for _ in range(rounds + 1):
            t = time.perf_counter()
            nw.run(nw.parse(spec)).layer_trace(i)
            times.append(time.perf_counter() - t)
        print(f"    going into L{i} ({spec['layers'][i - 1]['type']:7s})          "
              f"{_ms(times[1:])}")


def step_changes(rounds: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from network import _big_spec

    from pnn_gui.app import make_application
    from pnn_gui.main_window import MainWindow

    app = make_application(["bench"])
    window = MainWindow(settings=False)
    window.resize(1400, 900)
    window.set_animations_enabled(False)
    window.show()
    window.load_example("network")
    for _ in range(5):
        app.processEvents()
    panel = window.current_panel()

    def measure(label: str) -> None:
        st = panel.state
        n = st.n_steps
        every = list(range(n + 1)) if n <= 150 else list(range(0, n + 1, n // 150))
        for how, ks in (("every step in turn", every), ("one by one (→)", list(range(n + 1)))):
            times = []
            for _ in range(rounds):
                st.set_step(0)
                app.processEvents()
                for k in ks:
                    t = time.perf_counter()
                    st.set_step(k)
                    app.processEvents()   # Qt repaints what changed, as in the app
                    times.append(time.perf_counter() - t)
            print(f"    {label:34s} ({n:4d} steps), {how:18s}: {_ms(times)}")

    print("(b) step change + repaint, the network example (goal < 16 ms)")
    measure("chain depth")
    panel.enter_layer(1)
    measure("inside L1 conv2d")
    panel.leave_layer()

    print("(c) a 32×32×3 input, two conv layers")
    with window.replacing_inputs():
        panel.restore_session({"kind": "network", "inputs": _big_spec()})
    measure("chain depth")
    t = time.perf_counter()
    panel.enter_layer(1)
    while panel.state.depth != 1:
        app.processEvents()
    print(f"    going into L1 (on a worker when large): {(time.perf_counter() - t) * 1000:.0f} ms")
    measure("inside L1 conv2d")
    window.set_saved()
    window.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    solve_times(args.rounds * 4)
    step_changes(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
