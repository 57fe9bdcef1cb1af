"""The worked solution: every step's formula and its numbers, grouped forward / backward.

Public API (the main window drives it; panels need not touch it)::

    pane = SolutionPane()
    pane.set_trace(trace)                 # None clears; trace.note shows at the top
    pane.set_current(k)                   # k steps done: step k highlighted and scrolled to
    pane.step_clicked.connect(state.set_step)   # int k: the user clicked step k's line
    pane.line_text(k) -> str              # what step k's line says (tests)

One QListView over a model: 2,000 steps cost no more widgets than 2.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import Trace
from pnn_gui.style import NOTE, NOTE_BG, tint
from pnn_gui.widgets.cached_scrollbar import CachedScrollBar

_Role = QtCore.Qt.ItemDataRole
_PHASE_TITLES = {"forward": "Forward pass", "backward": "Backward pass"}
#: longest trace whose lines wrap (beyond, rows are uniform and elided, for speed)
WRAP_LIMIT = 400
_CURRENT = QtGui.QBrush(QtGui.QColor("#fff3c4"))
_HEADER_BG = QtGui.QBrush(QtGui.QColor("#eceff1"))
_DONE_FG = QtGui.QBrush(QtGui.QColor("#222222"))
_TODO_FG = QtGui.QBrush(QtGui.QColor("#8a8a8a"))
#: how QListView aligns an item's text (QCommonStyle centres the wrapped lines vertically)
_ALIGN = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
_WORD_WRAP = QtCore.Qt.TextFlag.TextWordWrap
_LTR = QtCore.Qt.LayoutDirection.LeftToRight
#: the line width QCommonStyle measures an item's text in when the item has no width yet
_UNWRAPPED = (2**31 - 1) // 256
_State = QtWidgets.QStyle.StateFlag
_NOT_FAST = _State.State_Selected | _State.State_HasFocus | _State.State_Editing
_ENABLED, _ACTIVE = _State.State_Enabled, _State.State_Active
_HEADER_FLAGS = QtCore.Qt.ItemFlag.ItemIsEnabled
_STEP_FLAGS = QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable


class _StepModel(QtCore.QAbstractListModel):
    """Rows are phase headers and steps; ``step_of_row[row]`` is 1-based or 0 for a header."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.trace: Trace | None = None
        self.step_of_row = np.zeros(0, dtype=np.int64)
        self.row_of_step = np.zeros(1, dtype=np.int64)  # index k (1-based) -> row
        self.headers: dict[int, str] = {}
        self.current = 0
        self._lines: list[str | None] = []  # row -> its text (data()'s DisplayRole), once made
        self._bold = QtGui.QFont()
        self._bold.setBold(True)

    def set_trace(self, trace: Trace | None) -> None:
        self.beginResetModel()
        self.trace = trace
        rows: list[int] = []
        self.headers = {}
        row_of_step = [0]
        last_phase = None
        if trace is not None:
            for k, s in enumerate(trace.steps, 1):
                if s.phase != last_phase:
                    self.headers[len(rows)] = _PHASE_TITLES.get(s.phase, s.phase)
                    rows.append(0)
                    last_phase = s.phase
                row_of_step.append(len(rows))
                rows.append(k)
        self.step_of_row = np.asarray(rows, dtype=np.int64)
        self.row_of_step = np.asarray(row_of_step, dtype=np.int64)
        self._lines = [None] * len(rows)
        self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.step_of_row)

    def flags(self, index):
        if index.isValid() and self.step_of_row[index.row()] == 0:
            return _HEADER_FLAGS
        return _STEP_FLAGS

    def text(self, k: int) -> str:
        """Step k's line as :attr:`Step.text` writes it, the formula on a line of its own."""
        s = self.trace.steps[k - 1]
        whole = s.text
        rest = whole[len(s.formula):] if whole.startswith(s.formula) else " = " + whole
        return f"{k}. {s.formula}" + (f"\n    {rest.lstrip()}" if rest else "")

    def line(self, row: int) -> str:
        """Row ``row``'s text as shown (a header's or :meth:`text`), made once per trace."""
        got = self._lines[row]
        if got is None:
            k = int(self.step_of_row[row])
            got = self._lines[row] = self.text(k) if k else "\n" + self.headers.get(row, "")
        return got

    def data(self, index, role=_Role.DisplayRole):
        if not index.isValid() or self.trace is None:
            return None
        row = index.row()
        k = int(self.step_of_row[row])
        if k == 0:
            if role == _Role.DisplayRole:
                return self.line(row)
            if role == _Role.FontRole:
                return self._bold
            if role == _Role.BackgroundRole:
                return _HEADER_BG
            return None
        if role == _Role.DisplayRole:
            return self.line(row)
        if role == _Role.ToolTipRole:
            s = self.trace.steps[k - 1]
            tip = f"{s.title}: {s.text}"
            return tip + (f"\n{s.note}" if s.note else "")
        if role == _Role.BackgroundRole and k == self.current:
            return _CURRENT
        if role == _Role.ForegroundRole:
            return _DONE_FG if k <= self.current else _TODO_FG
        if role == _Role.FontRole and k == self.current:
            return self._bold
        return None


