"""Practice mode in the window, on the fully connected panel (Task 1): typing answers, Check,
green and red, the summary, the first wrong cell, revealing the worked solution step by step, the
score, a recognised mistake in words, new exercises, the keys, sessions and the printed sheet."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from engine import practice
from engine.practice import RIGHT, WRONG
from pnn_gui import dialogs
from pnn_gui.practice.answer_table import RIGHT_COLORS, WRONG_COLORS
from pnn_gui.practice.pane import ALL, ONE_MORE, TO_WRONG
from tests.gui.practice_helpers import (
    cell_of,
    choose_shape,
    group_of,
    pane,
    practising,
    right_answers,
    tables,
    type_answers,
)

FC = "Fully connected"
#: the sheet's Task 1: y = [6, 13, 20], δx = [6.5, 8], ΔW = [[0, .5, 1], [0, 1, 2]], Δb = δy
Y_WRONG_LAST = {"y": np.array([6, 13, 21.0])}


@pytest.fixture
def window(qtbot, messages):
    return practising(qtbot)


def keys(qtbot, text):
    """Type ``text`` as keys into whatever has the focus (the first digit opens a cell's
    editor, which takes the rest)."""
    for ch in text:
        qtbot.keyClicks(QtWidgets.QApplication.focusWidget(), ch)


def check(window):
    window.practice.action_check.trigger()
    return window.practice.attempt().result


# -- what shows at step 0 ---------------------------------------------------------------------
def test_practice_hides_the_tensors_and_the_worked_solution(qtbot, messages):
    w = practising(qtbot)
    w.practice.set_on(False)
    w.player.last()                                   # at the last step before practice
    assert w.current_panel().state.step == 14
    w.practice.set_on(True)
    st = w.current_panel().state
    assert st.step == 0                               # held at the steps revealed: none
    assert w.practice.pane.isVisible() and not w.view_stack.isVisible()
    assert w.solution.shown_steps() == 0
    assert "hidden (14 steps)" in w.solution.hidden_note.text()
    assert w.player.text() == "step 0 of 14 · inputs · 0 revealed"
    assert not w.player.forward_button.isEnabled() and not w.player.last_button.isEnabled()
    w.player.last()
    w.solution.step_clicked.emit(5)
    assert st.step == 0
    assert not w.practice.tensors_button.isEnabled()
    # every asked tensor has an empty table of its shape; ΔW (2×3 or 3×2) once its shape is
    # chosen (test_the_shape_of_dw_is_part_of_the_answer)
    shapes = {}
    for t in tables(w):
        for (r, c), (name, idx) in t.part.cells.items():
            shapes.setdefault(name, set()).add(idx)
            assert t.cell_text(r, c) == ""
    assert {n: len(s) for n, s in shapes.items()} == {"y": 3, "dx": 2, "db": 3}
    # off again: every step is back
    w.practice.set_on(False)
    assert w.view_stack.isVisible() and w.solution.shown_steps() == 14
    assert not w.solution.hidden_note.isVisible()
    w.player.last()
    assert st.step == 14


# -- check ------------------------------------------------------------------------------------
def test_check_colours_each_cell_and_selects_the_first_wrong_one(window):
    type_answers(window, {"y": [6, 13, 21], "dw": [[0, 0.5, 7], [0, 1, 2]]})
    result = check(window)
    y_table, _, _ = cell_of(window, "y", (0,))
    assert [y_table.cell_mark(0, c) for c in range(3)] == [RIGHT, RIGHT, WRONG]
    assert y_table.cell_color(0, 0) == QtGui.QColor(RIGHT_COLORS[0])
    assert y_table.cell_color(0, 2) == QtGui.QColor(WRONG_COLORS[0])
    dw_table, r, c = cell_of(window, "dw", (0, 2))
    assert dw_table.cell_mark(r, c) == WRONG and dw_table.cell_mark(1, 2) == RIGHT
    dx_table, _, _ = cell_of(window, "dx", (0,))
    assert dx_table.cell_mark(0, 0) is None                     # blank: not marked
    p = pane(window)
    assert "y 2/3" in p.summary.text() and "ΔW 5/6" in p.summary.text()
    assert "δx" not in p.summary.text()                          # nothing answered there
    # the first wrong cell in step order: y[2] (step 3) comes before ΔW[0,2]
    assert result.first_wrong.label == "y[2]" and result.first_wrong.step == 3
    assert "y[2]" in p.first_wrong.text() and "Step 3" in p.first_wrong.text()
    assert y_table.hasFocus() and y_table.currentIndex().column() == 2
    assert "expected" not in p.first_wrong.text()                # the right value stays hidden
    assert "right within 0.1%" in p.tolerance.text().lower()
    assert ("Checked Exercise fc · example: 7 of 14 cells right, 2 wrong, 5 not answered"
            in window.status_line.text())


def test_a_cell_typed_over_loses_its_colour_until_the_next_check(window):
    type_answers(window, Y_WRONG_LAST)
    check(window)
    table, r, c = cell_of(window, "y", (2,))
    table.type_text(r, c, "20")
    assert table.cell_mark(r, c) is None and table.cell_color(r, c) is None
    check(window)
    assert table.cell_mark(r, c) == RIGHT
    assert pane(window).summary.text().startswith("Right so far.")   # δx, ΔW, Δb: blank


def test_all_right(window):
    type_answers(window, right_answers(window))
    result = check(window)
    assert result.all_correct and result.first_wrong is None
    p = pane(window)
    assert p.summary.text().startswith("<b>All right.</b>")
    assert "y 3/3" in p.summary.text() and "ΔW 6/6" in p.summary.text()
    assert not p.first_wrong.isVisible() and not p.diagnosis.isVisible()
    assert not p.to_wrong_button.isEnabled()
    assert p.score.text().startswith("Score: 4 of 4 tensors right at the first check")


def test_a_text_that_is_not_a_number_is_refused_and_fractions_count(window):
    table, r, c = cell_of(window, "dx", (0,))
    assert table.type_text(r, c, "13/2")
    assert table.cell_text(r, c) == "6.5"
    assert not table.type_text(r, c, "abc")
    assert "δx[0]: 'abc' is not a number" in pane(window).message.text()
    assert table.cell_text(r, c) == "6.5"                      # it keeps its value
    assert not table.type_text(r, c, "1/0")
    assert "division by zero" in pane(window).message.text()
    check(window)
    assert table.cell_mark(r, c) == RIGHT


# -- reveal -----------------------------------------------------------------------------------
def test_show_the_step_where_i_went_wrong_then_one_more_then_all(window):
    type_answers(window, {"y": [6, 13, 20], "dx": [6.5, 9]})   # δx[1] (step 5) is wrong
    check(window)
    st = window.current_panel().state
    p = pane(window)
    assert p.to_wrong_button.isEnabled()
    p.to_wrong_button.click()
    assert st.step == 5 and window.practice.limit() == 5
    assert window.solution.shown_steps() == 5 and window.solution.current() == 5
    assert window.solution.line_text(5).startswith("5. δx₁")
    assert "steps 6–14 are hidden" in window.solution.hidden_note.text()
    assert window.player.text() == "step 5 of 14 · backward · 5 revealed"
    assert not window.player.forward_button.isEnabled()
    window.player.forward()
    window.player.last()
    assert st.step == 5                                          # the player stops there
    window.player.back()
    assert st.step == 4                                          # going back is free
    p.one_more_button.click()
    assert st.step == 6 and window.solution.shown_steps() == 6
    p.all_button.click()
    assert st.step == 14 and window.solution.shown_steps() == 14
    assert not window.solution.hidden_note.isVisible()
    assert not p.one_more_button.isEnabled() and not p.all_button.isEnabled()
    assert p.score.text().endswith("14 of 14 steps revealed")


def test_the_tensors_show_up_to_the_revealed_step_on_request(window):
    button = window.practice.tensors_button
    assert not button.isEnabled()
    window.practice.reveal(ONE_MORE)
    assert button.isEnabled() and button.text() == "Tensors (step 1)"
    button.click()
    assert window.view_stack.isVisible() and not pane(window).isVisible()
    y = window.current_panel().grid.views["y"].values().ravel()
    assert y[0] == 6 and np.isnan(y[1:]).all()                  # after step 1 only
    window.practice.answers_button.click()
    assert pane(window).isVisible() and not window.view_stack.isVisible()


# -- score ------------------------------------------------------------------------------------
def test_the_score_counts_tensors_right_at_their_first_check(window):
    type_answers(window, {"y": [6, 13, 20], "dx": [6.5, 9]})
    check(window)
    p = pane(window)
    assert p.score.text() == ("Score: 1 of 4 tensors right at the first check · 0 of 14 "
                              "steps revealed")
    type_answers(window, {"dx": [6.5, 8]})                      # corrected: no second chance
    check(window)
    assert p.score.text().startswith("Score: 1 of 4")
    window.practice.reveal(ALL)                                 # ΔW and Δb seen before checked
    type_answers(window, {"dw": [[0, 0.5, 1], [0, 1, 2]], "db": [0, 0.5, 1]})
    check(window)
    assert p.score.text() == ("Score: 1 of 4 tensors right at the first check · 14 of 14 "
                              "steps revealed")
    window.practice.new_exercise(4711)                          # reset with the exercise
    assert p.score.text() == ("Score: 0 of 4 tensors right at the first check · 0 of 14 "
                              "steps revealed")


# -- mistakes ---------------------------------------------------------------------------------
def test_a_recognised_mistake_is_named_in_words(window):
    type_answers(window, {"y": [5, 11, 17]})                    # x·W: the bias left out
    check(window)
    text = pane(window).diagnosis.text()
    assert pane(window).diagnosis.isVisible()
    assert "fc.y-no-bias" in text and "leaves out the bias: y = x·W + b, not x·W." in text


def test_the_shape_of_dw_is_part_of_the_answer(window):
    """ΔW may be answered 2×3 or 3×2 (δyᵀ·x, the classic mistake): nothing on screen says which
    is right until the student chooses one and checks."""
    group = group_of(window, "dw")
    box = group.shape_box
    assert [box.itemText(i) for i in range(box.count())] == ["2×3", "3×2"]   # size order
    assert box.currentIndex() == -1 and box.currentText() == ""
    assert box.placeholderText() == "choose…"
    assert "right" not in box.toolTip() and "first" not in box.toolTip()
    assert "2×3" not in box.toolTip() and "3×2" not in box.toolTip()
    assert "2×3" not in group.heading.text()
    assert group.tables == [] and group.choose_note.isVisible()
    assert "Choose the shape of ΔW" in group.choose_note.text()
    # checked before the shape is chosen: ΔW is not answered, and the summary says why
    type_answers(window, {"y": [6, 13, 20]})
    result = check(window)
    assert result.tensor("dw") is None
    assert "ΔW: choose its shape" in pane(window).summary.text()
    assert "All right" not in pane(window).summary.text()


def test_dw_given_transposed_is_answered_with_the_shape_box_and_diagnosed(window):
    group = group_of(window, "dw")
    choose_shape(window, "dw", (3, 2))
    assert group.shape_box.currentText() == "3×2" and not group.choose_note.isVisible()
    table = group.tables[0]
    assert (table.part.rows, table.part.cols) == (3, 2)
    type_answers(window, {"dw": np.array([[0, 0.5, 1], [0, 1, 2]]).T})   # δyᵀ·x
    result = check(window)
    assert result.tensor("dw").given_shape == (3, 2)
    text = pane(window).diagnosis.text()
    assert "fc.dw-transposed" in text and "transpose of the right one: ΔW = xᵀ·δy" in text
    assert "Your ΔW is 3×2, but ΔW is 2×3." in pane(window).first_wrong.text()
    assert "choose its shape" not in pane(window).summary.text()
    # another shape keeps what was typed (transposed back), and checks right
    choose_shape(window, "dw", (2, 3))
    table = group.tables[0]
    assert [table.cell_text(1, k) for k in range(3)] == ["0", "1", "2"]
    assert check(window).tensor("dw").correct


# -- exercises --------------------------------------------------------------------------------
def test_new_exercise_draws_numbers_from_its_seed(window):
    type_answers(window, {"y": [1, 2, 3]})
    assert window.practice.new_exercise(4711)
    expected = practice.exercise("fc", 4711)
    p = window.current_panel()
    assert pane(window).title.text() == "Exercise fc · #4711"
    for name in ("x", "w", "b", "dy"):
        np.testing.assert_array_equal(p.state.inputs[name], expected.inputs[name])
        np.testing.assert_array_equal(p.editors[name].value(), expected.inputs[name])
    assert all(t.cell_text(r, c) == "" for t in tables(window) for r, c in t.editable())
    assert p.state.step == 0 and window.solution.shown_steps() == 0
    first = {k: np.array(v) for k, v in p.state.inputs.items()}
    window.practice.new_exercise(None)                          # Ctrl+N: another seed
    assert pane(window).title.text() != "Exercise fc · #4711"
    window.practice.new_exercise("#4711")                       # typed as it is printed
    for k, v in first.items():
        np.testing.assert_array_equal(p.state.inputs[k], v)
    # the answers are checked against these numbers
    type_answers(window, {"y": expected.expected("y")})
    assert check(window).tensor("y").correct
    assert not window.is_dirty(FC)                              # new numbers are no edit


def test_the_seed_box_takes_a_number_and_refuses_anything_else(window):
    box = pane(window).seed_edit
    box.setText("12345")
    box.returnPressed.emit()
    assert pane(window).title.text() == "Exercise fc · #12345"
    box.setText("abc")
    box.returnPressed.emit()
    assert "seed: expected a whole number" in pane(window).message.text()
    assert pane(window).title.text() == "Exercise fc · #12345"


def test_edited_inputs_are_the_students_own_exercise_and_keep_the_answers(window):
    type_answers(window, {"y": [6, 13, 20]})
    window.current_panel().editors["b"].edit_cell(0, 0, "2")    # b = [2, 2, 3]
    assert pane(window).title.text() == "Exercise fc · own numbers"
    table, r, c = cell_of(window, "y", (0,))
    assert table.cell_text(r, c) == "6"                          # kept
    result = check(window)
    assert result.first_wrong.label == "y[0]"                   # y₀ is 7 now
    window.current_panel().editors["b"].edit_cell(0, 0, "1")    # back to the sheet's numbers
    assert pane(window).title.text() == "Exercise fc · example"


def test_an_edit_keeps_the_tables_and_a_new_shape_makes_new_ones(window):
    type_answers(window, {"y": [6, 13, 20]})
    before = tables(window)
    window.current_panel().editors["x"].edit_cell(0, 0, "3")
    assert tables(window) == before                            # the same widgets, new numbers
    p = window.current_panel()
    p.editors["w"].resize_to(2, 4)
    p.editors["b"].resize_to(1, 4)
    p.editors["dy"].resize_to(1, 4)
    assert window.practice.attempt().exercise.asked_tensor("y").shape == (4,)
    table, r, c = cell_of(window, "y", (3,))
    assert table not in before and table.cell_text(r, c) == ""
    assert [table.cell_text(0, k) for k in range(3)] == ["6", "13", "20"]


def test_inputs_that_do_not_compute_hold_check(window):
    window.current_panel().editors["w"].resize_to(3, 3)
    p = pane(window)
    assert not p.check_button.isEnabled()
    assert "do not compute" in p.message.text()
    window.current_panel().editors["w"].resize_to(2, 3)
    assert p.check_button.isEnabled()


# -- keeping answers --------------------------------------------------------------------------
def test_switching_panels_and_modes_and_practice_off_keeps_every_answer(window):
    type_answers(window, {"y": [6, 13, 20]})
    window.show_panel("Conv2D")
    conv = window.current_panel()
    type_answers(window, {"db": [1, 2]})
    conv.set_mode("filter")
    assert pane(window).title.text() == "Exercise conv-filter · example"
    type_answers(window, {"f_back": np.ones((2, 3, 2, 2))})
    conv.set_mode("full")
    table, r, c = cell_of(window, "db", (1,))
    assert table.cell_text(r, c) == "2"
    window.practice.set_on(False)
    window.show_panel(FC)
    window.practice.set_on(True)
    table, r, c = cell_of(window, "y", (2,))
    assert table.cell_text(r, c) == "20"
    window.show_panel("Conv2D")
    conv.set_mode("filter")
    table, r, c = cell_of(window, "f_back", (1, 2, 1, 1))
    assert table.cell_text(r, c) == "1"


def test_unsaved_answers_are_asked_about_before_quitting(qtbot, monkeypatch, messages):
    w = practising(qtbot)
    assert not w.is_dirty()
    type_answers(w, {"y": [6]})
    assert w.is_dirty() and w.windowTitle().endswith(" *")
    asked = []
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: asked.append(1) or "cancel")
    w.close()
    assert asked and w.isVisible()
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")


# -- keys -------------------------------------------------------------------------------------
def test_keys_ctrl_p_ctrl_enter_ctrl_n(qtbot, messages):
    w = practising(qtbot)
    w.practice.set_on(False)
    w.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w)
    qtbot.keyClick(w, QtCore.Qt.Key.Key_P, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert w.practice.on and w.practice.action_toggle.isChecked()
    first, _, _ = cell_of(w, "y", (0,))
    assert first.hasFocus()                                     # ready to type
    keys(qtbot, "6")
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: first.cell_text(0, 0) == "6")      # (the delegate commits later)
    assert first.currentIndex().column() == 1
    keys(qtbot, "14")                                # an editor open, not committed
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Return,
                   QtCore.Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter commits and checks
    result = w.practice.attempt().result
    assert result is not None and result.tensor("y").summary() == "y 1/3"
    assert first.cell_mark(0, 1) == WRONG
    qtbot.keyClick(w, QtCore.Qt.Key.Key_N, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert "#" in pane(w).title.text()
    qtbot.keyClick(w, QtCore.Qt.Key.Key_P, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert not w.practice.on
    qtbot.keyClick(w, QtCore.Qt.Key.Key_N, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert "#" in pane(w).title.text() and not w.practice.on   # Ctrl+N only in practice


def test_tab_and_enter_go_from_cell_to_cell_and_table_to_table(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    y, _, _ = cell_of(window, "y", (0,))
    dx, _, _ = cell_of(window, "dx", (0,))
    y.enter(1)
    for _ in range(3):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Tab)
    assert dx.hasFocus() and dx.currentIndex().column() == 0    # past y's last cell: δx
    qtbot.keyClick(dx, QtCore.Qt.Key.Key_Backtab)
    assert y.hasFocus() and y.currentIndex().column() == 2
    keys(qtbot, "20")
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Tab)
    assert y.cell_text(0, 2) == "20" and dx.hasFocus()          # Tab commits and moves on
    keys(qtbot, "6.5")
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dx.cell_text(0, 0) == "6.5")
    assert dx.currentIndex().column() == 1
    qtbot.keyClick(dx, QtCore.Qt.Key.Key_Left)
    qtbot.keyClick(dx, QtCore.Qt.Key.Key_Delete)
    assert dx.cell_text(0, 0) == ""                             # Delete: blank again
    assert window.current_panel().state.step == 0               # the arrows moved cells


def test_the_shape_box_is_in_the_keyboard_order(window, qtbot):
    """After δx's last cell, Tab (or Enter) reaches ΔW's shape box; the arrow keys choose a
    shape; Tab or Enter goes on into the table that appears, Shift+Tab back."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    dx, _, _ = cell_of(window, "dx", (0,))
    box = group_of(window, "dw").shape_box
    dx.enter(-1)                                                # δx's last cell
    keys(qtbot, "8")
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: box.hasFocus())                     # Enter: committed, on to ΔW
    assert dx.cell_text(0, 1) == "8"
    qtbot.keyClick(box, QtCore.Qt.Key.Key_Down)
    qtbot.keyClick(box, QtCore.Qt.Key.Key_Down)
    assert box.currentText() == "3×2" and box.hasFocus()
    table = group_of(window, "dw").tables[0]
    assert (table.part.rows, table.part.cols) == (3, 2)
    qtbot.keyClick(box, QtCore.Qt.Key.Key_Tab)
    assert table.hasFocus() and table.currentIndex().row() == 0
    qtbot.keyClick(table, QtCore.Qt.Key.Key_Backtab)
    assert box.hasFocus()
    qtbot.keyClick(box, QtCore.Qt.Key.Key_Backtab)
    assert dx.hasFocus() and dx.currentIndex().column() == 1
    qtbot.keyClick(dx, QtCore.Qt.Key.Key_Tab)
    qtbot.keyClick(box, QtCore.Qt.Key.Key_Return)               # chosen: Enter goes on too
    assert table.hasFocus()
    db, _, _ = cell_of(window, "db", (0,))
    for _ in range(6):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Tab)
    assert db.hasFocus() and db.currentIndex().column() == 0     # past ΔW's six cells: Δb


