"""The tensors as they stand after k steps of a trace, found quickly for any k (Qt-free).

- ``TraceCursor(trace).tensors_at(k)`` is what a panel draws at step k: every tensor of the trace,
  the inputs as given and each written one after steps[0:k] (NaN = not written yet), exactly
  ``{**trace.tensors, **trace.replay(k)}``; at the last step ``trace.tensors`` itself (the engine's
  tests assert that replaying every step gives them). Panels never replay or merge themselves.
- The arrays returned are the cursor's own: never modify them. They stay valid until the cursor
  moves forward (it writes into them then); going back gives new arrays, so a panel drawing step
  k may ask for k − 1 (the state before the step) and keep using what it got for k.
- :meth:`Trace.replay` rebuilds every written tensor from the start on each call: fine for a
  sheet-sized trace, too slow for a step redraw on a large one. The cursor moves from its current
  step to the one asked for by applying only the writes in between (one fancy-indexed assignment
  per tensor per step, prepared once), and goes back from the nearest saved checkpoint. The values
  are exactly replay's: the same writes in the same order.
- :class:`StepTally` does the same for something a view builds up from the steps themselves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.steps import Step, Trace

#: a copy of every written tensor is kept every CHECKPOINT steps (for stepping backwards)
CHECKPOINT = 64


class TraceCursor:
    """``tensors_at(k)``: every tensor after steps[0:k]; ``at(k)``: only the written ones."""

    def __init__(self, trace: Trace):
        self.trace = trace
        self._k = 0
        self._prepared: dict[int, list[tuple[str, tuple, np.ndarray]]] = {}
        self._now: dict[str, np.ndarray] | None = None  # built on the first call of at()
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._checkpoints: dict[int, dict[str, np.ndarray]] = {}

    def _start(self) -> None:
        names = sorted(self.trace.written())
        self._shapes = {n: np.shape(self.trace.tensors[n]) for n in names}
        self._now = {n: np.full(self._shapes[n], np.nan) for n in names}
        self._checkpoints = {0: self._copy()}

    def _copy(self) -> dict[str, np.ndarray]:
        return {n: a.copy() for n, a in self._now.items()}

    def _writes(self, i: int) -> list[tuple[str, tuple, np.ndarray]]:
        """Step i's writes grouped by tensor: (name, index arrays, values), in write order."""
        got = self._prepared.get(i)
        if got is not None:
            return got
        s = self.trace.steps[i]
        groups: dict[str, tuple[list, list]] = {}
        order: list[str] = []
        for (name, idx), v in zip(s.writes, s.values, strict=True):
            if name not in groups:
                groups[name] = ([], [])
                order.append(name)
            groups[name][0].append(idx)
            groups[name][1].append(v)
        out = []
        for name in order:
            idxs, vals = groups[name]
            nd = len(self._shapes[name])
            if nd == 0:
                index: tuple = ()
                out.append((name, index, np.asarray(vals[-1], float)))
                continue
            arr = np.asarray(idxs, dtype=np.intp).reshape(len(idxs), nd)
            # a later write to the same element wins, as in replay: keep the last of duplicates
            flat = np.ravel_multi_index(arr.T, self._shapes[name])
            _, last = np.unique(flat[::-1], return_index=True)
            keep = np.sort(len(flat) - 1 - last)
            index = tuple(arr[keep].T)
            out.append((name, index, np.asarray(vals, float)[keep]))
        self._prepared[i] = out
        return out

    def tensors_at(self, k: int) -> dict[str, np.ndarray]:
        """Every tensor of the trace after ``k`` steps: the inputs as given, the written ones as
        far as written (NaN = not yet); at the last step ``trace.tensors`` itself."""
        if k >= len(self.trace.steps):
            return self.trace.tensors
        return {**self.trace.tensors, **self.at(k)}

    def at(self, k: int) -> dict[str, np.ndarray]:
        """The written tensors after ``k`` steps (views of the cursor's arrays: do not modify)."""
        k = max(0, min(int(k), len(self.trace.steps)))
        if self._now is None:
            self._start()
        if k < self._k:
            base = max(c for c in self._checkpoints if c <= k)
            self._now = {n: a.copy() for n, a in self._checkpoints[base].items()}
            self._k = base
        while self._k < k:
            stop = min(k, (self._k // CHECKPOINT + 1) * CHECKPOINT)  # to the next checkpoint
            if stop - self._k == 1:  # one step (stepping forward): its prepared writes
                for name, index, vals in self._writes(self._k):
                    self._now[name][index] = vals
            else:
                self._apply_span(self._k, stop)
            self._k = stop
            if self._k % CHECKPOINT == 0 and self._k not in self._checkpoints:
                self._checkpoints[self._k] = self._copy()
        return self._now

    def _apply_span(self, start: int, stop: int) -> None:
        """Apply the writes of steps [start, stop) at once: one pass over them gathering the
        writes per tensor, then one assignment per tensor, the last write of an element
        winning (a jump to the last step after an edit: 0.3 ms instead of 4 ms, LSTM example)."""
        per: dict[str, tuple[list, list]] = {}
        for s in self.trace.steps[start:stop]:
            for (name, idx), v in zip(s.writes, s.values, strict=True):
                got = per.get(name)
                if got is None:
                    got = per[name] = ([], [])
                got[0].append(idx)
                got[1].append(v)
        for name, (idxs, vals) in per.items():
            shape = self._shapes[name]
            if not shape:
                self._now[name][()] = vals[-1]
                continue
            arr = np.asarray(idxs, dtype=np.intp).reshape(len(idxs), len(shape))
            flat = np.ravel_multi_index(arr.T, shape)
            _, last = np.unique(flat[::-1], return_index=True)  # the last write of each
            keep = len(flat) - 1 - last
            self._now[name].flat[flat[keep]] = np.asarray(vals, float)[keep]


class StepTally:
    """Something a view builds up step by step from the steps themselves (how far each filter
    matrix has moved, how many shares each δx element has received), found quickly for any k.

    ``update(step, arr)`` changes ``arr`` in place for one step; ``at(k)`` is the array after
    steps[0:k] (a copy kept every CHECKPOINT steps, so any k costs at most CHECKPOINT updates;
    a loop, not recursion: a trace may have 2,000 steps). Do not modify what ``at`` returns.
    """

    def __init__(self, trace: Trace, start: np.ndarray,
                 update: Callable[[Step, np.ndarray], None]):
        self.trace = trace
        self._update = update
        self._saved: dict[int, np.ndarray] = {0: np.array(start)}
        self._recent: dict[int, np.ndarray] = {}  # the last two asked for (k - 1 and k)

    def at(self, k: int) -> np.ndarray:
        k = max(0, min(int(k), len(self.trace.steps)))
        got = self._saved.get(k, self._recent.get(k))
        if got is not None:
            return got
        base = max(c for c in self._saved if c <= k)
        arr = self._saved[base].copy()
        for i in range(base, k):
            self._update(self.trace.steps[i], arr)
            if (i + 1) % CHECKPOINT == 0 and i + 1 not in self._saved:
                self._saved[i + 1] = arr.copy()
        if len(self._recent) >= 2:
            self._recent.pop(next(iter(self._recent)))
        self._recent[k] = arr
        return arr
