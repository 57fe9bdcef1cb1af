"""Conv2D panel and its views: the sheet's shapes, the filter transform, the backward results, bad
input beside its field, the examples."""

import json
import re

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from engine import conv2d, examples
from pnn_gui import dialogs
from pnn_gui.panels import PANELS
from pnn_gui.panels.conv2d import Conv2DPanel
from pnn_gui.views.conv_shape import ConvShapeView
from pnn_gui.views.filter_transform import FilterTransformView
from pnn_gui.views.slot_layout import block_layout, side_by_side
from tests.engine.gradcheck import numeric_grad
from tests.gui.helpers import goto, make_panel, only_error, shown_text

pytestmark = pytest.mark.gui

RNG = np.random.default_rng(7)
MODE_INDEX = {"full": 0, "filter": 1, "shape": 2}  # the mode box's entries


@pytest.fixture
def panel(qtbot):
    return make_panel(qtbot, Conv2DPanel)


def _full_session(x, f, b, dy, stride, padding):
    return {"kind": "conv2d", "inputs": {"x": x.tolist(), "f": f.tolist(), "b": b.tolist(),
                                         "dy": dy.tolist(), "stride": list(stride),
                                         "padding": list(padding)}}


def _random_full(x_shape=(5, 4, 2), f_shape=(3, 2, 2, 3), stride=(2, 1), padding=(1, 0)):
    x = RNG.normal(size=x_shape)
    f = RNG.normal(size=f_shape)
    b = RNG.normal(size=f_shape[3])
    dy = RNG.normal(size=conv2d.output_shape(x_shape, f_shape, stride, padding))
    return x, f, b, dy, stride, padding


# -- the output-shape calculator ---------------------------------------------------------------

def test_sheet_shapes_give_12_11_1337_in_the_calculator(panel):
    panel.set_mode("shape")
    for row, values in ((panel.x_row, (20, 18, 5)), (panel.f_row, (3, 4, 5, 1337)),
                        (panel.stride_row, (2, 2)), (panel.padding_row, (3, 3))):
        for spin, v in zip(row.spins, values, strict=True):
            spin.setValue(v)  # as the user types them, one box at a time
    goto(panel, panel.state.n_steps)  # every size derived
    text = shown_text(panel.calculator_text())
    assert "⌊(20 + 2·3 − 3)/2⌋ + 1 = 12" in text
    assert "⌊(18 + 2·3 − 4)/2⌋ + 1 = 11" in text
    assert "(12, 11, 1337)" in text
    assert "o_c = c_out (one output channel per filter) = 1337\n" in text
    # each axis named as the sheet names it, with its own symbols
    assert "o_x (rows) = ⌊(x + 2p_x − k_x)/s_x⌋ + 1 = ⌊(20 + 2·3 − 3)/2⌋ + 1 = 12" in text
    assert "o_y (cols) = ⌊(y + 2p_y − k_y)/s_y⌋ + 1 = ⌊(18 + 2·3 − 4)/2⌋ + 1 = 11" in text
    assert panel.state.errors == {}
    np.testing.assert_array_equal(panel.state.trace.tensors["output_shape"], [12, 11, 1337])
    # the animated grid: 26 × 24 padded input, 12 × 11 positions, the last padded row unreached
    info = panel.shape_view.geometry_info()
    assert (info["prow"], info["pcol"], info["o_r"], info["o_c"]) == (26, 24, 12, 11)
    assert info["out_drawn"] == (12, 11)
    assert (info["unreached_rows"], info["unreached_cols"]) == (1, 0)
    caption = shown_text(panel.shape_view.caption())
    assert "o_x = ⌊(20 + 2·3 − 3)/2⌋ + 1 = 12" in caption
    assert "o_y = ⌊(18 + 2·3 − 4)/2⌋ + 1 = 11" in caption
    assert "rows:" not in caption and "cols:" not in caption


def _numbers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\d+", text)}


def _shape_answers_shown(panel) -> set[int]:
    """Which of the sheet's answers (12, 11, 1337) the calculator, the picture's titles and
    its caption show."""
    view = panel.shape_view
    texts = [panel.calculator_text(), view.caption(), *view.titles()]
    return {12, 11, 1337} & set().union(*(_numbers(shown_text(t)) for t in texts))


def test_shape_only_mode_shows_each_size_from_the_step_that_derives_it(panel):
    # the README: every example opens at step 0, so no answer shows before you step to it
    panel.load_example(examples.load("conv-shape"))  # x 20 × 18 × 5, f 3 × 4 × 5 × 1337
    goto(panel, 0)
    view = panel.shape_view
    text = shown_text(panel.calculator_text())
    assert "o_x (rows) = ⌊(x + 2p_x − k_x)/s_x⌋ + 1 = ⌊(20 + 2·3 − 3)/2⌋ + 1 = ?" in text
    assert "o_y (cols) = ⌊(y + 2p_y − k_y)/s_y⌋ + 1 = ⌊(18 + 2·3 − 4)/2⌋ + 1 = ?" in text
    assert "o_c = c_out (one output channel per filter) = ?" in text
    assert "output shape: (?, ?, ?)" in text and "not whole" not in text
    assert view.titles()[1] == "output\n? × ? × ?"
    assert "o_x = ⌊(20 + 2·3 − 3)/2⌋ + 1 = ?" in shown_text(view.caption())
    assert _shape_answers_shown(panel) == set()
    # no output grid yet: its cells would count the answer; nothing to slide
    assert view.geometry_info()["out_drawn"] == (0, 0) and view.n_positions == 0
    assert not view.slide_button.isEnabled()
    for k, shown, drawn, shape in ((1, {12}, (12, 1), "(12, ?, ?)"),
                                   (2, {12, 11}, (12, 11), "(12, 11, ?)"),
                                   (3, {12, 11, 1337}, (12, 11), "(12, 11, 1337)")):
        goto(panel, k)
        assert _shape_answers_shown(panel) == shown, k
        assert f"output shape: {shape}" in shown_text(panel.calculator_text())
        assert view.geometry_info()["out_drawn"] == drawn
        assert view.frame == view.n_positions == drawn[0] * drawn[1]  # the sweep done
    text = shown_text(panel.calculator_text())
    assert "⌊(20 + 2·3 − 3)/2⌋ + 1 = 12" in text and "23/2 is not whole: rounded down" in text
    assert view.titles()[1] == "output\n12 × 11 × 1337"
    # an edit keeps the step and shows what that step reveals, of the new shapes
    goto(panel, 1)
    panel.x_row.spins[0].setValue(22)  # o_x = ⌊25/2⌋ + 1 = 13
    panel.show_step(panel.state.step)  # what the window does when the new trace arrives
    assert panel.state.step == 1
    assert _shape_answers_shown(panel) == set()
    assert "output shape: (13, ?, ?)" in shown_text(panel.calculator_text())
    assert view.titles()[1] == "output\n13 × ? × ?"
    # back to step 0: hidden again
    goto(panel, 0)
    assert "output shape: (?, ?, ?)" in shown_text(panel.calculator_text())
    assert view.titles()[1] == "output\n? × ? × ?"


