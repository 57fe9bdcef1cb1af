"""Practice mode in every panel and mode (each example): nothing on screen gives an asked answer
away at step 0, right answers turn every cell green, every catalogue mistake that applies is
named, "Show the step where I went wrong" stops the worked solution and the player there, and a
new exercise is the seed's."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from engine import practice
from engine.practice import RIGHT
from engine.practice.mistakes import differs
from engine.steps import fmt
from pnn_gui.practice.attempt import same_exercise
from tests.gui.practice_helpers import (
    cell_of,
    pane,
    practising,
    right_answers,
    tables,
    type_answers,
)

#: every example a panel shows, one per panel mode
EXAMPLES = ("fc", "conv", "conv-filter", "conv-shape", "avgpool", "maxpool", "lstm", "autodiff")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\d%])")  # (not "0.1%")


@pytest.fixture(scope="module")
def shared(qapp):
    """One window for the module's read-only checks (building one per example costs ~0.3 s)."""
    from pnn_gui import main_window as mw

    w = mw.MainWindow(settings=False)
    w.set_animations_enabled(False)
    w.resize(1280, 800)
    w.show()
    yield w
    w.practice.mark_saved()
    w.set_saved()
    w.close()


def _visible_texts(window) -> list[str]:
    """Every text a user can read now outside the inputs column: labels, buttons, line edits,
    item views' cells and headers, the status line and the window title."""
    inputs = window.inputs_scroll
    out = [window.windowTitle()]
    for widget in window.findChildren(QtWidgets.QWidget):
        if not widget.isVisible() or inputs.isAncestorOf(widget):
            continue
        if isinstance(widget, (QtWidgets.QLabel, QtWidgets.QAbstractButton, QtWidgets.QLineEdit)):
            out.append(widget.text())
        elif isinstance(widget, QtWidgets.QAbstractItemView) and widget.model() is not None:
            out += _texts_of(widget)
            m, root = widget.model(), QtCore.QModelIndex()
            out += [str(m.headerData(r, QtCore.Qt.Orientation.Vertical))
                    for r in range(m.rowCount(root))]
            out += [str(m.headerData(c, QtCore.Qt.Orientation.Horizontal))
                    for c in range(_columns(m))]
    return out


def _columns(model) -> int:
    # (a list model's columnCount is private in PySide6)
    if isinstance(model, QtCore.QAbstractListModel):
        return 1
    return model.columnCount(QtCore.QModelIndex())


def _numbers(texts: list[str]) -> set[str]:
    return {m.group(0) for t in texts for m in _NUMBER.finditer(t or "")}


@pytest.mark.parametrize("example", EXAMPLES)
def test_nothing_on_screen_gives_an_answer_away_at_step_0(shared, messages, example):
    w = shared
    w.practice.set_on(False)
    w.load_example(example)
    w.player.last()                                         # every answer was on screen
    w.practice.set_on(True)
    assert w.current_panel().state.step == 0
    assert pane(w).isVisible() and not w.view_stack.isVisible()
    assert w.solution.shown_steps() == 0
    assert not w.player.forward_button.isEnabled()
    if example.startswith("conv"):
        assert not w.current_panel().calculator.isVisible()   # Task 2b's answer
    # the numbers a student could read: none is an asked value that is not given
    given = _numbers([t for wid in w.inputs_scroll.findChildren(QtWidgets.QWidget)
                      if wid.isVisible() for t in _texts_of(wid)] + [pane(w).task.text()])
    shown = _numbers(_visible_texts(w))
    ex = w.practice.attempt().exercise
    for a in ex.asked:
        for v in np.asarray(ex.expected(a.name)).ravel():
            if float(v).is_integer() and abs(v) < 16:
                continue        # small whole numbers are indices, sizes and step counts too
            for digits in (3, 4, 6):
                text = fmt(float(v), digits)
                assert text not in shown or text in given, \
                    f"{example}: {a.symbol} = {text} is on screen in practice at step 0"
    w.practice.set_on(False)


