"""The main window: a sidebar of panels; inputs | tensors | worked solution; the step player.

- The window owns the :class:`SolutionPane` and the :class:`StepPlayer` and drives them from the
  current panel's :class:`~pnn_gui.state.PanelState`; panels own their editors and views. A step
  travels: player (or pane, or key) -> ``state.set_step`` -> ``"step"`` -> :meth:`_sync_step` ->
  ``panel.show_step`` and the pane's current line. A state that presents another trace of the
  same inputs (the Network panel stepping into a layer) says ``"view"``: the pane and the player
  follow it as they follow a new trace, and nothing is reported as recomputed.
- Panels are built (and their modules imported) the first time they are shown (:meth:`panel`);
  every built panel gets the View menu's settings and the window's compute runner.
- While the current panel's inputs do not compute (``state.errors``), its views and the worked
  solution show the last good results dimmed, with a note saying so (two :class:`StaleCover`,
  over the views' stack and the solution pane: one mechanism for every panel).
- A panel holds unsaved edits when its state counts edits (``state.edits``) since the session
  was saved or opened, or an example replaced its inputs; a mode switch and a new precision are
  not edits, nor is anything an example or a session does.
- Every question and message box goes through :mod:`pnn_gui.dialogs`; the File menu's actions
  are :class:`~pnn_gui.file_actions.FileActions`.
- Practice mode (:class:`~pnn_gui.practice.mode.PracticeMode`, View → Practice) owns the centre
  above the views and limits the steps shown (:meth:`PracticeMode.limit`): :meth:`_sync_step`
  never shows, and the player and the worked solution never offer, a step beyond it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples
from engine.examples import Example
from pnn_gui import dialogs, style
from pnn_gui.compute import QtRunner
from pnn_gui.file_actions import FileActions
from pnn_gui.panels import PANELS, PanelEntry
from pnn_gui.panels.base import Panel
from pnn_gui.practice.mode import PracticeMode
from pnn_gui.widgets import delta_flow
from pnn_gui.widgets.solution_pane import SolutionPane
from pnn_gui.widgets.stale_cover import StaleCover
from pnn_gui.widgets.step_player import SPEEDS, StepPlayer

PRECISIONS = (2, 3, 4, 6, 8, 12)
#: the inputs column's width limits; within them it is as wide as the current panel's inputs need
MIN_INPUTS_WIDTH, MAX_INPUTS_WIDTH = 220, 420
#: the note over the results while the inputs do not compute (with / without last good results)
STALE_NOTE = "Last good results: the inputs do not compute"
NOT_COMPUTED_NOTE = "Not computed: the inputs do not compute"
#: the Examples menu's entries (the whole description is their tooltip and status tip)
EXAMPLE_TITLES = {
    "fc": "Task 1: fully connected layer",
    "conv-filter": "Task 2a: backward-pass filters",
    "conv-shape": "Task 2b: output shape",
    "conv": "Conv2D forward and backward",
    "avgpool": "Task 5: average pooling",
    "maxpool": "Max pooling",
    "lstm": "Task 3: peephole LSTM",
    "autodiff": "Task 4: automatic differentiation",
    "network": "Network: conv, ReLU, pooling, fc",
    "mlp": "Network: the classic 2-2-2, sigmoids",
}


def saved_setting(settings: QtCore.QSettings, key: str, convert, allowed: tuple):
    """The value saved under ``key``, converted, when it is one of ``allowed``; else None (not
    saved, damaged, another type: the caller keeps its default)."""
    try:
        value = convert(settings.value(key))
    except (TypeError, ValueError, OverflowError):
        return None
    return value if value in allowed else None


@dataclass
class _Entry:
    """A sidebar entry: what the registry says of the panel, and the panel once built."""

    spec: PanelEntry
    panel: Panel | None = None
    status: str = ""      # its last status line (shown again when it is shown again)
    saved_edits: int = 0  # panel.state.edits when its inputs were last saved / opened / loaded

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def edited(self) -> bool:
        return self.panel is not None and self.panel.state.edits != self.saved_edits

    def mark_saved(self) -> None:
        if self.panel is not None:
            self.saved_edits = self.panel.state.edits


class MainWindow(QtWidgets.QMainWindow):
    """See the module docstring."""

    def __init__(self, panels: tuple[PanelEntry, ...] = PANELS, initial: str | None = None,
                 parent: QtWidgets.QWidget | None = None, settings: bool = True):
        """``settings=False``: ignore the saved View settings, window geometry and last folder
        (the screenshot command and benchmarks want the defaults)."""
        super().__init__(parent)
        self.setWindowTitle("pnn-gui")
        self.resize(1400, 900)
        self._entries = [_Entry(spec) for spec in panels]
        self._by_title = {e.title: e for e in self._entries}
        self._current = self._entries[0]
        self._loading = 0
        self._precision = 4
        self._animate = True
        self._use_settings = settings
        #: every panel's solves: small ones at once, large ones on a worker thread
        self.compute = QtRunner(self)
        self.files = FileActions(self, remember=settings)

        self._build_layout()
        self._build_menus()
        self.player.bind_shortcuts(self)
        esc = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape), self)
        esc.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        esc.activated.connect(delta_flow.skip_all)
        self.show_panel(initial or self._entries[0].title)
        if settings:
            self._restore_settings()

    # -- panels ---------------------------------------------------------------------------------
    def titles(self) -> tuple[str, ...]:
        return tuple(e.title for e in self._entries)

    def current_title(self) -> str:
        return self._current.title

    def current_panel(self) -> Panel:
        return self.panel(self._current.title)

    def panel(self, title: str) -> Panel:
        """The panel called ``title``, built on first use."""
        e = self._by_title[title]
        if e.panel is None:
            e.panel = self._build_panel(e)
            e.mark_saved()  # what it starts with is no edit
        return e.panel

    def _build_panel(self, e: _Entry) -> Panel:
        panel = e.spec.load()(self)
        panel.state.runner = self.compute
        panel.set_precision(self._precision)
        panel.state.set_digits(self._precision)
        panel.set_animation_speed(self.player.speed())
        panel.set_animations_enabled(self._animate)
        panel.set_practice(self.practice.on)
        panel.status.connect(lambda text, e=e: self._set_status(e, text))
        panel.state.subscribe(lambda what, e=e: self._on_state_changed(e, what))
        self.inputs_stack.addWidget(panel.inputs_widget)
        self.view_stack.addWidget(panel.view_widget)
        return panel

    def show_panel(self, title: str) -> None:
        """Switch to the panel called ``title``."""
        self.player.pause()
        e = self._by_title[title]
        panel = self.panel(title)
        self._current = e
        self.inputs_stack.setCurrentWidget(panel.inputs_widget)
        self.view_stack.setCurrentWidget(panel.view_widget)
        row = self._entries.index(e)
        if self.sidebar.currentRow() != row:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(row)
            self.sidebar.blockSignals(False)
        self.practice.panel_shown()
        self.solution.set_trace(panel.state.trace)
        self._sync_step()
        self._update_title()
        self._fit_inputs_column(panel.inputs_widget)
        self.status_line.setText(e.status)
        self._cover_if_stale()

    def _fit_inputs_column(self, page: QtWidgets.QWidget) -> None:
        """The inputs column is at least as wide as ``page`` needs not to scroll sideways (up to
        :data:`MAX_INPUTS_WIDTH`), so its controls are never cut at the right edge; the splitter
        takes the width from the views. Only the shown page counts: a stack is as large as its
        largest page, so a narrow page scrolled sideways once a wide one had been shown; the
        hidden pages' size policies are Ignored (the shown page keeps its own)."""
        ignored = QtWidgets.QSizePolicy.Policy.Ignored
        for i in range(self.inputs_stack.count()):
            other = self.inputs_stack.widget(i)
            own = self._page_policies.setdefault(other, other.sizePolicy())
            other.setSizePolicy(own if other is page else QtWidgets.QSizePolicy(ignored, ignored))
        if isinstance(page, QtWidgets.QScrollArea) and page.widget() is not None:
            need = (page.widget().minimumSizeHint().width() + 2 * page.frameWidth()
                    + page.verticalScrollBar().sizeHint().width())
        else:
            need = page.minimumSizeHint().width()
        need += self.inputs_scroll.verticalScrollBar().sizeHint().width()
        self.inputs_scroll.setMinimumWidth(max(style.px(MIN_INPUTS_WIDTH),
                                               min(need, style.px(MAX_INPUTS_WIDTH))))

    def _on_sidebar_changed(self, row: int) -> None:
        if 0 <= row < len(self._entries):
            self.show_panel(self._entries[row].title)

    # -- state -> widgets -----------------------------------------------------------------------
    def _on_state_changed(self, e: _Entry, what: str) -> None:
        st = e.panel.state
        if what == "busy":
            self._set_status(e, f"{e.title}: computing… (the last good results stay shown)")
        elif what == "trace" and st.pending:
            pass  # a mode switch cleared the old kind's solution; its own is on its way
        elif what == "trace" and not self._loading:
            self._set_status(e, f"{e.title}: recomputed, {st.n_steps} steps")
        elif what == "errors" and st.errors:
            msg = next(iter(st.errors.values()))
            self._set_status(e, f"{e.title}: not recomputed ({msg}); the last good results "
                             "are shown")
        if what != "step":
            self._update_title()  # an edit adds the star
        if e is not self._current:
            return
        self.practice.state_changed(what)
        if what != "step":
            self._cover_if_stale()
        if what in ("trace", "view"):
            self.solution.set_trace(st.trace)
            self._sync_step()
        elif what == "step":
            self._sync_step()

    def _cover_if_stale(self) -> None:
        """Dim the current panel's views and the worked solution while its inputs do not
        compute."""
        st = self.current_panel().state
        note = "" if not st.errors else STALE_NOTE if st.trace is not None else NOT_COMPUTED_NOTE
        self.views_cover.set_note(note)
        self.solution_cover.set_note(note)

    def _sync_step(self) -> None:
        panel = self.current_panel()
        st = panel.state
        limit = self.practice.limit()
        self.player.set_limit(limit)
        self.solution.set_limit(limit)
        if st.trace is None:
            self.player.set_state(0, 0, "")
            self.solution.set_current(0)
            return
        if limit is not None and st.step > limit:
            st.set_step(limit)  # practice: no step beyond the revealed ones ("step" syncs again)
            return
        k = st.step
        panel.show_step(k)
        self.solution.set_current(k)
        step = st.current_step()
        self.player.set_state(k, st.n_steps, step.phase if step else "")

    def show_status(self, text: str) -> None:
        """A one-line message in the status bar, as the current panel's status."""
        self._set_status(self._current, text)

    def _set_status(self, e: _Entry, text: str) -> None:
        """Panel ``e``'s status line; shown now when ``e`` is the current panel."""
        e.status = text
        if e is self._current:
            self.status_line.setText(text)

    # -- widgets -> state -----------------------------------------------------------------------
    def _on_step_requested(self, k: int) -> None:
        limit = self.practice.limit()
        self.current_panel().state.set_step(k if limit is None else min(k, limit))

    def _on_speed_changed(self, factor: float) -> None:
        for f, act in self.speed_actions.items():
            act.setChecked(f == factor)
        for panel in self._built():
            panel.set_animation_speed(factor)

    def set_precision(self, digits: int) -> None:
        self._precision = int(digits)
        if digits in self.precision_actions:
            self.precision_actions[digits].setChecked(True)
        self._loading += 1  # a re-solve at the new precision: no "recomputed" status
        try:
            for panel in self._built():
                panel.set_precision(self._precision)
                panel.state.set_digits(self._precision)
        finally:
            self._loading -= 1
        self.practice.set_precision(self._precision)

    def set_animations_enabled(self, enabled: bool) -> None:
        self._animate = bool(enabled)
        if self.action_animate.isChecked() != self._animate:
            self.action_animate.setChecked(self._animate)
        for panel in self._built():
            panel.set_animations_enabled(self._animate)

    def set_zoom(self, factor: float) -> None:
        """View → Zoom: every text and cell of the window at ``factor`` (one of
        :data:`pnn_gui.style.ZOOMS`) × the desktop's text size."""
        style.set_zoom(factor)
        self._fit_sidebar()
        self.action_zoom_in.setEnabled(style.zoom() < style.ZOOMS[-1])
        self.action_zoom_out.setEnabled(style.zoom() > style.ZOOMS[0])
        # once the new fonts are laid out (Qt does it between events)
        QtCore.QTimer.singleShot(0, self, self._after_zoom)

    def _after_zoom(self) -> None:
        """The inputs column as wide as its page needs at the new text size, the worked
        solution no narrower than its lines need."""
        self._fit_inputs_column(self.current_panel().inputs_widget)
        self.solution.setMinimumWidth(style.px(240))

    def _on_zoom_requested(self, direction: int) -> None:
        """Zoom in (+1) or out (−1) one step of :data:`style.ZOOMS`, or back to 100 % (0)."""
        now = style.zoom()
        if direction > 0:
            factor = next((z for z in style.ZOOMS if z > now + 1e-9), style.ZOOMS[-1])
        elif direction < 0:
            factor = next((z for z in reversed(style.ZOOMS) if z < now - 1e-9), style.ZOOMS[0])
        else:
            factor = 1.0
        self.set_zoom(factor)
        self.show_status(f"Zoom {round(style.zoom() * 100)} %")

    def _fit_sidebar(self) -> None:
        """The sidebar as wide as its longest entry at the text size in force."""
        metrics = self.sidebar.fontMetrics()
        widest = max(metrics.horizontalAdvance(e.title) for e in self._entries)
        self.sidebar.setFixedWidth(max(150, widest + 40))
        height = max(32, metrics.height() + 14)
        for row in range(self.sidebar.count()):
            self.sidebar.item(row).setSizeHint(QtCore.QSize(widest + 20, height))

    def _built(self) -> list[Panel]:
        return [e.panel for e in self._entries if e.panel is not None]

    def built_panels(self) -> list[Panel]:
        """The panels built so far (shown at least once)."""
        return self._built()

    def commit_open_edit(self) -> None:
        """What is being typed is committed first, so Ctrl+S (or an export, or quitting) while
        typing uses what was typed: moving the focus makes a cell's delegate commit it, and each
        panel commits what waits (:meth:`Panel.commit_edits`)."""
        for panel in self._built():
            panel.commit_edits()
        focus = QtWidgets.QApplication.focusWidget()
        view = focus.parentWidget() if focus is not None else None
        view = view.parentWidget() if view is not None else None  # editor -> viewport -> view
        if (isinstance(view, QtWidgets.QAbstractItemView)
                and view.state() == QtWidgets.QAbstractItemView.State.EditingState):
            view.setFocus()

    # -- examples -------------------------------------------------------------------------------
    def load_example(self, name: str) -> bool:
        """Load example ``name`` into its panel and show that panel (ValueError if impossible).

        The example replaces the panel's inputs, so when that panel has unsaved edits the user
        is asked first: save them, discard them, or cancel (False, and nothing changes)."""
        entry = next((e for e in self._entries if name in e.spec.examples), None)
        if entry is None:
            raise ValueError(f"example: no panel shows {name!r}")
        return self.load_inputs(entry.title, examples.load(name), f"Loaded example {name}")

    def load_inputs(self, title: str, example: Example, done: str) -> bool:
        """Put ``example``'s inputs (an example, or a practice exercise's numbers) into panel
        ``title`` and show it, saying ``done``; unsaved edits there are asked about first (False
        when the user cancels). Practice starts a fresh attempt there, with empty tables."""
        entry = self._by_title[title]
        panel = self.panel(title)
        if not self.files.unsaved_edits_handled(title):
            self.show_status(f"{example.name} not loaded; your edits are kept")
            return False
        self.practice.forget(title, example.kind)
        with self.replacing_inputs():
            panel.load_example(example)
        entry.mark_saved()  # what was typed there is gone (saved, or discarded by the user)
        self.show_panel(title)
        self.show_status(done)
        return True

    @contextmanager
    def replacing_inputs(self, solve_now: bool = True) -> Iterator[None]:
        """An example or a session replaces inputs: not an edit (a panel without unsaved edits
        has none after, even when a session was refused and undone), and solved at once (the
        caller wants the steps now; ``solve_now=False``: a large solve goes to the worker, as an
        edit's does)."""
        edited = {e.title for e in self._entries if e.edited}
        self._loading += 1
        try:
            with self.compute.synchronously() if solve_now else nullcontext():
                yield
        finally:
            self._loading -= 1
            for e in self._entries:
                if e.title not in edited:
                    e.mark_saved()
            self._update_title()

    # -- unsaved edits, quitting ----------------------------------------------------------------
    def is_dirty(self, title: str | None = None) -> bool:
        """Unsaved edits in panel ``title``'s inputs (None: in any panel's, or practice answers
        typed, checked or revealed since the last save)."""
        if title is not None:
            return self._by_title[title].edited
        return any(e.edited for e in self._entries) or self.practice.unsaved()

    def set_saved(self) -> None:
        """Every panel's inputs are saved (or were just opened): nothing to ask about."""
        for e in self._entries:
            e.mark_saved()
        self.practice.mark_saved()
        self._update_title()

    def _update_title(self) -> None:
        parts = ["pnn-gui", self.current_title()]
        if self.files.path:
            parts.append(Path(self.files.path).name)
        self.setWindowTitle(" — ".join(parts) + (" *" if self.is_dirty() else ""))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self.files.unsaved_edits_handled():
            event.ignore()
            return
        self.player.pause()
        self.compute.shutdown()  # waits for a running solve; its outcome is dropped
        if self._use_settings:
            self._save_settings()
        event.accept()

    def picture(self) -> QtGui.QImage:
        """The panel as shown: inputs, tensors and worked solution (no menus, no sidebar)."""
        return self.splitter.grab().toImage()

    # -- settings (QSettings: View menu choices and the window's geometry) ---------------------
    def _restore_settings(self) -> None:
        """The View menu's choices and the window's geometry as saved. Each is read on its own:
        a value that is damaged, of another type or not one the menu offers (another version's,
        another program's) leaves that setting at its default, and the others still apply."""
        s = QtCore.QSettings()
        digits = saved_setting(s, "view/precision", int, PRECISIONS)
        if digits is not None:
            self.set_precision(digits)
        speed = saved_setting(s, "view/speed", float, SPEEDS)
        if speed is not None:
            self.player.set_speed(speed)
        animate = saved_setting(s, "view/animate", lambda v: str(v).lower(), ("true", "false"))
        if animate is not None:
            self.set_animations_enabled(animate == "true")
        zoom = saved_setting(s, "view/zoom", float, style.ZOOMS)
        self.set_zoom(zoom if zoom is not None else 1.0)
        geometry = s.value("window/geometry")
        if isinstance(geometry, QtCore.QByteArray):
            self.restoreGeometry(geometry)  # (False, and nothing changed, when it is not one)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QtCore.QByteArray):
            self.splitter.restoreState(splitter)

    def _save_settings(self) -> None:
        s = QtCore.QSettings()
        s.setValue("view/precision", self._precision)
        s.setValue("view/speed", self.player.speed())
        s.setValue("view/animate", self._animate)
        s.setValue("view/zoom", style.zoom())
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())

    # -- building the widgets -------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.sidebar = QtWidgets.QListWidget()
        self.sidebar.setObjectName("sidebar")
        style.style_sidebar(self.sidebar)
        for e in self._entries:
            self.sidebar.addItem(QtWidgets.QListWidgetItem(e.title))
        self._fit_sidebar()
        self.sidebar.currentRowChanged.connect(self._on_sidebar_changed)

        self.inputs_stack = QtWidgets.QStackedWidget()
        self._page_policies: dict[QtWidgets.QWidget, QtWidgets.QSizePolicy] = {}
        self.view_stack = QtWidgets.QStackedWidget()
        self.solution = SolutionPane()
        self.solution.step_clicked.connect(self._on_step_requested)
        self.views_cover = StaleCover(self.view_stack)
        self.solution_cover = StaleCover(self.solution)
        inputs_scroll = QtWidgets.QScrollArea()
        inputs_scroll.setWidgetResizable(True)
        inputs_scroll.setWidget(self.inputs_stack)
        inputs_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.inputs_scroll = inputs_scroll

        #: practice mode: the switch above the views, the answer tables in their place
        self.practice = PracticeMode(self, self.view_stack)
        self.practice.limit_changed.connect(self._sync_step)
        self.practice.changed.connect(self._update_title)

        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(inputs_scroll)
        self.splitter.addWidget(self.practice.centre)
        self.splitter.addWidget(self.solution)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([290, 760, 330])
        inputs_scroll.setMinimumWidth(MIN_INPUTS_WIDTH)
        self.solution.setMinimumWidth(240)

        #: the current panel's status (a widget, not a message: a menu's status tip hides it
        #: only while shown)
        self.status_line = QtWidgets.QLabel()
        self.status_line.setObjectName("statusLine")
        self.statusBar().addWidget(self.status_line, 1)

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
        self.files.add_to(m)
        m.addSeparator()
        self.action_quit = m.addAction("&Quit", self.close)
        self.action_quit.setShortcut(QtGui.QKeySequence("Ctrl+Q"))

        m = mb.addMenu("&Examples")
        m.setToolTipsVisible(True)
        self.example_actions: dict[str, QtGui.QAction] = {}
        by_name = {ex.name: ex for ex in examples.available(examples.ALL_NAMES)}
        shown = {n for e in self._entries for n in e.spec.examples}
        for name in examples.ALL_NAMES:
            ex = by_name.get(name)
            text = f"{name} — {EXAMPLE_TITLES[name]}" if name in EXAMPLE_TITLES else name
            act = m.addAction(text, lambda n=name: self.files.attempt("Load example",
                                                                      self.load_example, n))
            if ex is not None:
                act.setToolTip(ex.description)
                act.setStatusTip(ex.description)
            act.setEnabled(ex is not None and name in shown)
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
        m.addSeparator()
        # one text size for the whole window (pnn_gui.style); remembered with the settings
        self.action_zoom_in = m.addAction("Zoom &in", lambda: self._on_zoom_requested(1))
        self.action_zoom_in.setShortcuts([QtGui.QKeySequence.StandardKey.ZoomIn,
                                          QtGui.QKeySequence("Ctrl+=")])
        self.action_zoom_out = m.addAction("Zoom &out", lambda: self._on_zoom_requested(-1))
        self.action_zoom_out.setShortcut(QtGui.QKeySequence.StandardKey.ZoomOut)
        self.action_zoom_reset = m.addAction("Actual si&ze", lambda: self._on_zoom_requested(0))
        self.action_zoom_reset.setShortcut(QtGui.QKeySequence("Ctrl+0"))
        for act in (self.action_zoom_in, self.action_zoom_out, self.action_zoom_reset):
            act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        m.addSeparator()
        m.addAction(self.practice.action_toggle)
        m.addAction(self.practice.action_check)
        m.addAction(self.practice.action_new)

        m = mb.addMenu("&Help")
        self.action_shortcuts = m.addAction("&Keyboard shortcuts", lambda: dialogs.show_message(
            self, "Keyboard shortcuts", dialogs.SHORTCUTS_TEXT, error=False))
        self.action_shortcuts.setShortcut(QtGui.QKeySequence("F1"))
        self.action_about = m.addAction("&About pnn-gui", lambda: dialogs.show_message(
            self, "About pnn-gui", dialogs.ABOUT_TEXT, error=False))
