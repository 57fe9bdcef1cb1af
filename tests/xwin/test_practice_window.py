"""Practice mode in a real window: Ctrl+P, answers typed with real keys, Ctrl+Enter; the screen
equals a full repaint, and the wrong cell is red on screen (read back from the X server)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.practice import RIGHT, WRONG
from tests.xwin.real_window import pixels


def _tint_on_screen(rw, table, row: int, col: int) -> str:
    """"red", "green" or "none": the colour most of a cell of ``table`` has, as the X server
    shows it (the selected cell's shade is the style's, so the hue decides)."""
    rect = table.visualRect(table.model().index(row, col)).adjusted(3, 3, -3, -3)
    top_left = table.viewport().mapTo(rw.window, rect.topLeft())
    shot = pixels(rw.grab())
    cell = shot[top_left.y():top_left.y() + rect.height(), top_left.x():top_left.x() + rect.width()]
    values, counts = np.unique(cell.ravel(), return_counts=True)
    most = int(values[np.argmax(counts)])
    r, g, b = most >> 16 & 255, most >> 8 & 255, most & 255
    if r > g + 40 and r > b + 40:
        return "red"
    if g > r + 20 and g > b + 20:
        return "green"
    return f"none ({most:06x})"


@pytest.fixture(autouse=True)
def _answers_left_unsaved(monkeypatch):
    """The window closes after each test with answers typed: nothing to save."""
    from pnn_gui import dialogs
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_type_answers_by_keys_and_check(real_window, size):
    rw = real_window("fc", size)
    w = rw.window
    rw.keys("ctrl+p")
    assert w.practice.on and w.solution.shown_steps() == 0
    rw.assert_no_stale_paint("practice on")
    # y = [6, 13, 20]: the first is typed right, the second wrong, the third is left open in
    # its editor when Ctrl+Enter checks (it is committed first)
    rw.keys("6", "Return", "1", "4", "Return", "2", "0", "ctrl+Return")
    result = w.practice.attempt().result
    assert result is not None and result.tensor("y").summary() == "y 2/3"
    table = w.practice.pane.sheet().tables_all()[0]
    assert [table.cell_mark(0, c) for c in range(3)] == [RIGHT, WRONG, RIGHT]
    assert table.currentIndex().column() == 1                  # the first wrong cell
    rw.pointer_away()
    rw.settle()
    rw.assert_no_stale_paint("after Ctrl+Enter")
    # on screen: the wrong cell red (it is the current cell: the selected red), the right
    # ones green
    assert [_tint_on_screen(rw, table, 0, c) for c in range(3)] == ["green", "red", "green"]
    # Show the step where I went wrong: the worked solution shows steps 1-2 on screen
    rw.click(w.practice.pane.to_wrong_button, w.practice.pane.to_wrong_button.rect().center())
    assert w.solution.shown_steps() == 2 and w.current_panel().state.step == 2
    rw.keys("End")
    assert w.current_panel().state.step == 2
    rw.assert_no_stale_paint("after revealing to step 2")
    rw.keys("ctrl+p")
    assert not w.practice.on and w.solution.shown_steps() == 14
    rw.assert_no_stale_paint("practice off")


def test_every_panel_in_practice_leaves_no_stale_paint(real_window):
    rw = real_window("fc", (1280, 800))
    w = rw.window
    rw.keys("ctrl+p")
    for row in range(1, w.sidebar.count()):
        item = w.sidebar.visualItemRect(w.sidebar.item(row))
        rw.click(w.sidebar.viewport(), item.center())
        covered = w.current_title() != "Network"   # practice has no exercises of chains
        assert w.practice.pane.isVisible() == covered
        rw.assert_no_stale_paint(f"practice, panel {w.current_title()}")
        if covered:
            rw.keys("ctrl+n")
            assert "#" in w.practice.pane.title.text()
            rw.assert_no_stale_paint(f"practice, new exercise in {w.current_title()}")
    assert w.current_title() == "Network"


def test_the_shape_of_dw_chosen_by_keys_shows_its_table(real_window):
    """ΔW's shape box shows "choose…" and no table; Tab reaches it after δx, the arrow keys
    choose 3×2, its table appears (no stale paint), Tab goes into it."""
    rw = real_window("fc", (1280, 800))
    w = rw.window
    rw.keys("ctrl+p")
    group = next(g for g in w.practice.pane.sheet().groups if g.names == ("dw",))
    box = group.shape_box
    assert box.currentIndex() == -1 and group.tables == [] and group.choose_note.isVisible()
    rw.keys(*["Tab"] * 5)                                       # y's three cells, δx's two
    assert box.hasFocus()
    rw.pointer_away()
    rw.settle()
    rw.assert_no_stale_paint("ΔW's shape not chosen")
    rw.keys("Down", "Down")
    assert box.currentText() == "3×2" and not group.choose_note.isVisible()
    table = group.tables[0]
    assert (table.part.rows, table.part.cols) == (3, 2) and table.isVisible()
    rw.settle()
    rw.assert_no_stale_paint("ΔW's table after choosing 3×2")
    rw.keys("Tab", "5", "Return")
    assert table.cell_text(0, 0) == "5" and table.currentIndex().column() == 1
    rw.settle()
    rw.assert_no_stale_paint("ΔW typed into")
