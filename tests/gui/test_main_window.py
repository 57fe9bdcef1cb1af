"""The main window with the fully connected panel: edits, errors, stepping, menus, sessions.

Dialogs go through main_window's replaceable functions, pointed at tmp_path here; message boxes
are recorded instead of shown."""

import csv
import json
import os

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples, export
from engine import fully_connected as fc
from pnn_gui import dialogs
from pnn_gui import main_window as mw
from pnn_gui.panels import PANELS
from pnn_gui.state import PanelState
from tests.gui.helpers import shown_text

FC = "Fully connected"
ONLY_FC = PANELS[:1]


def shown_window(qtbot, size=(1400, 900), **kwargs) -> mw.MainWindow:
    """A main window (``kwargs`` as MainWindow takes them), animations off, shown at ``size``."""
    w = mw.MainWindow(**kwargs)
    qtbot.addWidget(w)
    w.set_animations_enabled(False)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot, messages):
    return shown_window(qtbot, panels=ONLY_FC)


def fc_panel(window):
    return window.panel(FC)


# -- the panel at start ---------------------------------------------------------------------
def test_starts_with_the_sheets_example(window):
    p = fc_panel(window)
    assert window.current_title() == FC
    np.testing.assert_array_equal(p.editors["w"].value(), [[1, 3, 5], [2, 4, 6]])
    np.testing.assert_array_equal(p.state.trace.tensors["y"], [6, 13, 20])
    np.testing.assert_array_equal(p.state.trace.tensors["dx"], [6.5, 8])   # not the sheet's 6.58
    np.testing.assert_array_equal(p.state.trace.tensors["dw"], [[0, 0.5, 1], [0, 1, 2]])
    # at step 0: the inputs only, every result still to be worked out
    assert p.state.step == 0 and len(p.state.trace) == 14
    assert window.player.text() == "step 0 of 14 · inputs"
    assert window.solution.current() == 0
    np.testing.assert_array_equal(p.grid.view("w").values(), [[1, 3, 5], [2, 4, 6]])
    for name in ("y", "dx", "dw", "db"):
        assert np.isnan(p.grid.view(name).values()).all(), name
    assert not window.is_dirty()


def test_every_example_and_a_session_load_at_step_0(qtbot, messages, monkeypatch, tmp_path):
    w = shown_window(qtbot)
    for name in examples.ALL_NAMES:
        panel = w.panel(next(p.title for p in PANELS if name in p.examples))
        panel.state.set_step(panel.state.n_steps)   # seen to the end before
        assert w.load_example(name)
        assert w.current_panel() is panel and panel.state.n_steps > 0, name
        assert panel.state.step == 0 and w.player.step() == 0, name
        assert w.player.text().startswith("step 0 of "), name
    path = tmp_path / "s.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert w.files.save_session_as()
    for title in w.titles():
        w.panel(title).state.set_step(3)
    assert w.files.open_session_file(str(path))
    assert [w.panel(t).state.step for t in w.titles()] == [0] * len(w.titles())
    assert w.player.step() == 0


def test_an_edit_keeps_the_step_and_the_end_stays_at_the_end(window):
    p = fc_panel(window)
    p.state.set_step(5)
    p.editors["dy"].edit_cell(0, 0, "2")
    assert p.state.step == 5 and window.player.step() == 5
    window.player.last()
    p.editors["dy"].edit_cell(0, 0, "3")
    assert p.state.step == 14 and window.player.text() == "step 14 of 14 · backward"


def test_gradients_shown_match_central_differences(window):
    """The panel shows the engine's numbers; check them against a numeric gradient of
    L = Σ y·δy (whose gradients are exactly δx, ΔW, Δb)."""
    from tests.engine.gradcheck import numeric_grad

    p = fc_panel(window)
    window.player.last()                        # every result shown
    p.editors["x"].set_value([0.3, -1.2])
    p.editors["w"].set_value([[0.5, -2, 1.5], [1, 0.25, -0.75]])
    p.state.set_inputs({"x": p.editors["x"].value(), "w": p.editors["w"].value()})
    t = p.state.trace.tensors
    x, w, b, dy = t["x"], t["w"], t["b"], t["dy"]
    np.testing.assert_allclose(p.grid.view("dx").values()[0],
                               numeric_grad(lambda v: fc.forward(v, w, b) @ dy, x), atol=1e-6)
    np.testing.assert_allclose(p.grid.view("dw").values(),
                               numeric_grad(lambda v: fc.forward(x, v, b) @ dy, w), atol=1e-6)
    np.testing.assert_allclose(p.grid.view("db").values()[0],
                               numeric_grad(lambda v: fc.forward(x, w, v) @ dy, b), atol=1e-6)


# -- edits ----------------------------------------------------------------------------------
def test_editing_a_cell_updates_the_results(window):
    p = fc_panel(window)
    window.player.last()                        # every result shown
    p.editors["x"].edit_cell(0, 0, "2")
    np.testing.assert_array_equal(p.state.inputs["x"], [2, 2])
    np.testing.assert_array_equal(p.state.trace.tensors["y"], [2 + 4 + 1, 6 + 8 + 2, 10 + 12 + 3])
    np.testing.assert_array_equal(p.grid.view("y").values(), [[7, 16, 25]])
    assert window.solution.line_text(1).endswith("= 2 · 1 + 2 · 2 + 1 = 7")
    assert window.is_dirty() and window.windowTitle().endswith("*")
    assert window.status_line.text() == "Fully connected: recomputed, 14 steps"


def test_bad_cell_is_reported_in_the_status_bar(window):
    p = fc_panel(window)
    p.editors["w"].edit_cell(0, 1, "three")
    assert window.status_line.text() == ("W[0,1]: 'three' is not a number; the last "
                                                   "good value is used")
    p.editors["b"].paste_text("1\tx", row=0, col=0)
    assert window.status_line.text().startswith("b[1]: 'x' is not a number")