def test_paste_a_block_of_answers(window):
    choose_shape(window, "dw", (2, 3))
    table, r, c = cell_of(window, "dw", (0, 0))
    table.setCurrentIndex(table.model().index(r, c))
    table.paste_text("0\t0.5\t1\n0\t1\tx")
    assert [table.cell_text(1, k) for k in range(3)] == ["0", "1", ""]
    assert "left out x" in pane(window).message.text()


def test_precision_sets_the_tolerance(qtbot, messages):
    w = practising(qtbot, "lstm")
    dc = right_answers(w)["dc"]
    type_answers(w, {"dc": dc}, digits=2)                       # rounded to 2 digits
    assert not check(w).tensor("dc").correct
    w.set_precision(2)
    assert "2nd significant digit" in pane(w).tolerance.text()
    assert w.practice.attempt().result.tensor("dc").correct    # checked again at once
    assert w.practice.attempt().score() == (0, 1)               # the first check counted


# -- sessions and sheets ----------------------------------------------------------------------
def test_session_round_trip_keeps_answers_reveals_score_and_mode(qtbot, monkeypatch,
                                                                 tmp_path, messages):
    w = practising(qtbot)
    w.practice.new_exercise(4711)
    ex = practice.exercise("fc", 4711)
    y = ex.expected("y")
    type_answers(w, {"y": y, "dx": [1, 2]})
    choose_shape(w, "dw", (3, 2))                                # chosen, nothing typed yet
    check(w)
    w.practice.reveal(TO_WRONG)
    path = tmp_path / "p.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert w.files.save_session() and not w.is_dirty()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["practice"]["panels"]) == [FC]             # untouched panels: nothing
    saved = data["practice"]["panels"][FC]["fully_connected"]
    assert data["practice"]["on"] is True and saved["seed"] == 4711
    assert saved["answers"]["dx"] == [1, 2] and saved["answers"]["y"] == y.tolist()
    assert "dw" not in saved["answers"]                         # nothing typed there
    assert saved["shapes"] == {"dw": [3, 2]}                    # but its shape chosen
    revealed = saved["revealed"]
    assert revealed == ex.cell_steps("dx")[0] and saved["first"] == {"y": True, "dx": False}

    w2 = practising(qtbot)
    w2.practice.set_on(False)
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    assert w2.files.open_session()
    assert w2.practice.on and pane(w2).title.text() == "Exercise fc · #4711"
    table, r, c = cell_of(w2, "dx", (0,))
    assert table.cell_text(r, c) == "1" and table.cell_mark(r, c) == WRONG   # checked again
    assert w2.practice.limit() == revealed and w2.solution.shown_steps() == revealed
    assert pane(w2).score.text().startswith("Score: 1 of 4")
    dw = group_of(w2, "dw")
    assert dw.shape_box.currentText() == "3×2"
    assert [(t.part.rows, t.part.cols) for t in dw.tables] == [(3, 2)]
    assert not w2.is_dirty()


