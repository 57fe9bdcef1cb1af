"""The shared widgets on their own: matrix editor, tensor view, step player, solution pane,
delta flow, error labels. Driven through their methods, offscreen."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples
from engine.steps import fmt
from pnn_gui.widgets.delta_flow import DeltaFlow
from pnn_gui.widgets.field_error import ErrorLabel, show_errors
from pnn_gui.widgets.matrix_editor import MatrixEditor, parse_number, split_block
from pnn_gui.widgets.solution_pane import SHOWN_TEXT_ROLE, SolutionPane
from pnn_gui.widgets.step_player import StepPlayer
from pnn_gui.widgets.tensor_view import MIN_DIGITS, TensorGrid, symmetric_levels


@pytest.fixture
def fc_trace():
    return examples.load("fc").solve()


# -- matrix editor ------------------------------------------------------------------------------
def test_parse_number_reasons():
    assert parse_number(" 2.5 ") == 2.5
    assert parse_number("\u22121") == -1.0
    assert parse_number("1,5") == 1.5
    for bad, why in (("abc", "not a number"), ("", "empty"), ("inf", "finite"),
                     ("nan", "finite"), ("1,2,3", "not a number")):
        with pytest.raises(ValueError, match=why):
            parse_number(bad)


def test_split_block_separators():
    assert split_block("1\t2\n3\t4\n") == [["1", "2"], ["3", "4"]]
    assert split_block("1,2\r\n3,4") == [["1", "2"], ["3", "4"]]
    assert split_block("1;2") == [["1", "2"]]
    assert split_block("1 2  3") == [["1", "2", "3"]]


def test_editor_good_edit_emits_value(qtbot):
    ed = MatrixEditor("W", [[1, 3, 5], [2, 4, 6]], name="w")
    qtbot.addWidget(ed)
    with qtbot.waitSignal(ed.value_changed) as sig:
        ed.edit_cell(1, 2, "7.25")
    np.testing.assert_array_equal(sig.args[0], [[1, 3, 5], [2, 4, 7.25]])
    np.testing.assert_array_equal(ed.value(), [[1, 3, 5], [2, 4, 7.25]])
    assert ed.cell_text(1, 2) == "7.25"


def test_batch_editor_is_a_vector_at_1_and_rows_above(qtbot):
    ed = MatrixEditor("x", [1, 2], name="x", batch=True)
    qtbot.addWidget(ed)
    got = []
    ed.value_changed.connect(got.append)
    assert ed.value().shape == (2,) and ed.table.verticalHeader().isHidden()
    ed.paste_text("1\t2\n3\t4\n5\t6", row=0, col=0)   # a block's rows are the batch
    np.testing.assert_array_equal(got[-1], [[1, 2], [3, 4], [5, 6]])
    assert not ed.table.verticalHeader().isHidden()
    ed.edit_cell(2, 0, "oops")
    assert "x[2,0]" in ed.cell_message()
    ed.resize_to(1, 2)
    np.testing.assert_array_equal(got[-1], [1, 2])           # batch 1: the vector again
    ed.set_value([[7, 8], [9, 10]])                          # a batch from a session
    assert ed.shape() == (2, 2) and ed.rows_box.value() == 2
    plain = MatrixEditor("b", [1, 2], name="b")
    qtbot.addWidget(plain)
    with pytest.raises(ValueError, match="b: expected a 1-D array"):
        plain.set_value([[1, 2], [3, 4]])


def test_editor_bad_cell_is_red_and_keeps_last_good_value(qtbot):
    ed = MatrixEditor("W", [[1, 3, 5], [2, 4, 6]], name="w")
    qtbot.addWidget(ed)
    emitted = []
    ed.value_changed.connect(emitted.append)
    ed.edit_cell(0, 1, "three")
    assert emitted == []
    assert ed.cell_errors() == {(0, 1): "'three' is not a number"}
    assert "W[0,1]" in ed.cell_message() and "not a number" in ed.cell_message()
    assert ed.cell_text(0, 1) == "three"           # what was typed stays visible
    np.testing.assert_array_equal(ed.value(), [[1, 3, 5], [2, 4, 6]])
    model = ed.table.model()
    idx = model.index(0, 1)
    assert model.data(idx, QtCore.Qt.ItemDataRole.BackgroundRole) is not None
    assert "3.0" in model.data(idx, QtCore.Qt.ItemDataRole.ToolTipRole)
    # other cells still edit normally, and fixing the bad one clears the message
    ed.edit_cell(1, 0, "9")
    assert emitted and emitted[-1][1, 0] == 9
    ed.edit_cell(0, 1, "4")
    assert ed.cell_errors() == {} and ed.cell_message() == ""
    np.testing.assert_array_equal(ed.value(), [[1, 4, 5], [9, 4, 6]])


def test_editor_tooltip_shows_exact_value_and_precision(qtbot):
    ed = MatrixEditor("x", [1 / 3, 2.0])
    qtbot.addWidget(ed)
    model = ed.table.model()
    assert ed.cell_text(0, 0) == "0.3333"
    assert model.data(model.index(0, 0), QtCore.Qt.ItemDataRole.ToolTipRole) == repr(1 / 3)
    ed.set_precision(2)
    assert ed.cell_text(0, 0) == "0.33"


def test_editor_resize_keeps_what_fits(qtbot):
    ed = MatrixEditor("W", [[1, 2], [3, 4]])
    qtbot.addWidget(ed)
    with qtbot.waitSignal(ed.value_changed):
        ed.cols_box.setValue(3)
    np.testing.assert_array_equal(ed.value(), [[1, 2, 0], [3, 4, 0]])
    ed.rows_box.setValue(1)
    np.testing.assert_array_equal(ed.value(), [[1, 2, 0]])
    ed.resize_to(2, 1)
    np.testing.assert_array_equal(ed.value(), [[1], [0]])


def test_editor_1d_has_length_only(qtbot):
    ed = MatrixEditor("b", [1, 2, 3])
    qtbot.addWidget(ed)
    ed.show()
    assert ed.value().shape == (3,)
    assert not ed.rows_box.isVisible() and ed.cols_box.isVisible()
    ed.resize_to(99, 2)
    np.testing.assert_array_equal(ed.value(), [1, 2])
    ed.set_resizable(False)
    assert not ed.cols_box.isVisible()


def test_editor_set_value_is_silent(qtbot):
    ed = MatrixEditor("W", [[1, 2]])
    qtbot.addWidget(ed)
    emitted = []
    ed.value_changed.connect(emitted.append)
    ed.set_value([[5, 6, 7], [8, 9, 10]])
    assert emitted == []
    assert ed.rows_box.value() == 2 and ed.cols_box.value() == 3
    with pytest.raises(ValueError, match="W: expected a 2-D array"):
        ed.set_value([1, 2])


def test_editor_paste_block_grows_and_marks_bad_cells(qtbot):
    ed = MatrixEditor("W", [[0, 0], [0, 0]])
    qtbot.addWidget(ed)
    with qtbot.waitSignal(ed.value_changed):
        ed.paste_text("1\t2\t3\n4\tx\t6\n", row=0, col=0)
    np.testing.assert_array_equal(ed.value(), [[1, 2, 3], [4, 0, 6]])
    assert list(ed.cell_errors()) == [(1, 1)]


def test_editor_paste_into_fixed_shape_clips(qtbot):
    ed = MatrixEditor("x", [0, 0], resizable=False)
    qtbot.addWidget(ed)
    ed.paste_text("1,2,3")
    np.testing.assert_array_equal(ed.value(), [1, 2])
    assert ed.cell_message() == "x: column 3 of the paste was left out (3); x holds one row of 2"


def test_editor_paste_of_two_rows_into_a_vector_says_what_was_left_out(qtbot):
    ed = MatrixEditor("b", [1, 2, 3], name="b")
    qtbot.addWidget(ed)
    rejected = []
    ed.cell_rejected.connect(rejected.append)
    with qtbot.waitSignal(ed.value_changed):
        ed.paste_text("4\t5\t6\n7\t8\t9\n")
    np.testing.assert_array_equal(ed.value(), [4, 5, 6])             # what fits is kept
    message = ed.cell_message()
    assert message.startswith("b: row 2 of the paste was left out (7, 8, 9)"), message
    assert rejected == [message]                                     # the status line too
    ed.edit_cell(0, 0, "1")                                          # the next edit clears it
    assert ed.cell_message() == ""


def test_editor_paste_too_wide_for_a_fixed_shape_names_the_columns(qtbot):
    ed = MatrixEditor("W_f", [[0, 0], [0, 0]], resizable=False)
    qtbot.addWidget(ed)
    ed.paste_text("1\t2\t3\t4\n5\t6\t7\t8", row=0, col=0)
    np.testing.assert_array_equal(ed.value(), [[1, 2], [5, 6]])
    assert ed.cell_message().startswith(
        "W_f: columns 3–4 of the paste were left out (3, 4, 7, 8)"), ed.cell_message()


def test_editor_messages_use_the_name_on_screen(qtbot):
    ed = MatrixEditor("W", [[1, 2], [3, 4]], name="w")
    qtbot.addWidget(ed)
    ed.edit_cell(0, 1, "three")
    assert ed.cell_message().startswith("W[0,1]: 'three' is not a number")


def test_editor_delete_and_backspace_set_the_selected_cells_to_0(qtbot):
    ed = MatrixEditor("W", [[1, 2, 3], [4, 5, 6]])
    qtbot.addWidget(ed)
    ed.show()
    qtbot.waitExposed(ed)
    t = ed.table
    ed.edit_cell(1, 2, "oops")                                       # a bad cell, cleared too
    sel = t.selectionModel()
    flag = QtCore.QItemSelectionModel.SelectionFlag.Select
    for r, c in ((0, 1), (1, 2)):
        sel.select(t.model().index(r, c), flag)
    t.setFocus()
    with qtbot.waitSignal(ed.value_changed) as sig:
        qtbot.keyClick(t, QtCore.Qt.Key.Key_Delete)
    np.testing.assert_array_equal(sig.args[0], [[1, 0, 3], [4, 5, 0]])
    assert ed.cell_errors() == {} and ed.cell_message() == ""
    sel.clearSelection()
    sel.select(t.model().index(0, 0), flag)
    with qtbot.waitSignal(ed.value_changed):
        qtbot.keyClick(t, QtCore.Qt.Key.Key_Backspace)
    np.testing.assert_array_equal(ed.value(), [[0, 0, 3], [4, 5, 0]])
    assert ed.cell_text(0, 0) == "0"


def test_editor_bad_cell_stays_red_while_selected(qtbot):
    ed = MatrixEditor("W", [[1, 2], [3, 4]])
    qtbot.addWidget(ed)
    ed.show()
    qtbot.waitExposed(ed)
    t = ed.table
    ed.edit_cell(0, 1, "oops")
    t.setFocus()
    for r, c in ((0, 1), (1, 0)):                                    # bad and good, selected
        t.selectionModel().select(t.model().index(r, c),
                                  QtCore.QItemSelectionModel.SelectionFlag.Select)
    image = t.viewport().grab().toImage()

    def colour(r, c):
        rect = t.visualRect(t.model().index(r, c))
        return image.pixelColor(rect.left() + 4, rect.center().y())

    bad, good = colour(0, 1), colour(1, 0)
    assert bad.red() > 200 and bad.red() - bad.blue() > 60, bad.name()   # red, not blue
    assert good.blue() > good.red(), good.name()                         # the selection blue


def test_editor_paste_column_into_vector(qtbot):
    ed = MatrixEditor("x", [0, 0, 0])
    qtbot.addWidget(ed)
    ed.paste_text("7\n8\n9\n")
    np.testing.assert_array_equal(ed.value(), [7, 8, 9])


def test_editor_copy_is_exact_and_round_trips_through_clipboard(qtbot):
    ed = MatrixEditor("W", [[0.1, 1 / 3], [2, -4]])
    qtbot.addWidget(ed)
    text = ed.copy_text()
    assert text == f"0.1\t{1 / 3!r}\n2.0\t-4.0"
    ed.copy()
    other = MatrixEditor("V", [[0, 0], [0, 0]])
    qtbot.addWidget(other)
    other.paste()
    np.testing.assert_array_equal(other.value(), ed.value())   # bit for bit


def test_editor_ctrl_c_ctrl_v_keys(qtbot):
    ed = MatrixEditor("W", [[1, 2], [3, 4]])
    other = MatrixEditor("V", [[0, 0], [0, 0]])
    qtbot.addWidget(ed)
    qtbot.addWidget(other)
    ed.table.selectAll()
    qtbot.keyClick(ed.table, QtCore.Qt.Key.Key_C, QtCore.Qt.KeyboardModifier.ControlModifier)
    other.table.setCurrentIndex(other.table.model().index(0, 0))
    qtbot.keyClick(other.table, QtCore.Qt.Key.Key_V, QtCore.Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(other.value(), [[1, 2], [3, 4]])


def test_editor_context_menu_fills(qtbot):
    ed = MatrixEditor("W", [[1, 2], [3, 4]], example=[[5, 6], [7, 8]], seed=3)
    qtbot.addWidget(ed)
    menu = ed.context_menu()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert "Fill with zeros" in texts and "Reset to example" in texts
    assert any("seed 3" in t for t in texts)
    ed.fill_zeros()
    np.testing.assert_array_equal(ed.value(), np.zeros((2, 2)))
    ed.fill_random()
    first = ed.value()
    assert np.all(np.abs(first) <= 1) and np.any(first != 0)
    np.testing.assert_array_equal(first, np.round(np.random.default_rng(3).uniform(-1, 1, (2, 2)),
                                                  1))
    with qtbot.waitSignal(ed.value_changed):
        ed.reset_to_example()
    np.testing.assert_array_equal(ed.value(), [[5, 6], [7, 8]])
    ed.set_example(None)
    reset = next(a for a in ed.context_menu().actions() if a.text() == "Reset to example")
    assert not reset.isEnabled()


def test_editor_engine_error_label(qtbot):
    ed = MatrixEditor("x", [1, 2], name="x")
    qtbot.addWidget(ed)
    ed.set_error("x: expected shape (3,), got (2,)")
    assert ed.error() == "x: expected shape (3,), got (2,)"
    ed.set_error("")
    assert ed.error() == ""


def test_editor_refuses_3d(qtbot):
    with pytest.raises(ValueError, match="one editor per channel"):
        MatrixEditor("f", np.zeros((2, 2, 2)))


def test_show_errors_spreads_messages(qtbot):
    a, b, general = ErrorLabel(), ErrorLabel(), ErrorLabel()
    for w in (a, b, general):
        qtbot.addWidget(w)
    show_errors({"x": "x: bad", "": "inputs: oops"}, {"x": a, "w": b}, general)
    assert a.error() == "x: bad" and b.error() == "" and general.error() == "inputs: oops"
    show_errors({}, {"x": a, "w": b}, general)
    assert a.error() == "" and general.error() == ""


# -- tensor view --------------------------------------------------------------------------------
def test_symmetric_levels():
    assert symmetric_levels(np.array([1.0, -3.0, np.nan])) == (-3.0, 3.0)
    assert symmetric_levels(np.zeros(3)) == (-1.0, 1.0)
    assert symmetric_levels(np.array([np.nan])) == (-1.0, 1.0)


def test_tensor_view_updates_in_place(qtbot):
    grid = TensorGrid()
    qtbot.addWidget(grid)
    v = grid.add_view("y", "y", 0, 0)
    image = v.image
    v.set_array([1.0, np.nan, -2.0], levels=(-4, 4))
    assert v.shape == (1, 3)
    assert v.levels() == (-4.0, 4.0)
    assert v.colorbar.levels() == (-4.0, 4.0)
    np.testing.assert_array_equal(v.image.image, [[1.0, np.nan, -2.0]])
    assert v.texts() == ["1", "", "-2"]                 # NaN: "not computed yet", empty
    v.set_array([[1.0, 2.0], [3.0, 4.0]])
    assert v.image is image and v.shape == (2, 2)
    assert v.levels() == (-4.0, 4.0)                   # default: ±max|value|
    with pytest.raises(ValueError, match="one view per channel"):
        v.set_array(np.zeros((2, 2, 2)))


def test_tensor_grid_locates_and_highlights(qtbot, fc_trace):
    grid = TensorGrid()
    qtbot.addWidget(grid)
    for i, name in enumerate(("x", "w", "y")):
        grid.add_view(name, name, 0, i).set_array(fc_trace.tensors[name])
    grid.resize(600, 300)
    grid.show()
    qtbot.waitExposed(grid)
    s = fc_trace.steps[2]   # y₂ = Σ x_j W_j2 + b_2
    grid.highlight(s.reads, s.writes)
    assert grid.view("x").highlighted() == (((0, 0), (0, 1)), ())      # x₀, x₁ read
    assert grid.view("w").highlighted() == (((0, 2), (1, 2)), ())      # W's column 2
    assert grid.view("y").highlighted() == ((), ((0, 2),))             # y₂ written
    p0, p1 = grid.scene_pos(("y", (0,))), grid.scene_pos(("y", (2,)))
    assert p1.x() > p0.x() and abs(p1.y() - p0.y()) < 1e-6
    assert grid.scene_pos(("b", (0,))) is None           # b is not shown here
    grid.set_locator(lambda ref: ("w", (0, 0)))
    assert grid.locate(("anything", ()))[1] == (0, 0)
    grid.highlight((), ())
    assert all(v.highlighted() == ((), ()) for v in grid.views.values())


def test_tensor_grid_rejects_duplicate_view(qtbot):
    grid = TensorGrid()
    qtbot.addWidget(grid)
    grid.add_view("x", "x", 0, 0)
    with pytest.raises(ValueError, match="exists"):
        grid.add_view("x", "x", 0, 1)


# -- delta flow ---------------------------------------------------------------------------------
def test_delta_flow_moves_markers_and_finishes(qtbot, fc_trace):
    grid = TensorGrid()
    qtbot.addWidget(grid)
    for i, name in enumerate(("x", "w", "b", "y")):
        grid.add_view(name, name, 0, i).set_array(fc_trace.tensors[name])
    grid.resize(800, 300)
    grid.show()
    qtbot.waitExposed(grid)
    flow = DeltaFlow(grid, grid.scene_pos, duration_ms=120)
    s = fc_trace.steps[0]
    with qtbot.waitSignal(flow.finished, timeout=3000):
        flow.play(s.reads, s.writes)
        assert flow.is_running()
        start = flow.markers()
        assert len(start) == len(s.reads)        # x0, x1, W00, W10, b0
        qtbot.waitUntil(lambda: flow.markers()[0] != start[0], timeout=2000)
    assert not flow.is_running()
    assert flow.markers() == []


def test_delta_flow_skip_speed_and_disable(qtbot, fc_trace):
    grid = TensorGrid()
    qtbot.addWidget(grid)
    for i, name in enumerate(("x", "w", "b", "y")):
        grid.add_view(name, name, 0, i).set_array(fc_trace.tensors[name])
    grid.show()
    flow = DeltaFlow(grid, grid.scene_pos)
    flow.set_speed(2)
    assert flow.duration_ms() == 150
    s = fc_trace.steps[0]
    flow.play(s.reads, s.writes)
    assert flow.is_running()
    flow.skip()
    assert not flow.is_running() and flow.markers() == []


# -- step player --------------------------------------------------------------------------------
def test_step_player_buttons_request_steps(qtbot):
    p = StepPlayer()
    qtbot.addWidget(p)
    p.set_state(5, 14, "backward")
    assert p.text() == "step 5 of 14 · backward"
    assert p.slider.value() == 5 and p.slider.maximum() == 14
    got = []
    p.step_requested.connect(got.append)
    p.forward_button.click()
    p.back_button.click()
    p.first_button.click()
    p.last_button.click()
    assert got == [6, 4, 0, 14]
    p.slider.setValue(9)
    assert got[-1] == 9
    p.set_state(0, 14, "forward")
    assert p.text() == "step 0 of 14 · inputs"
    assert not p.back_button.isEnabled() and p.forward_button.isEnabled()


def test_step_player_click_on_the_groove_jumps_there(qtbot):
    p = StepPlayer()
    qtbot.addWidget(p)
    p.resize(900, 40)
    p.show()
    qtbot.waitExposed(p)
    p.set_state(2, 20, "forward")
    got = []
    p.step_requested.connect(got.append)
    s = p.slider
    opt = QtWidgets.QStyleOptionSlider()
    s.initStyleOption(opt)
    cc = QtWidgets.QStyle.ComplexControl.CC_Slider
    groove = s.style().subControlRect(cc, opt, QtWidgets.QStyle.SubControl.SC_SliderGroove, s)
    handle = s.style().subControlRect(cc, opt, QtWidgets.QStyle.SubControl.SC_SliderHandle, s)
    # the point where the handle's centre sits at step 15 of 20
    span = groove.width() - handle.width()
    x = groove.left() + handle.width() // 2 + round(span * 15 / 20)
    qtbot.mouseClick(s, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, groove.center().y()))
    assert got == [15]


def test_step_player_set_state_is_silent(qtbot):
    p = StepPlayer()
    qtbot.addWidget(p)
    got = []
    p.step_requested.connect(got.append)
    p.set_state(3, 10, "forward")
    assert got == []


def test_step_player_plays_to_the_end(qtbot):
    p = StepPlayer()
    qtbot.addWidget(p)
    p.step_requested.connect(lambda k: p.set_state(k, 3, "forward"))
    p.set_speed(4.0)
    assert p.speed() == 4.0
    p.set_state(0, 3, "")
    p.play()
    assert p.is_playing()
    qtbot.waitUntil(lambda: not p.is_playing(), timeout=5000)
    assert p.step() == 3
    p.play()          # at the end, play starts again from the inputs
    assert p.step() == 0 and p.is_playing()
    p.pause()


def test_step_player_speed_signal(qtbot):
    p = StepPlayer()
    qtbot.addWidget(p)
    with qtbot.waitSignal(p.speed_changed) as sig:
        p.set_speed(0.3)
    assert sig.args == [0.25]


def test_step_player_keys(qtbot):
    win = QtWidgets.QWidget()
    qtbot.addWidget(win)
    lay = QtWidgets.QVBoxLayout(win)
    p = StepPlayer()
    edit = QtWidgets.QLineEdit("12345")
    lay.addWidget(p)
    lay.addWidget(edit)
    p.bind_shortcuts(win)
    p.step_requested.connect(lambda k: p.set_state(k, 10, "forward"))
    p.set_state(4, 10, "forward")
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    p.slider.setFocus()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is win)
    qtbot.keyClick(p.slider, QtCore.Qt.Key.Key_Right)
    assert p.step() == 5
    qtbot.keyClick(p.slider, QtCore.Qt.Key.Key_Left)
    assert p.step() == 4
    qtbot.keyClick(p.slider, QtCore.Qt.Key.Key_End)
    assert p.step() == 10
    qtbot.keyClick(p.slider, QtCore.Qt.Key.Key_Home)
    assert p.step() == 0
    # a text field being edited keeps its arrow keys
    edit.setFocus()
    edit.setCursorPosition(2)
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Right)
    assert p.step() == 0 and edit.cursorPosition() == 3


# -- solution pane ------------------------------------------------------------------------------
def test_solution_pane_lines_groups_and_current(qtbot, fc_trace):
    pane = SolutionPane()
    qtbot.addWidget(pane)
    pane.set_trace(fc_trace)
    model = pane.model
    assert model.rowCount() == len(fc_trace) + 2 + 2     # two phase headers, two sheet notes
    assert model.data(model.index(0)).strip() == "Forward pass"
    assert model.data(model.index(4)).strip() == "Backward pass"
    assert pane.line_text(4) == "4. δx₀ = Σₖ δyₖ·W₀ₖ\n    = 0 · 1 + 0.5 · 3 + 1 · 5 = 6.5"
    pane.set_current(5)
    assert pane.current() == 5
    idx = pane.index_of_step(5)
    assert model.data(idx, QtCore.Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(pane.index_of_step(4), QtCore.Qt.ItemDataRole.BackgroundRole) is None


def test_lines_not_reached_show_their_formula_only(qtbot, fc_trace):
    """At step 0 no answer shows: each line its formula, greyed; a line's numbers and result,
    and the sheet's note under it, show once its step is reached (a click still jumps)."""
    pane = _shown_pane(qtbot, fc_trace, size=(420, 900))
    view = pane.view
    pane.set_current(0)
    for k, s in enumerate(fc_trace.steps, 1):
        assert pane.shown_text(k) == f"{k}. {s.formula}", k
        assert pane.index_of_step(k).data(SHOWN_TEXT_ROLE) == f"{k}. {s.formula}"
        tip = pane.index_of_step(k).data(QtCore.Qt.ItemDataRole.ToolTipRole)
        assert s.formula in tip and s.substituted not in tip, k
    assert pane.index_of_sheet_note(4).data(SHOWN_TEXT_ROLE).endswith("shown at step 4")
    pane.set_current(4)
    assert pane.shown_text(4) == pane.line_text(4) and pane.line_text(4).endswith("= 6.5")
    assert pane.shown_text(5) == "5. " + fc_trace.steps[4].formula
    assert pane.index_of_sheet_note(4).data(SHOWN_TEXT_ROLE).startswith(
        "⚑ The sheet prints δx = [6.58]")
    assert pane.index_of_sheet_note(6).data(SHOWN_TEXT_ROLE).endswith("shown at step 6")
    with qtbot.waitSignal(pane.step_clicked) as sig:
        view.clicked.emit(pane.index_of_step(9))
    assert sig.args == [9]


