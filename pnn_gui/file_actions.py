"""The File menu's actions: open and save sessions, export CSV and a picture.

- Every question goes through :mod:`pnn_gui.dialogs` (tests replace its functions).
- A failure ends in a message box and a status line, never a traceback, and changes nothing
  typed: a session that does not load leaves every panel as it was.
- What is saved or exported is what was typed: a cell being edited is committed first, and a
  solve still running is waited for.
- A file dialog opens in the folder of the file last chosen (:attr:`FileActions.folder`, kept in
  QSettings across runs unless the window ignores its settings; the current folder before any).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from engine import export
from pnn_gui import dialogs
from pnn_gui import session as sessions

if TYPE_CHECKING:
    from engine.steps import Trace
    from pnn_gui.main_window import MainWindow

CSV_FILTER = "CSV files (*.csv);;All files (*)"
PNG_FILTER = "PNG images (*.png);;All files (*)"
SESSION_FILTER = "pnn-gui sessions (*.pnn.json *.json);;All files (*)"
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
        """Load a session; a damaged file gives a message and changes nothing."""
        w = self.window
        try:
            s = sessions.load(path, w.titles())
            with w.replacing_inputs():
                self._restore_panels(s)
                w.practice.restore(s.practice)
        except ValueError as exc:
            dialogs.show_message(w, "Open session", f"Could not open {Path(path).name}; "
                                 f"nothing was changed.\n\n{exc}\n\nOpen a session saved with "
                                 "File → Save session, or correct the file where the message "
                                 "says.")
            w.show_status(f"Open session failed: {exc}")
            return False
        self.path = path
        self._used(path)
        w.set_saved()
        w.show_panel(s.panel)
        w.show_status(f"Opened session {path}")
        return True

    def _restore_panels(self, s: sessions.Session) -> None:
        """Every panel of ``s`` restored at step 0, or none (a panel's refusal undoes the
        others)."""
        done: dict[str, dict] = {}  # title -> its data before
        for title, data in s.panels.items():
            panel = self.window.panel(title)
            before = panel.session_data()
            try:
                panel.restore_session(data)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                # (any JSON may arrive here: a panel that trips over a foreign layout refuses
                # it like one that names the problem)
                for t, previous in done.items():
                    self.window.panel(t).restore_session(previous)
                why = str(exc) if isinstance(exc, ValueError) else \
                    f"its data is not laid out as pnn-gui writes it ({type(exc).__name__}: {exc})"
                raise ValueError(f"{title}: {why}") from None
            done[title] = before
        for title in done:
            self.window.panel(title).state.set_step(0)

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
        """Every tensor as ``tensor,index,value`` rows, full precision."""
        return self._export_csv("Export results", ".csv", lambda t: export.tensors_csv(t.tensors),
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
