"""The backward pictures of Conv2D and pooling in a real window (issue 11, item 3): stepping
into δy dilated, the δx and ΔF steps, and pooling's backward steps with x beside δx, the screen
is what a full repaint shows, at both window sizes the app is made for; and the pooling inputs
column does not scroll sideways after the wider Conv2D page was shown."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_conv_backward_sweeps_paint_whole(real_window, size):
    rw = real_window("conv", size)
    panel = rw.window.current_panel()
    steps = panel.state.trace.steps
    first = {}
    for k, st in enumerate(steps, 1):
        first.setdefault(st.writes[0][0], k)
    rw.keys("Home")
    for name in ("dy_dilated", "dx", "df"):
        panel.state.set_step(first[name] - 1)
        rw.settle()
        rw.keys("Right", "Right")  # into the sweep, then one more position (animated)
        assert panel.sweep_view is not None
        assert rw.window.solution.current() == first[name] + 1
        rw.assert_no_stale_paint(f"conv at step {first[name] + 1} ({name}) at {size}")


@pytest.mark.parametrize("example", ["avgpool", "maxpool"])
def test_pooling_backward_with_x_beside_dx_paints_whole(real_window, example):
    rw = real_window(example, (1280, 800))
    panel = rw.window.current_panel()
    n = panel.state.n_steps
    backward = next(k for k, st in enumerate(panel.state.trace.steps, 1)
                    if st.phase == "backward")
    panel.state.set_step(backward - 1)
    rw.settle()
    rw.keys("Right", "Right", "Right")
    assert panel.flow_view.shown_ref() is not None
    rw.assert_no_stale_paint(f"{example} at step {backward + 2}")
    rw.keys("End", "Left")
    assert rw.window.solution.current() == n - 1
    rw.assert_no_stale_paint(f"{example} at step {n - 1}")


def test_pooling_inputs_do_not_scroll_sideways_after_conv2d(real_window):
    rw = real_window("conv", (1280, 800))
    rw.window.load_example("avgpool")
    rw.settle()
    assert rw.window.current_title() == "Pooling"
    assert rw.window.inputs_scroll.horizontalScrollBar().maximum() == 0
    assert not rw.window.inputs_scroll.horizontalScrollBar().isVisible()
    rw.assert_no_stale_paint("pooling after conv")
