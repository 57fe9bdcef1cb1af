"""The one animation shape every view uses: progress 0 → 1, eased in and out."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore


def progress_animation(parent: QtCore.QObject, on_frame: Callable[[float], None],
                       on_finished: Callable[[], None] | None = None) -> QtCore.QVariantAnimation:
    """A ``QVariantAnimation`` from 0.0 to 1.0 (InOutQuad) calling ``on_frame(progress)``; the
    caller sets its duration and starts it."""
    anim = QtCore.QVariantAnimation(parent)
    anim.setStartValue(0.0)
    anim.setEndValue(1.0)
    anim.setEasingCurve(QtCore.QEasingCurve.Type.InOutQuad)
    anim.valueChanged.connect(on_frame)
    if on_finished is not None:
        anim.finished.connect(on_finished)
    return anim
