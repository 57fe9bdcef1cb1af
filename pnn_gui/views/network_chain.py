"""The chain as a row of tensor blocks: the input and each layer's output on top (forward fills
them left to right), the δ at each of them below (backward fills them right to left), the loss
at the right. Heatmaps (:class:`~pnn_gui.widgets.tensor_view.TensorGrid`), each as wide as its
tensor's columns; the row scrolls sideways when it does not fit.

- A chain step reads and writes whole tensors, so the blocks themselves are outlined (blue: read,
  orange: written) rather than their cells, and a step's δ flows from block to block.
- ``set_blocks`` builds the picture anew only when the blocks (names and shapes) change; a step
  only sets arrays and outlines (well under a frame).
- A click on a block selects its layer (``block_clicked``), a double click goes into it
  (``block_double_clicked``): the x column is layer 1's input, column i layer i's output, the
  last column the loss.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import Ref
from pnn_gui.views.slot_layout import SlotLayout
from pnn_gui.widgets.delta_flow import DeltaFlow
from pnn_gui.widgets.tensor_view import (
    READ_PEN,
    WRITE_PEN,
    TensorGrid,
    as_grid,
    symmetric_levels,
)

#: narrowest block (px) and the narrowest cell (px) a block is given when the row must scroll
MIN_BLOCK = 44
MIN_CELL = 4
SELECTED_PEN = "#616161"
#: markers a block-to-block flow sends (sampled over the source block)
FLOW_MARKERS = 9


@dataclass(frozen=True)
class Block:
    """One heatmap: the chain tensor ``name`` with ``shape``, at (row, col); ``depth`` is what a
    click on it selects (a layer number, ``"loss"``, or None for the input)."""

    name: str
    title: str
    shape: tuple[int, ...]
    row: int
    col: int
    depth: int | str | None


class _Grid(TensorGrid):
    """The blocks' scene; mouse clicks become block clicks."""

    clicked = QtCore.Signal(str, bool)   # block name, double click

    def mousePressEvent(self, ev: QtGui.QMouseEvent) -> None:
        super().mousePressEvent(ev)
        self._click(ev, False)

    def mouseDoubleClickEvent(self, ev: QtGui.QMouseEvent) -> None:
        super().mouseDoubleClickEvent(ev)
        self._click(ev, True)

    def _click(self, ev: QtGui.QMouseEvent, double: bool) -> None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        pos = self.mapToScene(ev.position().toPoint())
        for name, view in self.views.items():
            if view.layout.sceneBoundingRect().contains(pos):
                self.clicked.emit(name, double)
                return


