"""The step player: ⏮ ◀ ▶/⏸ ▶ ⏭, a slider, "step k of n · backward" and a speed control.

Public API (the main window drives it; panels need not touch it)::

    player = StepPlayer()
    player.step_requested.connect(state.set_step)   # int: the step the user asked for (0..n)
    player.set_state(k, n, "backward")             # show where we are; emits nothing
    player.bind_shortcuts(window)                  # ← → Space Home End, window-wide
    player.speed_changed.connect(...)              # float factor: 0.25 … 4 (1 = normal)
    player.set_speed(2.0); player.speed()
    player.play(); player.pause(); player.is_playing()
    player.set_limit(m)                            # practice: no step beyond m (None: n)

``k`` counts steps done: 0 shows the inputs only, ``k`` shows the tensors after step k.
A click on the slider's groove jumps to that step. The shortcuts are window-wide but never steal
keys from a text field being edited (a table cell editor or a spin box accepts Qt's
ShortcutOverride for ← → Home End Space), and playing stops at the last step.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from pnn_gui import style

#: speed factors offered (1 = one step every PLAY_INTERVAL_MS)
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
PLAY_INTERVAL_MS = 700


class _JumpToClick(QtWidgets.QProxyStyle):
    """The application's style, except that a left click on a slider's groove moves the handle
    there (Qt's default moves it one page step towards the click)."""

    def styleHint(self, hint, option=None, widget=None, return_data=None) -> int:
        if hint == QtWidgets.QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:
            return QtCore.Qt.MouseButton.LeftButton.value
        return super().styleHint(hint, option, widget, return_data)


class StepPlayer(QtWidgets.QWidget):
    """Buttons, slider and speed control for stepping through a trace."""

    #: the step the user asked for, 0..n
    step_requested = QtCore.Signal(int)
    #: the new speed factor
    speed_changed = QtCore.Signal(float)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._k = 0
        self._n = 0
        self._phase = ""
        self._limit: int | None = None
        qstyle = self.style()
        sp = QtWidgets.QStyle.StandardPixmap

        def button(icon, tip, slot):
            b = QtWidgets.QToolButton()
            b.setIcon(qstyle.standardIcon(icon))
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setIconSize(QtCore.QSize(20, 20))
            b.clicked.connect(slot)
            return b

        self.first_button = button(sp.SP_MediaSkipBackward, "First (Home): the inputs only",
                                   self.first)
        self.back_button = button(sp.SP_MediaSeekBackward, "Back one step (←)", self.back)
        self.play_button = button(sp.SP_MediaPlay, "Play / pause (Space)", self.toggle_play)
        self.forward_button = button(sp.SP_MediaSeekForward, "Forward one step (→)",
                                     self.forward)
        self.last_button = button(sp.SP_MediaSkipForward, "Last step (End)", self.last)

        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(1)
        jump = _JumpToClick()
        jump.setParent(self.slider)  # Qt does not own a widget's style; this keeps it alive
        self.slider.setStyle(jump)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.label = QtWidgets.QLabel()
        self.label.setObjectName("stepLabel")
        style.set_point_size(self.label, 10.5)
        self._on_zoom()
        style.on_zoom(self._on_zoom)

        self.speed_box = QtWidgets.QComboBox()
        for f in SPEEDS:
            self.speed_box.addItem(f"{f:g}×", f)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.setToolTip("Animation and playback speed")
        self.speed_box.currentIndexChanged.connect(self._on_speed_box_changed)

        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        for b in (self.first_button, self.back_button, self.play_button, self.forward_button,
                  self.last_button):
            lay.addWidget(b)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        lay.addWidget(QtWidgets.QLabel("speed"))
        lay.addWidget(self.speed_box)

        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self._shortcuts: list[QtGui.QShortcut] = []
        self.set_state(0, 0, "")

    # -- public -----------------------------------------------------------------------------
    def _on_zoom(self, _factor: float = 1.0) -> None:
        """The step label as wide as its longest text at the window's text size: it does not
        jump as the steps go by."""
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(
            "step 0000 of 0000 · backward") + 4)

    def set_state(self, k: int, n: int, phase: str) -> None:
        """Show step ``k`` of ``n`` in ``phase``; emits nothing."""
        self._k, self._n, self._phase = int(k), int(n), phase
        top = self._top()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, top))
        self.slider.setValue(self._k)
        self.slider.blockSignals(False)
        what = phase if k > 0 and phase else "inputs"
        revealed = "" if top == self._n else f" · {top} revealed"
        self.label.setText(f"step {self._k} of {self._n} · {what}{revealed}")
        has = top > 0
        self.first_button.setEnabled(has and self._k > 0)
        self.back_button.setEnabled(has and self._k > 0)
        self.forward_button.setEnabled(has and self._k < top)
        self.last_button.setEnabled(has and self._k < top)
        self.play_button.setEnabled(has)
        self.slider.setEnabled(has)
        if self.is_playing() and self._k >= top:
            self.pause()

    def set_limit(self, m: int | None) -> None:
        """Practice: steps beyond ``m`` (the revealed ones) cannot be reached; None lifts it.
        Emits nothing; takes effect with the next :meth:`set_state`."""
        self._limit = None if m is None else max(0, int(m))

    def _top(self) -> int:
        """The last step that can be reached."""
        return self._n if self._limit is None else min(self._n, self._limit)

    def step(self) -> int:
        return self._k

    def count(self) -> int:
        return self._n

    def text(self) -> str:
        return self.label.text()

    def first(self) -> None:
        self._request(0)

    def back(self) -> None:
        self._request(self._k - 1)

    def forward(self) -> None:
        self._request(self._k + 1)

    def last(self) -> None:
        self._request(self._top())

    def play(self) -> None:
        if self._top() == 0:
            return
        if self._k >= self._top():
            self._request(0)
        self._timer.start(self._interval())
        self.play_button.setIcon(self.style().standardIcon(
            QtWidgets.QStyle.StandardPixmap.SP_MediaPause))

    def pause(self) -> None:
        self._timer.stop()
        self.play_button.setIcon(self.style().standardIcon(
            QtWidgets.QStyle.StandardPixmap.SP_MediaPlay))

    def toggle_play(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def speed(self) -> float:
        return float(self.speed_box.currentData())

    def set_speed(self, factor: float) -> None:
        """Pick the offered speed nearest ``factor``; emits ``speed_changed`` when it changes."""
        best = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - factor))
        self.speed_box.setCurrentIndex(best)

    def bind_shortcuts(self, window: QtWidgets.QWidget) -> None:
        """← → Space Home End anywhere in ``window`` (a text field being edited keeps them)."""
        for keys, slot in ((QtCore.Qt.Key.Key_Left, self.back),
                           (QtCore.Qt.Key.Key_Right, self.forward),
                           (QtCore.Qt.Key.Key_Space, self.toggle_play),
                           (QtCore.Qt.Key.Key_Home, self.first),
                           (QtCore.Qt.Key.Key_End, self.last)):
            sc = QtGui.QShortcut(QtGui.QKeySequence(keys), window)
            sc.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            sc.setAutoRepeat(True)
            sc.activated.connect(slot)
            self._shortcuts.append(sc)

    # -- internals --------------------------------------------------------------------------
    def _request(self, k: int) -> None:
        k = max(0, min(int(k), self._top()))
        if k != self._k:
            self.step_requested.emit(k)

    def _interval(self) -> int:
        return max(40, int(PLAY_INTERVAL_MS / self.speed()))

    def _on_tick(self) -> None:
        if self._k >= self._top():
            self.pause()
            return
        self.forward()

    def _on_slider_moved(self, value: int) -> None:
        self._request(value)

    def _on_speed_box_changed(self, _index: int) -> None:
        if self.is_playing():
            self._timer.setInterval(self._interval())
        self.speed_changed.emit(self.speed())
