"""The sheet's notes in the worked-solution pane: a row of their own under their step, marked ⚑,
in their own colours, on screen; none when the numbers are not the sheet's. (That a note shows
whole in a real window: tests/xwin/test_sheet_notes_layout.py.)"""

import dataclasses

import pytest
from PySide6 import QtCore, QtGui

from engine import examples
from engine.traces import fully_connected
from pnn_gui.widgets.solution_pane import (
    SHEET_BG,
    SHEET_FG,
    SHEET_MARK,
    SHEET_TODO_BG,
    SHEET_TODO_FG,
    SHOWN_TEXT_ROLE,
    SolutionPane,
    sheet_placeholder,
)

_Role = QtCore.Qt.ItemDataRole


@pytest.fixture
def pane(qtbot):
    pane = SolutionPane()
    qtbot.addWidget(pane)
    pane.resize(420, 700)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def test_note_row_under_its_step_in_its_own_colours_once_its_step_is_reached(pane):
    trace = examples.load("fc").solve()
    pane.set_trace(trace)
    noted = [k for k, s in enumerate(trace.steps, 1) if s.sheet_note]
    assert noted == [4, 6]                                   # δx₀ and ΔW[0,0]
    assert pane.model.rowCount() == len(trace) + 2 + len(noted)
    for k in range(1, len(trace) + 1):
        idx = pane.index_of_sheet_note(k)
        assert idx.isValid() == (k in noted), k
    idx = pane.index_of_sheet_note(4)
    assert idx.row() == pane.index_of_step(4).row() + 1
    pane.set_current(3)                                      # before δx₀: its placeholder
    assert idx.data(SHOWN_TEXT_ROLE) == sheet_placeholder(4)
    for current in (4, len(trace)):
        pane.set_current(current)
        assert idx.data(SHOWN_TEXT_ROLE) == SHEET_MARK + trace.steps[3].sheet_note
        assert idx.data(SHOWN_TEXT_ROLE).startswith("⚑ The sheet prints δx = [6.58]")
        assert idx.data(_Role.ForegroundRole).color() == SHEET_FG
        assert idx.data(_Role.BackgroundRole).color() == SHEET_BG


def test_a_note_not_reached_says_where_and_when_in_muted_colours_without_its_numbers(pane, qtbot):
    """At step 0 a note's row is not a blank gap: its first line says the sheet differs there
    and at which step the note shows, in the note's colours muted, and gives nothing away; the
    row keeps its size when its step is reached."""
    trace = examples.load("fc").solve()
    pane.set_trace(trace)
    pane.set_current(0)
    for k in (4, 6):
        idx = pane.index_of_sheet_note(k)
        shown = idx.data(SHOWN_TEXT_ROLE)
        assert shown == "⚑ The sheet's printed solution differs here — shown at step " + str(k)
        assert not any(c.isdigit() for c in shown.replace(str(k), ""))   # no numbers of it
        assert idx.data(_Role.ForegroundRole).color() == SHEET_TODO_FG != SHEET_FG
        assert idx.data(_Role.BackgroundRole).color() == SHEET_TODO_BG != SHEET_BG
        assert "step " + str(k) in idx.data(_Role.ToolTipRole)
        assert trace.steps[k - 1].sheet_note not in idx.data(_Role.ToolTipRole)
    idx = pane.index_of_sheet_note(4)
    qtbot.waitUntil(lambda: pane.view.visualRect(idx).height() > 0)
    before = pane.view.visualRect(idx)
    image = pane.view.viewport().grab().toImage()
    point = QtCore.QPoint(before.right() - 3, before.center().y())
    assert QtGui.QColor(image.pixel(point)) == SHEET_TODO_BG
    pane.set_current(4)
    assert pane.view.visualRect(idx) == before


def test_a_placeholder_longer_than_its_note_has_room_for_itself(pane, qtbot):
    """A row is measured with the longer of its note and its placeholder, so neither is cut."""
    trace = examples.load("fc").solve()
    trace.steps[3] = dataclasses.replace(trace.steps[3], sheet_note="Short.")
    pane.resize(160, 700)
    pane.set_trace(trace)
    idx = pane.index_of_sheet_note(4)
    qtbot.waitUntil(lambda: pane.view.visualRect(idx).height() > 0)
    lines = pane.view.visualRect(idx).height() // pane.view.fontMetrics().lineSpacing()
    assert lines >= 3          # the placeholder wraps to three lines or more at this width


def test_note_row_is_painted_in_its_background(pane, qtbot):
    pane.set_trace(examples.load("fc").solve())
    pane.set_current(4)
    idx = pane.index_of_sheet_note(4)
    qtbot.waitUntil(lambda: pane.view.visualRect(idx).height() > 0)
    rect = pane.view.visualRect(idx)
    image = pane.view.viewport().grab().toImage()
    # the right end of the row: past the text, inside the row's background
    point = QtCore.QPoint(rect.right() - 3, rect.center().y())
    assert QtGui.QColor(image.pixel(point)) == SHEET_BG
    assert rect.height() >= 2 * pane.view.fontMetrics().height()   # the note wraps, whole


def test_clicking_a_note_is_clicking_its_step(pane, qtbot):
    pane.set_trace(examples.load("fc").solve())
    with qtbot.waitSignal(pane.step_clicked) as sig:
        pane.view.clicked.emit(pane.index_of_sheet_note(6))
    assert sig.args == [6]


def test_no_note_rows_when_the_numbers_are_not_the_sheets(pane):
    inputs = {**examples.load("fc").inputs, "dy": [0, 0.5, 2]}
    trace = fully_connected.solve(**inputs)
    pane.set_trace(trace)
    assert pane.model.rowCount() == len(trace) + 2
    assert not any(pane.index_of_sheet_note(k).isValid() for k in range(1, len(trace) + 1))


def test_stepping_onto_a_noted_step_shows_its_note_too(pane, qtbot):
    trace = examples.load("lstm").solve()
    pane.set_trace(trace)
    k = next(k for k, s in enumerate(trace.steps, 1) if s.title == "δc₂[0]")
    for step in range(1, k + 1):        # stepping forward: the pane scrolls down line by line
        pane.set_current(step)
    bottom = pane.view.viewport().rect().bottom()

    def in_view(index) -> bool:
        rect = pane.view.visualRect(index)
        return rect.top() >= 0 and rect.bottom() <= bottom

    qtbot.waitUntil(lambda: in_view(pane.index_of_sheet_note(k)))
    assert in_view(pane.index_of_step(k))
