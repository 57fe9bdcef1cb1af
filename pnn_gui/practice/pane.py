"""The practice pane: the exercise's title and task, an answer table per asked tensor, Check, the
verdict (per tensor, the first wrong cell, the recognised mistakes), the reveal buttons and the
score.

- The pane shows one :class:`~pnn_gui.practice.attempt.Attempt` at a time
  (:meth:`PracticePane.show_attempt`); each attempt gets its answer tables once
  (:class:`AnswerSheet`) and keeps them while another is shown, so switching panels keeps the
  current cell and costs nothing.
- It reads the attempt and draws; it changes nothing but the cells typed into the tables. What
  the buttons ask for goes out as signals (``check_requested``, ``new_exercise_requested``,
  ``reveal_requested``); :class:`~pnn_gui.practice.mode.PracticeMode` does it and calls
  :meth:`show_verdict` / :meth:`show_progress`.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.practice import CheckResult, Tolerance, sheet_markdown
from engine.practice.exercises import dims
from pnn_gui import style
from pnn_gui.practice.answer_table import (
    CELL_KEYS,
    AnswerTable,
    cell_label,
    claim_keys,
    node_parts,
    tensor_parts,
)
from pnn_gui.practice.attempt import Attempt
from pnn_gui.widgets.field_error import ErrorLabel

#: what ``reveal_requested`` carries
TO_WRONG, ONE_MORE, ALL = "wrong", "one", "all"
#: the grid of a 3-D tensor's channel tables: at most this many side by side
MAX_SIDE_BY_SIDE = 4


def task_markdown(attempt: Attempt) -> str:
    """The task in words, as the printed sheet words it (its "Task" section)."""
    text = sheet_markdown(attempt.exercise)
    task = text.split("## Task", 1)[-1].split("## Given", 1)[0]
    return task.strip()


def layout(attempt: Attempt) -> tuple:
    """What an attempt's answer tables look like: two attempts alike can share them."""
    ex = attempt.exercise
    nodes = tuple(ex.node_definition(i) for i in range(ex.asked_tensor("value").shape[0])) \
        if ex.kind == "autodiff" else ()
    return ex.kind, nodes, tuple((a.name, a.required, attempt.answers[a.name].shape,
                                  attempt.shapes(a.name), attempt.shape_chosen(a.name))
                                 for a in ex.asked)


class ShapeBox(QtWidgets.QComboBox):
    """The shape of an answer that may have several: part of the answer, so it offers them in
    size order (not the right one first) and shows "choose…" until the student picks one. In the
    sheet's keyboard order like a table: Tab / Shift+Tab go on (``leave``), Enter goes on once a
    shape is chosen and opens the list before; Space and the arrow keys stay here (the window
    binds them to the step player)."""

    leave = QtCore.Signal(int)
    PLACEHOLDER = "choose…"

    def __init__(self, shapes, chosen: tuple[int, ...] | None, symbol: str):
        super().__init__()
        offered = sorted(tuple(s) for s in shapes)
        for shape in offered:
            self.addItem(dims(shape), shape)
        self.setPlaceholderText(self.PLACEHOLDER)
        self.setCurrentIndex(-1 if chosen is None else offered.index(tuple(chosen)))
        self.setToolTip(f"The shape of your answer to {symbol}: it is part of the answer. "
                        f"Choose it, then {symbol}'s table appears; a wrong shape is marked "
                        "wrong at Check.")

    def focusNextPrevChild(self, next: bool) -> bool:
        self.leave.emit(1 if next else -1)
        return True

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter) \
                and not event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            if self.currentIndex() < 0:
                self.showPopup()
            else:
                self.leave.emit(1)
            return
        super().keyPressEvent(event)

    def event(self, event: QtCore.QEvent) -> bool:
        return claim_keys(event, _BOX_KEYS) or super().event(event)


_BOX_KEYS = CELL_KEYS | {QtCore.Qt.Key.Key_Space}


