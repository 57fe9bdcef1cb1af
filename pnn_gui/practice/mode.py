"""Practice mode in the window: which exercise each panel is on, the answers typed for it, what is
revealed; the centre's switch between the answer tables and the tensors.

Invariants:

* One :class:`~pnn_gui.practice.attempt.Attempt` per panel and engine kind (``(title, kind)``:
  each Conv2D and pooling mode has its own), made when practice first looks at it and kept while
  the mode is off, another panel is shown or another mode is chosen, so nothing typed is lost.
* The attempt always belongs to the panel's *current* numbers: when practice looks at a panel
  (:meth:`PracticeMode.attempt`) and its trace is not the attempt's exercise, the numbers changed
  (an edit): the exercise becomes the student's own numbers (``practice.from_inputs``; or the
  example's, or a seeded one the numbers are), keeping the answers. An example or a new exercise
  loaded into a panel starts a fresh attempt with empty tables (:meth:`forget`).
* While practice is on, the window shows no step beyond the attempt's ``revealed`` steps
  (:meth:`limit`: the step player, the worked solution and the step itself stop there), and the
  centre shows the answer tables; the tensors (whose colour scales and titles would give answers
  away) only once a step is revealed, on request ("Tensors"). Panels hide what their inputs column
  would give away through ``Panel.set_practice``.
* Everything here runs on the GUI thread. Checking costs the engine's check (its solve and
  simulated mistakes are cached on the exercise) plus repainting the tables.
"""

from __future__ import annotations

import contextlib
import copy
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples, practice
from engine.examples import Example
from engine.practice import Exercise, Tolerance
from engine.practice.exercises import check_seed
from pnn_gui.practice.attempt import Attempt, same_exercise
from pnn_gui.practice.pane import ALL, ONE_MORE, TO_WRONG, PracticePane

if TYPE_CHECKING:
    from pnn_gui.main_window import MainWindow
    from pnn_gui.state import PanelState

Key = tuple[str, str]   # (panel title, engine kind)
#: what practice says in a panel it has no exercises for
UNCOVERED = ("practice checks the sheet's layers (Fully connected to Autodiff); this panel has "
             "no exercises to check, so every step stays shown.")