def test_shape_only_mode_takes_shapes_too_big_to_fill_in(panel, qtbot):
    panel.load_example(examples.load("conv-shape"))
    goto(panel, panel.state.n_steps)
    # a 99999 × 99999 × 5 input is 5·10¹⁰ numbers: the calculator must not allocate it
    for spin, v in zip(panel.x_row.spins, (99_999, 99_999, 5), strict=True):
        spin.setValue(v)
    assert panel.state.errors == {}
    assert "⌊(99999 + 2·3 − 3)/2⌋ + 1 = 50002" in shown_text(panel.calculator_text())
    assert "⌊(99999 + 2·3 − 4)/2⌋ + 1 = 50001" in shown_text(panel.calculator_text())
    assert "(50002, 50001, 1337)" in shown_text(panel.calculator_text())
    panel.show_step(panel.state.n_steps)
    # drawn to scale (it was a caption only, and the slide button did nothing, silently)
    view = panel.shape_view
    info = view.geometry_info()
    assert (info["prow"], info["pcol"]) == (100_005, 100_005) and info["scale"] > 300
    assert "drawn to scale: one square ≈ 391 cells" in shown_text(view.caption())
    assert view.frame == view.n_positions == 50002 * 50001
    view.slide_ms = 20
    view.slide_button.click()
    assert view.is_animating() and view.frame < view.n_positions
    qtbot.waitUntil(lambda: not view.is_animating(), timeout=5000)
    assert view.frame == view.n_positions


def test_calculator_is_live_in_the_full_mode(panel):
    panel.load_example(examples.load("conv"))
    assert "(2, 2, 2)" in shown_text(panel.calculator_text())
    panel.padding_row.spins[0].setValue(2)
    assert "⌊(4 + 2·2 − 3)/2⌋ + 1 = 3" in shown_text(panel.calculator_text())
    assert panel.state.trace.tensors["y"].shape == (3, 2, 2)
    assert panel.dy_editor.value().shape == (3, 2, 2)  # δy followed the output shape


# -- the filter transform ----------------------------------------------------------------------

def test_filter_example_animation_ends_on_backward_filter_exactly(panel, qtbot):
    panel.load_example(examples.load("conv-filter"))
    f = panel.state.trace.tensors["f"]
    panel.set_animations_enabled(True)
    panel.set_animation_speed(40)  # each matrix still animates, in ~20 ms
    panel.state.set_step(0)
    panel.show_step(0)
    assert np.isnan(panel.filter_view.displayed_back()).all()
    for k in range(1, panel.state.n_steps + 1):
        panel.state.set_step(k)
        panel.show_step(k)
        assert panel.filter_view.is_animating()
        qtbot.waitUntil(lambda: not panel.filter_view.is_animating(), timeout=5000)
    np.testing.assert_array_equal(panel.filter_view.displayed_back(), conv2d.backward_filter(f))
    # the sheet's printed answer for Task 2a, matrix by matrix
    back = panel.filter_view.displayed_back()
    np.testing.assert_array_equal(back[:, :, 0, 0], [[6, 4, 2], [5, 3, 1]])
    np.testing.assert_array_equal(back[:, :, 0, 1], [[18, 16, 24], [17, 15, 13]])
    np.testing.assert_array_equal(back[:, :, 1, 0], [[12, 10, 8], [11, 9, 7]])
    np.testing.assert_array_equal(back[:, :, 1, 1], [[24, 22, 20], [23, 21, 19]])


def test_filter_swap_steps_place_each_matrix_before_it_turns(panel):
    f = RNG.normal(size=(2, 3, 2, 3))
    panel.restore_session({"kind": "conv2d_filter", "inputs": {"f": f.tolist()}})
    n_swaps = 2 * 3
    panel.state.set_step(n_swaps)
    panel.show_step(n_swaps)
    np.testing.assert_array_equal(panel.filter_view.displayed_back(), f.transpose(0, 1, 3, 2))
    panel.state.set_step(panel.state.n_steps)
    panel.show_step(panel.state.n_steps)
    np.testing.assert_array_equal(panel.filter_view.displayed_back(), conv2d.backward_filter(f))


@pytest.mark.parametrize("shape", [(2, 3, 2, 2), (3, 2, 1, 3), (1, 4, 3, 1), (3, 3, 2, 4)])
def test_filter_view_end_state_for_any_bank(qtbot, shape):
    view = FilterTransformView()
    qtbot.addWidget(view)
    f = RNG.normal(size=shape)
    view.set_filter(f)
    view.animate_to(2.0, 20)
    qtbot.waitUntil(lambda: not view.is_animating(), timeout=5000)
    np.testing.assert_array_equal(view.displayed_back(), conv2d.backward_filter(f))
    view.set_progress(1.0)
    np.testing.assert_array_equal(view.displayed_back(), f.transpose(0, 1, 3, 2))


def test_full_pass_filter_step_shows_the_backward_filters(panel):
    x, f, b, dy, s, p = _random_full()
    panel.restore_session(_full_session(x, f, b, dy, s, p))
    trace = panel.state.trace
    k = next(i for i, st in enumerate(trace.steps, 1) if st.title == "backward filters")
    panel.state.set_step(k)
    panel.show_step(k)
    assert panel.top_stack.currentWidget() is panel.filter_view
    np.testing.assert_array_equal(panel.filter_view.displayed_back(), conv2d.backward_filter(f))


# -- the backward results ----------------------------------------------------------------------

def test_last_step_shows_the_engines_dx_df_db(panel):
    x, f, b, dy, s, p = _random_full()
    panel.restore_session(_full_session(x, f, b, dy, s, p))
    n = panel.state.n_steps
    panel.state.set_step(n)
    panel.show_step(n)
    dx, df, db = conv2d.backward(x, f, dy, s, p)
    shown = panel.shown_tensors()
    assert panel.shown_layout("dx") == "side"  # 2 channels of 5 × 4: both shown
    np.testing.assert_array_equal(shown["dx"], side_by_side(dx))
    # and what is shown is the gradient: central differences of L = Σ y·δy
    num_dx = numeric_grad(lambda v: float((conv2d.forward(v, f, b, s, p) * dy).sum()), x)
    num_df = numeric_grad(lambda v: float((conv2d.forward(x, v, b, s, p) * dy).sum()), f)
    np.testing.assert_allclose(shown["dx"], side_by_side(num_dx), atol=1e-6)
    np.testing.assert_allclose(shown["df"], block_layout(num_df), atol=1e-6)
    np.testing.assert_array_equal(shown["df"], block_layout(df))
    np.testing.assert_array_equal(shown["db"], db.reshape(1, -1))