def test_bad_cell_keeps_other_cells_and_last_good_results(window):
    p = fc_panel(window)
    p.editors["w"].edit_cell(1, 1, "4")        # unchanged value, still a good edit
    trace = p.state.trace
    p.editors["w"].edit_cell(0, 2, "five")
    assert p.editors["w"].cell_errors() == {(0, 2): "'five' is not a number"}
    assert "W[0,2]: 'five' is not a number" in p.editors["w"].cell_message()
    assert p.state.trace is trace               # nothing recomputed from a bad cell
    np.testing.assert_array_equal(p.state.inputs["w"], [[1, 3, 5], [2, 4, 6]])
    # another cell still works and computes with the last good 5
    p.editors["w"].edit_cell(0, 0, "0")
    np.testing.assert_array_equal(p.state.trace.tensors["y"], [0 + 4 + 1, 3 + 8 + 2, 5 + 12 + 3])
    assert p.editors["w"].cell_text(0, 2) == "five"


def test_shape_mismatch_shows_beside_the_right_field(window):
    p = fc_panel(window)
    window.player.last()                        # every result shown
    trace = p.state.trace
    p.editors["w"].resize_to(3, 3)              # W now expects 3 inputs; x has 2
    assert set(p.state.errors) == {"x"}
    assert p.editors["x"].error().startswith("x: x has shape (2,); it needs shape (3,)")
    assert p.editors["w"].error() == "" and p.editors["b"].error() == ""
    assert p.state.trace is trace               # the last good results stay shown
    np.testing.assert_array_equal(p.grid.view("y").values(), [[6, 13, 20]])
    assert window.status_line.text().startswith(
        "Fully connected: not recomputed (x: x has shape (2,); it needs shape (3,)")
    np.testing.assert_array_equal(p.state.inputs["w"], [[1, 3, 5], [2, 4, 6], [0, 0, 0]])
    p.editors["x"].resize_to(1, 3)              # now it fits
    assert p.state.errors == {} and p.editors["x"].error() == ""
    assert p.state.trace.tensors["dx"].shape == (3,)
    assert p.grid.view("dx").shape == (1, 3)


def test_b_and_dy_mismatch_named(window):
    p = fc_panel(window)
    p.editors["b"].resize_to(1, 4)
    assert p.editors["b"].error().startswith("b: b has shape (4,); it needs shape (3,)")
    p.editors["b"].resize_to(1, 3)
    p.editors["dy"].resize_to(1, 2)
    assert p.editors["dy"].error().startswith("dy: δy has shape (2,); it needs shape (3,)")
    assert p.editors["b"].error() == ""


# -- stepping -------------------------------------------------------------------------------
def test_stepping_by_buttons(window):
    p = fc_panel(window)
    window.player.first_button.click()
    assert p.state.step == 0
    assert np.isnan(p.grid.view("y").values()).all()        # not computed yet: empty
    assert window.player.text() == "step 0 of 14 · inputs"
    window.player.forward_button.click()
    assert p.state.step == 1
    np.testing.assert_array_equal(p.grid.view("y").values(), [[6, np.nan, np.nan]])
    assert window.player.text() == "step 1 of 14 · forward"
    for _ in range(3):
        window.player.forward_button.click()
    assert p.state.step == 4 and window.player.text() == "step 4 of 14 · backward"
    np.testing.assert_array_equal(p.grid.view("dx").values(), [[6.5, np.nan]])
    window.player.back_button.click()
    assert p.state.step == 3
    window.player.last_button.click()
    assert p.state.step == 14


