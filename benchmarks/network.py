"""Speed of a whole network (engine/network.py), the figures the Network panel's budgets need.

    .venv/bin/python benchmarks/network.py [--rounds N]

(a) The `network` example (6×6×1 → Conv2D 2×3×3 → ReLU → avg pool → flatten → fc 3 → softmax +
    cross-entropy): parse the spec, forward + backward (`run`), the layer-by-layer steps, every
    layer's own worked steps (`network_steps.worked`), and all of them together — goal < 50 ms.
    Also one SGD step and the gradient check of every parameter.
(b) A 32×32×3 input with two conv layers (3×3×3×8, padding 1 → ReLU → max pool 2 → 3×3×8×16,
    padding 1 → ReLU → avg pool 2 → flatten → fc 1024 → 10 → softmax + cross-entropy): the same
    parts. The panel runs this off the GUI thread; the figures say how long the user waits.
    Its gradient check costs two forward passes per parameter element, so it is timed for one
    parameter (the first conv's filters) and the whole is estimated from the element counts.

Wall-clock medians (and CPU time) over the rounds, after one warm-up; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import examples, network_steps
from engine import network as nw


def _median_ms(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    fn()   # warm-up (imports, caches)
    wall, cpu = [], []
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def _row(label: str, fn: Callable[[], object], rounds: int, goal_ms: float | None = None) -> float:
    wall, cpu = _median_ms(fn, rounds)
    goal = "" if goal_ms is None else f"  goal < {goal_ms:g} ms" + (
        "" if wall < goal_ms else "   <-- over")
    print(f"    {label:52s} {wall:9.2f} ms (CPU {cpu:8.2f}){goal}")
    return wall


def _big_spec() -> dict:
    rng = np.random.default_rng(0)
    return {
        "input": rng.normal(size=(32, 32, 3)).tolist(),
        "layers": [
            {"type": "conv2d", "f": (rng.normal(size=(3, 3, 3, 8)) * 0.3).tolist(),
             "b": np.zeros(8).tolist(), "stride": 1, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool", "size": 2},
            {"type": "conv2d", "f": (rng.normal(size=(3, 3, 8, 16)) * 0.1).tolist(),
             "b": np.zeros(16).tolist(), "stride": 1, "padding": 1},
            {"type": "relu"},
            {"type": "avgpool", "size": 2},
            {"type": "flatten"},
            {"type": "fc", "w": (rng.normal(size=(1024, 10)) * 0.03).tolist(),
             "b": np.zeros(10).tolist()},
        ],
        "loss": {"type": "softmax_cross_entropy", "target": 3},
    }


def _measure(title: str, spec: dict, rounds: int, goal_ms: float | None, full_check: bool):
    print(title)
    net = nw.parse(spec)
    r = nw.run(net)
    _row("parse (check the spec)", lambda: nw.parse(spec), rounds)
    _row("run (forward + backward)", lambda: nw.run(net), rounds)
    _row("layer_by_layer (the first depth)", lambda: network_steps.layer_by_layer(r), rounds)
    notes = []
    for i in range(1, len(net.layers) + 1):
        try:
            t = r.layer_trace(i)
        except nw.NetworkError as exc:
            notes.append(str(exc))
            continue
        if t.note:
            notes.append(f"layer {i}: {len(t)} steps, {t.note}")
    try:
        worked = network_steps.worked(r)
    except nw.NetworkError as exc:
        print(f"    worked declined: {exc}")
    else:
        _row(f"worked (every layer's own steps: {len(worked):,})", lambda: network_steps.worked(r),
             rounds)

        def whole():
            done = nw.run(net)
            network_steps.layer_by_layer(done)
            network_steps.worked(done)
        _row("run + layer_by_layer + worked", whole, rounds, goal_ms)
    for note in notes:
        print(f"      {note}")
    _row("sgd_step (η = 0.1, with the new run)", lambda: nw.sgd_step(r, 0.1), rounds)
    sizes = {k: v.size for k, v in net.parameters().items()}
    if full_check:
        _row(f"gradient_check ({sum(sizes.values()):,} parameters)",
             lambda: nw.gradient_check(r), max(1, rounds // 4))
    else:
        first = next(iter(sizes))
        grad = first.replace(".", ".d")
        ms = _row(f"gradient_check of {grad} alone ({sizes[first]:,} elements)",
                  lambda: nw.gradient_check(r, names=[grad]), 1)
        per = ms / sizes[first]
        print(f"      every parameter ({sum(sizes.values()):,} elements) would take about "
              f"{per * sum(sizes.values()) / 1000:.0f} s at that rate (the later layers' "
              "elements are cheaper: their check starts at their own layer)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    _measure("(a) the network example", examples.load("network").inputs, args.rounds, 50.0,
             True)
    _measure("(b) 32×32×3, two conv layers", _big_spec(), max(3, args.rounds // 4), None, False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