class _Recent:
    """A cache of what was used lately: at most ``2 * limit`` entries, in two generations (the
    newer one full, it becomes the older and the older is dropped; a hit in the older moves up)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.new: dict = {}
        self.old: dict = {}

    def get(self, key: tuple, make):
        """The value for ``key``, ``make(*key)`` if it is in neither generation."""
        got = self.new.get(key)
        if got is None:
            got = self.old.get(key)
            if got is None:
                got = make(*key)
            if len(self.new) >= self.limit:
                self.old, self.new = self.new, {}
            self.new[key] = got
        return got


class _Laid(NamedTuple):
    """A row's text laid out as the style lays it out to paint it, with what tells whether the
    style would draw it unchanged (see :func:`_fits`)."""

    layout: QtGui.QTextLayout
    bounds: QtCore.QSize      # the layout's bounding rect, rounded (the style centres it)
    widest: float             # the widest line's natural width
    need: float               # the style elides a line when the rect is less tall than this
    inner: float              # the top of the last line (the bottom of the one before)


class _Rows(QtWidgets.QStyledItemDelegate):
    """Measures and paints the rows as QStyledItemDelegate does in the Fusion style (each row
    measured bold, so the current line, drawn bold, fits the room laid out for it: a step change
    then repaints without Qt re-measuring, i.e. re-wrapping, the rows), at a fraction of its cost:

    - the text comes from the model directly, never through ``data()``;
    - sizes are kept by (text, width): a refill lays out only the lines that changed. An edit
      changes a line's numbers, not its formula: a line is measured as its "\\n"-separated parts
      (a forced line break makes the wrapping after it independent of the text before it), each
      kept, in one QFontMetrics call (the same text layout the style's, when the font has no
      leading: the test compares every example's rows);
    - a row is laid out for painting once per (text, width, weight) and kept, its glyphs
      shaped once; the style lays a row out several times per paint.

    What this would not draw exactly as the style does (no word wrap, a line wider than the row,
    text taller than it, a selected or focused item, another style) goes to
    QStyledItemDelegate itself."""

    def __init__(self, view: QtWidgets.QListView, model: _StepModel):
        super().__init__(view)
        self._view = view
        self._model = model
        self._font: QtGui.QFont | None = None  # the view's font the ones below are made from
        self._fonts = (QtGui.QFont(), QtGui.QFont())  # normal, bold
        self._metrics: QtGui.QFontMetrics | None = None  # the bold font's, None: lay out
        self._margin = 0
        self._fast = False
        self._option = QtGui.QTextOption()
        self._sizes = _Recent(4 * WRAP_LIMIT)   # (text, width) -> sizeHint
        self._parts = _Recent(8 * WRAP_LIMIT)   # (part, width) -> (width, height) bold
        self._laid = _Recent(WRAP_LIMIT // 2)   # (text, width, bold) -> _Laid: rows painted

    def _context(self, font: QtGui.QFont) -> None:
        """Fonts, margin and text option for the view's ``font`` (``_fast``: the view's style is
        the one this delegate draws as; looked at when the font changes: the app sets its style
        once, before any view)."""
        if font != self._font:
            self._font = QtGui.QFont(font)
            bold = QtGui.QFont(font)
            bold.setBold(True)
            self._fonts = (QtGui.QFont(font), bold)
            metrics = QtGui.QFontMetrics(bold)
            self._metrics = metrics if metrics.leading() == 0 else None
            view = self._view
            style = view.style()
            self._fast = style.metaObject().className() == "QFusionStyle"
            self._margin = style.pixelMetric(QtWidgets.QStyle.PixelMetric.PM_FocusFrameHMargin,
                                             None, view) + 1
            text_option = QtGui.QTextOption()  # as QCommonStyle's viewItemDrawText makes it
            text_option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
            text_option.setTextDirection(_LTR)
            text_option.setAlignment(QtWidgets.QStyle.visualAlignment(_LTR, _ALIGN))
            self._option = text_option
            for cache in (self._sizes, self._parts, self._laid):
                cache.new, cache.old = {}, {}

    def sizeHint(self, option, index):
        self._context(option.font)
        if self._fast and self._view.wordWrap():
            rect = option.rect  # no room given: the style measures the lines unwrapped
            width = rect.width() - 2 * self._margin if rect.isValid() else _UNWRAPPED
            if width > 0:
                key = (self._model.line(index.row()), width)
                size = self._sizes.new.get(key)  # (the common case, without a call)
                return size if size is not None else self._sizes.get(key, self._measure)
        opt = QtWidgets.QStyleOptionViewItem(option)
        font = QtGui.QFont(opt.font)
        font.setBold(True)
        opt.font = font
        return super().sizeHint(opt, index)

    def _measure(self, text: str, width: int) -> QtCore.QSize:
        """QCommonStyle's size of ``text`` in bold, wrapped at ``width``: the widest line and
        the sum of the (whole-pixel) line heights, plus the style's margins."""
        parts = text.split("\n")
        if self._metrics is None or "" in parts:  # an empty line is as tall as the layout says
            layout = self._lay_out(text, width, True).layout
            widest = height = 0.0
            for i in range(layout.lineCount()):
                line = layout.lineAt(i)
                widest = max(widest, line.naturalTextWidth())
                height += line.height()
            return QtCore.QSize(math.ceil(widest) + 2 * self._margin, math.ceil(height))
        widest = height = 0
        for part in parts:
            w, h = self._parts.get((part, width), self._measure_part)
            widest = max(widest, w)
            height += h
        return QtCore.QSize(widest + 2 * self._margin, height)

    def _measure_part(self, part: str, width: int) -> tuple[int, int]:
        rect = self._metrics.boundingRect(QtCore.QRect(0, 0, width, 1 << 24), _WORD_WRAP, part)
        return rect.width(), rect.height()

    def _lay_out(self, text: str, width: int, bold: bool) -> _Laid:
        """``text`` laid out as QCommonStyle's viewItemTextLayout does (Qt's delegate writes
        "\\n" as U+2028 LINE SEPARATOR)."""
        layout = QtGui.QTextLayout(text.replace("\n", "\u2028"), self._fonts[bold])
        layout.setTextOption(self._option)
        layout.setCacheEnabled(True)  # keep the shaped glyphs: drawing need not shape again
        layout.beginLayout()
        height = widest = inner = 0.0
        needs = []  # per line: the height down to its bottom plus its own height
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QtCore.QPointF(0, height))
            inner = height
            line_height = line.height()
            height += line_height
            needs.append(height + line_height)
            widest = max(widest, line.naturalTextWidth())
        layout.endLayout()
        need = max(needs[:-1], default=0.0)  # the last line is never elided for it
        return _Laid(layout, layout.boundingRect().size().toSize(), widest, need, inner)

    def paint(self, painter, option, index):
        if self._view.wordWrap():  # (uniform rows, elided: the style's own painting)
            self._context(option.font)
            if self._fast and self._paint(painter, option, index):
                return
        super().paint(painter, option, index)

    def _paint(self, painter, option, index) -> bool:
        """Draw the row as the style would, from the kept layout; False: this would not be
        exactly what the style draws (nothing drawn)."""
        state = option.state
        if state & _NOT_FAST or option.direction != _LTR or option.displayAlignment != _ALIGN:
            return False
        rect = option.rect.adjusted(self._margin, 0, -self._margin, 0)  # the style's text rect
        model, row = self._model, index.row()
        k = int(model.step_of_row[row])
        laid = self._laid.get((model.line(row), rect.width(), k == 0 or k == model.current),
                              self._lay_out)
        top = rect.top() + rect.height() // 2 - laid.bounds.height() // 2  # QStyle.alignedRect
        if not _fits(laid, rect, top):  # the style elides, or shows part of the text
            return False
        painter.save()
        painter.setClipRect(option.rect, QtCore.Qt.ClipOperation.IntersectClip)
        if k == 0:
            painter.fillRect(option.rect, _HEADER_BG)
            group = QtGui.QPalette.ColorGroup.Disabled
            if state & _ENABLED:
                group = QtGui.QPalette.ColorGroup.Active if state & _ACTIVE \
                    else QtGui.QPalette.ColorGroup.Inactive
            painter.setPen(option.palette.color(group, QtGui.QPalette.ColorRole.Text))
        else:
            if k == model.current:
                painter.fillRect(option.rect, _CURRENT)
            painter.setPen((_DONE_FG if k <= model.current else _TODO_FG).color())
        laid.layout.draw(painter, QtCore.QPointF(rect.x(), top))
        painter.restore()
        return True