def test_each_channel_of_a_wide_dx_is_shown_at_its_last_step(panel):
    # 12 × 12 × 3 is too many values to print side by side: one channel at a time
    x, f, b, dy, s, p = _random_full(x_shape=(12, 12, 3), f_shape=(2, 2, 3, 2), stride=(1, 2),
                                     padding=(1, 1))
    panel.restore_session(_full_session(x, f, b, dy, s, p))
    dx = conv2d.backward(x, f, dy, s, p).dx
    trace = panel.state.trace
    for ch in range(3):
        last = max(i for i, st in enumerate(trace.steps, 1)
                   if any(name == "dx" and idx[2] == ch for name, idx in st.writes))
        panel.state.set_step(last)
        panel.show_step(last)
        assert panel.shown_layout("dx") == "channel" and panel.shown_channel("dx") == ch
        np.testing.assert_array_equal(panel.shown_tensors()["dx"], dx[:, :, ch])


def test_a_tensor_shown_one_channel_at_a_time_names_the_channels_read(panel):
    x, f, b, dy, s, p = _random_full(x_shape=(4, 4, 6), f_shape=(3, 3, 6, 2), stride=(1, 1),
                                     padding=(1, 1))
    panel.restore_session(_full_session(x, f, b, dy, s, p))
    trace = panel.state.trace
    k = next(i for i, st in enumerate(trace.steps, 1) if st.writes[0][0] == "y")
    panel.state.set_step(k)
    panel.show_step(k)
    assert panel.shown_layout("x_padded") == "channel"
    assert "this step reads channels 0–5" in panel.view_of("x_padded").title()
    # a δx cell (one channel) reads every filter of f_back and writes one channel
    k = next(i for i, st in enumerate(trace.steps, 1) if st.writes[0][0] == "dx")
    panel.state.set_step(k)
    panel.show_step(k)
    ch = trace.steps[k - 1].writes[0][1][2]
    assert f"this step writes channel {ch}<" in panel.view_of("dx").title()


def test_channels_text():
    from pnn_gui.panels.conv2d import channels_text
    assert channels_text(np.array([3])) == "channel 3"
    assert channels_text(np.arange(8)) == "channels 0–7"
    assert channels_text(np.array([0, 1, 4, 6, 7, 8])) == "channels 0, 1, 4, 6–8"


def test_a_few_channels_show_side_by_side_with_their_highlights(panel):
    panel.load_example(examples.load("conv"))  # y, δy: 2 × 2 × 2
    trace = panel.state.trace
    k = next(i for i, st in enumerate(trace.steps, 1) if st.writes[0] == ("y", (0, 1, 1)))
    panel.show_step(k)
    assert panel.shown_layout("y") == "side"
    view = panel.view_of("y")
    assert view.values().shape == (2, 5)  # 2 channels of 2 columns, a blank column between
    assert view.values()[0, 4] == trace.tensors["y"][0, 1, 1]
    # the delta flow's marker for y[0, 1, 1] sits on that cell
    assert panel.grid.scene_pos(("y", (0, 1, 1))) == view.cell_scene_pos(0, 4)


def test_forward_steps_slide_the_kernel_to_each_output_cell(panel):
    panel.load_example(examples.load("conv"))
    trace = panel.state.trace
    o_c = trace.tensors["y"].shape[1]
    for k, st in enumerate(trace.steps, 1):
        if st.writes[0][0] != "y":
            continue
        panel.show_step(k)
        r, c, _ = st.writes[0][1]
        assert panel.shape_view.frame == r * o_c + c + 1
        assert panel.shape_view.output_fill()[r, c]


def _spatial(refs, name):
    """The (row, col) cells of tensor ``name`` a step's refs name, as a set."""
    return {(int(i[0]), int(i[1])) for n, i in refs if n == name}


@pytest.mark.parametrize("x_shape,f_shape,stride,padding", [
    ((4, 4, 1), (3, 3, 1, 2), (2, 2), (1, 1)),     # the conv example's shapes
    ((5, 4, 2), (3, 2, 2, 3), (2, 1), (1, 0)),     # leftovers, no column padding
    ((6, 7, 1), (2, 3, 1, 1), (3, 2), (0, 2)),     # stride larger than the kernel along x
])
def test_backward_steps_slide_their_window_over_the_grid_they_read(panel, x_shape, f_shape,
                                                                   stride, padding):
    # δx: f_back slides over δy dilated and padded; ΔF: δy's window over x padded — the cells
    # under the window are exactly those the engine's step reads, and its output cell fills
    x, f, b, dy, s, p = _random_full(x_shape, f_shape, stride, padding)
    panel.restore_session(_full_session(x, f, b, dy, s, p))
    trace = panel.state.trace
    xn = "x_padded" if "x_padded" in trace.tensors else "x"
    seen = set()
    for k, st in enumerate(trace.steps, 1):
        out = st.writes[0][0]
        if out not in ("dx", "df"):
            continue
        goto(panel, k)
        view = panel.sweep_view
        assert view is not None and view.sweep.out_title.startswith({"dx": "δx",
                                                                     "df": "ΔF"}[out])
        grid = trace.tensors["dy_dilated" if out == "dx" else xn]
        info = view.geometry_info()
        assert (info["prow"], info["pcol"]) == grid.shape[:2]
        read = "dy_dilated" if out == "dx" else xn
        assert set(view.read_cells()) == _spatial(st.reads, read)
        r, c = st.writes[0][1][:2]
        assert view.output_fill()[r, c] and view.output_fill().sum() == view.frame
        seen.add(out)
    assert seen == {"dx", "df"}


def test_the_db_steps_and_the_last_step_keep_the_finished_df_sweep_above(panel):
    # Δb = Σ δy closes the pass: the picture above stays on the last sweep (ΔF, every window
    # position done), not on the filter bank turned ten steps before
    panel.load_example(examples.load("conv"))
    trace = panel.state.trace
    db_steps = [k for k, st in enumerate(trace.steps, 1) if st.writes[0][0] == "db"]
    assert db_steps and db_steps[-1] == len(trace)
    for k in db_steps:
        goto(panel, k)
        view = panel.sweep_view
        assert view is not None and view.sweep.out_title.startswith("ΔF")
        assert view.frame == view.n_positions and view.output_fill().all()


