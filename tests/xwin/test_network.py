"""The Network panel on a real X server, driven by real clicks and key presses: a click on a
block, → through the chain, Enter into a layer, → through its own steps, Esc back out, Ctrl+Z
after a layer removed by mistake. At each depth the screen equals a full repaint."""

from __future__ import annotations

import numpy as np
import pytest

from pnn_gui import dialogs


@pytest.fixture(autouse=True)
def _edits_are_dropped_on_close(monkeypatch):
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_both_depths_after_real_keys_equal_a_full_repaint(real_window, size):
    rw = real_window("network", size=size)
    window, panel = rw.window, rw.window.current_panel()
    chain = panel.chain
    rw.click(chain, chain.block_rect("L1.y").center())      # selects L1, gives the focus
    assert "Into L1 conv2d" in panel.into_button.text()
    rw.keys(*["Right"] * 8)                                  # δ through L5 fc
    assert window.player.text() == "step 8 of 12 · backward"
    assert not np.isnan(chain.values("L5.dx")).any() and np.isnan(chain.values("L4.dx")).all()
    rw.assert_no_stale_paint(f"the chain at step 8, {size}")
    rw.keys("Return")                                        # into L5, its backward next
    assert panel.state.depth == 5 and window.player.text() == "step 3 of 78 · forward"
    rw.keys("Right", "Right")
    assert window.player.step() == 5 and window.solution.current() == 5
    rw.assert_no_stale_paint(f"inside L5 at its step 5, {size}")
    rw.keys("Escape")
    assert panel.state.depth is None and window.player.text() == "step 8 of 12 · backward"
    rw.assert_no_stale_paint(f"back in the chain, {size}")


def test_ctrl_z_brings_back_a_removed_layer(real_window):
    rw = real_window("network", size=(1280, 800))
    panel = rw.window.current_panel()
    card = panel.layer_cards[0]
    remove = card.button("✕")
    rw.click(remove, remove.rect().center())
    assert [c.layer["type"] for c in panel.layer_cards][:2] == ["relu", "avgpool"]
    rw.keys("ctrl+z")
    assert [c.layer["type"] for c in panel.layer_cards][:2] == ["conv2d", "relu"]
    assert "undid remove L1 conv2d" in rw.window.status_line.text()
    rw.assert_no_stale_paint("after Ctrl+Z")


def test_open_cards_fit_the_inputs_column(real_window):
    """Clicks on the headers of L5 (W), L1 (the filter bank) and the input: the inputs column
    needs no sideways scroll bar at 1280x800, and the screen equals a full repaint."""
    rw = real_window("network", size=(1280, 800))
    panel = rw.window.current_panel()
    for card in (panel.layer_cards[4], panel.layer_cards[0], panel.input_card):
        rw.click(card, card.title_label.geometry().center())
    assert [c.is_open() for c in panel.layer_cards] == [True, False, False, False, True]
    assert panel.input_card.is_open()
    assert not rw.window.inputs_scroll.horizontalScrollBar().isVisible()
    rw.assert_no_stale_paint("cards open")
