"""Delta flow: a step's contribution travelling from the cells it reads to the cell it writes.

Public API (other panels rely on it; keep it stable)::

    flow = DeltaFlow(grid, grid.scene_pos, group=grid.block_points)  # view + locator (+ blocks)
    flow.play(step.reads, step.writes)        # arrows + markers, ~300 ms at speed 1
    flow.play_points(sources, targets)        # the same from scene points already found
    flow.skip()                               # jump to the end (also: a click on the view)
    skip_all()                                # every flow (the main window's Esc)
    flow.set_speed(2.0)                       # 2× faster
    flow.is_running(); flow.finished          # signal at the end of each animation
    flow.markers()                            # where the markers are now

``locate(ref) -> QPointF | None`` gives a Ref's position in the view's *scene* coordinates
(``TensorGrid.scene_pos`` does that for heatmaps; a graph view can give node centres). All items
are created once and live in the view's scene above everything else; a frame only moves the
markers (a QVariantAnimation drives them), so nothing is rebuilt per frame. With ``group``
(``refs -> [QPointF]``, e.g. ``TensorGrid.block_points``) a marker leaves from each contiguous
block of read cells (a row of 64 weights sends one, not 64); without it, one per read. At most
:data:`MAX_MARKERS` sources are drawn (evenly sampled) so a coarsened step stays cheap.
Whether a step animates is the panel's to say (``Panel.animate``, and only →): the flow plays
when asked.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable

from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import Ref
from pnn_gui.widgets.animation import progress_animation

DURATION_MS = 300
MAX_MARKERS = 24
_ARROW = QtGui.QColor(21, 101, 192, 150)
#: the dot that carries a value from the cells a step reads to the cell it writes
MARKER = QtGui.QColor("#ff6f00")
_FLOWS: weakref.WeakSet[DeltaFlow] = weakref.WeakSet()


def skip_all() -> None:
    """End every running delta flow (the main window binds Esc to this)."""
    for flow in list(_FLOWS):
        try:
            flow.skip()
        except RuntimeError:  # its Qt object is gone (its window was closed)
            _FLOWS.discard(flow)


class DeltaFlow(QtCore.QObject):
    """Markers moving along arrows from read cells to written cells, in one graphics scene."""

    finished = QtCore.Signal()

    def __init__(self, view: QtWidgets.QGraphicsView,
                 locate: Callable[[Ref], QtCore.QPointF | None],
                 duration_ms: int = DURATION_MS, parent: QtCore.QObject | None = None,
                 group: Callable[[list[Ref]], list[QtCore.QPointF]] | None = None):
        super().__init__(parent or view)
        self._view = view
        self._locate = locate
        self._group = group
        self._duration = int(duration_ms)
        self._speed = 1.0
        scene = view.scene()
        self._arrows = QtWidgets.QGraphicsPathItem()
        pen = QtGui.QPen(_ARROW, 2.0)
        pen.setCosmetic(True)
        self._arrows.setPen(pen)
        self._arrows.setBrush(QtGui.QBrush(_ARROW))
        self._arrows.setZValue(1e6)
        self._arrows.setVisible(False)
        scene.addItem(self._arrows)
        self._markers: list[QtWidgets.QGraphicsEllipseItem] = []
        for _ in range(MAX_MARKERS):
            m = QtWidgets.QGraphicsEllipseItem(-5, -5, 10, 10)
            m.setBrush(QtGui.QBrush(MARKER))
            m.setPen(QtGui.QPen(QtGui.QColor("#ffffff"), 1.5))
            m.setZValue(1e6 + 1)
            m.setVisible(False)
            scene.addItem(m)
            self._markers.append(m)
        self._paths: list[tuple[QtCore.QPointF, QtCore.QPointF]] = []
        self._anim = progress_animation(self, self._on_frame, self._on_finished)
        view.viewport().installEventFilter(self)
        _FLOWS.add(self)

    # -- public -----------------------------------------------------------------------------
    def play(self, reads: Iterable[Ref], writes: Iterable[Ref]) -> None:
        """Animate from the reads (each block of them, with ``group``; else each locatable
        read) to the written cell(s) (their centre if several)."""
        targets = [p for p in (self._locate(r) for r in writes) if p is not None]
        if self._group is not None:
            sources = self._group(list(reads))
        else:
            sources = [p for p in (self._locate(r) for r in reads) if p is not None]
        self.play_points(sources, targets)

    def play_points(self, sources: list[QtCore.QPointF],
                    targets: list[QtCore.QPointF]) -> None:
        """Animate a marker from each source to the targets' centre (scene coordinates)."""
        self.skip()
        if not targets:
            return
        tx = sum(p.x() for p in targets) / len(targets)
        ty = sum(p.y() for p in targets) / len(targets)
        target = QtCore.QPointF(tx, ty)
        sources = [p for p in sources if (p - target).manhattanLength() > 1.0]
        if not sources:
            return
        if len(sources) > MAX_MARKERS:
            stride = len(sources) / MAX_MARKERS
            sources = [sources[int(i * stride)] for i in range(MAX_MARKERS)]
        self._paths = [(s, target) for s in sources]
        self._arrows.setPath(_arrows_path(self._paths))
        self._arrows.setVisible(True)
        for m, (s, _) in zip(self._markers, self._paths, strict=False):
            m.setPos(s)
            m.setVisible(True)
        self._anim.setDuration(max(1, int(self._duration / self._speed)))
        self._anim.start()

    def skip(self) -> None:
        """End the running animation now (markers and arrows disappear)."""
        if self._anim.state() == QtCore.QAbstractAnimation.State.Running:
            self._anim.stop()
            self._on_finished()

    def is_running(self) -> bool:
        return self._anim.state() == QtCore.QAbstractAnimation.State.Running

    def markers(self) -> list[QtCore.QPointF]:
        """Where the markers on their way are now (scene coordinates); none once the flow has
        ended, and its arrows are gone then too."""
        return [m.pos() for m in self._markers if m.isVisible()]

    def set_speed(self, factor: float) -> None:
        """Animation speed factor (2 = twice as fast)."""
        self._speed = max(0.05, float(factor))

    def duration_ms(self) -> int:
        """Length of one animation at the current speed."""
        return max(1, int(self._duration / self._speed))

    # -- internals --------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.MouseButtonPress and self.is_running():
            self.skip()
        return False

    def _on_frame(self, t) -> None:
        t = float(t)
        for m, (s, d) in zip(self._markers, self._paths, strict=False):
            m.setPos(s + (d - s) * t)

    def _on_finished(self) -> None:
        self._arrows.setVisible(False)
        for m in self._markers:
            m.setVisible(False)
        self._paths = []
        self.finished.emit()


def _arrows_path(pairs: list[tuple[QtCore.QPointF, QtCore.QPointF]]) -> QtGui.QPainterPath:
    """Lines with a small head at the target end, in scene (pixel) coordinates."""
    path = QtGui.QPainterPath()
    for s, d in pairs:
        dx, dy = d.x() - s.x(), d.y() - s.y()
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        tip = QtCore.QPointF(d.x() - ux * 8, d.y() - uy * 8)
        path.moveTo(s)
        path.lineTo(tip)
        left = QtCore.QPointF(tip.x() - ux * 9 - uy * 4, tip.y() - uy * 9 + ux * 4)
        right = QtCore.QPointF(tip.x() - ux * 9 + uy * 4, tip.y() - uy * 9 - ux * 4)
        head = QtGui.QPolygonF([tip, left, right, tip])
        path.addPolygon(head)
    return path
