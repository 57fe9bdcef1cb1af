"""One layer's own worked steps, with the chain's numbers (the Network panel's inner depth):
the tensors the current step reads and writes, at most :data:`N_SLOTS` at a time, heatmaps with
the read cells outlined and the written ones lit (:class:`~pnn_gui.widgets.tensor_view.TensorGrid`).

- At step 0 the slots show the layer's given tensors (its input, parameters and δy); at step k
  the tensors step k reads, then those it writes, in the trace's order (writes kept first when
  there are more than the slots).
- A tensor of any rank is drawn through a :class:`~pnn_gui.views.slot_layout.SlotLayout`
  (channels side by side, or one at a time; a filter bank as its grid of matrices), and the
  step's cells are located through the same layout, vectorised, so a coarsened step of
  thousands of cells costs no Python loop per cell.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.steps import Ref, Step, Trace
from pnn_gui.views.slot_layout import SlotLayout
from pnn_gui.widgets.delta_flow import DeltaFlow
from pnn_gui.widgets.tensor_view import TensorGrid, symmetric_levels

N_SLOTS = 4
#: a layer's own tensor names as the window writes them
TITLES = {"x": "x", "y": "y", "w": "W", "f": "f", "b": "b", "dy": "δy", "dx": "δx",
          "dw": "ΔW", "df": "ΔF", "db": "Δb", "x_padded": "x padded", "f_back": "f_back",
          "dy_dilated": "δy dilated, padded", "t": "t", "p": "p = softmax(y)", "loss": "L"}
#: most read / written cells per tensor the delta flow sends markers from
MAX_FLOW_REFS = 24


def _title(name: str, shape: tuple[int, ...]) -> str:
    shape_text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    return f"{TITLES.get(name, name)}   {shape_text}"


class LayerView(TensorGrid):
    """See the module docstring."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumWidth(360)
        for i in range(N_SLOTS):
            self.add_view(f"s{i}", "", row=i // 2, col=i % 2)
        self.set_locator(self._locate)
        self.flow = DeltaFlow(self, self.scene_pos, parent=self)
        self._trace: Trace | None = None
        self._given: list[str] = []
        self._slots: dict[str, tuple[str, SlotLayout]] = {}   # tensor -> (slot, layout)
        self._levels: dict[str, tuple[float, float]] = {}

    def set_trace(self, trace: Trace) -> None:
        """A new layer trace: its given tensors and colour levels."""
        self._trace = trace
        written = trace.written()
        self._given = [n for n in trace.tensors if n not in written]
        self._levels = {n: symmetric_levels(v) for n, v in trace.tensors.items()}

    def names_for(self, step: Step | None) -> list[str]:
        """The tensors shown for ``step`` (None: the given ones), in slot order."""
        if step is None:
            return self._given[:N_SLOTS]
        order = list(self._trace.tensors)
        reads = sorted({n for n, _ in step.reads}, key=order.index)
        writes = sorted({n for n, _ in step.writes}, key=order.index)
        reads = [n for n in reads if n not in writes]
        return (reads[:max(0, N_SLOTS - len(writes))] + writes)[:N_SLOTS]

    def show(self, tensors: Mapping[str, np.ndarray], step: Step | None, animate: bool) -> None:
        names = self.names_for(step)
        self._slots = {}
        for i in range(N_SLOTS):
            view = self.view(f"s{i}")
            if i >= len(names):
                view.set_visible(False)
                continue
            name = names[i]
            arr = np.asarray(tensors[name], float)
            layout = SlotLayout.of(arr.shape)
            self._slots[name] = (f"s{i}", layout)
            view.set_visible(True)
            view.set_title(_title(name, arr.shape))
            view.set_array(layout.image(arr), levels=self._levels.get(name),
                           gaps=layout.gaps())
        self.settle_layout()
        if step is None:
            # (outlines are set per slot in _light: the grid's highlight() does not know them)
            for i in range(N_SLOTS):
                self.view(f"s{i}").set_highlight((), ())
            self.flow.skip()
            return
        self._light(step)
        if animate:
            self.flow.play(_sample(step.reads), _sample(step.writes))

    def shown(self) -> dict[str, np.ndarray]:
        """Tensor name -> the 2-D image its slot shows now."""
        return {name: self.view(slot).values().copy() for name, (slot, _) in self._slots.items()}

    def _light(self, step: Step) -> None:
        """The step's read and written cells, located per tensor at once."""
        per: dict[str, tuple[list, list]] = {}
        for which, refs in ((0, step.reads), (1, step.writes)):
            groups: dict[str, list] = {}
            for name, idx in refs:
                groups.setdefault(name, []).append(idx)
            for name, idxs in groups.items():
                hit = self._slots.get(name)
                if hit is None or not idxs or not len(idxs[0]):
                    cells = [(0, 0)] if hit is not None else []
                else:
                    cells = [tuple(rc) for rc in hit[1].cells(np.asarray(idxs)).tolist()]
                if hit is not None:
                    per.setdefault(hit[0], ([], []))[which].extend(cells)
        for i in range(N_SLOTS):
            reads, writes = per.get(f"s{i}", ([], []))
            self.view(f"s{i}").set_highlight(reads, writes)

    def _locate(self, ref: Ref):
        name, idx = ref
        hit = self._slots.get(name)
        if hit is None:
            return None
        cell = hit[1].cell(tuple(idx)) if len(idx) else (0, 0)
        return None if cell is None else (hit[0], cell)


def _sample(refs) -> list[Ref]:
    """At most :data:`MAX_FLOW_REFS` refs per tensor, evenly spread."""
    groups: dict[str, list] = {}
    for ref in refs:
        groups.setdefault(ref[0], []).append(ref)
    out: list[Ref] = []
    for group in groups.values():
        if len(group) > MAX_FLOW_REFS:
            stride = len(group) / MAX_FLOW_REFS
            group = [group[int(i * stride)] for i in range(MAX_FLOW_REFS)]
        out.extend(group)
    return out