def test_the_delta_flow_sends_one_marker_per_block_read(panel):
    panel.load_example(examples.load("conv"))
    trace = panel.state.trace
    k = next(i for i, st in enumerate(trace.steps, 1) if st.writes[0][0] == "dx")
    goto(panel, k - 1)
    panel.set_animations_enabled(True)
    goto(panel, k)  # → animates
    # δx[0,0,0] reads a 3 × 3 window of each of δy dilated's 2 channels and both matrices of
    # f_back: four blocks, four markers (18 + 18 cells, sampled, before)
    blocks = [len(panel.view_of(name).outlines()[0]) for name in ("dy_dilated", "f_back")]
    assert blocks == [2, 2]
    assert len(panel.flow.markers()) == 4
    panel.flow.skip()


def test_the_dilated_grid_of_the_conv_example_is_derived_on_screen(panel):
    panel.load_example(examples.load("conv"))
    trace = panel.state.trace
    k = next(i for i, st in enumerate(trace.steps, 1) if st.writes[0][0] == "dy_dilated")
    goto(panel, k)
    view = panel.sweep_view
    assert view is not None and view.sweep.out_title.startswith("δx")
    assert trace.tensors["dy_dilated"].shape[:2] == (8, 8)
    assert (view.geometry_info()["prow"], view.geometry_info()["pcol"]) == (8, 8)
    text = shown_text(view.caption())
    # 2 × 2 δy, stride 2, 3 × 3 kernel, padding 1: 3 after dilation, 2 zeros each side, and the
    # leftover row / column of the 6 × 6 padded input the forward pass never reached
    assert "size = (o − 1)·s + 1 (δy dilated) + 2·(k − 1) (padding) + leftover" in text
    assert "rows (2 − 1)·2 + 1 + 2·2 + 1 = 8" in text
    assert "columns (2 − 1)·2 + 1 + 2·2 + 1 = 8" in text
    assert "dy_dilated[1 + r + i, 1 + c + j, o]" in text and "Σᵢⱼₒ" in text
    assert view.frame == 0  # the kernel waits for the first δx step


def test_editing_a_cell_recomputes(panel):
    panel.load_example(examples.load("conv"))
    panel.x_editor.editor.edit_cell(1, 2, "5")
    inp = panel.state.inputs
    assert inp["x"][1, 2, 0] == 5
    np.testing.assert_allclose(panel.state.trace.tensors["y"],
                               conv2d.forward(inp["x"], inp["f"], inp["b"], inp["stride"],
                                              inp["padding"]))
    panel.f_editor.editor(0, 1).edit_cell(0, 0, "-3")
    assert panel.state.inputs["f"][0, 0, 0, 1] == -3


# -- bad input beside its field ----------------------------------------------------------------

def test_a_refused_cell_in_any_editor_reaches_the_status_line(panel):
    panel.load_example(examples.load("conv"))
    said = []
    panel.status.connect(said.append)
    panel.x_editor.editor.edit_cell(0, 0, "abc")
    panel.f_editor.editor(0, 1).edit_cell(0, 0, "1/")
    panel.b_editor.edit_cell(0, 1, "x")
    panel.dy_editor.editor.edit_cell(1, 1, "?")
    assert [m.split(":")[0] for m in said] == ["x[0,0]", "f₁[0,0]", "b[1]", "δy[1,1,0]"]
    assert "'abc' is not a number" in said[0]
    # past 24 matrices the bank is edited one matrix at a time: the same message
    panel.f_row.spins[3].setValue(25)
    panel.f_editor.editor(0, 24).edit_cell(0, 0, "abc")
    assert said[-1].startswith("f[0,0,0,24]: 'abc' is not a number")
    # x with two channels, edited in channel 1: the element of x, not of the table
    panel.x_row.spins[2].setValue(2)
    panel.x_editor.set_channel(1)
    panel.x_editor.editor.edit_cell(2, 3, "abc")
    assert said[-1].startswith("x[2,3,1]: 'abc' is not a number")
    assert panel.state.inputs["x"][0, 0, 0] == 1  # nothing typed badly reached the inputs


def test_stride_zero_is_reported_beside_stride_and_keeps_the_rest(panel):
    panel.load_example(examples.load("conv"))
    trace, x = panel.state.trace, panel.x_editor.value()
    panel.stride_row.spins[0].setValue(0)
    only_error(panel, "stride")
    assert "at least 1" in panel.stride_row.error()
    assert panel.state.trace is trace
    np.testing.assert_array_equal(panel.x_editor.value(), x)
    panel.stride_row.spins[0].setValue(2)
    assert panel.state.errors == {} and panel.stride_row.error() == ""


def test_kernel_larger_than_padded_input_is_reported_beside_f(panel):
    panel.load_example(examples.load("conv"))
    trace, dy = panel.state.trace, panel.dy_editor.value()
    panel.f_row.spins[0].setValue(7)  # 4 rows + 2·1 padding = 6 < 7
    only_error(panel, "f")
    assert "larger than the padded input" in panel.f_row.error()
    assert panel.state.trace is trace
    np.testing.assert_array_equal(panel.dy_editor.value(), dy)


def test_channel_mismatch_is_reported_beside_f(panel):
    panel.load_example(examples.load("conv"))
    x = panel.x_editor.value()
    panel.x_row.spins[2].setValue(2)  # x gets a second channel; f still has one
    only_error(panel, "f")
    assert "channels" in panel.f_row.error()
    np.testing.assert_array_equal(panel.x_editor.value()[:, :, 0], x[:, :, 0])
    panel.f_row.spins[2].setValue(2)
    assert panel.state.errors == {}


def test_shape_mode_errors_go_beside_their_fields(panel):
    panel.load_example(examples.load("conv-shape"))
    panel.f_row.spins[2].setValue(4)  # 4 input channels against x's 5
    only_error(panel, "f_shape")
    assert "(12, 11, 1337)" not in shown_text(panel.calculator_text())
    panel.f_row.spins[2].setValue(5)
    panel.padding_row.spins[1].setValue(0)
    assert panel.state.errors == {}
    panel.x_row.spins[1].setValue(2)  # 2 columns < a 4-column kernel
    only_error(panel, "f_shape")


# -- examples and steps ------------------------------------------------------------------------

@pytest.mark.parametrize("name,mode", [("conv", "full"), ("conv-filter", "filter"),
                                       ("conv-shape", "shape")])
