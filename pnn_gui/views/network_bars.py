"""‖δ‖ per layer and ‖ΔW‖ per parameter as bars on a logarithmic scale, so that a δ that
vanishes or explodes on its way back through the chain is seen at a glance.

- A bar is one norm: its label, its value (None: not computed at this step yet, drawn as an
  empty slot), its kind (``"delta"`` blue, ``"grad"`` orange) and, for a parameter gradient,
  the gradient check's verdict (None: not checked; True ✓ / False ✗ under the bar).
- The scale is decades from the smallest to the largest positive norm of the whole pass (set
  once per trace with :meth:`NormBars.set_range`), so bars do not jump while stepping; a norm of
  exactly 0 is an empty bar labelled 0.
- A label is drawn a word a line ("ΔF" over "L1"), so that neighbours' labels never run
  together in a narrow chart (:meth:`NormBars.label_rects` says where each one is).
- Painted with QPainter in one ``paintEvent``; ``set_bars`` only stores and calls ``update``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import fmt

COLORS = {"delta": QtGui.QColor("#1565c0"), "grad": QtGui.QColor("#ef6c00")}
GRID = QtGui.QColor("#e0e0e0")
INK = QtGui.QColor("#333333")
OK_INK = QtGui.QColor("#2e7d32")
BAD_INK = QtGui.QColor("#c62828")
#: most lines a bar's label takes (one word a line)
LABEL_LINES = 2


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    kind: str                   # "delta" | "grad"
    check: bool | None = None   # the gradient check's verdict (grads only)
    tip: str = ""


class NormBars(QtWidgets.QWidget):
    """See the module docstring."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(120)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)
        self._bars: list[Bar] = []
        self._lo, self._hi = -3, 1   # decades shown: 10^lo … 10^hi
        self._digits = 3
        self.setMouseTracking(True)

    def bars(self) -> list[Bar]:
        return list(self._bars)

    def set_range(self, values: Iterable[float]) -> None:
        """Decades wide enough for every positive value (the whole pass's norms)."""
        logs = [math.log10(v) for v in values if v > 0 and math.isfinite(v)]
        lo = math.floor(min(logs)) if logs else -3
        hi = math.ceil(max(logs)) if logs else 1
        self._lo, self._hi = lo, max(hi, lo + 1)
        self.update()

    def set_bars(self, bars: Sequence[Bar]) -> None:
        bars = list(bars)
        if bars != self._bars:
            self._bars = bars
            self.update()

    # -- painting -------------------------------------------------------------------------------
    def _geometry(self) -> tuple[QtCore.QRectF, float]:
        fm = self.fontMetrics()
        left = fm.horizontalAdvance("1e-10") + 10
        top = fm.height() + 6
        bottom = (LABEL_LINES + 1) * fm.height() + 8   # the label's lines and the check's
        plot = QtCore.QRectF(left, top, max(10, self.width() - left - 8),
                             max(10, self.height() - top - bottom))
        return plot, plot.width() / max(1, len(self._bars))

    def _y(self, plot: QtCore.QRectF, value: float) -> float:
        t = (math.log10(value) - self._lo) / (self._hi - self._lo)
        return plot.bottom() - max(0.0, min(1.0, t)) * plot.height()

    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        p.fillRect(self.rect(), QtGui.QColor("white"))
        fm = self.fontMetrics()
        plot, slot = self._geometry()
        p.setPen(INK)
        p.drawText(QtCore.QRectF(4, 0, self.width() - 8, fm.height() + 4),
                   QtCore.Qt.AlignmentFlag.AlignLeft,
                   "‖δ‖ per layer (blue) · ‖ΔW‖ per parameter (orange) · log scale")
        for d in range(self._lo, self._hi + 1):   # one line per decade
            y = self._y(plot, 10.0 ** d)
            p.setPen(GRID)
            p.drawLine(QtCore.QPointF(plot.left(), y), QtCore.QPointF(plot.right(), y))
            p.setPen(INK)
            p.drawText(QtCore.QRectF(0, y - fm.height() / 2, plot.left() - 4, fm.height()),
                       QtCore.Qt.AlignmentFlag.AlignRight, f"1e{d}" if d else "1")
        for i, bar in enumerate(self._bars):
            x0 = plot.left() + i * slot
            box = QtCore.QRectF(x0 + slot * 0.15, plot.top(), slot * 0.7, plot.height())
            color = COLORS[bar.kind]
            if bar.value is None:   # not computed at this step: an empty slot
                p.setPen(QtGui.QPen(GRID, 1, QtCore.Qt.PenStyle.DashLine))
                p.drawRect(box)
            elif bar.value > 0:
                top = self._y(plot, bar.value)
                p.fillRect(QtCore.QRectF(box.left(), top, box.width(), plot.bottom() - top),
                           color)
                p.setPen(INK)
                p.drawText(QtCore.QRectF(x0, top - fm.height() - 1, slot, fm.height()),
                           QtCore.Qt.AlignmentFlag.AlignHCenter,
                           self._fitting(bar.value, slot))
            else:
                p.setPen(INK)
                p.drawText(QtCore.QRectF(x0, plot.bottom() - fm.height() - 1, slot,
                                         fm.height()), QtCore.Qt.AlignmentFlag.AlignHCenter,
                           "0")
            p.setPen(color)
            label = self._label_box(plot, slot, i)
            p.drawText(label, QtCore.Qt.AlignmentFlag.AlignHCenter, _lines(bar.label))
            if bar.check is not None:
                p.setPen(OK_INK if bar.check else BAD_INK)
                p.drawText(QtCore.QRectF(x0, label.bottom(), slot, fm.height()),
                           QtCore.Qt.AlignmentFlag.AlignHCenter,
                           "✓ check" if bar.check else "✗ check")
        p.setPen(GRID)
        p.drawLine(QtCore.QPointF(plot.left(), plot.bottom()),
                   QtCore.QPointF(plot.right(), plot.bottom()))
        p.end()

    def value_text(self, i: int) -> str:
        """Bar ``i``'s value as written above it (see :meth:`_fitting`)."""
        value = self._bars[i].value
        return "" if value is None else self._fitting(value, self._geometry()[1])

    def _fitting(self, value: float, slot: float) -> str:
        """``value`` with the most significant digits (from the precision down to 2) that fit
        a slot ``slot`` pixels wide, never cut."""
        fm = self.fontMetrics()
        texts = [fmt(value, d) for d in range(self._digits, 1, -1)] or [fmt(value, 2)]
        return next((t for t in texts if fm.horizontalAdvance(t) <= slot), texts[-1])

    def _label_box(self, plot: QtCore.QRectF, slot: float, i: int) -> QtCore.QRectF:
        return QtCore.QRectF(plot.left() + i * slot, plot.bottom() + 2, slot,
                             LABEL_LINES * self.fontMetrics().height())

    def label_rects(self) -> list[QtCore.QRectF]:
        """Where each bar's label is drawn (its text's own extent), in this widget's pixels."""
        plot, slot = self._geometry()
        fm = self.fontMetrics()
        return [QtCore.QRectF(fm.boundingRect(self._label_box(plot, slot, i).toRect(),
                                              QtCore.Qt.AlignmentFlag.AlignHCenter,
                                              _lines(bar.label)))
                for i, bar in enumerate(self._bars)]

    def bar_at(self, pos: QtCore.QPointF) -> Bar | None:
        plot, slot = self._geometry()
        i = int((pos.x() - plot.left()) // slot) if slot > 0 else -1
        return self._bars[i] if 0 <= i < len(self._bars) and pos.x() >= plot.left() else None

    def event(self, ev: QtCore.QEvent) -> bool:
        if ev.type() == QtCore.QEvent.Type.ToolTip:
            bar = self.bar_at(QtCore.QPointF(ev.pos()))
            if bar is None:
                QtWidgets.QToolTip.hideText()
            else:
                value = "not computed yet" if bar.value is None else repr(bar.value)
                QtWidgets.QToolTip.showText(ev.globalPos(), f"{bar.label} = {value}"
                                            + (f"\n{bar.tip}" if bar.tip else ""), self)
            return True
        return super().event(ev)


def _lines(label: str) -> str:
    """``"ΔF L1"`` as it is drawn: a word a line."""
    return label.replace(" ", "\n")