def test_stepping_by_keys(window, qtbot):
    p = fc_panel(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    target = window.player.slider
    target.setFocus()
    qtbot.keyClick(target, QtCore.Qt.Key.Key_Home)
    assert p.state.step == 0
    qtbot.keyClick(target, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(target, QtCore.Qt.Key.Key_Right)
    assert p.state.step == 2
    qtbot.keyClick(target, QtCore.Qt.Key.Key_Left)
    assert p.state.step == 1
    qtbot.keyClick(target, QtCore.Qt.Key.Key_End)
    assert p.state.step == 14
    qtbot.keyClick(target, QtCore.Qt.Key.Key_Home)
    qtbot.keyClick(target, QtCore.Qt.Key.Key_Space)       # play
    assert window.player.is_playing()
    qtbot.waitUntil(lambda: p.state.step >= 1, timeout=3000)
    qtbot.keyClick(target, QtCore.Qt.Key.Key_Space)       # pause
    assert not window.player.is_playing()


def test_arrow_keys_stay_in_a_cell_being_edited(window, qtbot):
    p = fc_panel(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    table = p.editors["w"].table
    idx = table.model().index(0, 0)
    table.setCurrentIndex(idx)
    table.edit(idx)
    editor = QtWidgets.QApplication.focusWidget()
    assert isinstance(editor, QtWidgets.QLineEdit)
    step = p.state.step
    editor.setCursorPosition(0)
    qtbot.keyClick(editor, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(editor, QtCore.Qt.Key.Key_Home)
    assert p.state.step == step


def test_a_focused_table_keeps_its_arrow_keys_for_moving_between_cells(window, qtbot):
    p = fc_panel(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    p.state.set_step(5)
    table = p.editors["w"].table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(table, QtCore.Qt.Key.Key_Down)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (1, 1)
    qtbot.keyClick(table, QtCore.Qt.Key.Key_End)
    assert table.currentIndex().column() == 2
    assert p.state.step == 5                              # no step taken
    qtbot.keyClick(table, QtCore.Qt.Key.Key_4)             # typing starts an edit
    editor = QtWidgets.QApplication.focusWidget()
    assert isinstance(editor, QtWidgets.QLineEdit) and editor.text() == "4"
    with qtbot.waitSignal(p.editors["w"].value_changed):
        qtbot.keyClick(editor, QtCore.Qt.Key.Key_Return)
    assert p.state.inputs["w"][1, 2] == 4 and p.state.step == 5
    window.player.slider.setFocus()                       # elsewhere the keys step again
    qtbot.keyClick(window.player.slider, QtCore.Qt.Key.Key_Left)
    assert p.state.step == 4


def test_state_to_widgets(window):
    """Setting the state's step updates player, solution pane, highlights."""
    p = fc_panel(window)
    p.state.set_step(5)
    assert window.player.slider.value() == 5
    assert window.player.text() == "step 5 of 14 · backward"
    assert window.solution.current() == 5
    s = p.state.trace.steps[4]                      # δx₁ reads δy and W's row 1
    assert s.writes == (("dx", (1,)),)
    assert p.grid.view("w").highlighted()[0] == ((1, 0), (1, 1), (1, 2))   # reads W's row 1
    assert p.grid.view("dx").highlighted()[1] == ((0, 1),)                 # writes δx₁
    assert p.grid.view("y").highlighted() == ((), ())


def test_solution_pane_follows_and_click_jumps(window):
    p = fc_panel(window)
    window.player.first_button.click()
    assert window.solution.current() == 0
    window.player.forward_button.click()
    assert window.solution.current() == 1
    window.solution.view.clicked.emit(window.solution.index_of_step(9))
    assert p.state.step == 9 and window.player.step() == 9


def test_slider_sets_step(window):
    window.player.slider.setValue(7)
    assert fc_panel(window).state.step == 7


def test_delta_flow_runs_on_step(window, qtbot):
    p = fc_panel(window)
    window.set_animations_enabled(True)
    window.player.set_speed(4.0)
    assert p.flow.duration_ms() == 75
    window.player.first_button.click()
    window.player.forward_button.click()
    assert p.flow.is_running()
    qtbot.waitUntil(lambda: not p.flow.is_running(), timeout=3000)


def test_escape_skips_the_animation(window, qtbot):
    p = fc_panel(window)
    window.set_animations_enabled(True)
    window.player.set_speed(0.25)                  # 1.2 s: still running when Esc arrives
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    window.player.slider.setFocus()
    qtbot.keyClick(window.player.slider, QtCore.Qt.Key.Key_Home)
    qtbot.keyClick(window.player.slider, QtCore.Qt.Key.Key_Right)
    assert p.flow.is_running()
    qtbot.keyClick(window.player.slider, QtCore.Qt.Key.Key_Escape)
    assert not p.flow.is_running()
    assert p.state.step == 1                       # skipping changes no step


# -- menus: examples, view, help -------------------------------------------------------------
def test_examples_menu_loads(window):
    p = fc_panel(window)
    p.editors["x"].edit_cell(0, 0, "9")
    window.example_actions["fc"].trigger()
    np.testing.assert_array_equal(p.editors["x"].value(), [1, 2])
    np.testing.assert_array_equal(p.state.trace.tensors["y"], [6, 13, 20])
    assert "Loaded example fc" in window.status_line.text()
    assert set(window.example_actions) == set(examples.ALL_NAMES)


def test_examples_menu_entries_are_short_and_whole(window):
    by_name = {ex.name: ex for ex in examples.available(examples.ALL_NAMES)}
    texts = []
    for name, act in window.example_actions.items():
        text = act.text().replace("&&", "&")
        assert "…" not in text and len(text) <= 48, text
        assert name in text                                   # the name the CLI takes
        assert act.statusTip() == act.toolTip() == by_name[name].description
        texts.append(text)
    assert len(set(texts)) == len(texts)


def test_precision_menu(window):
    p = fc_panel(window)
    window.precision_actions[6].trigger()  # an untouched window stays unedited
    assert not window.is_dirty() and not window.windowTitle().endswith("*")
    p.editors["x"].edit_cell(0, 0, repr(1 / 3))
    p.state.set_step(3)
    window.precision_actions[2].trigger()
    assert p.editors["x"].cell_text(0, 0) == "0.33"
    assert p.grid.view("x").texts()[0] == "0.33"          # the heatmap too
    assert "0.33 ·" in window.solution.line_text(1)             # and the worked solution
    assert "0.3333" not in window.solution.line_text(1)
    assert p.state.step == 3 and window.player.slider.value() == 3  # the step stays
    window.precision_actions[6].trigger()
    assert p.editors["x"].cell_text(0, 0) == "0.333333"
    assert p.grid.view("x").texts()[0] == "0.333333"
    assert "0.333333 ·" in window.solution.line_text(1)
    assert p.state.step == 3
    # values are untouched: only their text changed
    assert p.state.trace.tensors["x"].flat[0] == 1 / 3


def test_precision_reaches_panels_built_later(qtbot):
    window = shown_window(qtbot, settings=False)
    window.precision_actions[8].trigger()
    window.show_panel("Autodiff")  # built now, after the change
    panel = window.current_panel()
    assert panel.state.digits == 8
    assert "= 1.1814051" in window.solution.line_text(13)  # ∂L/∂x1, as the sheet's 1.1814


def test_speed_menu_and_player_agree(window):
    window.speed_actions[2.0].trigger()
    assert window.player.speed() == 2.0
    window.player.set_speed(0.5)
    assert window.speed_actions[0.5].isChecked()


def test_help_menu(window, messages):
    window.action_shortcuts.trigger()
    window.action_about.trigger()
    assert [t for t, _ in messages] == ["Keyboard shortcuts", "About pnn-gui"]
    assert "Space" in messages[0][1]
    for act in (window.files.action_open, window.files.action_save, window.files.action_save_as,
                window.action_quit, window.action_shortcuts):     # every menu key is listed
        key = act.shortcut().toString()
        assert key and key in messages[0][1], key


def test_f1_explains_the_colours_outlines_markers_and_fonts(window, messages):
    """F1 shows, beside the keys, what each colour, outline, marker and font means, in the
    colours the views really paint with (issue 11 item 6)."""
    from pnn_gui.views import graph_view
    from pnn_gui.widgets import delta_flow, solution_pane, tensor_view

    window.action_shortcuts.trigger()
    html = messages[0][1]
    text = shown_text(html)
    blue, red = (c.name() for c in tensor_view.colormap().map([0.0, 1.0], mode="qcolor"))
    meanings = {
        blue: "blue < 0 < red", red: "blue < 0 < red",
        tensor_view.EMPTY_CELL: "not computed yet",
        tensor_view.READ_PEN: "the cells this step reads",
        tensor_view.WRITE_PEN: "the cell this step writes",
        delta_flow.MARKER.name(): "a value on its way",
        solution_pane.TODO_FG.name(): "formula only",
        solution_pane.CURRENT_BG.name(): "the current step",
        solution_pane.SHEET_FG.name(): "the printed sheet differs",
        graph_view.FILL_NEGATIVE: "adjoint",
        graph_view.ACTIVE: "the node this step writes",
    }
    for color, meaning in meanings.items():
        assert color in html, (color, meaning)
        assert meaning in text, meaning
    assert "∂vi/∂vj" in text   # the autodiff edge labels are local derivatives
    assert "Space" in text and "Colours and marks" in text


# -- exports ----------------------------------------------------------------------------------
def test_export_results_csv_round_trip(window, monkeypatch, tmp_path):
    p = fc_panel(window)
    p.editors["x"].edit_cell(0, 1, repr(0.1))
    out = tmp_path / "results.csv"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(out))
    window.files.action_export_csv.trigger()
    back = export.read_tensors_csv(out)
    assert set(back) == set(p.state.trace.tensors)
    assert out.read_text(encoding="utf-8").startswith('"# layer: fully connected')  # settings
    for name, arr in p.state.trace.tensors.items():
        assert back[name].tobytes() == np.asarray(arr, float).tobytes(), name
    assert str(out) in window.status_line.text()
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask      # not mkstemp's private 0600


def test_export_steps_csv(window, monkeypatch, tmp_path):
    p = fc_panel(window)
    out = tmp_path / "steps.csv"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(out))
    window.files.action_export_steps.trigger()
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["step", "phase", "title", "formula", "substituted", "result",
                       "writes", "note", "sheet_note"]
    assert len(rows) == 1 + len(p.state.trace)
    assert rows[4][2] == "δx₀" and float(rows[4][5]) == 6.5


def test_export_png(window, monkeypatch, tmp_path):
    out = tmp_path / "panel.png"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(out))
    window.files.action_export_png.trigger()
    img = QtGui.QImage(str(out))
    assert not img.isNull()
    assert img.width() == window.splitter.width() and img.height() == window.splitter.height()
    assert "picture" in window.status_line.text()


def test_export_to_missing_folder_shows_message(window, monkeypatch, tmp_path, messages):
    out = tmp_path / "missing" / "r.csv"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(out))
    assert window.files.export_results() is False
    assert not out.exists()
    assert messages and messages[-1][0] == "Export results"
    assert "does not exist" in messages[-1][1]


def test_file_dialogs_open_in_the_last_folder_used_also_after_a_restart(qtbot, messages,
                                                                        monkeypatch, tmp_path):
    work, other = tmp_path / "work", tmp_path / "other"
    work.mkdir()
    other.mkdir()
    starts = []

    def save_to(folder):
        def ask(parent, title, file_filter, start):
            starts.append(start)
            return str(folder / os.path.basename(start))
        return ask

    def ask_open(parent, title, file_filter, start):
        starts.append(start)
        return None                                           # cancelled

    monkeypatch.setattr(dialogs, "ask_open_path", ask_open)
    w = shown_window(qtbot, panels=ONLY_FC)
    monkeypatch.setattr(dialogs, "ask_save_path", save_to(work))
    assert w.files.save_session_as()
    assert w.files.export_results()
    assert starts[-1] == str(work / "fully-connected.csv")    # where the session went
    monkeypatch.setattr(dialogs, "ask_save_path", save_to(other))
    assert w.files.export_steps()
    w.files.open_session()
    assert starts[-1] == str(other)                           # the last folder used
    w.close()
    again = shown_window(qtbot, panels=ONLY_FC)               # the next run remembers it
    again.files.open_session()
    assert starts[-1] == str(other)
    assert again.files.save_session_as()
    assert starts[-1] == str(other / "session.pnn.json")


def test_cancelled_dialog_does_nothing(window, monkeypatch, messages):
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: None)
    assert window.files.export_results() is False
    assert messages == []