def test_examples_load_and_every_step_shows(panel, name, mode):
    panel.load_example(examples.load(name))
    assert panel.mode == mode
    assert panel.state.errors == {}
    trace = panel.state.trace
    assert trace is not None and panel.state.step == 0  # an example starts at the inputs
    for k in list(range(len(trace) + 1)) + [3, 0, len(trace)]:
        panel.show_step(min(k, len(trace)))


def test_session_round_trip(panel):
    panel.load_example(examples.load("conv"))
    data = panel.session_data()
    other = Conv2DPanel()
    other.restore_session(data)
    assert other.mode == "full"
    for key in ("x", "f", "b", "dy"):
        np.testing.assert_array_equal(other.state.inputs[key], panel.state.inputs[key])
    with pytest.raises(ValueError):
        other.restore_session({"kind": "conv2d", "inputs": {"x": [1]}})
    for key in ("x", "f"):  # a damaged session changed nothing
        np.testing.assert_array_equal(other.state.inputs[key], panel.state.inputs[key])


@pytest.mark.parametrize("key,value,message", [
    ("stride", [65, 1], "stride: stride (65, 1) does not fit the boxes here (at most 64 each)"),
    ("padding", 2**63, "padding: padding (9223372036854775808, 9223372036854775808) does not "
                       "fit the boxes here (at most 64 each)"),
    ("stride", "abc", "stride: expected a whole number, got 'abc'"),
    ("stride", [1], "stride: expected one whole number or a (rows, cols) pair, got 1 values"),
    ("padding", [1, 2.5], "padding (cols): expected a whole number, got 2.5"),
    ("padding", [-1, 0], "padding (rows): must be at least 0, got -1"),
    ("x", np.zeros((65, 2, 1)).tolist(), "x: shape (65, 2, 1) does not fit the boxes here"),
])
def test_a_session_the_boxes_cannot_show_is_refused_whole(panel, key, value, message):
    # the spin boxes would show a clamped number while the panel computed with the real one
    panel.load_example(examples.load("conv"))
    data = panel.session_data()
    before = json.dumps(data, sort_keys=True)
    data["inputs"][key] = value
    with pytest.raises(ValueError) as info:
        panel.restore_session(data)
    assert str(info.value).startswith(message)
    assert json.dumps(panel.session_data(), sort_keys=True) == before
    assert panel.stride_row.value() == (2, 2) and panel.padding_row.value() == (1, 1)


def test_a_shape_session_past_the_boxes_is_refused_and_one_within_them_restored(panel):
    data = {"kind": "conv2d_shape", "inputs": {"x_shape": [20, 18, 5], "f_shape": [3, 4, 5, 7],
                                               "stride": [2, 2], "padding": [100_000, 3]}}
    with pytest.raises(ValueError, match="at most 99,999 each"):
        panel.restore_session(data)
    assert panel.mode == "full"
    data["inputs"]["padding"] = [99_999, 3]
    panel.restore_session(data)
    assert panel.mode == "shape" and panel.padding_row.value() == (99_999, 3)
    assert panel.state.inputs["padding"] == (99_999, 3)


def test_screenshot_renders_each_conv_example():
    from pnn_gui.screenshot import render
    for name in ("conv", "conv-filter", "conv-shape"):
        image = render(name, "2", (1280, 800))
        assert image.width() >= 1280 and image.height() >= 800


# -- the views and the replay cursor on their own ----------------------------------------------

def test_conv_shape_view_marks_gaps_when_the_stride_is_larger_than_the_kernel(qtbot):
    view = ConvShapeView()
    qtbot.addWidget(view)
    view.set_geometry((5, 6), (2, 2), (2, 3), (0, 1))  # cols padded to 8, windows at 0, 3, 6
    info = view.geometry_info()
    assert (info["o_r"], info["o_c"]) == (2, 3)
    assert (info["unreached_rows"], info["unreached_cols"]) == (1, 2)
    view.set_frame(4)
    assert view.output_fill().sum() == 4 and view.window_at(3) == (2, 0, 1, 0)
    view.set_geometry((2, 2), (3, 3), 1, 0)  # no output at all
    assert view.n_positions == 0
    # nothing to slide: the button says so instead of doing nothing
    assert not view.slide_button.isEnabled()
    assert "kernel is larger than the padded input" in view.slide_button.toolTip()
    view.set_geometry((5, 6), (2, 2), (2, 3), (0, 1))
    assert view.slide_button.isEnabled()


@pytest.mark.parametrize("x_shape", [(20, 18), (3000, 500), (4, 4)])
def test_the_two_titles_never_overlap(qtbot, x_shape):
    view = ConvShapeView()
    qtbot.addWidget(view)
    view.resize(450, 420)
    view.show()
    qtbot.waitExposed(view)
    view.set_geometry(x_shape, (3, 4), 2, 3, c_out=1337)
    qtbot.wait(1)
    grid, out = view.title_boxes()
    assert not grid.adjusted(0.5, 0.5, -0.5, -0.5).intersects(out), (grid, out)  # (may touch)


def test_slide_button_sweeps_every_position(qtbot):
    view = ConvShapeView()
    qtbot.addWidget(view)
    view.set_geometry((20, 18), (3, 4), 2, 3)
    view.slide_ms = 20
    view.set_frame(view.n_positions)
    view.slide_button.click()
    assert view.is_animating() and view.frame < view.n_positions
    qtbot.waitUntil(lambda: not view.is_animating(), timeout=5000)
    assert view.frame == view.n_positions == 12 * 11
    assert view.output_fill().all()


def test_switching_modes_keeps_what_each_mode_holds(panel):
    panel.load_example(examples.load("conv"))
    panel.x_editor.editor.edit_cell(0, 0, "9")
    panel.mode_box.setCurrentIndex(2)  # shape only, as the user picks it
    assert panel.mode == "shape" and panel.state.kind == "conv2d_shape"
    # its own shapes, at step 0: the sizes are not derived yet
    assert "⌊(20 + 2·3 − 3)/2⌋ + 1 = ?" in shown_text(panel.calculator_text())
    assert not panel.values_box.isVisibleTo(panel.inputs_widget)
    panel.mode_box.setCurrentIndex(0)
    assert panel.mode == "full" and panel.state.inputs["x"][0, 0, 0] == 9
    assert panel.x_editor.value()[0, 0, 0] == 9
    assert panel.state.n_steps > 0 and panel.state.step == 0  # another kind: from the inputs