class _Group(QtWidgets.QWidget):
    """One asked tensor (or autodiff's nodes): a heading, a shape box when the answer may have
    another shape, and its tables — for such an answer only once its shape is chosen (a table
    of some shape shown before would give the shape, or suggest a wrong one, and numbers typed
    into it would not count)."""

    def __init__(self, sheet: AnswerSheet, names: tuple[str, ...]):
        super().__init__()
        self.sheet = sheet
        self.names = names
        att = sheet.attempt
        ex = att.exercise
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        lay.setSpacing(2)
        head = QtWidgets.QHBoxLayout()
        head.setSpacing(8)
        asked = [ex.asked_tensor(n) for n in names]
        if len(names) == 2:   # autodiff: vᵢ and v̄ᵢ of every node
            text = "<b>vᵢ</b> and <b>v̄ᵢ</b> of every node"
        else:
            a = asked[0]
            text = f"<b>{html.escape(a.symbol)}</b>"
            if len(a.shape) > 1 and len(att.shapes(a.name)) == 1:
                text += f"&nbsp;&nbsp;<span style='color:{style.FAINT}'>{dims(a.shape)}</span>"
        if not asked[0].required:
            text += f"&nbsp;&nbsp;<span style='color:{style.FAINT}'>(optional)</span>"
        self.heading = QtWidgets.QLabel(text)
        style.set_point_size(self.heading, style.DESIGN_POINTS + 1)
        head.addWidget(self.heading)
        self.shape_box: ShapeBox | None = None
        self.choose_note: QtWidgets.QLabel | None = None
        if len(names) == 1 and len(att.shapes(names[0])) > 1:
            name = names[0]
            box = ShapeBox(att.shapes(name), att.answers[name].shape
                           if att.shape_chosen(name) else None, asked[0].symbol)
            box.currentIndexChanged.connect(self._on_shape_chosen)
            box.leave.connect(lambda d: sheet.leave_from(box, d))
            head.addWidget(QtWidgets.QLabel("shape"))
            head.addWidget(box)
            self.shape_box = box
            self.choose_note = QtWidgets.QLabel(
                f"Choose the shape of {html.escape(asked[0].symbol)} first (rows × columns): "
                "its table appears then.")
            style.tint(self.choose_note, style.FAINT)
        head.addStretch(1)
        lay.addLayout(head)
        if self.choose_note is not None:
            lay.addWidget(self.choose_note)
        self.grid = QtWidgets.QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(4)
        self.grid.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.grid)
        self.tables: list[AnswerTable] = []
        self._build_tables()

    def _build_tables(self) -> None:
        while self.grid.count():   # the old tables (and their boxes) go at once
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        att = self.sheet.attempt
        self.tables = []
        if self.choose_note is not None:
            self.choose_note.setVisible(not att.shape_chosen(self.names[0]))
            if not att.shape_chosen(self.names[0]):
                return
        if len(self.names) == 2:
            parts = node_parts(att.exercise)
        else:
            parts = tensor_parts(att.exercise, self.names[0], att.answers[self.names[0]].shape)
        channels = sum(1 for _, r, _ in parts if r == 0)
        for part, row, col in parts:
            if channels > MAX_SIDE_BY_SIDE and row == 0:   # many channels: wrap the row
                row, col = divmod(col, MAX_SIDE_BY_SIDE)
            table = AnswerTable(att, part)
            self.sheet.adopt(table)
            box = QtWidgets.QWidget()
            bl = QtWidgets.QVBoxLayout(box)
            bl.setContentsMargins(0, 0, 0, 0)
            bl.setSpacing(1)
            if part.title:
                title = QtWidgets.QLabel(html.escape(part.title))
                style.tint(title, style.MUTED)
                bl.addWidget(title)
            bl.addWidget(table)
            self.grid.addWidget(box, row, col, QtCore.Qt.AlignmentFlag.AlignLeft
                                | QtCore.Qt.AlignmentFlag.AlignTop)
            self.tables.append(table)
        self.grid.setColumnStretch(self.grid.columnCount(), 1)

    def stops(self) -> list[QtWidgets.QWidget]:
        """Where Tab stops in this group, in order: the shape box, then the tables."""
        return ([self.shape_box] if self.shape_box is not None else []) + self.tables

    def _on_shape_chosen(self, index: int) -> None:
        if index < 0:
            return
        self.sheet.attempt.set_shape(self.names[0], tuple(self.shape_box.itemData(index)))
        self._build_tables()
        self.sheet.edited.emit(self.names[0])