def _texts_of(widget) -> list[str]:
    if isinstance(widget, (QtWidgets.QLabel, QtWidgets.QAbstractButton, QtWidgets.QLineEdit)):
        return [widget.text()]
    if isinstance(widget, QtWidgets.QAbstractSpinBox):
        return [widget.text()]
    if isinstance(widget, QtWidgets.QAbstractItemView) and widget.model() is not None:
        m, root = widget.model(), QtCore.QModelIndex()
        return [str(m.data(m.index(r, c))) for r in range(m.rowCount(root))
                for c in range(_columns(m))]
    return []


@pytest.mark.parametrize("example", EXAMPLES)
def test_right_answers_turn_every_cell_green(shared, messages, example):
    w = shared
    w.load_example(example)
    w.practice.set_on(True)
    pane(w).sheet().show_optional()
    type_answers(w, right_answers(w))
    w.practice.check()
    result = w.practice.attempt().result
    assert result.all_correct and result.first_wrong is None
    assert {t.name for t in result.tensors} == {a.name for a in result.exercise.asked}
    for t in tables(w):
        assert all(t.cell_mark(r, c) == RIGHT for r, c in t.editable())
    assert pane(w).summary.text().startswith("<b>All right.</b>")
    w.practice.set_on(False)


def _mistakes(example: str) -> list[tuple[str, int]]:
    ex = practice.exercise(example)
    seen, out = set(), []
    for i, sim in enumerate(ex.simulations):
        if sim.mistake.id not in seen and differs(sim, ex):
            seen.add(sim.mistake.id)
            out.append((sim.mistake.id, i))
    return out


@pytest.mark.parametrize("example, mistake, i", [
    (example, mistake, i) for example in EXAMPLES for mistake, i in _mistakes(example)])
def test_every_mistake_that_applies_is_named_in_words(shared, messages, example, mistake, i):
    w = shared
    w.load_example(example)                                 # a fresh attempt: empty tables
    w.practice.set_on(True)
    att = w.practice.attempt()
    sim = att.exercise.simulations[i]
    pane(w).sheet().show_optional()
    type_answers(w, sim.tensors)                            # (each in its shape, chosen first)
    w.practice.check()
    text = pane(w).diagnosis.text()
    assert mistake in text, f"{example}: {mistake} not named; the pane says {text!r}"
    assert html.escape(sim.explanation, quote=False) in text
    w.practice.set_on(False)


@pytest.mark.parametrize("example", EXAMPLES)
def test_show_the_step_where_i_went_wrong_stops_there(shared, messages, example):
    w = shared
    w.load_example(example)
    w.practice.set_on(True)
    answers = right_answers(w)
    ex = w.practice.attempt().exercise
    last = ex.asked[-1]                                     # a late cell made wrong
    wrong = np.array(answers[last.name], dtype=np.float64)
    idx = tuple(int(i) for i in np.argwhere(ex.cell_steps(last.name) > 0)[-1])
    wrong[idx] = 2 * wrong[idx] + 1       # (1338 for 1337 is within 0.1 %: right)
    answers[last.name] = wrong
    type_answers(w, answers)
    w.practice.check()
    first = w.practice.attempt().result.first_wrong
    assert (first.tensor, first.index) == (last.name, idx)
    table, r, c = cell_of(w, last.name, idx)
    assert w.focusWidget() is table      # (the window of a shared fixture need not be active)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (r, c)
    pane(w).to_wrong_button.click()
    step = first.step
    assert w.current_panel().state.step == step == w.practice.limit()
    assert w.solution.shown_steps() == step and w.solution.current() == step
    assert w.player.text().endswith(f"· {step} revealed") or step == ex.trace.__len__()
    w.player.last()
    assert w.current_panel().state.step == step
    w.practice.set_on(False)


@pytest.mark.parametrize("example", EXAMPLES)
def test_new_exercise_is_the_seeds_in_every_panel(qtbot, messages, example):
    w = practising(qtbot, example)
    assert w.practice.new_exercise(31)
    ex = practice.exercise(example, 31)
    assert pane(w).title.text() == f"Exercise {example} · #31"
    st = w.current_panel().state
    assert st.kind == ex.kind and same_exercise(ex, st.trace)
    assert w.solution.shown_steps() == 0 and st.step == 0
