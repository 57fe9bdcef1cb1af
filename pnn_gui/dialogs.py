"""Every modal dialog the window opens: file choosers, the "unsaved edits" question, messages.

Callers look these functions up on the module at call time (``dialogs.ask_save_path(...)``), so
tests replace them (``monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: path)``) and no
test ever waits on a real dialog. Nothing here remembers anything: the folder a file dialog
opens in is the caller's ``start`` argument.
"""

from __future__ import annotations

from PySide6 import QtWidgets


def ask_save_path(parent: QtWidgets.QWidget, title: str, file_filter: str,
                  start: str) -> str | None:
    """A path to write to (``start``: the suggested file, with its folder), or None."""
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, start, file_filter)
    return path or None


def ask_open_path(parent: QtWidgets.QWidget, title: str, file_filter: str,
                  start: str) -> str | None:
    """A file to read (the dialog opens in the folder ``start``), or None when cancelled."""
    path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, title, start, file_filter)
    return path or None


def ask_unsaved(parent: QtWidgets.QWidget) -> str:
    """``"save"``, ``"discard"`` or ``"cancel"`` for unsaved edits."""
    b = QtWidgets.QMessageBox.StandardButton
    answer = QtWidgets.QMessageBox.question(
        parent, "Unsaved edits", "Your edits are not saved in a session. Save them first?",
        b.Save | b.Discard | b.Cancel, b.Save)
    return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")


def show_message(parent: QtWidgets.QWidget, title: str, text: str, error: bool = True) -> None:
    """A message box (errors, help)."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning if error
                else QtWidgets.QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setText(text)
    box.exec()
