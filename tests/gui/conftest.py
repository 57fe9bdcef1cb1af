"""GUI tests: offscreen, never touching the user's settings or files."""

import gc
import os
import tempfile

import pytest

pytest.importorskip("PySide6", reason="GUI tests need PySide6; the engine tests run without it")

_runtime = tempfile.mkdtemp(prefix="pnn-xdg-")
os.chmod(_runtime, 0o700)
os.environ["XDG_RUNTIME_DIR"] = _runtime


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """QSettings and anything written under HOME go to tmp_path."""
    from PySide6 import QtCore

    monkeypatch.setenv("HOME", str(tmp_path))
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.Format.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat,
                             QtCore.QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture(autouse=True)
def _no_modal_dialogs(monkeypatch):
    """A real message box or 'save your edits?' question would wait forever offscreen (the
    whole run hangs at that test): fail instead. Tests that expect one replace it themselves."""
    from pnn_gui import dialogs

    def refuse(what):
        def dialog(parent, *args, **kwargs):
            raise AssertionError(f"a test opened a modal {what} ({args[:2]}); replace "
                                 f"dialogs.{what} in the test")
        return dialog

    monkeypatch.setattr(dialogs, "ask_unsaved", refuse("ask_unsaved"))
    monkeypatch.setattr(dialogs, "show_message", refuse("show_message"))


@pytest.fixture
def messages(monkeypatch) -> list[tuple[str, str]]:
    """Message boxes recorded as (title, text) instead of shown; the unsaved-edits question
    answered "discard"."""
    from pnn_gui import dialogs

    shown = []
    monkeypatch.setattr(dialogs, "show_message",
                        lambda parent, title, text, error=True: shown.append((title, text)))
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    return shown


@pytest.fixture(scope="session", autouse=True)
def _no_automatic_garbage_collection():
    """As the app does (pnn_gui.app.collect_garbage_on_gui_thread): an automatic collection at an
    arbitrary allocation can destroy a leftover Qt object while Qt holds its signal mutex, and the
    run hangs for good (seen: QObject::disconnect inside pyqtgraph's addItem). Collect only at
    safe points: after every test (below)."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test(_no_automatic_garbage_collection):
    yield
    gc.collect()