def test_a_session_without_practice_data_opens_as_before(qtbot, monkeypatch, tmp_path,
                                                         messages):
    path = tmp_path / "old.pnn.json"
    path.write_text(json.dumps({"format": 1, "app": "pnn-gui", "panel": FC, "panels": {
        FC: {"kind": "fully_connected", "inputs": {"x": [1, 2], "w": [[1, 3, 5], [2, 4, 6]],
                                                   "b": [0, 0, 0], "dy": [1, 1, 1]}}}}))
    w = practising(qtbot)
    type_answers(w, {"y": [1]})
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    assert w.files.open_session()
    assert w.practice.on and pane(w).title.text() == "Exercise fc · own numbers"
    assert all(t.cell_text(r, c) == "" for t in tables(w) for r, c in t.editable())


@pytest.mark.parametrize("practice_data, reason", [
    ([], "\"practice\" must be an object"),
    ({"on": "yes"}, "\"on\" must be true or false"),
    ({"panels": {"Nope": {}}}, "unknown panel 'Nope'"),
    ({"panels": {FC: {"lstm2": {}}}}, "unknown kind 'lstm2'"),
    ({"panels": {FC: {"fully_connected": {"answers": {"y": ["a"]}}}}},
     "answer 'y': expected numbers or null, got 'a'"),
    ({"panels": {FC: {"fully_connected": {"revealed": -1}}}}, "\"revealed\" must be"),
])
def test_damaged_practice_data_is_refused_and_changes_nothing(qtbot, monkeypatch, tmp_path,
                                                              messages, practice_data,
                                                              reason):
    path = tmp_path / "bad.pnn.json"
    path.write_text(json.dumps({"format": 1, "panel": FC, "panels": {},
                                "practice": practice_data}))
    w = practising(qtbot)
    type_answers(w, {"y": [6]})
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    assert not w.files.open_session()
    assert reason in messages[-1][1]
    table, r, c = cell_of(w, "y", (0,))
    assert table.cell_text(r, c) == "6"