class AnswerSheet(QtWidgets.QWidget):
    """Every answer table of one attempt: the required tensors, then the optional ones under a
    heading that folds them away."""

    edited = QtCore.Signal(str)
    rejected = QtCore.Signal(str)

    def __init__(self, attempt: Attempt):
        super().__init__()
        self.attempt = attempt
        self._digits = 4
        ex = attempt.exercise
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        names = [a.name for a in ex.asked]
        if ex.kind == "autodiff":
            required = [("value", "adjoint"), ("gradient",)]
            optional: list[tuple[str, ...]] = []
        else:
            required = [(a.name,) for a in ex.asked if a.required]
            optional = [(a.name,) for a in ex.asked if not a.required]
        assert sorted(n for g in required + optional for n in g) == sorted(names)
        self.groups = [_Group(self, g) for g in required]
        for g in self.groups:
            lay.addWidget(g)
        self.optional_groups: list[_Group] = []
        self._optional_shown = True
        self.optional_button: QtWidgets.QToolButton | None = None
        if optional:
            symbols = ", ".join(ex.asked_tensor(g[0]).symbol for g in optional)
            button = QtWidgets.QToolButton()
            button.setCheckable(True)
            button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            button.setText(f"Optional answers ({len(optional)})")
            button.setToolTip(f"{symbols}: not required by the sheet; checked and diagnosed "
                              "when you answer them")
            lay.addWidget(button)
            self.optional_holder = QtWidgets.QWidget()
            hl = QtWidgets.QVBoxLayout(self.optional_holder)
            hl.setContentsMargins(12, 0, 0, 0)
            self.optional_groups = [_Group(self, g) for g in optional]
            for g in self.optional_groups:
                hl.addWidget(g)
            lay.addWidget(self.optional_holder)
            button.toggled.connect(self._on_optional_toggled)
            self.optional_button = button
            # open when something optional is answered already (a session, an edit of inputs)
            self._on_optional_toggled(any(not np.isnan(attempt.answers[g[0]]).all()
                                          for g in optional))
        lay.addStretch(1)

    def rebind(self, attempt: Attempt) -> bool:
        """Show ``attempt`` (the same task on other numbers, its answers carried over) in these
        tables when they are laid out alike; False when they are not (build a new sheet)."""
        if layout(attempt) != layout(self.attempt):
            return False
        self.attempt = attempt
        for t in self.tables_all():
            t.rebind(attempt)
        return True

    def adopt(self, table: AnswerTable) -> None:
        table.set_precision(self._digits)
        table.edited.connect(self.edited)
        table.rejected.connect(self.rejected)
        table.leave.connect(lambda d, t=table: self.leave_from(t, d))
        table.focused.connect(lambda t=table: self._on_focused(t))

    def _on_focused(self, table: AnswerTable) -> None:
        """One selection at a time: the table with the focus keeps its own."""
        for t in self.tables_all():
            if t is not table:
                t.clearSelection()

    def _on_optional_toggled(self, shown: bool) -> None:
        self._optional_shown = shown
        self.optional_button.blockSignals(True)
        self.optional_button.setChecked(shown)
        self.optional_button.blockSignals(False)
        self.optional_button.setArrowType(QtCore.Qt.ArrowType.DownArrow if shown
                                          else QtCore.Qt.ArrowType.RightArrow)
        self.optional_holder.setVisible(shown)

    def _shown_groups(self) -> list[_Group]:
        return self.groups + (self.optional_groups if self._optional_shown else [])

    def tables(self) -> list[AnswerTable]:
        """The answer tables shown, in the order Tab visits them."""
        return [t for g in self._shown_groups() for t in g.tables]

    def stops(self) -> list[QtWidgets.QWidget]:
        """The tables and shape boxes shown, in the order Tab and Enter visit them."""
        return [w for g in self._shown_groups() for w in g.stops()]

    def enter(self, stop: QtWidgets.QWidget, direction: int) -> None:
        """The keyboard goes to ``stop``: a table's first (+1) or last (-1) cell, or a box."""
        if isinstance(stop, AnswerTable):
            stop.enter(direction)
        else:
            stop.setFocus(QtCore.Qt.FocusReason.TabFocusReason)

    def tables_all(self) -> list[AnswerTable]:
        return [t for g in self.groups + self.optional_groups for t in g.tables]

    def table_of(self, name: str, index: tuple[int, ...]) -> AnswerTable | None:
        return next((t for t in self.tables_all() if t.has_cell((name, index))), None)

    def set_precision(self, digits: int) -> None:
        self._digits = int(digits)
        for t in self.tables_all():
            t.set_precision(digits)

    def redraw(self) -> None:
        for t in self.tables_all():
            t.redraw()

    def show_optional(self) -> None:
        if self.optional_button is not None and not self._optional_shown:
            self._on_optional_toggled(True)

    def leave_from(self, stop: QtWidgets.QWidget, direction: int) -> None:
        """Tab, Shift+Tab or Enter past ``stop``'s last (first) cell: on to the next stop."""
        stops = self.stops()
        if stop not in stops:
            return
        i = stops.index(stop) + direction
        if 0 <= i < len(stops):
            self.enter(stops[i], direction)