@pytest.mark.parametrize("size", [14, 30])
def test_a_step_change_lays_no_row_out_again(qtbot, size):
    """Every row keeps its place and size from step 0 to the last step and back (wrapped and
    uniform rows): the numbers fill the room their line kept for them."""
    trace = examples.load("fc").solve() if size == 14 else _fc_trace(size, 1)
    pane = _shown_pane(qtbot, trace, size=(330, 700))
    qtbot.wait(1)

    def rects():
        pane.view.scrollToTop()
        return [pane.view.visualRect(pane.model.index(r)) for r in range(pane.model.rowCount())]

    pane.set_current(0)
    at_start = rects()
    two_lines = 2 * pane.view.fontMetrics().lineSpacing()
    assert pane.view.visualRect(pane.index_of_step(1)).height() >= two_lines   # the room kept
    for k in (1, 4, len(trace), 0):
        pane.set_current(k)
        assert rects() == at_start, k


def test_solution_pane_line_is_the_steps_own_text(qtbot):
    """The pane writes what Step.text writes (result_text included), formula on its own line."""
    from engine.steps import Trace, step

    steps = [
        step("forward", "y", "y = x + 1", "2 + 1", [("x", (0,))], [("y", (0,))], [3.0]),
        step("backward", "δx", "δx = δy", "δx₀ = 1; δx₁ = 2", [], [("dx", (0,)), ("dx", (1,))],
             [1.0, 2.0], result_text=""),
        step("backward", "δw", "δw = xᵀ·δy", "", [], [("dw", (0,)), ("dw", (1,))], [4.0, 5.0]),
    ]
    trace = Trace(steps, {"x": np.zeros(1), "y": np.zeros(1), "dx": np.zeros(2),
                          "dw": np.zeros(2)})
    pane = SolutionPane()
    qtbot.addWidget(pane)
    pane.set_trace(trace)
    assert pane.line_text(1) == "1. y = x + 1\n    = 2 + 1 = 3"
    assert pane.line_text(2) == "2. δx = δy\n    = δx₀ = 1; δx₁ = 2"       # no result repeated
    assert pane.line_text(3) == f"3. δw = xᵀ·δy\n    {steps[2].text[len('δw = xᵀ·δy'):].strip()}"
    for k, s in enumerate(steps, 1):
        assert pane.line_text(k).split(". ", 1)[1].replace("\n    ", " ") == s.text


