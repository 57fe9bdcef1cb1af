"""Every modal dialog the window opens: file choosers, the "unsaved edits" question, messages
(and the Help menu's texts).

Callers look these functions up on the module at call time (``dialogs.ask_save_path(...)``), so
tests replace them (``monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: path)``) and no
test ever waits on a real dialog. Nothing here remembers anything: the folder a file dialog
opens in is the caller's ``start`` argument.
"""

from __future__ import annotations

from PySide6 import QtWidgets

from pnn_gui import style
from pnn_gui.style import glyph, swatch
from pnn_gui.views import graph_view
from pnn_gui.widgets import solution_pane, tensor_view
from pnn_gui.widgets.delta_flow import MARKER

#: (the tables' lines never wrap: the message box is then as wide as they are, up to its limit)
_KEYS_TEXT = """\
<table cellspacing=4 style="white-space:nowrap">
<tr><td><b>→</b></td><td>next step</td></tr>
<tr><td><b>←</b></td><td>previous step</td></tr>
<tr><td><b>Space</b></td><td>play / pause</td></tr>
<tr><td><b>Home</b> / <b>End</b></td><td>inputs only / last step</td></tr>
<tr><td><b>Esc</b></td><td>skip the running animation</td></tr>
<tr><td><b>Ctrl+C</b> / <b>Ctrl+V</b></td><td>copy / paste cells (tabs or commas)</td></tr>
<tr><td><b>F2</b>, or type</td><td>edit the current cell; Enter commits</td></tr>
<tr><td><b>Delete</b> / <b>Backspace</b></td><td>set the selected cells to 0</td></tr>
<tr><td><b>Enter</b> in a formula</td><td>recompute now (else after a pause)</td></tr>
<tr><td><b>Ctrl+P</b></td><td>practice mode on / off</td></tr>
<tr><td><b>Ctrl+Enter</b></td><td>practice: check the answers</td></tr>
<tr><td><b>Ctrl+N</b></td><td>practice: new exercise</td></tr>
<tr><td><b>Tab</b> / <b>Enter</b></td><td>practice: commit, next answer cell</td></tr>
<tr><td><b>Ctrl+O</b> / <b>Ctrl+S</b></td><td>open / save session</td></tr>
<tr><td><b>Ctrl+Shift+S</b></td><td>save session as…</td></tr>
<tr><td><b>Ctrl++</b> / <b>Ctrl+-</b> / <b>Ctrl+0</b></td><td>zoom in / out / actual size</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>quit (asks to save edits first)</td></tr>
<tr><td><b>F1</b></td><td>this list</td></tr>
</table>
<p>While a table has the keyboard focus, the arrow keys, Home and End move between its cells
(and, while a cell is being edited, in its text), not through the steps: click the player or the
tensors to step with them again.</p>"""


def legend_text() -> str:
    """What the colours, outlines, markers and fonts mean, in the colours the views use."""
    blue, red = (c.name() for c in tensor_view.colormap().map([0.0, 1.0], mode="qcolor"))
    sp = solution_pane
    minus, plus = (swatch(c, f"<font color=white>{t}</font>") for c, t in ((blue, "−"), (red, "+")))
    rows = [
        (f"{minus} … {plus}",
         "a value: blue &lt; 0 &lt; red"),
        (swatch(tensor_view.EMPTY_CELL), "not computed yet"),
        (glyph("□", tensor_view.READ_PEN), "the cells this step reads"),
        (glyph("□", tensor_view.WRITE_PEN), "the cell this step writes"),
        (glyph("●", MARKER.name()), "a value on its way"),
        (swatch(sp.HEADER_BG.name(), "<b>Forward</b>"), "worked solution: a pass"),
        (f"<font color={sp.DONE_FG.name()}>5. y = 2</font>",
         "a step done: its numbers"),
        (f"<font color={sp.TODO_FG.name()}>6. δy</font>",
         "not reached: formula only"),
        (swatch(sp.CURRENT_BG.name(), "7. …"), "the current step"),
        (swatch(sp.SHEET_BG.name(), f"<font color={sp.SHEET_FG.name()}>⚑</font>"),
         "the printed sheet differs"),
        (swatch(style.NOTE_BG, f"<font color={style.NOTE}><b>note</b></font>"),
         "a note (on a dimmed view: outdated)"),
        (f"<font color={style.ERROR}>message</font>", "bad input, beside its field"),
    ]
    table = "".join(f"<tr><td>{mark}</td><td>{meaning}</td></tr>" for mark, meaning in rows)
    return (f"<table cellspacing=4 style='white-space:nowrap'>{table}</table>"
            f"<p><b>Autodiff graph.</b> {graph_view.legend_html()}</p>")


#: F1: the keys beside the legend of colours, outlines, markers and fonts
SHORTCUTS_TEXT = (f"<table cellspacing=4><tr><td valign=top><b>Keys</b>{_KEYS_TEXT}</td>"
                  f"<td valign=top><b>Colours and marks</b>{legend_text()}</td></tr></table>")

ABOUT_TEXT = """<b>pnn-gui</b><p>Step through the forward and backward passes of neural-network
layers on numbers you type, with the worked formula and its numbers beside every step.</p>
<p>Exercise sheet 4 of <i>Programming with neural networks</i>: fully connected, Conv2D,
pooling, a peephole LSTM and reverse-mode automatic differentiation.</p>"""



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