class PracticePane(QtWidgets.QWidget):
    """See the module docstring."""

    check_requested = QtCore.Signal()
    #: a seed typed in the seed box (int), or None for a fresh one
    new_exercise_requested = QtCore.Signal(object)
    #: TO_WRONG, ONE_MORE or ALL
    reveal_requested = QtCore.Signal(str)
    #: a cell of the shown attempt was typed (the window counts it as an unsaved edit)
    answers_edited = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("practicePane")
        self._attempt: Attempt | None = None
        self._sheets: dict[Attempt, AnswerSheet] = {}
        self._digits = 4

        self.title = QtWidgets.QLabel()
        self.title.setObjectName("exerciseTitle")
        style.set_point_size(self.title, 12.5, bold=True)
        self.seed_edit = QtWidgets.QLineEdit()
        self.seed_edit.setPlaceholderText("exercise #")
        self.seed_edit.setMaximumWidth(110)
        self.seed_edit.setToolTip("Type an exercise's number and press Enter for that exercise "
                                  "(the same number gives the same numbers everywhere, also "
                                  "on a printed sheet)")
        self.seed_edit.returnPressed.connect(self._on_seed_entered)
        self.new_button = QtWidgets.QPushButton("New exercise")
        self.new_button.setToolTip("Fresh numbers of the same sizes (Ctrl+N)")
        self.new_button.clicked.connect(lambda: self.new_exercise_requested.emit(None))
        #: the seed box and New exercise: the window puts them in practice mode's bar
        self.exercise_bar = QtWidgets.QWidget()
        eb = QtWidgets.QHBoxLayout(self.exercise_bar)
        eb.setContentsMargins(0, 0, 0, 0)
        eb.addWidget(self.seed_edit)
        eb.addWidget(self.new_button)

        self.task = QtWidgets.QLabel()
        self.task.setObjectName("exerciseTask")
        self.task.setTextFormat(QtCore.Qt.TextFormat.MarkdownText)
        self.task.setWordWrap(True)
        self.task.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        style.tint(self.task, style.MUTED)

        # the shown attempt's sheet; the others stay built but hidden (a hidden widget takes no
        # room in a layout, where a stacked widget would be as wide as its widest page)
        body = QtWidgets.QWidget()
        bl = QtWidgets.QVBoxLayout(body)
        bl.setContentsMargins(6, 0, 6, 6)
        bl.addWidget(self.task)
        self._sheet_layout = QtWidgets.QVBoxLayout()
        self._sheet_layout.setContentsMargins(0, 0, 0, 0)
        bl.addLayout(self._sheet_layout)
        bl.addStretch(1)
        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)

        self.check_button = QtWidgets.QPushButton("Check")
        self.check_button.setObjectName("checkButton")
        self.check_button.setToolTip("Check every answered cell (Ctrl+Enter)")
        self.check_button.setDefault(False)
        self.check_button.clicked.connect(self.check_requested)
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("checkSummary")
        self.summary.setWordWrap(True)
        self.tolerance = QtWidgets.QLabel()
        self.tolerance.setObjectName("tolerance")
        self.tolerance.setWordWrap(True)
        style.tint(self.tolerance, style.FAINT)
        style.set_point_size(self.tolerance, style.DESIGN_POINTS - 1)
        self.message = ErrorLabel()
        self.message.setObjectName("practiceMessage")
        self.first_wrong = QtWidgets.QLabel()
        self.first_wrong.setObjectName("firstWrong")
        self.first_wrong.setWordWrap(True)
        self.diagnosis = QtWidgets.QLabel()
        self.diagnosis.setObjectName("diagnosis")
        self.diagnosis.setWordWrap(True)
        self.diagnosis.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diagnosis.setContentsMargins(6, 4, 6, 4)
        style.tint(self.diagnosis, style.NOTE, style.NOTE_BG)
        self.diagnosis.setVisible(False)
        self.to_wrong_button = QtWidgets.QPushButton("Show the step where I went wrong")
        self.to_wrong_button.clicked.connect(lambda: self.reveal_requested.emit(TO_WRONG))
        self.one_more_button = QtWidgets.QPushButton("Reveal one more step")
        self.one_more_button.clicked.connect(lambda: self.reveal_requested.emit(ONE_MORE))
        self.all_button = QtWidgets.QPushButton("Reveal all")
        self.all_button.clicked.connect(lambda: self.reveal_requested.emit(ALL))
        self.score = QtWidgets.QLabel()
        self.score.setObjectName("score")
        self.score.setToolTip("A tensor counts as right at the first check when the first "
                              "Check that saw any of its cells found it complete and right, "
                              "before a step computing it was revealed. New exercise starts "
                              "over.")

        foot = QtWidgets.QFrame()
        foot.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        fl = QtWidgets.QVBoxLayout(foot)
        fl.setContentsMargins(6, 4, 6, 4)
        fl.setSpacing(3)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.summary, 1)
        fl.addLayout(row)
        fl.addWidget(self.tolerance)
        fl.addWidget(self.message)
        fl.addWidget(self.first_wrong)
        fl.addWidget(self.diagnosis)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.to_wrong_button, self.one_more_button, self.all_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        fl.addLayout(buttons)
        fl.addWidget(self.score)

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addWidget(self.title)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(foot)
        self.set_precision(self._digits)
        self.show_attempt(None)

    # -- what is shown --------------------------------------------------------------------------
    def attempt(self) -> Attempt | None:
        return self._attempt

    def sheet(self) -> AnswerSheet | None:
        """The answer tables of the attempt shown."""
        return self._sheets.get(self._attempt) if self._attempt is not None else None

    def show_attempt(self, attempt: Attempt | None, blocked: str = "") -> None:
        """Show ``attempt``'s tables and verdict (None: nothing to practise; ``blocked`` says
        why Check is off, e.g. the inputs do not compute)."""
        self._attempt = attempt
        if attempt is None:
            for other in self._sheets.values():
                other.setVisible(False)
            self.title.setText("Practice")
            self.task.setText(blocked or "Nothing to practise on this panel yet.")
            self.check_button.setEnabled(False)
            self.new_button.setEnabled(False)
            self.seed_edit.setEnabled(False)
            self._show_result(None)
            self.show_progress()
            return
        sheet = self._sheets.get(attempt)
        if sheet is None:
            sheet = AnswerSheet(attempt)
            sheet.set_precision(self._digits)
            sheet.edited.connect(self._on_edited)
            sheet.rejected.connect(self.message.set_error)
            self._sheets[attempt] = sheet
            self._sheet_layout.addWidget(sheet)
        for other in self._sheets.values():
            other.setVisible(other is sheet)
        ex = attempt.exercise
        self.title.setText(ex.title)
        self.task.setText(task_markdown(attempt))
        self.seed_edit.setEnabled(True)
        self.new_button.setEnabled(True)
        self.check_button.setEnabled(not blocked)
        self.message.set_error(blocked)
        self._show_result(attempt.result)
        self.show_progress()

    def focus_first_cell(self) -> None:
        """The keyboard goes to the first answer cell (practice turned on, a new exercise)."""
        sheet = self.sheet()
        stops = sheet.stops() if sheet is not None else []
        if stops:
            sheet.enter(stops[0], 1)

    def replace(self, old: Attempt, new: Attempt) -> None:
        """``new`` continues ``old`` (the numbers changed, the answers were carried): it keeps
        old's tables when they fit (an edit costs no new tables), else they go."""
        sheet = self._sheets.get(old)
        if sheet is not None and sheet.rebind(new):
            del self._sheets[old]
            self._sheets[new] = sheet
            if self._attempt is old:
                self._attempt = new
        else:
            self.forget(old)

    def forget(self, attempt: Attempt) -> None:
        """``attempt`` was replaced: drop its tables."""
        sheet = self._sheets.pop(attempt, None)
        if sheet is not None:
            self._sheet_layout.removeWidget(sheet)
            sheet.hide()
            sheet.deleteLater()

    def set_precision(self, digits: int) -> None:
        self._digits = int(digits)
        for sheet in self._sheets.values():
            sheet.set_precision(digits)
        self.tolerance.setText(str(Tolerance(self._digits)).capitalize() + ".")

    def show_verdict(self, result: CheckResult) -> None:
        """After a check: colours, summary, first wrong cell (selected), mistakes."""
        self.message.set_error("")
        self._show_result(result)
        first = result.first_wrong
        sheet = self.sheet()
        if sheet is not None and any(not result.exercise.asked_tensor(t.name).required
                                     for t in result.tensors):
            sheet.show_optional()           # optional answers checked: their colours show
        if first is not None and sheet is not None:
            table = sheet.table_of(first.tensor, first.index)
            if table is not None:
                if table not in sheet.tables():
                    sheet.show_optional()
                table.select_cell((first.tensor, first.index))
                self.scroll.ensureWidgetVisible(table)

    def _show_result(self, result: CheckResult | None) -> None:
        sheet = self.sheet()
        if sheet is not None:
            sheet.redraw()
        if result is None:
            self.summary.setText("Type your results into the tables, then Check (Ctrl+Enter).")
            self.first_wrong.setText("")
            self.first_wrong.setVisible(False)
            self.diagnosis.setVisible(False)
            return
        ex = result.exercise
        att = self._attempt
        # a required answer whose shape is not chosen is not answered: say what it waits for
        unchosen = [f"{html.escape(a.symbol)}: choose its shape" for a in ex.asked
                    if a.required and att is not None and not att.shape_chosen(a.name)]
        if not result.tensors:
            self.summary.setText(" · ".join(["Nothing answered yet.", *unchosen]))
        else:
            parts = []
            for t in result.tensors:
                color = "#1b5e20" if t.correct else "#b71c1c"
                parts.append(f"<span style='color:{color}'>{html.escape(t.summary())}</span>")
            done = all(result.tensor(a.name) is not None and result.tensor(a.name).complete
                       for a in ex.asked if a.required)
            verdict = ("" if not result.all_correct else "<b>All right.</b> " if done
                       else "Right so far. ")
            self.summary.setText(verdict + " · ".join(parts + unchosen))
        first = result.first_wrong
        if first is None:
            self.first_wrong.setVisible(False)
        else:
            a = result.exercise.asked_tensor(first.tensor)
            where = cell_label(result.exercise, first.tensor, first.index)
            if first.expected is None:
                t = result.tensor(first.tensor)
                text = (f"Your {html.escape(a.symbol)} is {dims(t.given_shape)}, but "
                        f"{html.escape(a.symbol)} is {dims(a.shape)}.")
            else:
                text = f"First wrong cell, in the order of the steps: <b>{html.escape(where)}</b>."
            text += f" Step {first.step} of the worked solution computes it."
            self.first_wrong.setText(text)
            self.first_wrong.setVisible(True)
        if result.mistakes:
            self.diagnosis.setText("<br>".join(
                f"<b>Recognised mistake</b> <code>{html.escape(d.id)}</code>: "
                f"{html.escape(d.explanation, quote=False)}" for d in result.mistakes))
            self.diagnosis.setVisible(True)
        elif first is not None:
            self.diagnosis.setText("No classic mistake matches this answer: compare your "
                                   "working with the step named above.")
            self.diagnosis.setVisible(True)
        else:
            self.diagnosis.setVisible(False)

    def show_progress(self) -> None:
        """The reveal buttons and the score, from the attempt shown."""
        att = self._attempt
        n = att.n_steps if att is not None else 0
        revealed = att.revealed if att is not None else 0
        first = att.result.first_wrong if att is not None and att.result is not None else None
        self.to_wrong_button.setEnabled(first is not None)
        self.to_wrong_button.setToolTip(
            f"Reveal the worked solution up to step {first.step}, where "
            f"{cell_label(att.exercise, first.tensor, first.index)} is computed"
            if first is not None else "Check first: then this shows the step of "
            "the first wrong cell")
        self.one_more_button.setEnabled(att is not None and revealed < n)
        self.all_button.setEnabled(att is not None and revealed < n)
        if att is None:
            self.score.setText("")
            return
        right, counted = att.score()
        self.score.setText(f"Score: {right} of {counted} tensors right at the first check · "
                           f"{revealed} of {n} steps revealed")

    # -- events ---------------------------------------------------------------------------------
    def _on_edited(self, _name: str) -> None:
        self.message.set_error("")
        self.answers_edited.emit()

    def _on_seed_entered(self) -> None:
        text = self.seed_edit.text().strip()
        self.new_exercise_requested.emit(text if text else None)
