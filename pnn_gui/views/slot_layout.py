"""How one tensor of any rank sits in a 2-D heatmap (a slot of a tensor grid: Conv2D, Network).

A :class:`SlotLayout` maps both ways for one tensor, so the heatmap and the cells a step outlines
can never disagree:

- ``image(arr)``: the 2-D array drawn (NaN cells are drawn empty);
- ``cells(idx)``: where elements of the tensor are drawn — ``idx`` an (n, ndim) array of element
  indices, the result the (row, col) of each element that is drawn (``drawn(idx)`` says which:
  a layout showing one channel drops the others).

Four kinds, by the tensor's rank and size:

- ``"flat"``: a 1-D tensor as one row, a 2-D one as it prints;
- ``"side"``: a 3-D tensor (rows, cols, ch) with its channels side by side, one empty column
  between neighbours, while there are at most :data:`MAX_SIDE_CHANNELS` and their values print;
- ``"channel"``: one channel of a 3-D tensor (more channels, or too many values to print);
- ``"block"``: a 4-D filter bank (k_rows, k_cols, m, n) as a grid of its m × n matrices, one empty
  row / column between neighbours: matrix [:, :, i, j] at block row i, block column j.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pnn_gui.views.grid_geometry import block_layout, side_by_side
from pnn_gui.widgets.tensor_view import MAX_TEXT_CELLS

#: a 3-D tensor shows its channels side by side up to this many (and while its values still
#: print); past that, one channel at a time
MAX_SIDE_CHANNELS = 4


def fits_side_by_side(shape: tuple[int, ...]) -> bool:
    """Few enough channels and cells that every value can still be printed."""
    rows, cols, n = shape
    return n <= MAX_SIDE_CHANNELS and rows * (n * (cols + 1) - 1) <= MAX_TEXT_CELLS


@dataclass(frozen=True)
class SlotLayout:
    """How a tensor of ``shape`` is drawn; ``channel`` is the one shown by a "channel" layout."""

    kind: str
    shape: tuple[int, ...]
    channel: int = 0

    @classmethod
    def of(cls, shape: tuple[int, ...], channel: int = 0) -> SlotLayout:
        """The layout for a tensor of ``shape`` (``channel``: shown if one channel at a time)."""
        shape = tuple(int(s) for s in shape)
        if len(shape) == 4:
            return cls("block", shape)
        if len(shape) == 3:
            if fits_side_by_side(shape):
                return cls("side", shape)
            return cls("channel", shape, min(int(channel), shape[2] - 1))
        return cls("flat", shape)

    def image(self, arr: np.ndarray) -> np.ndarray:
        """The 2-D array drawn for ``arr`` (a tensor of this layout's shape)."""
        if self.kind == "block":
            return block_layout(arr)
        if self.kind == "side":
            return side_by_side(arr)
        if self.kind == "channel":
            return arr[:, :, self.channel]
        return arr

    def gaps(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The rows and columns of :meth:`image` that only separate channels or matrices."""
        if self.kind == "side":
            _rows, cols, n = self.shape
            return (), tuple(k * (cols + 1) + cols for k in range(n - 1))
        if self.kind == "block":
            kr, kc, m, n = self.shape
            return (tuple(i * (kr + 1) + kr for i in range(m - 1)),
                    tuple(j * (kc + 1) + kc for j in range(n - 1)))
        return (), ()

    def drawn(self, idx: np.ndarray) -> np.ndarray:
        """Which of the element indices ``idx`` ((n, ndim) ints) are drawn."""
        idx = np.asarray(idx).reshape(len(idx), -1)
        if idx.shape[1] != len(self.shape):
            return np.zeros(len(idx), bool)
        if self.kind == "channel":
            return idx[:, 2] == self.channel
        return np.ones(len(idx), bool)

    def cells(self, idx: np.ndarray) -> np.ndarray:
        """(row, col) in :meth:`image` of each element of ``idx`` that is drawn, (m, 2) ints."""
        idx = np.asarray(idx, dtype=np.intp).reshape(len(idx), -1)
        idx = idx[self.drawn(idx)]
        if self.kind == "block":
            kr, kc = self.shape[:2]
            return np.stack([idx[:, 2] * (kr + 1) + idx[:, 0],
                             idx[:, 3] * (kc + 1) + idx[:, 1]], axis=1)
        if self.kind == "side":
            cols = self.shape[1]
            return np.stack([idx[:, 0], idx[:, 2] * (cols + 1) + idx[:, 1]], axis=1)
        if self.kind == "channel":
            return idx[:, :2]
        if len(self.shape) == 1:
            return np.stack([np.zeros(len(idx), np.intp), idx[:, 0]], axis=1)
        return idx

    def cell(self, index: tuple[int, ...]) -> tuple[int, int] | None:
        """Where one element is drawn, or None when it is not."""
        rc = self.cells(np.asarray([index]))
        return (int(rc[0, 0]), int(rc[0, 1])) if len(rc) else None