def test_a_filter_trace_of_2000_steps_jumps_to_its_end(panel):
    f = RNG.normal(size=(1, 1, 31, 32))  # 2·31·32 = 1,984 steps, one matrix each
    panel.restore_session({"kind": "conv2d_filter", "inputs": {"f": f.tolist()}})
    n = panel.state.n_steps
    assert n == 1984
    panel.show_step(n)
    np.testing.assert_array_equal(panel.filter_view.progress(), np.full((31, 32), 2.0))
    panel.show_step(n // 2)  # every matrix swapped, none turned yet
    np.testing.assert_array_equal(panel.filter_view.progress(), np.full((31, 32), 1.0))


def test_a_click_skips_the_filter_animation_to_its_end(qtbot):
    view = FilterTransformView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    f = RNG.normal(size=(2, 2, 2, 3))
    view.set_filter(f)
    view.animate_to(2.0, 60_000)
    assert view.is_animating()
    plot = view.childAt(view.rect().center())  # what is under the mouse there
    qtbot.mouseClick(plot, QtCore.Qt.MouseButton.LeftButton)
    assert not view.is_animating()
    np.testing.assert_array_equal(view.displayed_back(), conv2d.backward_filter(f))


def test_switching_to_a_mode_that_does_not_compute_clears_the_trace(panel):
    panel.set_mode("shape")
    panel.stride_row.spins[0].setValue(0)
    only_error(panel, "stride")
    assert panel.state.trace is not None  # the last good shape trace stays while editing
    panel.set_mode("full")
    assert panel.state.errors == {} and panel.state.kind == "conv2d"
    assert panel.stride_row.error() == ""
    panel.set_mode("shape")  # its stride is still 0: no trace of the full pass may stay
    assert panel.state.trace is None and panel.state.n_steps == 0
    only_error(panel, "stride")
    panel.show_step(0)  # nothing to show, and nothing breaks
    panel.stride_row.spins[0].setValue(2)
    assert panel.state.errors == {} and panel.state.trace is not None
    assert panel.state.n_steps > 0 and panel.state.step == 0  # its first trace: from the inputs


def test_a_mode_that_does_not_compute_clears_the_window_pane_and_player(qtbot, monkeypatch):
    from pnn_gui import main_window as mw

    monkeypatch.setattr(dialogs, "show_message", lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")  # no dialog on close
    window = mw.MainWindow(panels=tuple(p for p in PANELS if p.title == "Conv2D"))
    qtbot.addWidget(window)
    window.set_animations_enabled(False)
    panel = window.panel("Conv2D")
    panel.set_mode("shape")
    panel.stride_row.spins[0].setValue(0)
    panel.set_mode("full")
    assert window.player.count() == panel.state.n_steps > 0
    panel.set_mode("shape")
    assert panel.state.trace is None
    assert window.player.count() == 0 and window.solution.current() == 0
    assert window.solution.model.rowCount() == 0  # the full pass's lines are gone


@pytest.mark.parametrize("shape", [(2, 3, 2, 2), (3, 1, 1, 2), (3, 3, 1, 1)])
def test_a_turning_matrix_stays_inside_its_slot(qtbot, shape):
    view = FilterTransformView()
    qtbot.addWidget(view)
    view.set_filter(RNG.normal(size=shape))
    kr, kc = shape[:2]
    for p in np.linspace(1.0, 2.0, 9):
        view.set_progress(p)
        boxes = view.matrix_boxes()
        assert len(boxes) == shape[2] * shape[3]
        for _x, _y, width, height in boxes:
            assert height <= kr + 1e-6 and width <= kc + 1e-6, (p, width, height)


def _overlaps(a, b) -> bool:
    """Two (x, y, width, height) boxes share more than an edge."""
    return (a[0] < b[0] + b[2] - 1e-6 and b[0] < a[0] + a[2] - 1e-6
            and a[1] < b[1] + b[3] - 1e-6 and b[1] < a[1] + a[3] - 1e-6)


@pytest.mark.parametrize("shape", [(2, 3, 2, 2), (3, 3, 2, 4), (1, 4, 3, 1), (3, 3, 8, 16),
                                   (2, 2, 1, 12)])
@pytest.mark.parametrize("size", [(450, 320), (760, 420)])
def test_the_matrix_names_never_overlap_a_matrix(qtbot, shape, size):
    view = FilterTransformView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.set_filter(RNG.normal(size=shape))
    view.set_progress(0.0)
    forward = view.matrix_boxes()  # the forward bank stays where the matrices start
    for p in (0.0, 1.0, 1.5, 2.0):  # in its slot (mid-swap a matrix flies over the others)
        view.set_progress(p)
        names = view.name_boxes()
        matrices = forward + view.matrix_boxes()
        for name, box in names:
            assert not any(_overlaps(box, m) for m in matrices), (p, name, box)
        if not names:  # too small for any name: the caption says so
            assert "left out: too small at this size" in shown_text(view.caption())
        else:
            assert len(names) == shape[2] * shape[3] * (1 if p == 0 else 2)
            assert view.name_points() >= 7


def test_the_sheets_bank_names_are_readable_and_f_keeps_full_contrast(panel, qtbot):
    panel.load_example(examples.load("conv-filter"))
    view = panel.filter_view
    view.resize(450, 320)  # the top view's size at 1280 × 800
    view.show()
    qtbot.waitExposed(view)
    goto(panel, panel.state.n_steps)
    assert view.name_points() >= 9
    assert [n for n, _ in view.name_boxes()] == ["f₀", "f₁", "f₂", "f₃"] * 2
    # f[0, 0, 0, 0] = 1 on the left and f_back[1, 2, 0, 0] = 1 on the right: the same colour
    # (the forward bank was drawn at 22 % opacity, pale beside the backward one)
    image = view.grab().toImage()
    plot = view._plot
    vb = view._vb

    def colour(x, y):
        p = plot.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y)))
        p = plot.mapTo(view, p)
        return image.pixelColor(p.x(), p.y())

    box = view.matrix_boxes()[0]  # f[:, :, 0, 0] now on the right, turned
    left, right = colour(0.15, 0.15), colour(box[0] + box[2] - 0.15, box[1] + box[3] - 0.15)
    assert max(abs(left.red() - right.red()), abs(left.green() - right.green()),
               abs(left.blue() - right.blue())) <= 6, (left.name(), right.name())
    assert left.name() != "#ffffff"


# -- the filter bank's editors in a shown window (issue 9, item 1) ------------------------------

CONV_ONLY = tuple(p for p in PANELS if p.title == "Conv2D")


@pytest.fixture
def conv_window(qtbot, monkeypatch):
    """The main window with the Conv2D panel, shown at 1280 × 800, settled."""
    from tests.gui.test_main_window import shown_window

    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    return shown_window(qtbot, size=(1280, 800), panels=CONV_ONLY, settings=False)