@pytest.mark.parametrize("suffix", [".pdf", ".md"])
@pytest.mark.parametrize("solution", [False, True])
def test_export_exercise_sheet(qtbot, monkeypatch, tmp_path, messages, suffix,
                               solution):
    w = practising(qtbot)
    w.practice.new_exercise(4711)
    starts = []
    path = tmp_path / "sheets" / f"sheet{suffix}"
    path.parent.mkdir()

    def ask(parent, title, filter_, start):
        starts.append(start)
        return str(path)

    monkeypatch.setattr(dialogs, "ask_save_path", ask)
    action = w.files.action_export_solution if solution else w.files.action_export_sheet
    action.trigger()
    assert starts[0] == f"fc-4711{'-solution' if solution else ''}.pdf"
    data = path.read_bytes()
    if suffix == ".pdf":
        assert data.startswith(b"%PDF")
    else:
        text = data.decode("utf-8")
        assert text.startswith("# Exercise fc · #4711")
        assert ("## Solution" in text) == solution
    assert str(path) in w.status_line.text()
    action.trigger()                                            # the last folder used
    assert starts[1].startswith(str(path.parent))


def test_enter_follows_the_order_of_the_worked_solution(qtbot, messages):
    """Autodiff: down the values v0 … v4 (forward), then the adjoints from v̄4 up (backward;
    v̄0 is finished in step 11, v̄1 in step 12)."""
    w = practising(qtbot, "autodiff")
    table = tables(w)[0]
    order = [table.part.cells[rc] for rc in table.editable()]
    assert order == [("value", (i,)) for i in range(5)] + [("adjoint", (i,))
                                                           for i in (4, 3, 2, 0, 1)]
    table.enter(1)
    for text in ("1", "2", "2", "-0.4161", "2.584", "1"):
        table.type_text(table.currentIndex().row(), table.currentIndex().column(), text)
        qtbot.keyClick(table, QtCore.Qt.Key.Key_Return)
    assert table.cell_text(4, 2) == "1"                          # v̄4
    type_answers(w, {"adjoint": [0, 0, 0.5, 1, 1]})             # v̄2 wrong (its step: 10)
    check(w)
    assert "<b>v̄2</b>" in pane(w).first_wrong.text()


# -- a panel practice has no exercises for ---------------------------------------------------
def test_the_network_panel_says_practice_does_not_cover_it_and_shows_every_step(window, qtbot):
    """Practice on, then the Network panel: no answer tables, no step limit, the views and every
    step shown, and a note saying why; Check and New exercise say so too. (It raised KeyError.)"""
    window.show_panel("Network")
    panel = window.current_panel()
    n = panel.state.n_steps
    note = window.findChild(QtWidgets.QLabel, "practiceNotCovered")
    assert window.practice.on and note.isVisible() and "no exercises" in note.text()
    assert not window.practice.pane.isVisible() and window.view_stack.isVisible()
    assert window.solution.shown_steps() == n
    panel.state.set_step(n)
    assert panel.state.step == n and window.player.text().startswith(f"step {n} of {n}")
    window.practice.action_check.trigger()
    assert not window.practice.new_exercise()
    assert "no exercises" in window.status_line.text()
    window.show_panel(FC)   # back to a panel practice covers: its tables again
    assert window.practice.pane.isVisible() and not note.isVisible()