# -- sessions ---------------------------------------------------------------------------------
def test_session_round_trip(window, monkeypatch, tmp_path):
    p = fc_panel(window)
    p.editors["w"].resize_to(3, 3)              # a combination that does not compute is kept too
    p.editors["b"].edit_cell(0, 2, "-1.25")
    saved_inputs = {k: np.array(v) for k, v in p.state.inputs.items()}
    path = tmp_path / "s.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    window.files.action_save.trigger()
    assert not window.is_dirty()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 1 and data["panel"] == FC
    assert data["panels"][FC]["inputs"]["b"] == [1, 2, -1.25]
    # change everything, then open the file again
    window.example_actions["fc"].trigger()
    p.editors["x"].edit_cell(0, 0, "42")
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    window.files.action_open.trigger()
    for k, v in saved_inputs.items():
        np.testing.assert_array_equal(p.state.inputs[k], v)
        np.testing.assert_array_equal(p.editors[k].value(), v)
    assert "it needs shape (3,)" in p.editors["x"].error()
    assert not window.is_dirty()
    assert path.name in window.windowTitle()


def test_save_while_typing_in_a_cell_saves_what_was_typed(window, monkeypatch, tmp_path, qtbot):
    p = fc_panel(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    table = p.editors["x"].table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClicks(table, "7")                            # the editor is open, not committed
    assert isinstance(QtWidgets.QApplication.focusWidget(), QtWidgets.QLineEdit)
    path = tmp_path / "typed.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    window.files.action_save.trigger()
    assert json.loads(path.read_text(encoding="utf-8"))["panels"][FC]["inputs"]["x"] == [7, 2]
    assert not window.is_dirty() and p.state.inputs["x"][0] == 7


def test_save_while_typing_a_formula_saves_what_was_typed(qtbot, messages, monkeypatch,
                                                          tmp_path):
    w = shown_window(qtbot, initial="Autodiff")
    p = w.current_panel()
    p.expression.selectAll()
    qtbot.keyClicks(p.expression, "x1 * x2")                 # no Enter, no pause yet
    path = tmp_path / "s.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert w.files.save_session()
    saved = json.loads(path.read_text(encoding="utf-8"))["panels"]["Autodiff"]["inputs"]
    assert saved["expression"] == "x1 * x2"
    assert p.state.inputs["expression"] == "x1 * x2" and p.state.errors == {}


def test_save_session_again_uses_the_same_file(window, monkeypatch, tmp_path):
    path = tmp_path / "a.pnn.json"
    calls = []
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: calls.append(1) or str(path))
    window.files.action_save.trigger()
    fc_panel(window).editors["x"].edit_cell(0, 0, "3")
    window.files.action_save.trigger()
    assert calls == [1]
    assert json.loads(path.read_text())["panels"][FC]["inputs"]["x"] == [3, 2]


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"format": 2, "panel": "Fully connected", "panels": {}}', "format"),
    ('{"format": 1, "panel": "Nope", "panels": {}}', "panel"),
    ('{"format": 1, "panel": "Fully connected", "panels": {"Fully connected": '
     '{"kind": "fully_connected", "inputs": {"x": [1, "a"], "w": [[1]], "b": [1], "dy": [1]}}}}',
     "x: x[1] is 'a', not a number"),
    ('{"format": 1, "panel": "Fully connected", "panels": {"Fully connected": '
     '{"kind": "fully_connected", "inputs": {"x": [1, 2]}}}}', "lack"),
    ('{"format": 1, "panel": "Fully connected", "panels": {"Fully connected": '
     '{"kind": "conv2d", "inputs": {}}}}', "kind"),
])
def test_damaged_session_changes_nothing(window, monkeypatch, tmp_path, messages, content,
                                         reason):
    p = fc_panel(window)
    p.editors["x"].edit_cell(0, 0, "7")
    before = {k: np.array(v) for k, v in p.state.inputs.items()}
    trace = p.state.trace
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    window.files.action_open.trigger()
    assert messages and messages[-1][0] == "Open session"
    assert reason in messages[-1][1] and "nothing was changed" in messages[-1][1]
    for k, v in before.items():
        np.testing.assert_array_equal(p.state.inputs[k], v)
        np.testing.assert_array_equal(p.editors[k].value(), v)
    assert p.state.trace is trace
    assert window.is_dirty()                     # the unsaved edit is still unsaved