class ChainView(QtWidgets.QScrollArea):
    """See the module docstring."""

    block_clicked = QtCore.Signal(object)
    block_double_clicked = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.blocks: dict[str, Block] = {}
        self._layouts: dict[str, SlotLayout] = {}
        self._frames: dict[str, QtWidgets.QGraphicsRectItem] = {}
        self._levels: dict[str, tuple[float, float]] = {}
        self._lit: dict[str, str] = {}     # block -> "read" | "write" | "selected"
        self._selected: int | str | None = None
        self._digits = 4
        self._speed = 1.0
        self.grid: _Grid | None = None
        self.flow: DeltaFlow | None = None

    # -- structure ------------------------------------------------------------------------------
    def set_blocks(self, blocks: Sequence[Block]) -> None:
        """Build the picture for ``blocks`` (anew only when names or shapes changed)."""
        new = {b.name: b for b in blocks}
        same = [(b.name, b.shape, b.row, b.col) for b in blocks] == \
            [(b.name, b.shape, b.row, b.col) for b in self.blocks.values()]
        self.blocks = new
        if same and self.grid is not None:
            for b in blocks:
                self.grid.view(b.name).set_title(_shown_title(b.title))
            return
        if self.grid is not None:
            self.flow.skip()
            self.takeWidget().deleteLater()   # (setWidget would delete it at once)
        grid = _Grid()
        grid.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        grid.clicked.connect(self._on_grid_clicked)
        self._layouts, self._frames, self._lit = {}, {}, {}
        widths: dict[int, int] = {}
        for b in blocks:
            view = grid.add_view(b.name, _shown_title(b.title), b.row, b.col, colorbar=False)
            layout = SlotLayout.of(b.shape)
            self._layouts[b.name] = layout
            view.set_array(layout.image(np.full(b.shape, np.nan)))
            image = view.values()   # 2-D (a scalar is one cell)
            frame = QtWidgets.QGraphicsRectItem(0, 0, image.shape[1], image.shape[0])
            frame.setZValue(40)
            frame.setVisible(False)
            view.viewbox.addItem(frame)
            self._frames[b.name] = frame
            widths[b.col] = max(widths.get(b.col, 1), image.shape[1])
        lay = grid.ci.layout
        need: dict[int, float] = {}   # image width -> widest title among columns that wide
        for b in blocks:
            least = lay.itemAt(b.row, b.col).effectiveSizeHint(
                QtCore.Qt.SizeHint.MinimumSize).width()
            need[widths[b.col]] = max(need.get(widths[b.col], 0.0), least)
        for col, w in widths.items():
            lay.setColumnStretchFactor(col, w)
            # columns of blocks as wide get as much room: their cells (and values) alike
            lay.setColumnMinimumWidth(col, need[w])
        # the two rows keep together at the top; spare height goes below them
        grid.ci.addItem(pg.LabelItem(""), 2, 0)
        grid.ci.layout.setRowStretchFactor(2, 1)
        # as wide as the blocks' cells and titles need (beyond the view's width, it scrolls)
        titles = grid.ci.effectiveSizeHint(QtCore.Qt.SizeHint.MinimumSize).width()
        cells = sum(max(MIN_BLOCK, MIN_CELL * w) for w in widths.values()) + 12 * len(widths)
        grid.setMinimumWidth(int(max(titles, cells)) + 4)
        grid.set_precision(self._digits)
        self.grid = grid
        self.flow = DeltaFlow(grid, self._locate, parent=grid)
        self.flow.set_speed(self._speed)
        self.setWidget(grid)

    def set_levels(self, finals: Mapping[str, np.ndarray]) -> None:
        """Colour levels per block: ±max|value| of its final tensor (colours never jump)."""
        self._levels = {name: symmetric_levels(as_grid(self._layouts[name].image(
            np.asarray(finals[name], float)))) for name in self.blocks if name in finals}

    # -- a step ---------------------------------------------------------------------------------
    def show(self, tensors: Mapping[str, np.ndarray], reads: Iterable[str] = (),
             writes: Iterable[str] = ()) -> None:
        """Every block's tensor from ``tensors`` (NaN: not computed yet), the blocks read and
        written outlined."""
        for name, block in self.blocks.items():
            arr = tensors.get(name)
            if arr is None:
                arr = np.full(block.shape, np.nan)
            self.grid.view(name).set_array(self._layouts[name].image(np.asarray(arr, float)),
                                           levels=self._levels.get(name))
        lit = {name: "selected" for name, b in self.blocks.items()
               if b.row == 0 and b.depth == self._selected and b.depth is not None}
        lit.update({name: "read" for name in reads if name in self.blocks})
        lit.update({name: "write" for name in writes if name in self.blocks})
        for name in set(self._lit) | set(lit):
            how = lit.get(name)
            if how == self._lit.get(name):
                continue
            frame = self._frames[name]
            frame.setVisible(how is not None)
            if how is not None:
                color, width = {"read": (READ_PEN, 3), "write": (WRITE_PEN, 4),
                                "selected": (SELECTED_PEN, 2)}[how]
                pen = pg.mkPen(color, width=width, cosmetic=True,
                               style=QtCore.Qt.PenStyle.DashLine if how == "selected"
                               else QtCore.Qt.PenStyle.SolidLine)
                frame.setPen(pen)
        self._lit = lit
        written = [name for name in writes if name in self.blocks]
        if written:
            self.reveal(written[0])

    def reveal(self, name: str) -> None:
        """Scroll the row so that block ``name`` shows (a long chain scrolls sideways)."""
        r = self.block_rect(name)
        self.ensureVisible(r.center().x() + self.horizontalScrollBar().value(), r.center().y(),
                           r.width() // 2 + 8, 0)

    def set_selected(self, depth: int | str | None) -> None:
        """The layer whose output block is framed (the one Enter goes into)."""
        self._selected = depth

    def play(self, sources: Iterable[str], targets: Iterable[str]) -> None:
        """Markers from the ``sources`` blocks to the centre of the ``targets`` blocks."""
        if self.flow is None:
            return
        reads = [ref for name in sources if name in self.blocks for ref in self._sample(name)]
        writes = [(name, self._centre(name)) for name in targets if name in self.blocks]
        self.flow.play(reads, writes)

    def skip(self) -> None:
        if self.flow is not None:
            self.flow.skip()

    def set_speed(self, factor: float) -> None:
        self._speed = factor
        if self.flow is not None:
            self.flow.set_speed(factor)

    def set_precision(self, digits: int) -> None:
        self._digits = digits
        if self.grid is not None:
            self.grid.set_precision(digits)

    # -- tests and the panel ----------------------------------------------------------------------
    def values(self, name: str) -> np.ndarray:
        """The 2-D image block ``name`` shows (NaN: not computed yet)."""
        return self.grid.view(name).values()

    def outlined(self) -> dict[str, str]:
        """Block -> how it is outlined now ("read", "write", "selected")."""
        return dict(self._lit)

    def block_rect(self, name: str) -> QtCore.QRect:
        """Where block ``name`` is, in this widget's coordinates."""
        view = self.grid.view(name)
        scene = view.layout.sceneBoundingRect()
        poly = self.grid.mapFromScene(scene)
        return QtCore.QRect(self.grid.mapTo(self, poly.boundingRect().topLeft()),
                            poly.boundingRect().size())

    # -- internals ------------------------------------------------------------------------------
    def _on_grid_clicked(self, name: str, double: bool) -> None:
        depth = self.blocks[name].depth
        (self.block_double_clicked if double else self.block_clicked).emit(depth)

    def _image_shape(self, name: str) -> tuple[int, int]:
        return self.grid.view(name).shape or (1, 1)

    def _centre(self, name: str) -> tuple[int, int]:
        rows, cols = self._image_shape(name)
        return (rows // 2, cols // 2)

    def _sample(self, name: str) -> list[Ref]:
        rows, cols = self._image_shape(name)
        side = int(np.ceil(np.sqrt(FLOW_MARKERS)))
        rs = sorted({int(r) for r in np.linspace(0, rows - 1, min(rows, side))})
        cs = sorted({int(c) for c in np.linspace(0, cols - 1, min(cols, side))})
        return [(name, (r, c)) for r in rs for c in cs]

    def _locate(self, ref: Ref) -> QtCore.QPointF | None:
        name, (r, c) = ref
        if self.grid is None or name not in self.blocks:
            return None
        return self.grid.view(name).cell_scene_pos(r, c)


def _shown_title(title: str) -> str:
    """A block's title a word a line ("L1" over "conv2d", "δ" over "(6,6,2)"): the row's width
    goes to the blocks' cells, not to their titles."""
    return title.replace(" ", "<br>")
