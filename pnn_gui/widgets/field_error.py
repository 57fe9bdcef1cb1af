"""Errors shown beside the field that caused them.

:class:`ErrorLabel` is a red, word-wrapped label that hides itself when empty. :func:`show_errors`
spreads a :attr:`PanelState.errors <pnn_gui.state.PanelState.errors>` dict over the widgets of a
panel: each field's widget gets its message (``widget.set_error(msg)``), every other widget gets
``set_error("")``, and a message that names no field goes to the ``general`` target.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from PySide6 import QtCore, QtWidgets

from pnn_gui.state import GENERAL
from pnn_gui.style import ERROR as ERROR_COLOR
from pnn_gui.style import tint


class HasError(Protocol):
    def set_error(self, message: str) -> None: ...


class ErrorLabel(QtWidgets.QLabel):
    """A red message under a field; hidden while there is no message."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("errorLabel")
        self.setWordWrap(True)
        self.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        tint(self, ERROR_COLOR)
        self.setVisible(False)

    def set_error(self, message: str) -> None:
        """Show ``message`` (plain text); an empty string hides the label."""
        self.setText(message)
        self.setToolTip(message)
        self.setVisible(bool(message))

    def error(self) -> str:
        return self.text() if not self.isHidden() else ""


def show_errors(errors: Mapping[str, str], targets: Mapping[str, HasError],
                general: HasError | None = None) -> None:
    """Put each message of ``errors`` (field -> message) beside its field's widget.

    Fields without a target, and the :data:`~pnn_gui.state.GENERAL` key, go to ``general``.
    """
    leftover = []
    for field, widget in targets.items():
        widget.set_error(errors.get(field, ""))
    for field, message in errors.items():
        if field == GENERAL or field not in targets:
            leftover.append(message)
    if general is not None:
        general.set_error("\n".join(leftover))