class PracticeMode(QtCore.QObject):
    """See the module docstring. ``centre`` is the widget the window puts between the inputs and
    the worked solution: the practice switch above the panel's views or the answer tables."""

    #: the steps the window may show changed (practice on / off, a reveal, another exercise)
    limit_changed = QtCore.Signal()
    #: answers, checks or reveals changed (unsaved practice work: the window's title star)
    changed = QtCore.Signal()

    def __init__(self, window: MainWindow, views: QtWidgets.QWidget):
        super().__init__(window)
        self.window = window
        self.on = False
        self.digits = 4
        self._attempts: dict[Key, Attempt] = {}
        self._matched: dict[Key, object] = {}       # key -> the trace its attempt was matched to
        self._stored: dict[Key, dict[str, Any]] = {}   # a session's attempts, until first shown
        self._offered: dict[Key, Exercise] = {}     # an exercise being loaded into its panel
        self._examples: dict[str, Exercise] = {}    # example name -> its own exercise
        self._example_of: dict[str, str] = {}       # kind -> example name
        self.edits = 0
        self._saved_edits = 0

        self.pane = PracticePane()
        self.pane.check_requested.connect(self.check)
        self.pane.new_exercise_requested.connect(self.new_exercise)
        self.pane.reveal_requested.connect(self.reveal)
        self.pane.answers_edited.connect(self._on_answers_edited)
        self._build_actions(window)
        self.centre = self._build_centre(views)

    # -- building -------------------------------------------------------------------------------
    def _build_actions(self, window: QtWidgets.QWidget) -> None:
        self.action_toggle = QtGui.QAction("&Practice", window)
        self.action_toggle.setCheckable(True)
        self.action_toggle.setShortcut(QtGui.QKeySequence("Ctrl+P"))
        self.action_toggle.setToolTip("Practice (Ctrl+P): type your own results into empty "
                                      "tables, then Check")
        self.action_toggle.toggled.connect(self.set_on)
        self.action_check = QtGui.QAction("&Check answers", window)
        self.action_check.setShortcuts([QtGui.QKeySequence("Ctrl+Return"),
                                        QtGui.QKeySequence("Ctrl+Enter")])
        self.action_check.triggered.connect(self.check)
        self.action_new = QtGui.QAction("&New exercise", window)
        self.action_new.setShortcut(QtGui.QKeySequence("Ctrl+N"))
        self.action_new.triggered.connect(lambda: self.new_exercise(None))
        for a in (self.action_check, self.action_new):
            a.setEnabled(False)
            window.addAction(a)   # the keys work while the menu entries are in the menus too

    def _build_centre(self, views: QtWidgets.QWidget) -> QtWidgets.QWidget:
        toggle = QtWidgets.QToolButton()
        toggle.setDefaultAction(self.action_toggle)
        toggle.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        toggle.setText("Practice (Ctrl+P)")
        toggle.setObjectName("practiceToggle")
        self.toggle_button = toggle
        self.answers_button = QtWidgets.QToolButton()
        self.answers_button.setText("Your answers")
        self.tensors_button = QtWidgets.QToolButton()
        self.tensors_button.setText("Tensors")
        group = QtWidgets.QButtonGroup(self)
        group.setExclusive(True)
        for b in (self.answers_button, self.tensors_button):
            b.setCheckable(True)
            b.setAutoRaise(True)
            group.addButton(b)
        self.answers_button.setChecked(True)
        self.answers_button.toggled.connect(self._show_centre)
        self.tensors_button.setToolTip("The tensors, up to the last step revealed")
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(2, 0, 2, 0)
        bar.setSpacing(4)
        bar.addWidget(toggle)
        bar.addSpacing(12)
        bar.addWidget(self.answers_button)
        bar.addWidget(self.tensors_button)
        self.uncovered_note = QtWidgets.QLabel(UNCOVERED)
        self.uncovered_note.setObjectName("practiceNotCovered")
        self.uncovered_note.setWordWrap(True)
        bar.addWidget(self.uncovered_note, 1)
        bar.addStretch(1)
        bar.addWidget(self.pane.exercise_bar)
        self._views = views
        centre = QtWidgets.QWidget()
        centre.setObjectName("centre")
        lay = QtWidgets.QVBoxLayout(centre)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        # the views or the pane, the other hidden (a hidden widget asks no room: a stacked
        # widget would be as wide as the pane also while practice is off)
        lay.addWidget(views, 1)
        lay.addWidget(self.pane, 1)
        for w in (self.pane, self.answers_button, self.tensors_button, self.pane.exercise_bar,
                  self.uncovered_note):
            w.setVisible(False)     # practice is off
        return centre

    # -- on / off -------------------------------------------------------------------------------
    def set_on(self, on: bool) -> None:
        """Practice mode on or off (View → Practice, Ctrl+P, the switch above the tensors)."""
        on = bool(on)
        if self.action_toggle.isChecked() != on:
            self.action_toggle.setChecked(on)   # comes back here through ``toggled``
            return
        if on == self.on:
            return
        self.on = on
        self.action_check.setEnabled(on)
        self.action_new.setEnabled(on)
        for panel in self.window.built_panels():
            panel.set_practice(on)
        if on:
            self.answers_button.setChecked(True)
        self.refresh()
        self.limit_changed.emit()
        if on:
            self.pane.focus_first_cell()
        if on and not self.covers_current():
            self.window.show_status(f"Practice: {UNCOVERED}")
            return
        self.window.show_status("Practice: type your results into the tables, then Check "
                                "(Ctrl+Enter)" if on else "Practice off: every step shown")

    def limit(self) -> int | None:
        """The last step the window may show: the steps revealed (None: practice is off)."""
        if not self.on or not self.covers_current():
            return None
        att = self.attempt()
        return att.revealed if att is not None else 0

    def refresh(self) -> None:
        """Show the current panel's attempt (or the views when practice is off)."""
        covered = self.covers_current()
        for w in (self.answers_button, self.tensors_button, self.pane.exercise_bar):
            w.setVisible(self.on and covered)
        self.uncovered_note.setVisible(self.on and not covered)
        if not self.on or not covered:
            self._show_centre()
            return
        self.pane.show_attempt(self.attempt(), self._blocked())
        self._update_tensors_button()
        self._show_centre()

    def _show_centre(self) -> None:
        practising = self.on and self.covers_current() and not self.tensors_button.isChecked()
        self._views.setVisible(not practising)
        self.pane.setVisible(practising)

    def _update_tensors_button(self) -> None:
        att = self.attempt()
        revealed = att.revealed if att is not None else 0
        self.tensors_button.setEnabled(revealed > 0)
        self.tensors_button.setText(f"Tensors (steps 1–{revealed})" if revealed > 1 else
                                    "Tensors (step 1)" if revealed == 1 else "Tensors")
        self.tensors_button.setToolTip(
            "The tensors, up to the last step revealed" if revealed else
            "The tensors show once you reveal a step: until then their colour scales would "
            "give answers away")
        if not revealed and self.tensors_button.isChecked():
            self.answers_button.setChecked(True)

    def _blocked(self) -> str:
        st = self.window.current_panel().state
        if st.pending:
            return "Computing the exercise…"
        if st.errors:
            return ("The inputs do not compute: Check waits until they do (the answers "
                    "belong to the last numbers that computed).")
        return ""

    # -- which exercise -------------------------------------------------------------------------
    def attempt(self) -> Attempt | None:
        """The current panel's attempt at the numbers it shows now (see the module docstring);
        None while nothing computes there."""
        if not self.covers_current():
            return None
        title = self.window.current_title()
        return self._attempt_for(title, self.window.current_panel().state)

    def _attempt_for(self, title: str, st: PanelState) -> Attempt | None:
        trace = st.trace
        if trace is None:
            return None
        key = (title, st.kind)
        att = self._attempts.get(key)
        if att is not None and self._matched.get(key) is trace:
            return att
        if att is not None and same_exercise(att.exercise, trace):
            self._matched[key] = trace
            return att
        name = self.example_name(st.kind)
        stored = self._stored.pop(key, None)
        candidates = [self._offered.pop(key, None)]
        if stored is not None and stored["seed"] is not None:
            with contextlib.suppress(ValueError):   # no such exercise: the numbers decide
                candidates.append(practice.exercise(name, stored["seed"]))
        candidates.append(self._example(name))
        ex = next((c for c in candidates if c is not None and same_exercise(c, trace)), None)
        if ex is None:
            ex = practice.from_inputs(name, copy.deepcopy(st.inputs))
        if stored is not None:
            new, left_out = Attempt.from_json(ex, stored)
            if stored["checked"]:
                new.check(Tolerance(self.digits), score=False)
            if left_out:
                self.window.show_status(f"Practice: the answers to {', '.join(left_out)} do "
                                        f"not fit {ex.title} and were left out")
        elif att is not None:
            new = att.carried_to(ex)       # the numbers were edited: the answers stay
        else:
            new = Attempt(ex)
        if att is not None:
            self.pane.replace(att, new)
        self._attempts[key] = new
        self._matched[key] = trace
        return new

    def example_name(self, kind: str) -> str | None:
        """The example whose task a panel's ``kind`` is (``fully_connected`` → ``fc``); None
        for a kind practice has no exercises of (the Network panel's chains)."""
        if not self._example_of:
            for e in examples.available(examples.NAMES):
                self._example_of.setdefault(e.kind, e.name)
        return self._example_of.get(kind)

    def covers_current(self) -> bool:
        """Practice has exercises for what the current panel shows (the sheet's layers: every
        panel but the Network panel)."""
        panel = self.window.current_panel()
        return panel is not None and self.example_name(panel.state.kind) is not None

    def _example(self, name: str) -> Exercise:
        if name not in self._examples:
            self._examples[name] = practice.exercise(name)
        return self._examples[name]

    def forget(self, title: str, kind: str) -> None:
        """Panel ``title`` gets other numbers in ``kind`` (an example, a new exercise): its next
        attempt there starts with empty tables."""
        att = self._attempts.pop((title, kind), None)
        self._matched.pop((title, kind), None)
        self._stored.pop((title, kind), None)
        if att is not None:
            self.pane.forget(att)

    # -- what the window tells ------------------------------------------------------------------
    def panel_shown(self) -> None:
        if self.on:
            self.refresh()

    def state_changed(self, what: str) -> None:
        """The current panel's state changed (``what`` as PanelState says)."""
        if self.on and what in ("trace", "errors", "busy"):
            self.refresh()

    def set_precision(self, digits: int) -> None:
        """View → Precision: the tolerance follows, and a shown verdict is checked again."""
        self.digits = int(digits)
        self.pane.set_precision(digits)
        for att in self._attempts.values():
            if att.result is not None:
                att.check(Tolerance(self.digits), score=False)
        if self.on:
            self.refresh()

    # -- actions --------------------------------------------------------------------------------
    def check(self) -> None:
        """Check (Ctrl+Enter): colour every answered cell, name the first wrong cell and the
        mistakes recognised, keep the score."""
        if not self.on:
            return
        if not self.covers_current():
            self.window.show_status(f"Practice: {UNCOVERED}")
            return
        self.window.commit_open_edit()
        att = self.attempt()
        blocked = self._blocked()
        if att is None or blocked:
            self.pane.show_attempt(att, blocked)
            return
        t0 = time.perf_counter()
        result = att.check(Tolerance(self.digits))
        self.pane.show_verdict(result)
        self.pane.show_progress()
        ms = (time.perf_counter() - t0) * 1000
        # cells, as the summary counts them ("ΔW 5/6"); the score counts whole tensors
        answered = {t.name for t in result.tensors}
        cells = sum(int(np.prod(a.shape)) for a in att.exercise.asked
                    if a.required or a.name in answered)
        right = sum(t.right for t in result.tensors)
        wrong = sum(t.wrong for t in result.tensors)
        self.window.show_status(f"Checked {att.exercise.title}: {right} of {cells} cells right, "
                                f"{wrong} wrong, {cells - right - wrong} not answered "
                                f"({ms:.0f} ms)")
        self._on_answers_edited()

    def new_exercise(self, seed: object = None) -> bool:
        """New exercise (Ctrl+N): fresh numbers of the example's sizes from ``seed`` (None: a
        new seed), loaded into the current panel; empty answer tables."""
        if not self.on:
            return False
        title = self.window.current_title()
        kind = self.window.current_panel().state.kind
        name = self.example_name(kind)
        if name is None:
            self.window.show_status(f"Practice: {UNCOVERED}")
            return False
        try:
            seed = practice.new_seed() if seed is None else check_seed(seed)
            ex = practice.exercise(name, seed)
        except ValueError as exc:
            self.pane.message.set_error(str(exc))
            return False
        self._offered[(title, kind)] = ex
        loaded = self.window.load_inputs(title, Example(ex.name, ex.kind, ex.title, ex.inputs),
                                         f"New exercise: {ex.title}")
        self._offered.pop((title, kind), None)
        if loaded:
            self.pane.seed_edit.clear()
            self.refresh()
            self.limit_changed.emit()
            self.pane.focus_first_cell()
        return loaded

    def reveal(self, what: str) -> None:
        """Reveal the worked solution up to the first wrong cell's step, one more step, or all;
        the panel steps there."""
        att = self.attempt()
        if not self.on or att is None:
            return
        if what == TO_WRONG:
            first = att.result.first_wrong if att.result is not None else None
            if first is None:
                return
            target = first.step
        elif what == ONE_MORE:
            target = att.revealed + 1
        elif what == ALL:
            target = att.n_steps
        else:
            raise ValueError(f"reveal: expected {TO_WRONG}, {ONE_MORE} or {ALL}, got {what!r}")
        att.reveal(target)
        self.limit_changed.emit()
        self.window.current_panel().state.set_step(min(target, att.revealed))
        self.pane.show_progress()
        self._update_tensors_button()
        self._on_answers_edited()

    # -- sessions and unsaved work --------------------------------------------------------------
    def _on_answers_edited(self) -> None:
        self.edits += 1
        self.changed.emit()

    def unsaved(self) -> bool:
        """Answers, checks or reveals since the session was last saved or opened."""
        if self.edits == self._saved_edits:
            return False
        return any(a.answered() or a.chosen or a.revealed or a.first
                   for a in self._attempts.values())

    def mark_saved(self) -> None:
        self._saved_edits = self.edits

    def session_data(self) -> dict[str, Any]:
        """Every attempt (and every stored one not looked at yet), and whether practice is on."""
        panels: dict[str, dict[str, Any]] = {}
        for (title, kind), entry in self._stored.items():
            panels.setdefault(title, {})[kind] = entry
        for (title, kind), att in self._attempts.items():
            entry = att.to_json()
            if (entry["seed"] is not None or entry["answers"] or entry["shapes"]
                    or att.revealed or att.first):
                panels.setdefault(title, {})[kind] = entry   # (an untouched one: nothing)
        return {"on": self.on, "panels": panels}

    def restore(self, data: dict[str, Any] | None) -> None:
        """A session was opened: its attempts (checked by ``session.parse``) replace these, and
        practice is on or off as it was saved. A session without practice data leaves the mode
        as it is, with no attempts."""
        for att in self._attempts.values():
            self.pane.forget(att)
        self._attempts.clear()
        self._matched.clear()
        self._stored = {(title, kind): entry for title, kinds in
                        (data or {}).get("panels", {}).items() for kind, entry in kinds.items()}
        if data is not None:
            self.set_on(bool(data.get("on", False)))
        self.refresh()
        self.limit_changed.emit()