def test_a_session_refused_by_a_later_panel_undoes_the_earlier_ones(qtbot, messages, tmp_path):
    w = shown_window(qtbot)
    good = w.files.session().panels
    fc_before = w.panel(FC).session_data()
    changed = json.loads(json.dumps(good))
    changed[FC]["inputs"]["x"] = [5, 6]                              # restored first, then undone
    changed["Autodiff"]["inputs"]["values"] = {"x1": "one"}         # refused
    path = tmp_path / "s.pnn.json"
    path.write_text(json.dumps({"format": 1, "panel": FC, "panels": changed}), encoding="utf-8")
    assert not w.files.open_session_file(str(path))
    assert "Autodiff" in messages[-1][1]
    assert w.panel(FC).session_data() == fc_before
    assert not w.is_dirty() and not w.windowTitle().endswith("*")  # the undo is no edit


def _set(path, value):
    """Change one place of a session's panels: ``path`` is the keys down to it."""
    def change(panels):
        *keys, last = path
        for k in keys:
            panels = panels[k]
        if value is KeyError:
            del panels[last]
        else:
            panels[last] = value
    return change


@pytest.mark.parametrize("change, says, never", [
    (_set((FC, "inputs", "w"), [[1, 2], [3]]), "Fully connected: W: ", "w:"),
    (_set((FC, "inputs", "dy"), "abc"), "Fully connected: δy: ", "dy:"),
    (_set((FC, "inputs", "dy"), KeyError), 'lack "dy" (δy)', "fully_connected"),
    (_set((FC, "kind"), "dense"), '"kind" is \'dense\'', "expected \"kind\""),
    (_set(("Pooling", "inputs", "size"), "big"), "Pooling: size: expected", "int()"),
    (_set(("Pooling", "inputs", "stride"), []), "Pooling: stride: expected", "Traceback"),
    (_set(("Pooling", "inputs", "dy"), [[1], [2, 3]]), "Pooling: δy: ", "dy:"),
    (_set(("LSTM", "inputs", "c0"), [[1, 2], [3]]), "LSTM: c₀: ", "c0:"),
    (_set(("LSTM", "inputs", "dh"), [1, 2]), "LSTM: δh: ", "dh:"),
])
def test_a_foreign_session_is_refused_in_the_names_on_screen(qtbot, messages, tmp_path, change,
                                                            says, never):
    w = shown_window(qtbot)
    panels = json.loads(json.dumps(w.files.session().panels))
    before = json.loads(json.dumps(panels))
    change(panels)
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps({"format": 1, "panel": FC, "panels": panels}), encoding="utf-8")
    assert not w.files.open_session_file(str(path))
    text = messages[-1][1]
    assert says in text and never not in text, text
    assert "File → Save session" in text                         # what to do
    assert json.loads(json.dumps(w.files.session().panels)) == before   # nothing changed


def test_unreadable_session_file(window, tmp_path, messages):
    assert window.files.open_session_file(str(tmp_path / "none.json")) is False
    assert "cannot read" in messages[-1][1]