def _settle():
    from PySide6 import QtWidgets
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def _assert_every_filter_cell_shown(window):
    """Each matrix of f: its table shown whole in the inputs column (scrolled to it), every row
    and column inside the table's viewport, and the column not scrolling sideways."""
    _settle()
    panel = window.panel("Conv2D")
    bank = panel.f_editor
    assert window.inputs_scroll.horizontalScrollBar().maximum() == 0
    assert bank.editors
    for key, ed in bank.editors.items():
        table = ed.table
        window.inputs_scroll.ensureWidgetVisible(table, 0, 0)
        _settle()
        assert table.isVisible(), key
        assert table.visibleRegion().boundingRect() == table.rect(), \
            f"{key}: table {table.rect()} shown only in {table.visibleRegion().boundingRect()}"
        assert table.horizontalHeader().length() <= table.viewport().width(), key
        assert table.verticalHeader().length() <= table.viewport().height(), key
        rows, cols = ed.value().shape
        model = table.model()
        assert (model.rowCount(), model.columnCount()) == (rows, cols)


def test_filter_tables_whole_after_the_sidebar_and_the_mode_box(qtbot, monkeypatch):
    from tests.gui.test_main_window import shown_window

    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    window = shown_window(qtbot, size=(1280, 800), settings=False)  # every panel, fc first
    window.sidebar.setCurrentRow(window.titles().index("Conv2D"))  # as a click does
    panel = window.panel("Conv2D")
    _assert_every_filter_cell_shown(window)                  # full pass, as it starts
    panel.mode_box.setCurrentIndex(MODE_INDEX["filter"])  # as the user picks it
    _assert_every_filter_cell_shown(window)
    panel.mode_box.setCurrentIndex(MODE_INDEX["shape"])
    panel.mode_box.setCurrentIndex(MODE_INDEX["filter"])
    _assert_every_filter_cell_shown(window)


@pytest.mark.parametrize("name", ["conv", "conv-filter"])
def test_filter_tables_whole_after_an_example(conv_window, name):
    conv_window.load_example("conv-shape")
    conv_window.load_example(name)
    _assert_every_filter_cell_shown(conv_window)


def test_filter_tables_whole_after_opening_a_session(conv_window, tmp_path):
    path = tmp_path / "bank.pnn.json"
    f = np.arange(36.0).reshape(2, 3, 2, 3)
    path.write_text(json.dumps({"format": 1, "app": "pnn-gui", "panel": "Conv2D", "panels": {
        "Conv2D": {"kind": "conv2d_filter", "inputs": {"f": f.tolist()}}}}))
    assert conv_window.files.open_session_file(str(path))
    _assert_every_filter_cell_shown(conv_window)
    np.testing.assert_array_equal(conv_window.panel("Conv2D").f_editor.editor(1, 2).value(),
                                  f[:, :, 1, 2])


@pytest.mark.parametrize("mode", ["filter", "full"])
def test_filter_tables_whole_after_changing_k_c_in_c_out(conv_window, mode):
    panel = conv_window.panel("Conv2D")
    panel.set_mode(mode)
    for part, value in ((1, 4), (0, 1), (2, 3), (3, 3), (3, 1), (1, 2), (2, 6), (3, 5)):
        panel.f_row.spins[part].setValue(value)  # the last one: 30 matrices, one at a time
        _assert_every_filter_cell_shown(conv_window)
    assert not panel.f_editor.is_grid()


def test_the_sheets_bank_reads_as_the_sheet_prints_it(conv_window):
    conv_window.load_example("conv-filter")
    _settle()
    bank = conv_window.panel("Conv2D").f_editor
    assert bank.per_row() == 2  # f₀ f₁ / f₂ f₃: one row per input channel

    def corner(ci, co):
        return bank.editor(ci, co).mapTo(bank, QtCore.QPoint(0, 0))

    assert corner(0, 1).y() == corner(0, 0).y() < corner(1, 0).y()
    assert corner(0, 0).x() == corner(1, 0).x() < corner(0, 1).x()
    assert bank.editor(0, 1).toolTip() == "f[:, :, 0, 1]: channel 0 of filter 1"
    np.testing.assert_array_equal(bank.editor(0, 1).value(), [[7, 9, 11], [8, 10, 12]])
    assert bank.editor(0, 1).cell_text(1, 2) == "12"


# -- the centre never cut (issue 9, item 5) -----------------------------------------------------

def _views_cut_at_the_right(panel) -> list[str]:
    """The shown views whose title, heatmap or colour bar reach past the grid's right or bottom
    edge."""
    grid = panel.grid
    shown = grid.mapToScene(grid.viewport().rect()).boundingRect()
    cut = []
    for view in grid.views.values():
        if not view.layout.isVisible():
            continue
        items = view.layout.layout
        for i in range(items.count()):
            box = items.itemAt(i).graphicsItem().sceneBoundingRect()
            if box.right() > shown.right() + 0.5 or box.bottom() > shown.bottom() + 0.5:
                cut.append(f"{view.title()!r}: {box} outside {shown}")
    return cut


@pytest.mark.parametrize("inputs", ["conv", "six channels"])
def test_no_step_cuts_a_view_at_the_right(conv_window, inputs):
    if inputs == "conv":
        conv_window.load_example("conv")
    else:
        x, f, b, dy, s, p = _random_full(x_shape=(4, 4, 6), f_shape=(3, 3, 6, 2), stride=(1, 1),
                                         padding=(1, 1))
        conv_window.panel("Conv2D").restore_session(_full_session(x, f, b, dy, s, p))
    panel = conv_window.panel("Conv2D")
    trace = panel.state.trace
    # every step of the sheet's example; of the larger one, the first of each kind and the last
    # (the titles change with the kind of step, and with the channels a step touches)
    first = {}
    for k, st in enumerate(trace.steps, 1):
        first.setdefault(st.writes[0][0], k)
    ks = range(len(trace) + 1) if inputs == "conv" else [0, *first.values(), len(trace)]
    for width in (None, panel.grid.minimumWidth()):  # as laid out at 1280 × 800; the narrowest
        if width is not None:
            conv_window.splitter.setSizes([10, width, 10_000])  # the splitter keeps minimums
            _settle()
            assert panel.grid.width() == width
        for k in ks:
            panel.state.set_step(k)
            _settle()
            assert _views_cut_at_the_right(panel) == [], f"step {k}, grid {panel.grid.width()}"


