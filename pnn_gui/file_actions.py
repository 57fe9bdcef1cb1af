"""The File menu's actions: open and save sessions, export CSV and a picture.

- Every question goes through :mod:`pnn_gui.dialogs` (tests replace its functions).
- A failure ends in a message box and a status line, never a traceback, and changes nothing
  typed: a session that does not load (any bad content: :mod:`engine.reading`; data a panel
  refuses or trips over) leaves every panel as it was.
- A large session file is read on the worker thread and applied when it arrives, all of it or
  nothing (:meth:`FileActions.open_session_file`); meanwhile the window stays usable.
- What is saved or exported is what was typed: a cell being edited is committed first, and a
  solve still running is waited for.
- A file dialog opens in the folder of the file last chosen (:attr:`FileActions.folder`, kept in
  QSettings across runs unless the window ignores its settings; the current folder before any).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from engine import export
from pnn_gui import dialogs
from pnn_gui import session as sessions
from pnn_gui.compute import BIG_FILE_BYTES

if TYPE_CHECKING:
    from engine.steps import Trace
    from pnn_gui.main_window import MainWindow

CSV_FILTER = "CSV files (*.csv);;All files (*)"
PNG_FILTER = "PNG images (*.png);;All files (*)"
SESSION_FILTER = "pnn-gui sessions (*.pnn.json *.json);;All files (*)"
SPEC_FILTER = "Network specs (*.json);;All files (*)"
#: the panel whose chain File → Export network spec writes
NETWORK = "Network"
SHEET_FILTER = "PDF (*.pdf);;Markdown (*.md);;All files (*)"
#: QSettings key of the folder of the file last chosen in a dialog
FOLDER_KEY = "files/folder"


class FileActions:
    """The File menu of ``window`` (see the module docstring); ``path`` is the session's file."""

    def __init__(self, window: MainWindow, remember: bool = True):
        """``remember``: read and write the last folder in QSettings."""
        self.window = window
        #: the session file last saved or opened (None: not saved yet)
        self.path: str | None = None
        self._remember = remember
        folder = QtCore.QSettings().value(FOLDER_KEY, "") if remember else ""
        #: the folder the next dialog opens in ("": the current folder)
        self.folder = folder if isinstance(folder, str) and Path(folder).is_dir() else ""
        #: the large session file being read on the worker (None: none)
        self.opening: str | None = None
        self._opened_when_done: str | None = None  # its solves are still running
        self._enabled_before: dict = {}
        window.compute.busy_changed.connect(self._on_busy_changed)

    def add_to(self, menu: QtWidgets.QMenu) -> None:
        """Open, save, save as and the exports, as ``action_*`` attributes."""
        self.action_open = menu.addAction("&Open session…", self.open_session)
        self.action_open.setShortcut(QtGui.QKeySequence.StandardKey.Open)
        self.action_save = menu.addAction("&Save session", self.save_session)
        self.action_save.setShortcut(QtGui.QKeySequence.StandardKey.Save)
        self.action_save_as = menu.addAction("Save session &as…", self.save_session_as)
        self.action_save_as.setShortcut(QtGui.QKeySequence("Ctrl+Shift+S"))
        menu.addSeparator()
        self.action_export_csv = menu.addAction("Export &results as CSV…", self.export_results)
        self.action_export_steps = menu.addAction("Export s&teps as CSV…", self.export_steps)
        self.action_export_png = menu.addAction("Export &picture (PNG) of the panel…",
                                                self.export_picture)
        if NETWORK in self.window.titles():
            self.action_export_spec = menu.addAction("Export &network spec (JSON)…",
                                                     self.export_network_spec)
        self.action_export_sheet = menu.addAction("Export exercise s&heet…",
                                                  lambda: self.export_sheet(False))
        self.action_export_solution = menu.addAction("Export exercise sheet with solution…",
                                                     lambda: self.export_sheet(True))

    def _start(self, name: str = "") -> str:
        """Where a dialog opens: ``name`` (a suggested file, or none) in :attr:`folder`."""
        return str(Path(self.folder) / name) if self.folder else name

    def _used(self, path: str) -> None:
        """A file was written or read there: the next dialog opens in its folder."""
        self.folder = str(Path(path).resolve().parent)
        if self._remember:
            QtCore.QSettings().setValue(FOLDER_KEY, self.folder)

    def attempt(self, what: str, fn: Callable, *args) -> bool:
        """Run ``fn``; a ValueError / OSError becomes a message box. True when it worked."""
        try:
            fn(*args)
        except (ValueError, OSError) as exc:
            dialogs.show_message(self.window, what, f"{what} failed:\n{exc}")
            self.window.show_status(f"{what} failed: {exc}")
            return False
        return True

    # -- sessions -------------------------------------------------------------------------------
    def session(self) -> sessions.Session:
        """Every panel's inputs (building the panels not shown yet)."""
        w = self.window
        w.commit_open_edit()
        return sessions.Session(w.current_title(),
                                {t: w.panel(t).session_data() for t in w.titles()},
                                w.practice.session_data())

    def save_session(self) -> bool:
        if self.path is None:
            return self.save_session_as()
        return self._write(self.path)

    def save_session_as(self) -> bool:
        path = dialogs.ask_save_path(self.window, "Save session", SESSION_FILTER,
                                     self.path or self._start("session" + sessions.SUFFIX))
        return bool(path) and self._write(path)

    def _write(self, path: str) -> bool:
        if not self.attempt("Save session", lambda: sessions.save(path, self.session())):
            return False
        self.path = path
        self._used(path)
        self.window.set_saved()
        self.window.show_status(f"Saved session to {path}")
        return True

    def open_session(self) -> bool:
        path = dialogs.ask_open_path(self.window, "Open session", SESSION_FILTER, self._start())
        if not path or not self.unsaved_edits_handled():
            return False
        return self.open_session_file(path)

    def open_session_file(self, path: str) -> bool:
        """Open the session at ``path``: every panel gets its inputs, or none does (a damaged
        file, or data a panel refuses, gives a message and changes nothing). A file of at least
        :data:`~pnn_gui.compute.BIG_FILE_BYTES` is read on the worker, and its large solves run
        there too: the window stays usable meanwhile, with "Opening…" in the status bar and the
        inputs and the actions that replace them disabled until the session is in. True when it
        was opened, or (a large file) when reading began; the outcome then follows."""
        w = self.window
        try:
            big = Path(path).stat().st_size >= BIG_FILE_BYTES
        except (OSError, ValueError):
            big = False  # the reader says what is wrong with it
        if not big:
            return self._apply_session(path, _read_session(path, w.titles()), solve_now=True)
        self._set_opening(path)
        w.show_status(f"Opening {Path(path).name}…")
        titles = w.titles()
        w.compute.start(lambda: _read_session(path, titles), lambda got: self._on_read(path, got))
        return True

    def _on_read(self, path: str, got: sessions.Session | ValueError) -> None:
        """Back on the GUI thread with the session read on the worker (or why not)."""
        self._set_opening(None)
        if not self._apply_session(path, got, solve_now=False):
            return
        if self.window.compute.busy:  # its large solves: "opening" until they are back
            self.window.show_status(f"Opening {Path(path).name}… computing its results")
            self._opened_when_done = path
        else:
            self._say_opened(path)

    def _apply_session(self, path: str, got: sessions.Session | ValueError,
                       solve_now: bool) -> bool:
        """Restore every panel from the session read (all or none); a message when refused."""
        w = self.window
        if isinstance(got, sessions.Session):
            try:
                with w.replacing_inputs(solve_now):
                    self._restore_panels(got)
                    w.practice.restore(got.practice)  # checked when read: it cannot refuse
            except ValueError as exc:
                got = exc
        if not isinstance(got, sessions.Session):
            dialogs.show_message(w, "Open session", f"Could not open {Path(path).name}; "
                                 f"nothing was changed.\n\n{got}\n\nOpen a session saved with "
                                 "File → Save session, or correct the file where the message "
                                 "says.")
            w.show_status(f"Open session failed: {got}")
            return False
        self.path = path
        self._used(path)
        w.set_saved()
        w.show_panel(got.panel)
        if solve_now:
            self._say_opened(path)
        return True

    def _say_opened(self, path: str) -> None:
        self.window.show_status(f"Opened session {path}")

    def _on_busy_changed(self, busy: bool) -> None:
        if not busy and self._opened_when_done:
            path, self._opened_when_done = self._opened_when_done, None
            # after the last outcome is applied (it comes right after this signal)
            QtCore.QTimer.singleShot(0, lambda: self._say_opened(path))

    def _set_opening(self, path: str | None) -> None:
        """While ``path`` is read: nothing typed or loaded that the session would replace."""
        self.opening = path
        w = self.window
        for item in (w.inputs_scroll, self.action_open, *w.example_actions.values()):
            if path is not None:
                self._enabled_before[item] = item.isEnabled()
                item.setEnabled(False)
            else:
                item.setEnabled(self._enabled_before.pop(item, True))

    def _restore_panels(self, s: sessions.Session) -> None:
        """Every panel of ``s`` restored at step 0, or none: when a panel refuses its data (or
        trips over it: any JSON may arrive here), every panel restored before it, and itself if
        it changed, get back the data they held (:meth:`Panel.session_data`)."""
        w = self.window
        before = {t: w.panel(t).session_data() for t in s.panels}
        for title, data in s.panels.items():
            try:
                w.panel(title).restore_session(data)
            except Exception as exc:  # (a panel that trips over a foreign layout: TypeError…)
                for t, held in before.items():
                    if w.panel(t).session_data() != held:
                        with suppress(Exception):  # (it restores what it saved itself)
                            w.panel(t).restore_session(held)
                    if t == title:
                        break
                why = str(exc) if isinstance(exc, ValueError) else \
                    f"its data is not laid out as pnn-gui writes it ({type(exc).__name__}: {exc})"
                raise ValueError(f"{title}: {why}") from None
        for title in s.panels:
            w.panel(title).state.set_step(0)

    def unsaved_edits_handled(self, title: str | None = None) -> bool:
        """With unsaved edits (in panel ``title``, or anywhere), ask: save them (True once
        saved), discard them (True), or cancel (False)."""
        w = self.window
        w.commit_open_edit()
        if not w.is_dirty(title):
            return True
        answer = dialogs.ask_unsaved(w)
        return answer == "discard" or (answer == "save" and self.save_session())

    # -- exports --------------------------------------------------------------------------------
    def export_results(self) -> bool:
        """The layer's settings, then every tensor as ``tensor,index,value,name`` rows, full
        precision."""
        return self._export_csv("Export results", ".csv",
                                lambda t: export.tensors_csv(t.tensors, t.settings, t.names),
                                lambda t: f"{len(t.tensors)} tensors")

    def export_steps(self) -> bool:
        """One row per step of the worked solution."""
        return self._export_csv("Export steps", "-steps.csv", lambda t: export.steps_csv(t.steps),
                                lambda t: f"{len(t.steps)} steps")

    def export_picture(self) -> bool:
        """The panel as shown (:meth:`MainWindow.picture`) as a PNG."""
        w = self.window
        w.commit_open_edit()
        path = dialogs.ask_save_path(w, "Export picture of the panel", PNG_FILTER,
                                     self._suggest(".png"))
        if not path:
            return False
        data = png_bytes(w.picture())
        if not self.attempt("Export picture", export.write_bytes_atomic, path, data):
            return False
        self._used(path)
        w.show_status(f"Exported a picture of the {w.current_title()} panel to {path}")
        return True

    def export_network_spec(self) -> bool:
        """The Network panel's chain as typed, as a JSON spec (``export network --spec`` reads
        it); a chain that does not compute is written all the same, and the status says why."""
        w = self.window
        w.commit_open_edit()
        panel = w.panel(NETWORK)
        path = dialogs.ask_save_path(w, "Export network spec", SPEC_FILTER,
                                     self._start("network.json"))
        if not path or not self.attempt("Export network spec", export.write_atomic, path,
                                        panel.spec_text()):
            return False
        self._used(path)
        problem = panel.spec_problem()
        w.show_status(f"Exported the network spec to {path}" + (
            f" (it does not compute yet: {problem})" if problem else ""))
        return True

    def export_sheet(self, solution: bool) -> bool:
        """The current panel's exercise (practice's, or its numbers) as a printable sheet:
        ``.pdf`` or ``.md`` (no suffix: ``.pdf``), with or without the worked solution."""
        what = "Export exercise sheet"
        w = self.window
        w.commit_open_edit()
        w.compute.finish()
        att = w.practice.attempt()
        if att is None:
            dialogs.show_message(w, what, f"{what}: the {w.current_title()} panel's inputs do "
                                 "not compute; there is no exercise to print.")
            return False
        ex = att.exercise
        where = f"{ex.seed}" if ex.seed is not None else ex.origin.replace(" ", "-")
        name = f"{ex.name}-{where}" + ("-solution" if solution else "") + ".pdf"
        path = dialogs.ask_save_path(w, what, SHEET_FILTER, self._start(name))
        if not path:
            return False
        if not Path(path).suffix:
            path += ".pdf"
        from pnn_gui.sheet_pdf import save_sheet
        if not self.attempt(what, lambda: save_sheet(ex, path, solution=solution,
                                                     digits=w.practice.digits)):
            return False
        self._used(path)
        w.show_status(f"Exported the sheet of {ex.title}" + (" with its solution" if solution
                                                             else "") + f" to {path}")
        return True

    def _export_csv(self, what: str, suffix: str, text_of: Callable[[Trace], str],
                    count_of: Callable[[Trace], str]) -> bool:
        trace = self._trace_or_message(what)
        if trace is None:
            return False
        path = dialogs.ask_save_path(self.window, f"{what} as CSV", CSV_FILTER,
                                     self._suggest(suffix))
        if not path or not self.attempt(what, export.write_atomic, path, text_of(trace)):
            return False
        self._used(path)
        self.window.show_status(f"Exported {count_of(trace)} to {path}")
        return True

    def _trace_or_message(self, what: str) -> Trace | None:
        w = self.window
        w.commit_open_edit()
        w.compute.finish()  # a solve still running: export what was typed, not the one before
        trace = w.current_panel().state.trace
        if trace is None:
            dialogs.show_message(w, what, f"{what}: the {w.current_title()} panel has no "
                                 "results to export.")
        return trace

    def _suggest(self, suffix: str) -> str:
        return self._start(self.window.current_title().lower().replace(" ", "-") + suffix)


def png_bytes(image: QtGui.QImage) -> bytes:
    """``image`` encoded as PNG."""
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise ValueError("picture: could not encode the PNG")
    return bytes(buf.data())


def _read_session(path: str, titles: tuple[str, ...]) -> sessions.Session | ValueError:
    """The session at ``path``, or the ValueError saying why not (on any thread)."""
    try:
        return sessions.load(path, titles)
    except ValueError as exc:
        return exc