# -- quitting -------------------------------------------------------------------------------
def test_quit_with_unsaved_edits_asks(window, monkeypatch, tmp_path):
    asked = []
    fc_panel(window).editors["x"].edit_cell(0, 0, "5")
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: asked.append(1) or "cancel")
    window.action_quit.trigger()
    assert asked == [1] and window.isVisible()
    path = tmp_path / "q.pnn.json"
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "save")
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    window.action_quit.trigger()
    assert not window.isVisible()
    assert json.loads(path.read_text())["panels"][FC]["inputs"]["x"] == [5, 2]


def test_open_session_with_unsaved_edits_asks_first(window, monkeypatch, tmp_path):
    p = fc_panel(window)
    path = tmp_path / "s.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert window.files.save_session()                            # the sheet's example
    p.editors["x"].edit_cell(0, 0, "42")
    assert window.is_dirty()
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    asked = []
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: asked.append(1) or "cancel")
    assert window.files.open_session() is False                   # cancel: the edit stays
    assert asked == [1] and p.state.inputs["x"][0] == 42 and window.is_dirty()
    other = tmp_path / "mine.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(other))
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "save")
    window.files.path = None
    assert window.files.open_session()                            # saved first, then opened
    assert json.loads(other.read_text(encoding="utf-8"))["panels"][FC]["inputs"]["x"] == [42, 2]
    assert p.state.inputs["x"][0] == 1 and not window.is_dirty()


def test_quit_save_cancelled_keeps_window(window, monkeypatch):
    fc_panel(window).editors["x"].edit_cell(0, 0, "5")
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "save")
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: None)
    window.action_quit.trigger()
    assert window.isVisible()


def test_quit_without_edits_does_not_ask(window, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: pytest.fail("asked"))
    window.example_actions["fc"].trigger()      # loading an example is not an edit
    p = fc_panel(window)
    p.state.set_step(3)                         # nor is stepping
    window.action_quit.trigger()
    assert not window.isVisible()


# -- every panel ------------------------------------------------------------------------------
def test_all_panels_window_starts(qtbot, messages):
    """The real registry: every panel builds and shows, and calls itself by its entry's title;
    every example has a panel."""
    w = mw.MainWindow()
    qtbot.addWidget(w)
    assert w.current_title() == FC
    for entry in PANELS:
        w.show_panel(entry.title)
        assert w.current_title() == entry.title == w.current_panel().title
    assert sorted(n for p in PANELS for n in p.examples) == sorted(examples.ALL_NAMES)


def test_switching_panels_keeps_each_panels_values_and_step(qtbot, messages):
    w = mw.MainWindow()
    qtbot.addWidget(w)
    w.set_animations_enabled(False)
    fcp = w.panel(FC)
    fcp.editors["x"].edit_cell(0, 1, "-3")
    fcp.state.set_step(3)
    others = [t for t in w.titles() if t != FC]
    for title in others:
        w.show_panel(title)
        p = w.current_panel()
        p.state.set_step(1)
        assert w.player.count() == p.state.n_steps and w.solution.current() == 1
    w.show_panel(FC)
    np.testing.assert_array_equal(fcp.editors["x"].value(), [1, -3])
    np.testing.assert_array_equal(fcp.state.trace.tensors["y"], fc.forward([1, -3],
                                  [[1, 3, 5], [2, 4, 6]], [1, 2, 3]))
    assert fcp.state.step == 3 and w.player.step() == 3 and w.solution.current() == 3
    assert w.player.text() == "step 3 of 14 · forward"
    for title in others:                                   # and theirs kept their step
        w.show_panel(title)
        assert w.current_panel().state.step == 1 and w.player.step() == 1


def test_each_panel_has_its_own_status(qtbot, messages):
    """The status bar shows the current panel's last message, never another panel's."""
    w = shown_window(qtbot)
    status = w.status_line.text
    w.panel(FC).editors["x"].edit_cell(0, 0, "2")
    assert status() == "Fully connected: recomputed, 14 steps"
    w.show_panel("Conv2D")
    assert "Fully connected" not in status()
    conv = w.current_panel()
    conv.mode_box.setCurrentIndex(conv.MODES.index("filter"))   # as the user picks it
    assert status() == "Conv2D: Filter transform (Task 2a)"
    w.show_panel("Pooling")
    assert "Conv2D" not in status() and "Fully connected" not in status()
    w.panel("Conv2D").set_mode("shape")                         # not shown: stays quiet
    assert "Conv2D" not in status()
    w.show_panel(FC)
    assert status() == "Fully connected: recomputed, 14 steps"
    w.show_panel("Conv2D")
    assert status() == "Conv2D: recomputed, 3 steps"            # its last: the shape mode


def test_a_menus_status_tip_does_not_erase_the_panels_status(window):
    fc_panel(window).editors["x"].edit_cell(0, 0, "2")
    before = window.status_line.text()
    assert before == "Fully connected: recomputed, 14 steps"
    for tip in ("Task 1: fully connected layer …", ""):            # hovering a menu entry, away
        QtWidgets.QApplication.sendEvent(window, QtGui.QStatusTipEvent(tip))
    assert window.status_line.text() == before and window.status_line.isVisible()


@pytest.mark.parametrize("title", ["Autodiff", "LSTM", "Pooling", FC])
def test_a_refused_value_is_the_status_not_recomputed(qtbot, messages, title):
    w = shown_window(qtbot, initial=title)
    p = w.current_panel()
    if title == "Autodiff":
        p.set_value("x1", "2")
        assert w.status_line.text() == f"Autodiff: recomputed, {p.state.n_steps} steps"
        p.set_value("x1", "abc")
    else:
        editor = {"LSTM": lambda: p.editors["c0"], "Pooling": lambda: p.x_editor.editor,
                  FC: lambda: p.editors["b"]}[title]()
        editor.edit_cell(0, 0, "3")
        assert "recomputed" in w.status_line.text()
        editor.edit_cell(0, 0, "abc")
    text = w.status_line.text()
    assert "'abc' is not a number" in text and "recomputed" not in text.lower(), text


