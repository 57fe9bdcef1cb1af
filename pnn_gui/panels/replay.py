"""Replaying a trace's writes fast enough to scrub through it (Qt-free).

:meth:`engine.steps.Trace.replay` starts from NaN every call, so step k costs O(k). A player that
moves one step at a time, or a slider dragged back and forth over a long (coarsened) trace, needs
each frame in well under 16 ms: :class:`Replayer` keeps the tensors at the current step, applies
only the steps in between when moving forward, and restarts from the nearest checkpoint (every
:data:`CHECKPOINT_EVERY` steps) when moving back. Its arrays equal ``trace.replay(k)`` exactly.
"""

from __future__ import annotations

import numpy as np

from engine.steps import Trace

CHECKPOINT_EVERY = 64


class Replayer:
    """``goto(k)`` -> the written tensors after steps[0:k] (NaN where not written yet).

    The returned dict is owned by the replayer and changes on the next ``goto``: copy what you
    keep.
    """

    def __init__(self, trace: Trace):
        self.trace = trace
        self._fresh = {name: np.full(np.shape(trace.tensors[name]), np.nan)
                       for name in trace.written()}
        self._arrays = {k: v.copy() for k, v in self._fresh.items()}
        self._k = 0
        self._checkpoints: dict[int, dict[str, np.ndarray]] = {}

    @property
    def k(self) -> int:
        return self._k

    def goto(self, k: int) -> dict[str, np.ndarray]:
        k = max(0, min(int(k), len(self.trace.steps)))
        if k < self._k:
            base = (k // CHECKPOINT_EVERY) * CHECKPOINT_EVERY
            while base > 0 and base not in self._checkpoints:
                base -= CHECKPOINT_EVERY
            src = self._checkpoints.get(base, self._fresh) if base else self._fresh
            for name, arr in self._arrays.items():
                np.copyto(arr, src[name])
            self._k = base
        self._apply(self._k, k)
        return self._arrays

    def _apply(self, start: int, stop: int) -> None:
        arrays = self._arrays
        steps = self.trace.steps
        for s in range(start, stop):
            st = steps[s]
            for (name, idx), v in zip(st.writes, st.values, strict=True):
                arrays[name][idx] = v
            done = s + 1
            if done % CHECKPOINT_EVERY == 0 and done not in self._checkpoints:
                self._checkpoints[done] = {n: a.copy() for n, a in arrays.items()}
        self._k = stop