def test_solution_pane_click_jumps(qtbot, fc_trace):
    pane = SolutionPane()
    qtbot.addWidget(pane)
    pane.set_trace(fc_trace)
    with qtbot.waitSignal(pane.step_clicked) as sig:
        pane.view.clicked.emit(pane.index_of_step(9))
    assert sig.args == [9]
    got = []
    pane.step_clicked.connect(got.append)
    pane.view.clicked.emit(pane.model.index(0))          # a header: nothing
    assert got == []


def _shown_pane(qtbot, trace, size=(300, 400)):
    pane = SolutionPane()
    qtbot.addWidget(pane)
    pane.resize(*size)
    pane.show()
    qtbot.waitExposed(pane)
    pane.set_trace(trace)
    return pane


def _fc_trace(n, seed):
    from engine import traces

    rng = np.random.default_rng(seed)
    return traces.fully_connected.solve(rng.normal(size=n), rng.normal(size=(n, n)),
                                        rng.normal(size=n), rng.normal(size=n))


def test_solution_pane_scrolls_to_current_for_long_traces(qtbot):
    trace = _fc_trace(40, 0)
    assert len(trace) > 1000
    pane = _shown_pane(qtbot, trace)
    pane.set_current(len(trace))                         # straight after set_trace
    qtbot.waitUntil(lambda: pane.view.verticalScrollBar().value() > 0)
    rect = pane.view.visualRect(pane.index_of_step(len(trace)))
    assert pane.view.viewport().rect().intersects(rect)