@pytest.mark.parametrize("title", ["Conv2D", "Pooling"])
def test_switching_a_mode_alone_is_not_an_edit(qtbot, messages, title):
    w = shown_window(qtbot, initial=title)
    p = w.current_panel()
    for mode in (*p.MODES[1:], p.MODES[0]):
        p.mode_box.setCurrentIndex(p.MODES.index(mode))            # as the user picks it
        assert p.mode == mode and not w.is_dirty() and not w.windowTitle().endswith("*")
    p.mode_box.setCurrentIndex(1)
    p.x_editor.editor.edit_cell(0, 0, "7")                          # a real edit
    assert w.is_dirty() and w.windowTitle().endswith("*")
    p.mode_box.setCurrentIndex(0)                                   # and it stays one
    assert w.is_dirty()


def _ink(widget) -> float:
    """How far from white what ``widget`` shows is, on average (0 white .. 1 black), below
    the note's place at the top."""
    image = widget.grab().toImage()
    image = image.copy(0, 80, image.width(), image.height() - 80).scaled(120, 80)
    values = [1 - image.pixelColor(x, y).lightnessF() for x in range(120) for y in range(80)]
    return sum(values) / len(values)


def _note(widget) -> str:
    """The note shown over ``widget`` while its results are out of date ("" when none)."""
    label = widget.findChild(QtWidgets.QLabel, "staleNote")
    return label.text().lower() if label is not None and label.isVisible() else ""


#: an input that does not compute, per panel
BREAKS = {FC: ("x", np.ones(3)), "Conv2D": ("x", np.ones((2, 2, 5))),
          "Pooling": ("size", (9, 9)), "LSTM": ("c0", np.ones(3)),
          "Autodiff": ("expression", "log(x1 - 1) + x2")}


@pytest.mark.parametrize("title", list(BREAKS))
def test_results_are_dimmed_with_a_note_while_the_inputs_do_not_compute(qtbot, messages,
                                                                         title):
    w = shown_window(qtbot, initial=title)
    p = w.current_panel()
    w.player.last()
    good = dict(p.state.inputs)
    views = w.view_stack                                        # the current panel's views
    vivid = _ink(views), _ink(w.solution)
    assert _note(views) == "" and _note(w.solution) == ""
    field, bad = BREAKS[title]
    p.state.set_input(field, bad)
    assert p.state.errors
    for widget in (views, w.solution):
        assert "last good results" in _note(widget), title
    assert _ink(views) < 0.6 * vivid[0] and _ink(w.solution) < 0.6 * vivid[1]
    w.show_panel(FC if title != FC else "LSTM")                 # another panel is not dimmed
    assert _note(views) == "" and _note(w.solution) == ""
    w.show_panel(title)
    assert "last good results" in _note(views)
    p.state.set_input(field, good[field])                       # computes again
    assert _note(views) == "" and _note(w.solution) == ""
    assert _ink(views) > 0.9 * vivid[0]


def test_panel_state_is_plain():
    """The window's panels keep their numbers in a Qt-free PanelState."""
    st = PanelState("fully_connected", examples.load("fc").inputs)
    assert st.n_steps == 14


def test_unexpected_error_shows_a_message(window, monkeypatch, capsys):
    import sys

    from pnn_gui import app

    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "critical",
                        lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)   # restored after the test
    app.install_error_hook(window)
    try:
        raise KeyError("boom")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    assert shown == [("Unexpected error", shown[0][1])]
    assert shown[0][1].startswith("KeyError: 'boom'")
    assert "Traceback" in capsys.readouterr().err          # for the bug report, on stderr


def test_no_display_is_one_clear_error():
    from pnn_gui.app import check_display

    with pytest.raises(ValueError, match="no display"):
        check_display({}, "linux")
    check_display({"DISPLAY": ":0"}, "linux")
    check_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    check_display({}, "darwin")


def test_example_that_fails_to_load_shows_a_message(window, monkeypatch, messages):
    def broken(name):
        raise ValueError("fc.json: not valid JSON (line 1: Expecting value)")

    monkeypatch.setattr(examples, "load", broken)
    window.example_actions["fc"].trigger()
    assert messages[-1][0] == "Load example" and "not valid JSON" in messages[-1][1]


def test_views_show_exactly_the_replayed_tensors_at_every_step(window):
    p = fc_panel(window)
    p.editors["w"].resize_to(2, 4)
    p.editors["b"].resize_to(1, 4)
    p.editors["dy"].paste_text("0.25\t-1\t2\t0.5", row=0, col=0)
    trace = p.state.trace
    assert len(trace) == 4 + 2 + 8 + 4
    for k in list(range(len(trace) + 1)) + [3, 0, 17, 5]:
        p.state.set_step(k)
        replay = trace.replay(k)
        for name in ("y", "dx", "dw", "db"):
            np.testing.assert_array_equal(p.grid.view(name).values(),
                                          np.atleast_2d(replay[name]), err_msg=f"{name} @ {k}")
        np.testing.assert_array_equal(p.grid.view("w").values(), trace.tensors["w"])


def test_failed_save_keeps_the_edits_unsaved(window, monkeypatch, tmp_path, messages):
    fc_panel(window).editors["x"].edit_cell(0, 0, "5")
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(tmp_path / "no" / "s.json"))
    assert window.files.save_session() is False
    assert messages[-1][0] == "Save session" and "does not exist" in messages[-1][1]
    assert window.is_dirty()
    np.testing.assert_array_equal(fc_panel(window).state.inputs["x"], [5, 2])