def test_a_dx_step_outlines_every_cell_of_f_back_it_reads(conv_window):
    from pnn_gui.widgets.tensor_view import READ_PEN

    conv_window.load_example("conv")
    panel = conv_window.panel("Conv2D")
    trace = panel.state.trace
    k = next(i for i, st in enumerate(trace.steps, 1) if st.writes[0][0] == "dx")
    read = {idx for name, idx in trace.steps[k - 1].reads if name == "f_back"}
    assert len(read) == trace.tensors["f_back"].size  # a δx cell reads every f_back weight
    panel.state.set_step(k)
    _settle()
    view = panel.view_of("f_back")
    layout_cells = {tuple(rc) for rc in np.argwhere(~np.isnan(view.values()))}
    assert len(layout_cells) == len(read)
    # one outline per matrix of the bank (two 3 × 3 blocks, a blank row between), every read
    # cell inside one
    blocks = view.outlines()[0]
    assert sorted((b.x(), b.y(), b.width(), b.height()) for b in blocks) == [
        (0, 0, 3, 3), (0, 4, 3, 3)]
    assert all(any(b.contains(QtCore.QPointF(c + 0.5, r + 0.5)) for b in blocks)
               for r, c in layout_cells)
    # and painted: the read pen along every edge of each block
    image = panel.grid.grab().toImage()  # the viewport as painted
    pen = QtGui.QColor(READ_PEN)
    grid = panel.grid

    def pen_pixels(x, y):
        """Pixels of the read pen's colour within 3 px of the cell-coordinate point (x, y)."""
        p = grid.mapFromScene(view.viewbox.mapViewToScene(QtCore.QPointF(x, y)))
        hits = 0
        for px in range(p.x() - 3, p.x() + 4):
            for py in range(p.y() - 3, p.y() + 4):
                c = image.pixelColor(px, py)
                hits += max(abs(c.red() - pen.red()), abs(c.green() - pen.green()),
                            abs(c.blue() - pen.blue())) <= 12
        return hits

    for b in blocks:
        for x, y in ((b.center().x(), b.top()), (b.center().x(), b.bottom()),
                     (b.left(), b.center().y()), (b.right(), b.center().y())):
            assert pen_pixels(x, y) >= 4, (b, x, y)
    # the cells inside a block are not outlined one by one: no pen on an edge between two
    assert pen_pixels(1.0, 1.5) == 0 and pen_pixels(1.5, 2.0) == 0


@pytest.mark.parametrize("shape,channel,kind", [
    ((5,), 0, "flat"), ((3, 4), 0, "flat"), ((4, 3, 2), 0, "side"), ((4, 3, 6), 4, "channel"),
    ((30, 30, 2), 1, "channel"), ((2, 3, 2, 4), 0, "block")])
def test_a_slot_layout_draws_each_element_where_its_cells_say(shape, channel, kind):
    from pnn_gui.views.slot_layout import SlotLayout

    layout = SlotLayout.of(shape, channel)
    assert layout.kind == kind
    arr = RNG.normal(size=shape)
    idx = np.argwhere(np.ones(shape, bool))  # every element
    drawn = layout.drawn(idx)
    rc = layout.cells(idx)
    image = np.atleast_2d(layout.image(arr))  # a vector is drawn as one row
    np.testing.assert_array_equal(image[rc[:, 0], rc[:, 1]], arr[tuple(idx[drawn].T)])
    # every number drawn is one element's, and every other cell is empty
    assert np.isnan(image).sum() == image.size - len(rc)
    assert len({tuple(c) for c in rc}) == len(rc)
    if kind == "channel":
        assert (idx[drawn][:, 2] == channel).all() and drawn.sum() == arr[:, :, 0].size
    else:
        assert drawn.all()
    assert layout.cell(tuple(idx[drawn][-1])) == tuple(rc[-1])


# -- sessions keep every mode (issue 9, item 10) ------------------------------------------------

def _every_mode(panel) -> dict[str, dict]:
    """Each mode's inputs as the panel computes them (visiting each mode, back to the shown)."""
    shown = panel.mode
    out = {}
    for mode in ("full", "filter", "shape"):
        panel.set_mode(mode)
        out[mode] = {k: np.asarray(v).tolist() for k, v in panel.state.inputs.items()}
    panel.set_mode(shown)
    return out


def test_a_saved_session_reopens_in_its_mode_with_every_modes_inputs(conv_window, monkeypatch,
                                                                     tmp_path):

    panel = conv_window.panel("Conv2D")
    conv_window.load_example("conv")
    panel.x_editor.editor.edit_cell(1, 2, "5")
    panel.stride_row.spins[1].setValue(1)
    panel.mode_box.setCurrentIndex(MODE_INDEX["shape"])
    for row, values in ((panel.x_row, (9, 7, 3)), (panel.f_row, (2, 3, 3, 4)),
                        (panel.stride_row, (1, 2)), (panel.padding_row, (0, 1))):
        for spin, v in zip(row.spins, values, strict=True):
            spin.setValue(v)
    panel.mode_box.setCurrentIndex(MODE_INDEX["filter"])
    panel.f_row.spins[3].setValue(3)
    panel.f_editor.editor(1, 2).edit_cell(0, 1, "-7")
    saved = _every_mode(panel)
    assert saved["filter"]["f"][0][1][1][2] == -7 and saved["shape"]["x_shape"] == [9, 7, 3]
    path = tmp_path / "every-mode.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert conv_window.files.save_session_as()

    for name in ("conv-filter", "conv-shape", "conv"):  # every mode changed, the full pass shown
        conv_window.load_example(name)
    assert _every_mode(panel) != saved and panel.mode == "full"
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    assert conv_window.files.open_session()
    assert panel.mode == "filter" and panel.mode_box.currentIndex() == MODE_INDEX["filter"]
    assert _every_mode(panel) == saved
    np.testing.assert_array_equal(panel.f_editor.editor(1, 2).value()[0, 1], -7)


def test_a_session_written_before_modes_were_saved_still_opens(conv_window, tmp_path):
    panel = conv_window.panel("Conv2D")
    before = _every_mode(panel)
    path = tmp_path / "format-1.pnn.json"
    shapes = {"x_shape": [9, 7, 3], "f_shape": [2, 3, 3, 4], "stride": [1, 2], "padding": [0, 1]}
    path.write_text(json.dumps({"format": 1, "app": "pnn-gui", "panel": "Conv2D", "panels": {
        "Conv2D": {"kind": "conv2d_shape", "inputs": shapes}}}))
    assert conv_window.files.open_session_file(str(path))
    assert panel.mode == "shape"
    after = _every_mode(panel)
    assert after["shape"] == shapes
    assert after["full"] == before["full"] and after["filter"] == before["filter"]


def test_a_damaged_other_mode_changes_nothing(panel):
    data = panel.session_data()
    data["other_modes"]["conv2d_filter"] = {"f": [[1, 2]]}  # not a 4-D bank
    before = _every_mode(panel)
    with pytest.raises(ValueError, match="f"):
        panel.restore_session(data)
    assert _every_mode(panel) == before