@pytest.mark.parametrize("size, uniform", [(30, True), (8, False)])
def test_solution_pane_current_row_in_view_at_every_step(qtbot, size, uniform):
    """A step change only repaints (no relayout): uniform rows scroll by arithmetic on the row
    pitch, wrapped rows by Qt's layout of the trace. Either way the current row must be fully
    in view and the only highlighted one, stepping and jumping."""
    trace = _fc_trace(size, 2)
    assert (len(trace) > 400) == uniform                 # > 400 steps: the uniform-rows mode
    pane = _shown_pane(qtbot, trace)
    qtbot.wait(1)
    assert pane.view.uniformItemSizes() == uniform
    view, bg = pane.view, QtCore.Qt.ItemDataRole.BackgroundRole
    n = len(trace)
    ks = list(range(1, 60)) + list(range(n, n - 30, -1)) + [1, n // 2, 7, n - 3, n // 3, 2]
    for k in ks:
        pane.set_current(k)
        QtWidgets.QApplication.processEvents()
        rect, vp = view.visualRect(pane.index_of_step(k)), view.viewport().rect()
        assert vp.top() <= rect.top() and rect.bottom() <= vp.bottom(), (k, rect, vp)
        assert pane.model.data(pane.index_of_step(k), bg) is not None
        if k > 1:
            assert pane.model.data(pane.index_of_step(k - 1), bg) is None


def test_solution_pane_shows_note(qtbot):
    trace = _fc_trace(60, 1)
    assert trace.note
    pane = _shown_pane(qtbot, trace)
    assert pane.note.isVisible() and "coarsened" in pane.note.text()
    pane.set_trace(None)
    assert not pane.note.isVisible() and pane.model.rowCount() == 0


def test_solution_pane_wraps_short_traces_and_scrolls_to_current(qtbot, fc_trace):
    pane = _shown_pane(qtbot, fc_trace, (220, 200))
    assert pane.view.wordWrap() and not pane.view.uniformItemSizes()
    pane.set_current(14)

    def visible():
        rect = pane.view.visualRect(pane.index_of_step(14))
        return pane.view.viewport().rect().contains(rect)

    qtbot.waitUntil(visible)
    pane.set_current(1)
    qtbot.waitUntil(lambda: pane.view.viewport().rect().intersects(
        pane.view.visualRect(pane.index_of_step(1))))


def test_solution_pane_colours_every_line_by_the_current_step(qtbot, fc_trace):
    """Steps 1..k are done (dark), the rest to do (grey), whatever the jump (issue 9: after Home
    lines 1-13 stayed dark); only step k has the current background."""
    from pnn_gui.widgets.solution_pane import CURRENT_BG, DONE_FG, TODO_FG

    pane = _shown_pane(qtbot, fc_trace)
    role = QtCore.Qt.ItemDataRole
    for k in (len(fc_trace), 0, len(fc_trace), 7, 8, 1):
        pane.set_current(k)
        for line in range(1, len(fc_trace) + 1):
            index = pane.index_of_step(line)
            assert pane.model.data(index, role.ForegroundRole).color() == \
                (DONE_FG if line <= k else TODO_FG), (k, line)
            background = pane.model.data(index, role.BackgroundRole)
            assert (background is not None and background.color() == CURRENT_BG) == (line == k)


@pytest.mark.parametrize("n", [8, 30])  # wrapped rows, uniform rows
def test_solution_pane_rows_keep_their_size_on_a_step_change(qtbot, n):
    """A step change repaints; no row is measured or laid out again (so nothing can be cut)."""
    trace = _fc_trace(n, 3)
    pane = _shown_pane(qtbot, trace, (300, 500))
    qtbot.wait(1)

    def row_sizes():
        return [pane.view.visualRect(pane.model.index(r)).size()
                for r in range(pane.model.rowCount())]

    before = row_sizes()
    for k in (len(trace), 0, 5, len(trace) // 2):
        pane.set_current(k)
        QtWidgets.QApplication.processEvents()
        assert row_sizes() == before, k


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen tooltip window
def test_tensor_grid_hover_gives_exact_value(qtbot):
    grid = TensorGrid()
    qtbot.addWidget(grid)
    v = grid.add_view("dw", "ΔW", 0, 0)
    v.set_array(np.array([[0.1, np.nan], [1 / 3, -2.0]]))
    b = grid.add_view("b", "b", 0, 1)
    b.set_array(np.array([7.5, 8.0]))
    grid.resize(600, 300)
    grid.show()
    qtbot.waitExposed(grid)
    view, cell = grid.cell_at(v.cell_scene_pos(1, 0))
    assert view is v and cell == (1, 0)
    assert v.cell_tooltip(1, 0) == f"dw[1,0] = {1 / 3!r}"
    assert v.cell_tooltip(0, 1) == "dw[0,1] = not computed yet"
    assert grid.cell_at(b.cell_scene_pos(0, 1))[0] is b
    assert b.cell_tooltip(0, 1) == "b[1] = 8.0"
    assert grid.cell_at(QtCore.QPointF(-50, -50)) is None
    # hovering a cell shows its exact value
    qtbot.mouseMove(grid.viewport(), grid.mapFromScene(v.cell_scene_pos(1, 1)))
    qtbot.waitUntil(lambda: QtWidgets.QToolTip.text() == "dw[1,1] = -2.0")


def test_cell_values_all_or_nothing(qtbot):
    grid = TensorGrid()
    qtbot.addWidget(grid)
    v = grid.add_view("w", "w", 0, 0)
    v.set_array(np.array([[1.0, -2.5], [1 / 3, 4.0]]))
    assert v.texts() == ["1", "-2.5", "0.3333", "4"]

    def widest(font):
        return max(QtGui.QFontMetricsF(font).horizontalAdvance(t) for t in v.texts())

    big = v.text_font(100, 40)
    small = v.text_font(widest(big) + 2, 40)            # only the smaller font fits
    assert small is not None and small.pointSizeF() < big.pointSizeF()
    assert v.text_font(100, 4) is None                  # cells too low for any text


def test_cell_values_print_fewer_digits_before_none(qtbot):
    """Values too wide for their cells print with fewer significant digits (down to
    MIN_DIGITS), the same number of digits in every cell of the view, never cut short;
    with no room even for those, no value prints."""
    grid = TensorGrid()
    qtbot.addWidget(grid)
    v = grid.add_view("w", "w", 0, 0)
    values = [0.003804, 0.1385, -0.2171, 2.0]
    v.set_array(np.array(values).reshape(2, 2))
    assert v.texts() == ["0.003804", "0.1385", "-0.2171", "2"]
    grid.show()
    qtbot.waitExposed(grid)

    def drawn_at(width):
        grid.resize(width, width + 60)
        qtbot.waitUntil(lambda: abs(v.cell_size()[0] - v.cell_size()[1]) < 1
                        and v.cell_size()[0] < width / 2)
        drawn = v.drawn_texts()
        if drawn:
            font = v.text_font(*v.cell_size())
            widest = max(QtGui.QFontMetricsF(font).horizontalAdvance(t) for t in drawn)
            assert widest <= v.cell_size()[0] - 3, (drawn, v.cell_size())
        return drawn

    assert drawn_at(400) == v.texts()
    shorter = [d for d in (drawn_at(w) for w in range(200, 40, -8)) if d and d != v.texts()]
    assert shorter, "no width printed fewer digits"
    for drawn in shorter:
        digits = {n for n in range(MIN_DIGITS, 4) if drawn == [fmt(x, n) for x in values]}
        assert digits, drawn        # every cell at one precision, at least MIN_DIGITS
    assert drawn_at(48) == []       # no room even for two digits: no value at all


def test_editor_rows_never_hide_under_the_scroll_bar(qtbot):
    ed = MatrixEditor("x", np.arange(12.0))
    qtbot.addWidget(ed)
    ed.resize(900, 200)
    ed.show()
    qtbot.waitExposed(ed)
    t = ed.table
    one_row = t.verticalHeader().defaultSectionSize() + t.horizontalHeader().height()
    assert t.height() < one_row + t.horizontalScrollBar().sizeHint().height()   # all fit
    ed.resize(200, 200)
    qtbot.waitUntil(lambda: t.horizontalScrollBar().isVisible())
    bar = t.horizontalScrollBar().height()
    assert t.viewport().height() >= t.verticalHeader().defaultSectionSize()
    assert t.height() >= one_row + bar


def test_editor_typing_through_the_cell_editor(qtbot):
    """The real path: the delegate's line edit, Enter commits, Esc cancels."""
    ed = MatrixEditor("W", [[1, 2], [3, 4]])
    qtbot.addWidget(ed)
    ed.show()
    qtbot.waitExposed(ed)
    ed.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is ed)
    t = ed.table
    t.setFocus()
    t.setCurrentIndex(t.model().index(1, 0))
    with qtbot.waitSignal(ed.value_changed) as sig:
        qtbot.keyClicks(t, "-")                    # typing starts editing the current cell
        editor = QtWidgets.QApplication.focusWidget()
        assert isinstance(editor, QtWidgets.QLineEdit)
        qtbot.keyClicks(editor, "2.5")
        assert editor.text() == "-2.5"
        qtbot.keyClick(editor, QtCore.Qt.Key.Key_Return)
    np.testing.assert_array_equal(sig.args[0], [[1, 2], [-2.5, 4]])
    t.setCurrentIndex(t.model().index(0, 1))
    t.edit(t.currentIndex())
    editor = QtWidgets.QApplication.focusWidget()
    assert editor.text() == "2.0"                  # editing starts from the exact value
    editor.setText("oops")
    qtbot.keyClick(editor, QtCore.Qt.Key.Key_Escape)
    assert ed.cell_errors() == {}
    np.testing.assert_array_equal(ed.value(), [[1, 2], [-2.5, 4]])


def test_the_gap_between_channels_is_background_not_a_cell_to_come(qtbot):
    # y (2, 2, 2) drawn channels side by side: the column between them is no "not computed
    # yet" cell (grey, framed); the cells not computed yet are
    from pnn_gui.views.slot_layout import SlotLayout
    from pnn_gui.widgets.tensor_view import BACKGROUND, EMPTY_CELL

    grid = TensorGrid()
    qtbot.addWidget(grid)
    view = grid.add_view("y", "y", 0, 0)
    layout = SlotLayout.of((2, 2, 2))
    y = np.full((2, 2, 2), np.nan)
    y[0, 0, 0] = 1.0
    view.set_array(layout.image(y), levels=(-2, 2), gaps=layout.gaps())
    grid.resize(400, 250)
    grid.show()
    qtbot.waitExposed(grid)
    image = grid.grab().toImage()

    def colour(col: float, row: float) -> str:
        p = grid.mapFromScene(view.viewbox.mapViewToScene(QtCore.QPointF(col, row)))
        return QtGui.QColor(image.pixel(p.x(), p.y())).name()

    assert layout.gaps() == ((), (2,))
    assert colour(2.5, 0.5) == QtGui.QColor(BACKGROUND).name()      # the gap
    assert colour(1.5, 1.5) == QtGui.QColor(EMPTY_CELL).name()      # a cell to come
    assert colour(3.5, 1.5) == QtGui.QColor(EMPTY_CELL).name()      # one of channel 1