def test_view_settings_are_remembered(qtbot, messages):
    w = mw.MainWindow(panels=ONLY_FC)
    qtbot.addWidget(w)
    assert w.precision_actions[4].isChecked()              # defaults on a fresh profile
    w.precision_actions[6].trigger()
    w.speed_actions[2.0].trigger()
    w.action_animate.setChecked(False)
    w.close()
    again = mw.MainWindow(panels=ONLY_FC)
    qtbot.addWidget(again)
    assert again.precision_actions[6].isChecked()
    assert again.player.speed() == 2.0
    assert not again.action_animate.isChecked()
    assert not again.panel(FC).animate
    assert again.panel(FC).editors["x"].cell_text(0, 0) == "1"
    plain = mw.MainWindow(panels=ONLY_FC, settings=False)  # screenshots: always the defaults
    qtbot.addWidget(plain)
    assert plain.precision_actions[4].isChecked() and plain.player.speed() == 1.0


# -- a batch of inputs --------------------------------------------------------------------------
def _set_batch(editor, rows):
    """What the user does: the batch spin box above x (or δy)."""
    editor.rows_box.setValue(rows)


def test_batch_spin_box_moves_x_and_dy_together_and_recomputes(window):
    from tests.engine.gradcheck import numeric_grad

    p = fc_panel(window)
    window.player.last()                        # every result shown
    assert p.editors["x"].rows_box.isVisibleTo(p.editors["x"])     # offered on x and δy
    assert not p.editors["b"].rows_box.isVisibleTo(p.editors["b"])
    _set_batch(p.editors["x"], 2)
    assert p.editors["x"].shape() == (2, 2) and p.editors["dy"].shape() == (2, 3)
    np.testing.assert_array_equal(p.editors["dy"].value(), [[0, 0.5, 1], [0, 0, 0]])
    p.editors["x"].paste_text("3\t-1", row=1, col=0)
    p.editors["dy"].paste_text("0.25\t0\t2", row=1, col=0)
    assert p.state.errors == {}
    t = p.state.trace.tensors
    x, w, b, dy = t["x"], t["w"], t["b"], t["dy"]
    np.testing.assert_array_equal(x, [[1, 2], [3, -1]])
    np.testing.assert_array_equal(p.grid.view("y").values(), [[6, 13, 20], [2, 7, 12]])
    np.testing.assert_array_equal(p.grid.view("db").values(), [[0.25, 0.5, 3]])   # Σ over rows

    def loss(x_, w_, b_):  # L = Σ y·δy: its gradients are exactly δx, ΔW, Δb
        return float(np.sum(fc.forward(x_, w_, b_) * dy))

    np.testing.assert_allclose(p.grid.view("dx").values(),
                               numeric_grad(lambda v: loss(v, w, b), x), atol=1e-6)
    np.testing.assert_allclose(p.grid.view("dw").values(),
                               numeric_grad(lambda v: loss(x, v, b), w), atol=1e-6)
    np.testing.assert_allclose(p.grid.view("db").values()[0],
                               numeric_grad(lambda v: loss(x, w, v), b), atol=1e-6)
    assert "batch" in p.grid.view("db").title()
    # stepping through the batch shows exactly the replayed tensors
    trace = p.state.trace
    assert len(trace) == 6 + 4 + 6 + 3
    for k in (0, 1, 5, 7, 11, 18, len(trace)):
        p.state.set_step(k)
        for name in ("y", "dx", "dw", "db"):
            np.testing.assert_array_equal(p.grid.view(name).values(),
                                          np.atleast_2d(trace.replay(k)[name]))
    # back to 1 from δy's spin box: both are the sheet's vectors again
    _set_batch(p.editors["dy"], 1)
    assert p.editors["x"].value().shape == (2,) and p.editors["dy"].value().shape == (3,)
    np.testing.assert_array_equal(p.state.trace.tensors["db"], [0, 0.5, 1])
    assert "batch" not in p.grid.view("db").title()


def test_batch_session_round_trip(window, monkeypatch, tmp_path):
    p = fc_panel(window)
    _set_batch(p.editors["dy"], 3)
    p.editors["x"].edit_cell(2, 1, "-4")
    saved = {k: np.array(v) for k, v in p.state.inputs.items()}
    assert saved["x"].shape == (3, 2) and saved["dy"].shape == (3, 3)
    path = tmp_path / "batch.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert window.files.save_session()
    window.example_actions["fc"].trigger()                 # back to the single vector
    assert p.editors["x"].shape() == (2,)
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    assert window.files.open_session()
    for k, v in saved.items():
        np.testing.assert_array_equal(p.state.inputs[k], v)
        np.testing.assert_array_equal(p.editors[k].value(), v)
    assert p.editors["x"].rows_box.value() == 3 and p.state.errors == {}
    assert p.state.trace.tensors["y"].shape == (3, 3)
    # a batch of one in a file is the vector the editor shows
    data = json.loads(path.read_text(encoding="utf-8"))
    data["panels"][FC]["inputs"].update(x=[[1, 2]], dy=[[0, 0.5, 1]])
    path.write_text(json.dumps(data), encoding="utf-8")
    assert window.files.open_session_file(str(path))
    assert p.state.inputs["x"].shape == (2,) and p.state.trace.tensors["dy"].shape == (3,)


def _sideways_scrollbars(window) -> list[str]:
    """The inputs column's horizontal scroll bars that show (the column's own and, for a panel
    whose inputs scroll themselves, the panel's)."""
    shown = []
    page = window.current_panel().inputs_widget
    for name, area in (("column", window.inputs_scroll), ("panel", page)):
        if isinstance(area, QtWidgets.QScrollArea) and area.horizontalScrollBar().isVisible():
            shown.append(name)
    return shown


@pytest.mark.parametrize("name", ["fc", "conv", "avgpool", "lstm", "autodiff"])
def test_inputs_column_fits_its_panel_at_1280x800(qtbot, name):
    """Nothing in the inputs column is cut at its right edge at the smallest supported size
    (the LSTM's peephole editors once made it scroll sideways)."""
    window = shown_window(qtbot, (1280, 800), settings=False)
    window.load_example(name)
    qtbot.wait(20)
    assert _sideways_scrollbars(window) == []
    page = window.current_panel().inputs_widget
    body = page.widget() if isinstance(page, QtWidgets.QScrollArea) else page
    assert body.width() >= body.minimumSizeHint().width()