def _fits(laid: _Laid, rect: QtCore.QRect, top: int) -> bool:
    """Whether QCommonStyle would draw all of ``laid`` unchanged in ``rect``, its first line at
    ``top``: no line wider than the rect, the text no taller; the style also elides a line when
    one more line as tall would not fit, and stops at a line reaching the rect's bottom."""
    return (laid.widest <= rect.width() and laid.bounds.height() <= rect.height()
            and laid.need <= rect.height() and top >= rect.top()
            and laid.inner + top < rect.bottom())


class SolutionPane(QtWidgets.QWidget):
    """Title, the trace's note, and one line per step; see the module docstring."""

    #: the user clicked step k's line (k is 1-based: "show the tensors after step k")
    step_clicked = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        title = QtWidgets.QLabel("<b>Worked solution</b>")
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("traceNote")
        self.note.setWordWrap(True)
        tint(self.note, NOTE, NOTE_BG)
        self.note.setContentsMargins(4, 4, 4, 4)
        self.note.setVisible(False)
        self.model = _StepModel(self)
        self.view = QtWidgets.QListView()
        # Fusion repaints a tall scroll bar's gradients in ~2 ms on every scroll (every step)
        self.view.setVerticalScrollBar(CachedScrollBar(QtCore.Qt.Orientation.Vertical))
        self.view.setModel(self.model)
        self.view.setItemDelegate(_Rows(self.view, self.model))
        self.view.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self._set_wrapping(True)
        self.view.setSpacing(1)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.view.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.view.clicked.connect(self._on_clicked)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(title)
        lay.addWidget(self.note)
        lay.addWidget(self.view, 1)

    def _set_wrapping(self, wrap: bool) -> None:
        """Long lines wrap in a trace of up to :data:`WRAP_LIMIT` steps. Longer traces get
        uniform two-line rows, long lines elided (the tooltip has the whole line), so layout and
        scrolling stay O(1) per step: word wrap makes Qt re-measure every row."""
        self._wrap = wrap
        self._settled = False
        self._pitch = 0  # uniform rows: height + spacing, measured on first use
        self.view.setWordWrap(wrap)
        self.view.setUniformItemSizes(not wrap)

    def set_trace(self, trace: Trace | None) -> None:
        """Show ``trace``'s steps (None clears) and its note, if any, at the top."""
        current = self.model.current
        wrap = trace is None or len(trace) <= WRAP_LIMIT
        if wrap != self._wrap:
            self._set_wrapping(wrap)
        self.model.set_trace(trace)
        self._pitch = 0
        self._settled = False  # laid out (and scrolled) once the event loop has run
        note = trace.note if trace is not None else ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.set_current(min(current, len(trace) if trace is not None else 0), force=True)

    def set_current(self, k: int, force: bool = False) -> None:
        """Highlight step ``k`` (0: none) and scroll it into view."""
        old = self.model.current
        if k == old and not force:
            return
        self.model.current = k
        # colours and weight are read from ``model.current`` at paint time and every row was
        # measured bold: a repaint is enough. dataChanged would make QListView lay out (and
        # re-wrap) every row again on the next visualRect or paint, O(rows) per step.
        if k > 0:
            self._ensure_visible(int(self.model.row_of_step[k]))
        else:
            self.view.scrollToTop()
        self._repaint_between(old, k, force)

    def _repaint_between(self, old: int, new: int, everything: bool) -> None:
        """Repaint the rows from step ``old``'s to step ``new``'s (their colours changed;
        scrolling repaints what it uncovers by itself); all of the viewport when not laid out."""
        viewport = self.view.viewport()
        rows = self.model.row_of_step
        rects = [self.view.visualRect(self.model.index(int(rows[k])))
                 for k in (old, new) if 0 < k < len(rows)]
        if everything or (not self._settled and self._wrap) or not rects \
                or any(r.height() <= 0 for r in rects):
            viewport.update()
            return
        top = min(r.top() for r in rects) - self.view.spacing()
        bottom = max(r.bottom() for r in rects) + self.view.spacing()
        area = QtCore.QRect(0, top, viewport.width(), bottom - top + 1) & viewport.rect()
        if not area.isEmpty():
            viewport.update(area)

    def _ensure_visible(self, row: int) -> None:
        """Scroll so ``row`` shows. Uniform rows: arithmetic on the row pitch measured once per
        trace (QListView's own scrollTo asks the model for its row count thousands of times)."""
        if self._wrap:  # rows of varied height, laid out once per trace: Qt knows where
            self.view.scrollTo(self.model.index(row),
                               QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible)
            if not self._settled:  # a new trace is laid out later: scroll again once it is
                QtCore.QTimer.singleShot(0, self._scroll_to_current)
            return
        if self._pitch <= 0:
            first = self.view.visualRect(self.model.index(0))
            if first.height() <= 0:  # not laid out yet: scroll once it is
                QtCore.QTimer.singleShot(0, self._scroll_to_current)
                return
            self._pitch = first.height() + 2 * self.view.spacing()
        pitch = self._pitch
        bar = self.view.verticalScrollBar()
        top = row * pitch
        height = self.view.viewport().height()
        if top < bar.value():
            bar.setValue(max(0, top - pitch))
        elif top + pitch > bar.value() + height:
            bar.setValue(top + 2 * pitch - height)

    def _scroll_to_current(self) -> None:
        self._settled = True
        k = self.model.current
        if 0 < k < len(self.model.row_of_step):
            self.view.scrollTo(self.model.index(int(self.model.row_of_step[k])),
                               QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible)

    def current(self) -> int:
        return self.model.current

    def line_text(self, k: int) -> str:
        """The text of step k's line (1-based)."""
        return self.model.text(k)

    def index_of_step(self, k: int) -> QtCore.QModelIndex:
        """The model index of step k's line (for tests: ``view.clicked.emit(idx)``)."""
        return self.model.index(int(self.model.row_of_step[k]))

    def _on_clicked(self, index: QtCore.QModelIndex) -> None:
        k = int(self.model.step_of_row[index.row()])
        if k > 0:
            self.step_clicked.emit(k)
