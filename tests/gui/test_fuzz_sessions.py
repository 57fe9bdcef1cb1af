"""The fuzz tier of Open session (issue 14): files around a valid session of every panel, one
part changed, are opened or refused; refused, with one message naming the file, and every panel
keeps every value it had (every mode's inputs, the panel shown, the unsaved edits); nothing
raises. Then the saved settings: any value under any key starts the window with defaults there.

Examples: see tests/engine/hostile_files.py (FUZZ_GUI); ``HYPOTHESIS_PROFILE=fuzz`` for more.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6 import QtCore

from pnn_gui import dialogs
from pnn_gui import main_window as mw
from pnn_gui.panels.base import ModePanel
from tests.engine.hostile_files import FUZZ, FUZZ_GUI, file_bytes


def every_value(w: mw.MainWindow) -> dict:
    """What every panel holds: its session data, and each mode's inputs (a mode switch is not
    an edit), the panel shown and the unsaved-edits mark."""
    out = {"shown": w.current_title(), "dirty": w.is_dirty()}
    for title in w.titles():
        panel = w.panel(title)
        data = panel.session_data()
        out[title] = json.dumps(data, sort_keys=True)
        if isinstance(panel, ModePanel) and "other_modes" not in data:  # (Conv2D's holds them)
            shown = panel.mode
            for mode in panel.MODES:
                panel.set_mode(mode)
                out[f"{title}/{mode}"] = json.dumps(panel.session_data(), sort_keys=True)
            panel.set_mode(shown)
    return out


@pytest.fixture
def window(qtbot, monkeypatch):
    messages = []
    monkeypatch.setattr(dialogs, "show_message",
                        lambda parent, title, text, error=True: messages.append(text))
    w = mw.MainWindow(settings=False)
    qtbot.addWidget(w)
    w.set_animations_enabled(False)
    w.messages = messages
    return w


@pytest.fixture
def valid(window):
    """Every panel's session at start (each example starts from it; an opened one changes the
    window, not this)."""
    return json.loads(json.dumps({"format": 1, "app": "pnn-gui", "panel": "Pooling",
                                  "panels": window.files.session().panels}))


@FUZZ_GUI
@given(data=st.data())
def test_open_session_keeps_every_value_when_it_refuses(window, valid, tmp_path_factory, data):
    w = window
    path = tmp_path_factory.mktemp("s") / "s.pnn.json"
    path.write_bytes(data.draw(file_bytes(valid)))
    before = every_value(w)
    shown = len(w.messages)
    if w.files.open_session_file(str(path)):
        assert len(w.messages) == shown
        return
    message = w.messages[-1]
    assert message.startswith("Could not open s.pnn.json; nothing was changed.\n\n")
    reason = message.split("\n\n")[1]
    assert "\n" not in reason and len(reason) < 500, reason
    assert every_value(w) == before


# -- settings ---------------------------------------------------------------------------------
KEYS = ("view/precision", "view/speed", "view/animate", "window/geometry", "window/splitter",
        "files/folder")
_SETTING_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n\r\\@\x00[]"),
            max_size=12),
    st.sampled_from(["4", "8", "0.5", "2", "true", "false", "1e999", "nan", "-1", "4.0",
                     "99999999999999999999999", "a, b", "@ByteArray(xyz)", "@Rect(1 2 3 4)",
                     "@Size(10 -20)", "@Point(1 1)", "@ByteArray()", "\"4\"", "/no/such/dir"]))


def _settings_file(values: dict[str, str]) -> QtCore.QSettings:
    """A settings file holding ``values`` (key -> the text after ``=``), as Qt reads it."""
    path = QtCore.QDir.tempPath() + "/pnn-fuzz-settings.ini"
    with open(path, "w", encoding="utf-8") as fh:
        for key, text in values.items():
            group, name = key.split("/")
            fh.write(f"[{group}]\n{name}={text}\n")
    return QtCore.QSettings(path, QtCore.QSettings.Format.IniFormat)


def test_the_settings_file_is_written_as_qt_reads_it():
    s = _settings_file({"view/precision": "8", "view/speed": "0.5"})
    assert mw.saved_setting(s, "view/precision", int, mw.PRECISIONS) == 8
    assert mw.saved_setting(s, "view/speed", float, mw.SPEEDS) == 0.5


@FUZZ
@given(values=st.dictionaries(st.sampled_from(KEYS), _SETTING_TEXT, min_size=1))
def test_damaged_settings_fall_back_to_the_defaults(values):
    """The settings file as another version, another program or a damaged disk left it: each
    key read alone (window/… and files/folder given to the window, view/… read as it does)."""
    s = _settings_file(values)
    for key, allowed, convert in (("view/precision", mw.PRECISIONS, int),
                                  ("view/speed", mw.SPEEDS, float)):
        got = mw.saved_setting(s, key, convert, allowed)
        assert got is None or got in allowed


def test_a_damaged_settings_file_starts_with_the_defaults_where_damaged(qtbot):
    s = QtCore.QSettings()
    s.setValue("view/precision", "@Rect(1 2 3 4)")
    s.setValue("view/speed", "2")
    s.setValue("view/animate", "perhaps")
    s.setValue("window/geometry", "not a geometry")
    s.setValue("files/folder", "/no/such/folder")
    s.sync()
    w = mw.MainWindow(settings=True)
    qtbot.addWidget(w)
    assert w.precision_actions[4].isChecked()          # the default: damaged
    assert w.player.speed() == 2.0                      # the one intact value still applies
    assert w.action_animate.isChecked()                 # the default: not true or false
    assert w.files.folder == ""
