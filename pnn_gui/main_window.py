"""The main window: a sidebar of panels; inputs | tensors | worked solution; the step player.

The window owns the :class:`SolutionPane` and the :class:`StepPlayer` and drives them from the
current panel's :class:`~pnn_gui.state.PanelState`; panels own their editors and views.

Every file dialog and question goes through the module-level functions :func:`ask_save_path`,
:func:`ask_open_path`, :func:`ask_unsaved` and :func:`show_message`, looked up at call time, so
tests replace them (``monkeypatch.setattr(main_window, "ask_save_path", lambda *a: path)``).
Failures end in a message box, never a traceback, and change nothing the user typed.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples, export
from pnn_gui import session as sessions
from pnn_gui import style
from pnn_gui.compute import QtRunner
from pnn_gui.panels import PANELS
from pnn_gui.panels.base import Panel
from pnn_gui.widgets import delta_flow
from pnn_gui.widgets.solution_pane import SolutionPane
from pnn_gui.widgets.step_player import SPEEDS, StepPlayer

CSV_FILTER = "CSV files (*.csv);;All files (*)"
PNG_FILTER = "PNG images (*.png);;All files (*)"
SESSION_FILTER = "pnn-gui sessions (*.pnn.json *.json);;All files (*)"
PRECISIONS = (2, 3, 4, 6, 8, 12)
#: the inputs column's width limits; within them it is as wide as the current panel's inputs need
MIN_INPUTS_WIDTH, MAX_INPUTS_WIDTH = 220, 420

SHORTCUTS_TEXT = """\
<table cellspacing=4>
<tr><td><b>→</b></td><td>next step</td></tr>
<tr><td><b>←</b></td><td>previous step</td></tr>
<tr><td><b>Space</b></td><td>play / pause</td></tr>
<tr><td><b>Home</b> / <b>End</b></td><td>inputs only / last step</td></tr>
<tr><td><b>Esc</b></td><td>skip the running animation</td></tr>
<tr><td><b>Ctrl+C</b> / <b>Ctrl+V</b></td><td>copy / paste cells (tab or comma separated)</td></tr>
<tr><td><b>F2</b>, or type</td><td>edit the current cell; Enter commits</td></tr>
<tr><td><b>Ctrl+O</b> / <b>Ctrl+S</b></td><td>open / save session</td></tr>
<tr><td><b>Ctrl+Shift+S</b></td><td>save session as…</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>quit (asks first when edits are unsaved)</td></tr>
<tr><td><b>F1</b></td><td>this list</td></tr>
</table>
<p>While a table has the keyboard focus, the arrow keys, Home and End move between its cells
(and, while a cell is being edited, in its text), not through the steps: click the player or the
tensors to step with them again.</p>"""

ABOUT_TEXT = """<b>pnn-gui</b><p>Step through the forward and backward passes of neural-network
layers on numbers you type, with the worked formula and its numbers beside every step.</p>
<p>Exercise sheet 4 of <i>Programming with neural networks</i>: fully connected, Conv2D,
pooling, a peephole LSTM and reverse-mode automatic differentiation.</p>"""


# -- replaceable dialogs (tests swap these) ---------------------------------------------------
def ask_save_path(parent: QtWidgets.QWidget, title: str, file_filter: str,
                  suggested: str) -> str | None:
    """A path to write to, or None when cancelled."""
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    return path or None


def ask_open_path(parent: QtWidgets.QWidget, title: str, file_filter: str) -> str | None:
    """A file to read, or None when cancelled."""
    path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, title, "", file_filter)
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


# -- panels -----------------------------------------------------------------------------------
@dataclass
class _Entry:
    title: str
    target: str
    example_names: tuple[str, ...]
    panel: Panel | None = None
    error: str = ""                      # why it is not available ("" = fine or not tried)
    inputs_page: QtWidgets.QWidget | None = None
    view_page: QtWidgets.QWidget | None = None
    saved_data: dict = field(default_factory=dict)  # session data of a panel not built
    edited: bool = False                 # typed into since the last save / open / example

    @property
    def available(self) -> bool:
        return not self.error


def _module_exists(target: str) -> bool:
    module = target.split(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class MainWindow(QtWidgets.QMainWindow):
    """See the module docstring. ``panel(title)`` builds a panel on first use."""

    def __init__(self, panels=PANELS, initial: str | None = None,
                 parent: QtWidgets.QWidget | None = None, settings: bool = True):
        """``settings=False``: ignore the saved View settings and window geometry (the
        screenshot command and benchmarks want the defaults)."""
        super().__init__(parent)
        self.setWindowTitle("pnn-gui")
        self.resize(1400, 900)
        self._entries = [_Entry(t, target, tuple(names)) for t, target, names in panels]
        for e in self._entries:
            if not _module_exists(e.target):
                e.error = "not built yet"
        self._by_title = {e.title: e for e in self._entries}
        self._current: _Entry | None = None
        self._dirty = False
        self._loading = 0
        self._session_path: str | None = None
        self._precision = 4
        self._animate = True
        self._use_settings = settings
        #: every panel's solves: small ones at once, large ones on a worker thread
        self.compute = QtRunner(self)

        self._build_layout()
        self._build_menus()
        self.player.bind_shortcuts(self)
        esc = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape), self)
        esc.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        esc.activated.connect(delta_flow.skip_all)
        self.statusBar().showMessage("Ready")
        first = initial or next((e.title for e in self._entries if e.available),
                                self._entries[0].title)
        self.show_panel(first)
        if settings:
            self._restore_settings()

    # -- settings (QSettings: View menu choices and the window's geometry) ---------------------
    def _restore_settings(self) -> None:
        s = QtCore.QSettings()
        try:
            digits = int(s.value("view/precision", self._precision))
            speed = float(s.value("view/speed", 1.0))
            animate = str(s.value("view/animate", "true")).lower() in ("true", "1")
        except (TypeError, ValueError):
            return  # a damaged settings file: keep the defaults
        if digits in PRECISIONS:
            self.set_precision(digits)
        if speed in SPEEDS:
            self.player.set_speed(speed)
        self.set_animations_enabled(animate)
        geometry = s.value("window/geometry")
        if isinstance(geometry, QtCore.QByteArray):
            self.restoreGeometry(geometry)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QtCore.QByteArray):
            self.splitter.restoreState(splitter)

    def _save_settings(self) -> None:
        s = QtCore.QSettings()
        s.setValue("view/precision", self._precision)
        s.setValue("view/speed", self.player.speed())
        s.setValue("view/animate", self._animate)
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())

    # -- layout ---------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.sidebar = QtWidgets.QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(150)
        style.style_sidebar(self.sidebar)
        for e in self._entries:
            item = QtWidgets.QListWidgetItem(e.title)
            item.setSizeHint(QtCore.QSize(130, 32))
            if not e.available:
                item.setForeground(QtGui.QBrush(QtGui.QColor("#9e9e9e")))
                item.setToolTip(f"{e.title}: not built yet")
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self._on_sidebar_changed)

        self.inputs_stack = QtWidgets.QStackedWidget()
        self.view_stack = QtWidgets.QStackedWidget()
        self.solution = SolutionPane()
        self.solution.step_clicked.connect(self._on_step_requested)
        inputs_scroll = QtWidgets.QScrollArea()
        inputs_scroll.setWidgetResizable(True)
        inputs_scroll.setWidget(self.inputs_stack)
        inputs_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.inputs_scroll = inputs_scroll

        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(inputs_scroll)
        self.splitter.addWidget(self.view_stack)
        self.splitter.addWidget(self.solution)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([290, 760, 330])
        inputs_scroll.setMinimumWidth(MIN_INPUTS_WIDTH)
        self.solution.setMinimumWidth(240)

        self.player = StepPlayer()
        self.player.step_requested.connect(self._on_step_requested)
        self.player.speed_changed.connect(self._on_speed_changed)

        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.sidebar)
        top.addWidget(self.splitter, 1)

        central = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.setSpacing(2)
        lay.addLayout(top, 1)
        line = QtWidgets.QFrame()
        line.setFrameShape(QtWidgets.QFrame.Shape.HLine)
        line.setFrameShadow(QtWidgets.QFrame.Shadow.Sunken)
        lay.addWidget(line)
        lay.addWidget(self.player)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.action_open = m.addAction("&Open session…", self.open_session)
        self.action_open.setShortcut(QtGui.QKeySequence.StandardKey.Open)
        self.action_save = m.addAction("&Save session", self.save_session)
        self.action_save.setShortcut(QtGui.QKeySequence.StandardKey.Save)
        self.action_save_as = m.addAction("Save session &as…", self.save_session_as)
        self.action_save_as.setShortcut(QtGui.QKeySequence("Ctrl+Shift+S"))
        m.addSeparator()
        self.action_export_csv = m.addAction("Export &results as CSV…", self.export_results)
        self.action_export_steps = m.addAction("Export s&teps as CSV…", self.export_steps)
        self.action_export_png = m.addAction("Export &picture (PNG) of the panel…",
                                             self.export_picture)
        m.addSeparator()
        self.action_quit = m.addAction("&Quit", self.close)
        self.action_quit.setShortcut(QtGui.QKeySequence("Ctrl+Q"))

        m = mb.addMenu("&Examples")
        self.example_actions: dict[str, QtGui.QAction] = {}
        by_name = {ex.name: ex for ex in examples.available()}
        owner = {n: e for e in self._entries for n in e.example_names}
        for name in examples.NAMES:
            ex = by_name.get(name)
            text = f"{name} — {ex.description}" if ex else name
            if len(text) > 90:
                text = text[:88] + "…"
            act = m.addAction(text, lambda n=name: self._safe("Load example",
                                                             self.load_example, n))
            entry = owner.get(name)
            act.setEnabled(ex is not None and entry is not None and entry.available)
            if entry is not None and not entry.available:
                act.setToolTip(f"the {entry.title} panel is not built yet")
            self.example_actions[name] = act

        m = mb.addMenu("&View")
        # tables, heatmaps, graph labels and the worked solution's formulas (re-solved with
        # that many digits); tooltips and CSV exports keep every digit
        pm = m.addMenu("&Precision")
        pm.setToolTipsVisible(True)
        self.precision_menu = pm
        group = QtGui.QActionGroup(self)
        self.precision_actions: dict[int, QtGui.QAction] = {}
        for d in PRECISIONS:
            act = pm.addAction(f"{d} significant digits", lambda d=d: self.set_precision(d))
            act.setToolTip(f"Tables, heatmaps and the worked solution with {d} significant "
                           "digits; tooltips and CSV exports keep every digit")
            act.setCheckable(True)
            act.setChecked(d == self._precision)
            group.addAction(act)
            self.precision_actions[d] = act
        sm = m.addMenu("Animation &speed")
        sgroup = QtGui.QActionGroup(self)
        self.speed_actions: dict[float, QtGui.QAction] = {}
        for f in SPEEDS:
            act = sm.addAction(f"{f:g}×", lambda f=f: self.player.set_speed(f))
            act.setCheckable(True)
            act.setChecked(f == 1.0)
            sgroup.addAction(act)
            self.speed_actions[f] = act
        self.action_animate = m.addAction("&Animate steps")
        self.action_animate.setCheckable(True)
        self.action_animate.setChecked(True)
        self.action_animate.toggled.connect(self.set_animations_enabled)

        m = mb.addMenu("&Help")
        self.action_shortcuts = m.addAction("&Keyboard shortcuts", self._show_shortcuts)
        self.action_shortcuts.setShortcut(QtGui.QKeySequence("F1"))
        self.action_about = m.addAction("&About pnn-gui", self._show_about)

    # -- panels ---------------------------------------------------------------------------------
    def titles(self) -> tuple[str, ...]:
        return tuple(e.title for e in self._entries)

    def current_panel(self) -> Panel | None:
        return self._current.panel if self._current else None

    def current_title(self) -> str:
        return self._current.title if self._current else ""

    def panel(self, title: str) -> Panel | None:
        """The panel called ``title``, built on first use; None when it is not available."""
        e = self._by_title[title]
        if e.panel is None and e.available:
            self._build_panel(e)
        return e.panel

    def _build_panel(self, e: _Entry) -> None:
        module, cls_name = e.target.split(":")
        try:
            cls = getattr(importlib.import_module(module), cls_name)
            panel = cls(self)
        except Exception as exc:  # a broken panel must not take the window down
            e.error = f"not built yet (it failed to load: {type(exc).__name__}: {exc})"
            traceback.print_exc()  # for whoever is building it; the window carries on
            self._mark_unavailable(e)
            return
        e.panel = panel
        panel.state.runner = self.compute
        self._loading += 1
        try:
            panel.set_precision(self._precision)
            panel.state.set_digits(self._precision)
            panel.set_animation_speed(self.player.speed())
            panel.set_animations_enabled(self._animate)
        finally:
            self._loading -= 1
        panel.status.connect(self._on_panel_status)
        panel.state.subscribe(lambda what, e=e: self._on_state_changed(e, what))
        e.inputs_page = panel.inputs_widget
        e.view_page = panel.view_widget
        self.inputs_stack.addWidget(panel.inputs_widget)
        self.view_stack.addWidget(panel.view_widget)

    def _mark_unavailable(self, e: _Entry) -> None:
        row = self._entries.index(e)
        item = self.sidebar.item(row)
        item.setForeground(QtGui.QBrush(QtGui.QColor("#9e9e9e")))
        item.setToolTip(f"{e.title}: {e.error}")
        for name in e.example_names:
            if name in self.example_actions:
                self.example_actions[name].setEnabled(False)

    def _placeholder(self, e: _Entry) -> None:
        if e.inputs_page is None:
            text = (f"<h3>{html.escape(e.title)}</h3><p>This panel is {html.escape(e.error)}."
                    "</p><p>Its examples are disabled in the Examples menu.</p>")
            e.inputs_page = QtWidgets.QLabel(text)
            e.inputs_page.setWordWrap(True)
            e.inputs_page.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
            e.inputs_page.setContentsMargins(8, 8, 8, 8)
            e.view_page = QtWidgets.QLabel(f"{e.title}: {e.error}")
            e.view_page.setObjectName("notBuilt")
            e.view_page.setWordWrap(True)
            e.view_page.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            e.view_page.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            style.tint(e.view_page, style.FAINT)
            style.set_point_size(e.view_page, 16)
            self.inputs_stack.addWidget(e.inputs_page)
            self.view_stack.addWidget(e.view_page)

    def show_panel(self, title: str) -> None:
        """Switch to the panel called ``title`` (a "not built yet" page when unavailable)."""
        e = self._by_title[title]
        if self._current is not None and self._current.panel is not None:
            self.player.pause()
        panel = self.panel(title)
        if panel is None:
            self._placeholder(e)
        self._current = e
        self.inputs_stack.setCurrentWidget(e.inputs_page)
        self.view_stack.setCurrentWidget(e.view_page)
        row = self._entries.index(e)
        if self.sidebar.currentRow() != row:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(row)
            self.sidebar.blockSignals(False)
        self.solution.set_trace(panel.state.trace if panel else None)
        self._sync_step()
        self._update_title()
        self._fit_inputs_column(e.inputs_page)

    def _fit_inputs_column(self, page: QtWidgets.QWidget) -> None:
        """The inputs column is at least as wide as ``page`` needs not to scroll sideways (up to
        :data:`MAX_INPUTS_WIDTH`), so its controls are never cut at the right edge; the splitter
        takes the width from the views."""
        if isinstance(page, QtWidgets.QScrollArea) and page.widget() is not None:
            need = (page.widget().minimumSizeHint().width() + 2 * page.frameWidth()
                    + page.verticalScrollBar().sizeHint().width())
        else:
            need = page.minimumSizeHint().width()
        need += self.inputs_scroll.verticalScrollBar().sizeHint().width()
        self.inputs_scroll.setMinimumWidth(max(MIN_INPUTS_WIDTH, min(need, MAX_INPUTS_WIDTH)))

    def _on_sidebar_changed(self, row: int) -> None:
        if 0 <= row < len(self._entries):
            self.show_panel(self._entries[row].title)

    # -- state -> widgets -----------------------------------------------------------------------
    def _on_state_changed(self, e: _Entry, what: str) -> None:
        if what in ("trace", "errors", "busy") and not self._loading:
            e.edited = True
            self._set_dirty(True)
        if e is not self._current:
            return
        st = e.panel.state
        if what == "busy":
            self.statusBar().showMessage(f"{e.title}: computing… (the last good results stay "
                                         "shown)")
        elif what == "trace" and st.pending:
            pass  # a mode switch cleared the old kind's solution; its own is on its way
        elif what == "trace" and not self._loading:
            self.statusBar().showMessage(f"{e.title}: recomputed, {st.n_steps} steps")
        elif what == "errors" and st.errors:
            msg = next(iter(st.errors.values()))
            self.statusBar().showMessage(f"{e.title}: not recomputed ({msg}); the last good "
                                         "results are shown")
        if what == "trace":
            self.solution.set_trace(e.panel.state.trace)
            self._sync_step()
        elif what == "step":
            self._sync_step()

    def _sync_step(self) -> None:
        panel = self.current_panel()
        if panel is None or panel.state.trace is None:
            self.player.set_state(0, 0, "")
            self.solution.set_current(0)
            return
        st = panel.state
        k = st.step
        panel.show_step(k)
        self.solution.set_current(k)
        step = st.current_step()
        self.player.set_state(k, st.n_steps, step.phase if step else "")

    # -- widgets -> state -----------------------------------------------------------------------
    def _on_step_requested(self, k: int) -> None:
        panel = self.current_panel()
        if panel is not None:
            panel.state.set_step(k)

    def _on_speed_changed(self, factor: float) -> None:
        for f, act in self.speed_actions.items():
            act.setChecked(f == factor)
        for e in self._entries:
            if e.panel is not None:
                e.panel.set_animation_speed(factor)

    def _on_panel_status(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def set_precision(self, digits: int) -> None:
        self._precision = int(digits)
        if digits in self.precision_actions:
            self.precision_actions[digits].setChecked(True)
        self._loading += 1  # re-solving at the new precision is not an edit
        try:
            for e in self._entries:
                if e.panel is not None:
                    e.panel.set_precision(self._precision)
                    e.panel.state.set_digits(self._precision)
        finally:
            self._loading -= 1

    def set_animations_enabled(self, enabled: bool) -> None:
        self._animate = bool(enabled)
        if self.action_animate.isChecked() != self._animate:
            self.action_animate.setChecked(self._animate)
        for e in self._entries:
            if e.panel is not None:
                e.panel.set_animations_enabled(self._animate)

    # -- examples -------------------------------------------------------------------------------
    def load_example(self, name: str) -> bool:
        """Load example ``name`` into its panel and show that panel (ValueError if impossible).

        The example replaces the panel's inputs, so when that panel has unsaved edits the user
        is asked first (:func:`ask_unsaved`): save them, discard them, or cancel (False, and
        nothing changes)."""
        entry = next((e for e in self._entries if name in e.example_names), None)
        if entry is None:
            raise ValueError(f"example: no panel shows {name!r}")
        example = examples.load(name)
        panel = self.panel(entry.title)
        if panel is None:
            raise ValueError(f"example: the {entry.title} panel is {entry.error}, so {name!r} "
                             "cannot be shown")
        self.commit_open_edit()
        if entry.edited and self._dirty:
            answer = ask_unsaved(self)
            if answer == "cancel" or (answer == "save" and not self.save_session()):
                self.statusBar().showMessage(f"Example {name} not loaded; your edits are kept")
                return False
        with self._replacing_inputs():
            panel.load_example(example)
        entry.edited = False  # what was typed there is gone (saved, or discarded by the user)
        self.show_panel(entry.title)
        self.statusBar().showMessage(f"Loaded example {name}")
        return True

    def _safe(self, what: str, fn, *args) -> bool:
        """Run ``fn``; a ValueError / OSError becomes a message box. True when it worked."""
        try:
            fn(*args)
        except (ValueError, OSError) as exc:
            show_message(self, what, f"{what} failed:\n{exc}")
            self.statusBar().showMessage(f"{what} failed: {exc}")
            return False
        return True

    def commit_open_edit(self) -> None:
        """A cell being typed into is committed first, so Ctrl+S (or an export, or quitting)
        while typing uses what was typed: moving the focus makes the delegate commit it."""
        focus = QtWidgets.QApplication.focusWidget()
        view = focus.parentWidget() if focus is not None else None
        view = view.parentWidget() if view is not None else None  # editor -> viewport -> view
        if (isinstance(view, QtWidgets.QAbstractItemView)
                and view.state() == QtWidgets.QAbstractItemView.State.EditingState):
            view.setFocus()

    # -- sessions -------------------------------------------------------------------------------
    def session(self) -> sessions.Session:
        """Every panel's data (panels not built yet keep what the last opened file had)."""
        self.commit_open_edit()
        data = {}
        for e in self._entries:
            panel = self.panel(e.title)
            if panel is not None:
                try:
                    data[e.title] = panel.session_data()
                except Exception as exc:  # a panel's bug must not lose the others' work
                    raise ValueError(f"{e.title}: could not collect its inputs ({exc})") from None
            elif e.saved_data:
                data[e.title] = e.saved_data
        return sessions.Session(self.current_title(), data)

    def save_session(self) -> bool:
        if self._session_path is None:
            return self.save_session_as()
        return self._write_session(self._session_path)

    def save_session_as(self) -> bool:
        path = ask_save_path(self, "Save session", SESSION_FILTER,
                             self._session_path or "session.pnn.json")
        if not path:
            return False
        return self._write_session(path)

    def _write_session(self, path: str) -> bool:
        if not self._safe("Save session", lambda: sessions.save(path, self.session())):
            return False
        self._session_path = path
        self._set_dirty(False)
        self.statusBar().showMessage(f"Saved session to {path}")
        return True

    def open_session(self) -> bool:
        path = ask_open_path(self, "Open session", SESSION_FILTER)
        if not path or not self._unsaved_edits_handled():
            return False
        return self.open_session_file(path)

    def open_session_file(self, path: str) -> bool:
        """Load a session; a damaged file gives a message and changes nothing."""
        try:
            s = sessions.load(path, self.titles())
            self._apply_session(s)
        except ValueError as exc:
            show_message(self, "Open session", f"Could not open {Path(path).name}; nothing "
                         f"was changed.\n\n{exc}")
            self.statusBar().showMessage(f"Open session failed: {exc}")
            return False
        self._session_path = path
        self._set_dirty(False)
        self.statusBar().showMessage(f"Opened session {path}")
        return True

    def _apply_session(self, s: sessions.Session) -> None:
        with self._replacing_inputs():
            self._restore_panels(s)
        self.show_panel(s.panel)

    @contextmanager
    def _replacing_inputs(self) -> Iterator[None]:
        """An example or a session replaces inputs: not an edit (the window stays clean), and
        solved at once (the caller wants the steps now; no late result marks it edited)."""
        self._loading += 1
        try:
            with self.compute.synchronously():
                yield
        finally:
            self._loading -= 1

    def _restore_panels(self, s: sessions.Session) -> None:
        """Every panel of ``s`` restored, or none (a panel's refusal undoes the others)."""
        before: dict[str, dict] = {}
        for title, data in s.panels.items():
            e = self._by_title[title]
            panel = self.panel(title)
            if panel is None:
                continue
            old = panel.session_data()
            try:
                panel.restore_session(data)
            except Exception as exc:  # a panel's own check failed: undo the others
                for t, previous in before.items():
                    self._by_title[t].panel.restore_session(previous)
                raise ValueError(f"{title}: {exc}") from None
            before[title] = old
            e.saved_data = {}
        for title, data in s.panels.items():
            e = self._by_title[title]
            if e.panel is None:
                e.saved_data = data

    # -- exports --------------------------------------------------------------------------------
    def _trace_or_message(self, what: str):
        self.commit_open_edit()
        self.compute.finish()  # a solve still running: export what was typed, not the one before
        panel = self.current_panel()
        trace = panel.state.trace if panel else None
        if trace is None:
            show_message(self, what, f"{what}: the {self.current_title()} panel has no results "
                         "to export.")
        return trace

    def _suggest(self, suffix: str) -> str:
        name = self.current_title().lower().replace(" ", "-") or "panel"
        return f"{name}{suffix}"

    def export_results(self) -> bool:
        """File > Export results as CSV: the layer's settings, then every tensor,
        ``tensor,index,value,name``, full precision."""
        return self._export_csv("Export results", ".csv",
                                lambda t: export.tensors_csv(t.tensors, t.settings, t.names),
                                lambda t: f"{len(t.tensors)} tensors")

    def export_steps(self) -> bool:
        """File > Export steps as CSV: one row per step of the worked solution."""
        return self._export_csv("Export steps", "-steps.csv", lambda t: export.steps_csv(t.steps),
                                lambda t: f"{len(t.steps)} steps")

    def _export_csv(self, what: str, suffix: str, text_of, count_of) -> bool:
        trace = self._trace_or_message(what)
        if trace is None:
            return False
        path = ask_save_path(self, f"{what} as CSV", CSV_FILTER, self._suggest(suffix))
        if not path:
            return False
        if not self._safe(what, export.write_atomic, path, text_of(trace)):
            return False
        self.statusBar().showMessage(f"Exported {count_of(trace)} to {path}")
        return True

    def picture(self) -> QtGui.QImage:
        """The panel as shown: inputs, tensors and worked solution (no menus, no sidebar)."""
        return self.splitter.grab().toImage()

    def export_picture(self) -> bool:
        self.commit_open_edit()
        path = ask_save_path(self, "Export picture of the panel", PNG_FILTER,
                             self._suggest(".png"))
        if not path:
            return False
        data = png_bytes(self.picture())
        if not self._safe("Export picture", export.write_bytes_atomic, path, data):
            return False
        self.statusBar().showMessage(f"Exported a picture of the {self.current_title()} panel "
                                     f"to {path}")
        return True

    # -- dirty / quit ---------------------------------------------------------------------------
    def is_dirty(self) -> bool:
        return self._dirty

    def _set_dirty(self, dirty: bool) -> None:
        if not dirty:  # saved or opened: no panel holds unsaved edits
            for e in self._entries:
                e.edited = False
        if dirty != self._dirty:
            self._dirty = dirty
            self._update_title()

    def _update_title(self) -> None:
        parts = ["pnn-gui", self.current_title()]
        if self._session_path:
            parts.append(Path(self._session_path).name)
        title = " — ".join(p for p in parts if p)
        self.setWindowTitle(title + (" *" if self._dirty else ""))

    def _unsaved_edits_handled(self) -> bool:
        """With unsaved edits, ask: save them (True once saved), discard (True) or cancel."""
        self.commit_open_edit()
        if not self._dirty:
            return True
        answer = ask_unsaved(self)
        return answer == "discard" or (answer == "save" and self.save_session())

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self._unsaved_edits_handled():
            event.ignore()
            return
        self.player.pause()
        self.compute.shutdown()  # waits for a running solve; its outcome is dropped
        if self._use_settings:
            self._save_settings()
        event.accept()

    # -- help -----------------------------------------------------------------------------------
    def _show_shortcuts(self) -> None:
        show_message(self, "Keyboard shortcuts", SHORTCUTS_TEXT, error=False)

    def _show_about(self) -> None:
        show_message(self, "About pnn-gui", ABOUT_TEXT, error=False)


def png_bytes(image: QtGui.QImage) -> bytes:
    """``image`` encoded as PNG."""
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise ValueError("picture: could not encode the PNG")
    return bytes(buf.data())
