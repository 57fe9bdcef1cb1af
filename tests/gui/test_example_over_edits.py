"""Loading an example over a panel's unsaved edits asks first (main_window.ask_unsaved):
discard loads it, cancel keeps what was typed, save saves the session and then loads."""

import json

import numpy as np
import pytest

from engine import examples
from pnn_gui import dialogs
from pnn_gui import main_window as mw
from pnn_gui.panels import PANELS

FC = "Fully connected"
ONLY_FC = PANELS[:1]


@pytest.fixture
def asked(monkeypatch):
    """Records each question; the test sets ``asked.answer``."""
    class Asked(list):
        answer = "cancel"

    a = Asked()
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: a.append(1) or a.answer)
    return a


@pytest.fixture
def window(qtbot, asked):
    w = mw.MainWindow(panels=ONLY_FC, settings=False)
    qtbot.addWidget(w)
    w.set_animations_enabled(False)
    return w


def type_dy(window):
    """What typing into δy does: the editor's value reaches the state."""
    panel = window.panel(FC)
    panel.editors["dy"].set_value(np.array([9.0, 8.0, 7.0]))
    panel.editors["dy"].value_changed.emit(np.array([9.0, 8.0, 7.0]))
    assert window.is_dirty()
    return panel


def test_no_question_without_edits(window, asked):
    assert window.load_example("fc")
    assert asked == []


def test_cancel_keeps_what_was_typed(window, asked):
    panel = type_dy(window)
    asked.answer = "cancel"
    assert window.example_actions["fc"].isEnabled()
    window.example_actions["fc"].trigger()  # the Examples menu
    assert asked == [1]
    np.testing.assert_array_equal(panel.state.inputs["dy"], [9, 8, 7])
    np.testing.assert_array_equal(panel.editors["dy"].value(), [9, 8, 7])
    np.testing.assert_allclose(panel.state.trace.tensors["dy"], [9, 8, 7])
    assert window.is_dirty()
    assert "not loaded" in window.status_line.text()


def test_discard_loads_the_example(window, asked):
    panel = type_dy(window)
    asked.answer = "discard"
    window.example_actions["fc"].trigger()
    assert asked == [1]
    fc = examples.load("fc")
    np.testing.assert_array_equal(panel.state.inputs["dy"], fc.inputs["dy"])
    np.testing.assert_array_equal(panel.editors["dy"].value(), fc.inputs["dy"])
    # loading again without new edits does not ask again
    assert window.load_example("fc")
    assert asked == [1]


def test_save_saves_the_edits_then_loads(window, asked, monkeypatch, tmp_path):
    panel = type_dy(window)
    asked.answer = "save"
    path = tmp_path / "mine.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert window.load_example("fc")
    saved = json.loads(path.read_text())
    assert "[9.0, 8.0, 7.0]" in json.dumps(saved)  # the typed δy is in the file
    np.testing.assert_array_equal(panel.state.inputs["dy"], examples.load("fc").inputs["dy"])


def test_save_cancelled_loads_nothing(window, asked, monkeypatch):
    panel = type_dy(window)
    asked.answer = "save"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: None)  # the file dialog cancelled
    assert not window.load_example("fc")
    np.testing.assert_array_equal(panel.state.inputs["dy"], [9, 8, 7])
