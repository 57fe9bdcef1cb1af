"""Pooling panel: the backward animation adds overlapping shares up to the engine's δx, max
pooling routes δy to the maximum, bad input beside its field, the examples."""

import numpy as np
import pytest

from engine import examples, pooling
from pnn_gui.panels.pooling import PoolingPanel
from tests.engine.gradcheck import numeric_grad
from tests.gui.helpers import goto, make_panel, only_error, shown_text

pytestmark = pytest.mark.gui

RNG = np.random.default_rng(11)


@pytest.fixture
def panel(qtbot):
    return make_panel(qtbot, PoolingPanel)


def _session(kind, x, size, stride, dy):
    return {"kind": kind, "inputs": {"x": x.tolist(), "size": list(size),
                                     "stride": list(stride), "dy": dy.tolist()}}


def _play_all(panel, qtbot, wait=False):
    """Step through every step as the player does, animated; each share animation is run to
    its end (``wait``, at 100× speed: 7 ms) or skipped there, as a click on the view does."""
    panel.set_animations_enabled(True)
    panel.set_animation_speed(100.0)
    panel.state.set_step(0)
    panel.show_step(0)
    overlaps_seen = 0
    for k in range(1, panel.state.n_steps + 1):
        panel.state.set_step(k)
        panel.show_step(k)
        if wait:
            qtbot.waitUntil(lambda: not panel.flow_view.is_animating(), timeout=5000)
        else:
            panel.flow_view.finish()
        overlaps_seen += len(panel.flow_view.marked_overlaps())
    return overlaps_seen


def test_overlapping_average_windows_add_up_to_the_engines_dx(panel, qtbot):
    panel.load_example(examples.load("avgpool"))  # 2×2 windows, stride 1: overlaps
    inp = panel.state.inputs
    overlaps = _play_all(panel, qtbot, wait=True)
    big, small = panel.flow_view.shown()
    want = pooling.avg_backward(inp["x"].shape, inp["dy"], inp["size"], inp["stride"])
    np.testing.assert_array_equal(big, want[:, :, 0])
    np.testing.assert_array_equal(small, inp["dy"][:, :, 0])
    # 9 windows of 4 over a 4 × 4 input: 36 shares on 16 cells, 20 of them land on a share
    assert overlaps == 20


def test_the_backward_pass_starts_from_zero_and_adds(panel):
    panel.load_example(examples.load("avgpool"))
    trace = panel.state.trace
    start = next(k for k, s in enumerate(trace.steps, 1) if s.phase == "backward")
    panel.show_step(start)
    np.testing.assert_array_equal(panel.flow_view.shown()[0], np.zeros((4, 4)))
    panel.show_step(start + 2)  # δy[0,0] and δy[0,1] done: their windows share a column
    dy = panel.state.inputs["dy"][:, :, 0]
    big = panel.flow_view.shown()[0]
    assert big[0, 1] == pytest.approx(dy[0, 0] / 4 + dy[0, 1] / 4)
    assert panel.flow_view.marked_overlaps() == [(0, 1), (1, 1)]


@pytest.mark.parametrize("size,stride", [((3, 2), (1, 1)), ((2, 3), (2, 1)), ((2, 2), (2, 2))])
def test_random_overlaps_per_axis_end_on_the_engines_dx(panel, qtbot, size, stride):
    x = RNG.normal(size=(5, 6, 2))
    g = pooling.window(x.shape, size, stride)
    dy = RNG.normal(size=(g.o_rows, g.o_cols, 2))
    panel.restore_session(_session("avgpool", x, size, stride, dy))
    _play_all(panel, qtbot)
    assert panel.channel == 1  # the last step is in the last channel
    np.testing.assert_allclose(panel.flow_view.shown()[0],
                               pooling.avg_backward(x.shape, dy, size, stride)[:, :, 1],
                               rtol=0, atol=0)
    # and it is the gradient: central differences of L = Σ y·δy
    num = numeric_grad(lambda v: float((pooling.avg_forward(v, size, stride) * dy).sum()), x)
    np.testing.assert_allclose(panel.flow_view.shown()[0], num[:, :, 1], atol=1e-8)


def test_max_pooling_sends_each_delta_to_its_maximum(panel, qtbot):
    x = RNG.normal(size=(5, 5, 1))
    size, stride = (3, 3), (1, 2)
    g = pooling.window(x.shape, size, stride)
    dy = RNG.normal(size=(g.o_rows, g.o_cols, 1))
    panel.restore_session(_session("maxpool", x, size, stride, dy))
    assert panel.mode == "max"
    _play_all(panel, qtbot)
    np.testing.assert_array_equal(panel.flow_view.shown()[0],
                                  pooling.max_backward(x, dy, size, stride)[:, :, 0])
    num = numeric_grad(lambda v: float((pooling.max_forward(v, size, stride) * dy).sum()), x)
    np.testing.assert_allclose(panel.flow_view.shown()[0], num[:, :, 0], atol=1e-8)


def test_forward_steps_fill_y(panel):
    panel.load_example(examples.load("maxpool"))
    trace = panel.state.trace
    n_fwd = trace.phases["forward"]
    panel.show_step(n_fwd)
    np.testing.assert_array_equal(panel.flow_view.shown()[1], trace.tensors["y"][:, :, 0])
    panel.show_step(1)
    assert np.isnan(panel.flow_view.shown()[1]).sum() == trace.tensors["y"].size - 1


def test_editing_recomputes_and_dy_follows_the_shape(panel):
    panel.load_example(examples.load("avgpool"))
    panel.dy_editor.editor.edit_cell(0, 0, "2")
    assert panel.state.inputs["dy"][0, 0, 0] == 2
    np.testing.assert_array_equal(
        panel.state.trace.tensors["dx"],
        pooling.avg_backward((4, 4, 1), panel.state.inputs["dy"], 2, 1))
    panel.stride_row.spins[1].setValue(2)  # columns: (4 − 2)/2 + 1 = 2
    assert panel.state.errors == {}
    assert panel.dy_editor.value().shape == (3, 2, 1)
    assert "⌊(4 − 2)/2⌋ + 1 = 2" in shown_text(panel.calculator.text())


def test_stride_zero_is_reported_beside_stride_and_keeps_the_rest(panel):
    panel.load_example(examples.load("avgpool"))
    trace, x = panel.state.trace, panel.x_editor.value()
    panel.stride_row.spins[0].setValue(0)
    only_error(panel, "stride")
    assert panel.state.trace is trace
    np.testing.assert_array_equal(panel.x_editor.value(), x)
    panel.stride_row.spins[0].setValue(1)
    assert panel.state.errors == {} and panel.stride_row.error() == ""


def test_window_larger_than_the_input_is_reported_beside_the_window(panel):
    panel.load_example(examples.load("maxpool"))
    trace, dy = panel.state.trace, panel.dy_editor.value()
    panel.size_row.spins[1].setValue(5)
    only_error(panel, "size")
    assert "do not fit" in panel.size_row.error()
    assert panel.state.trace is trace
    np.testing.assert_array_equal(panel.dy_editor.value(), dy)


@pytest.mark.parametrize("name,mode", [("avgpool", "avg"), ("maxpool", "max")])
def test_examples_load_and_every_step_shows(panel, name, mode):
    panel.load_example(examples.load(name))
    assert panel.mode == mode and panel.state.errors == {}
    n = panel.state.n_steps
    for k in list(range(n + 1)) + [2, 0, n]:
        panel.show_step(k)


def test_screenshot_renders_each_pooling_example():
    from pnn_gui.screenshot import render
    for name in ("avgpool", "maxpool"):
        image = render(name, "last", (1280, 800))
        assert image.width() >= 1280


def test_switching_between_average_and_max_keeps_each(panel):
    panel.load_example(examples.load("avgpool"))
    panel.x_editor.editor.edit_cell(0, 0, "-4")
    panel.mode_box.setCurrentIndex(1)
    assert panel.mode == "max" and panel.state.kind == "maxpool"
    assert panel.state.inputs["stride"] == (2, 2)  # the max example's own stride
    panel.mode_box.setCurrentIndex(0)
    assert panel.state.inputs["x"][0, 0, 0] == -4 and panel.state.errors == {}


def test_a_trace_of_2000_steps_jumps_to_its_end(panel):
    x = RNG.normal(size=(32, 32, 1))  # 31·31 windows: 1,923 steps
    dy = RNG.normal(size=(31, 31, 1))
    panel.restore_session(_session("avgpool", x, (2, 2), (1, 1), dy))
    n = panel.state.n_steps
    assert n > 1900
    panel.show_step(n)
    np.testing.assert_array_equal(panel.flow_view.shown()[0],
                                  pooling.avg_backward(x.shape, dy, 2, 1)[:, :, 0])
    panel.show_step(n - 1)  # the last share: overlaps with its neighbours' windows
    assert panel.flow_view.marked_overlaps()


def test_max_forward_marks_each_windows_maximum_first_on_a_tie(panel):
    panel.load_example(examples.load("maxpool"))
    x = panel.state.trace.tensors["x"][:, :, 0]
    arg = []
    for k in range(1, 5):  # the four forward steps, one window each
        panel.state.set_step(k)
        panel.show_step(k)
        (r, c), = panel.flow_view.marked_maxima()
        step = panel.state.trace.steps[k - 1]
        assert x[r, c] == step.result == panel.state.trace.tensors["y"][step.writes[0][1]]
        arg.append((r, c))
    # the top-left window holds 3 twice (x[0,1] and x[1,0]): the first in row-major order,
    # the one its δy goes to in the backward pass
    assert x[0, 1] == x[1, 0] == 3 and arg[0] == (0, 1)
    dx = pooling.max_backward(x[:, :, None], np.ones((2, 2, 1)), 2)[:, :, 0]
    assert sorted(arg) == sorted(map(tuple, np.argwhere(dx != 0).tolist()))
    panel.state.set_step(6)  # a backward step marks no maximum; average pooling never does
    panel.show_step(6)
    assert panel.flow_view.marked_maxima() == []
    panel.mode_box.setCurrentIndex(0)
    panel.state.set_step(1)
    panel.show_step(1)
    assert panel.mode == "avg" and panel.flow_view.marked_maxima() == []


def test_calculator_names_the_output_axes_as_the_sheet_does(panel):
    # the sheet (and the engine's worked solution) writes o_x along the rows, o_y along the
    # columns, with the window and stride of that axis
    panel.load_example(examples.load("avgpool"))
    text = shown_text(panel.calculator.text())
    assert "o_x = ⌊(x − k_x)/s_x⌋ + 1 = ⌊(4 − 2)/1⌋ + 1 = 3" in text
    assert "o_y = ⌊(y − k_y)/s_y⌋ + 1 = ⌊(4 − 2)/1⌋ + 1 = 3" in text
    assert "o_rows" not in text and "o_cols" not in text


@pytest.mark.parametrize("key,value,message", [
    ("size", "abc", "size: expected a whole number, got 'abc'"),
    ("size", [2], "size: expected one whole number or a (rows, cols) pair, got 1 values"),
    ("stride", [1, 65], "stride: stride (1, 65) does not fit the boxes here (at most 64 each)"),
    ("x", np.zeros((4, 70, 1)).tolist(), "x: shape (4, 70, 1) does not fit the boxes here"),
])
def test_a_session_the_boxes_cannot_show_is_refused_whole(panel, key, value, message):
    panel.load_example(examples.load("avgpool"))
    data = panel.session_data()
    data["inputs"][key] = value
    before = panel.session_data()
    with pytest.raises(ValueError) as info:
        panel.restore_session(data)
    assert str(info.value).startswith(message)
    assert str(panel.session_data()) == str(before)


def test_the_inputs_column_fits_pooling_after_the_wider_conv2d_page(qtbot):
    # the window's inputs stack was as wide as its widest page: once Conv2D (its filter bank
    # is wider) had been shown, pooling's column scrolled sideways
    from pnn_gui import main_window as mw
    w = mw.MainWindow(settings=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    bar = w.inputs_scroll.horizontalScrollBar()
    for title in ("Pooling", "Conv2D", "Pooling"):
        w.show_panel(title)
        qtbot.wait(1)  # (the layout settles on the next pass of the event loop)
        assert bar.maximum() == 0, f"{title}'s inputs scroll sideways"
    assert w.inputs_stack.width() <= w.inputs_scroll.viewport().width()


def test_the_intro_says_what_each_mode_hands_back(panel):
    panel.set_mode("avg")
    assert "δy / k to each element of its window" in panel.intro.text()
    panel.set_mode("max")
    text = panel.intro.text()
    assert "goes whole to its window's maximum" in text and "the other elements get nothing" in text
    assert "δy / k" not in text and "shares" not in text  # max pooling does not share


def _first_maxima(x, size, stride):
    """Each window's first maximum (row by row), by plain loops: the test's own reference."""
    (kr, kc), (sr, sc) = size, stride
    cells = set()
    for r in range((x.shape[0] - kr) // sr + 1):
        for c in range((x.shape[1] - kc) // sc + 1):
            win = x[r * sr:r * sr + kr, c * sc:c * sc + kc]
            i, j = np.unravel_index(np.argmax(win), win.shape)  # first maximum, row-major
            cells.add((r * sr + int(i), c * sc + int(j)))
    return cells


@pytest.mark.parametrize("kind", ["avgpool", "maxpool"])
def test_x_stands_beside_dx_in_every_backward_step(panel, kind):
    x = RNG.integers(0, 4, size=(5, 6, 2)).astype(float)  # small integers: ties happen
    size, stride = (2, 3), (1, 2)
    dy = RNG.normal(size=(4, 2, 2))
    panel.restore_session(_session(kind, x, size, stride, dy))
    trace = panel.state.trace
    for k, st in enumerate(trace.steps, 1):
        goto(panel, k)
        view = panel.flow_view
        if st.phase == "forward":
            assert view.shown_ref() is None  # forward: x itself is the big grid
            continue
        h = panel.channel
        np.testing.assert_array_equal(view.shown_ref(), x[:, :, h])
        assert view.titles()[0].startswith(f"x[:, :, {h}]")
        if kind == "maxpool":
            assert set(view.marked_ref()) == _first_maxima(x[:, :, h], size, stride)
        else:
            assert view.marked_ref() == [] and "not used" in view.titles()[0]


def _shown_at(panel, qtbot, width, height):
    """The view on screen at the size it has in the window (1280×800: about 490 × 650)."""
    view = panel.view_widget
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return panel.flow_view


def _crosses(seg, box, samples=200):
    """Whether the segment's line passes through ``box`` (sampled along its length)."""
    (x0, y0), (x1, y1) = seg
    return any(box.contains(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
               for t in np.linspace(0.0, 1.0, samples))


@pytest.mark.parametrize("size", [(490, 650), (640, 820)])
@pytest.mark.parametrize("name", ["avgpool", "maxpool"])
def test_at_rest_no_badge_share_or_arrow_covers_a_value(panel, qtbot, name, size):
    panel.load_example(examples.load(name))
    view = _shown_at(panel, qtbot, *size)
    shares_at_rest = 0
    for k in range(1, panel.state.n_steps + 1):
        goto(panel, k)  # animations off: every step drawn at rest
        panel.view_widget.grab()  # painted: the labels' boxes are at the zoom shown
        values = view.value_boxes()
        assert values
        for text, box in view.drawn_marks():
            shares_at_rest += text.startswith("+= ")
            hit = [v for v in values if v.intersects(box)]
            assert not hit, f"step {k}: {text!r} covers a value"
        for seg in view.arrow_segments():
            assert not any(_crosses(seg, v) for v in values), f"step {k}: an arrow crosses a value"
    # the shares are still written, once for each δy cell, beside δx
    assert shares_at_rest == panel.state.inputs["dy"].size


def test_while_shares_travel_their_badges_ride_with_them(panel, qtbot):
    panel.load_example(examples.load("avgpool"))
    view = _shown_at(panel, qtbot, 490, 650)
    panel.set_animations_enabled(True)
    panel.set_animation_speed(0.25)  # slow: the trip is still under way when looked at
    start = next(k for k, s in enumerate(panel.state.trace.steps, 1) if s.phase == "backward")
    goto(panel, start + 1)
    goto(panel, start + 2)  # δy[0,1]: two of its shares land on δy[0,0]'s
    assert view.is_animating()
    texts = [t for t, _ in view.drawn_marks()]
    assert texts.count("+=") == 2 and texts.count("0.2") == 4
    view.finish()
    assert [t for t, _ in view.drawn_marks()] == ["+= 0.2"]
    assert view.marked_overlaps() == [(0, 1), (1, 1)]  # still outlined at rest


@pytest.mark.parametrize("width", [490, 640, 360])
@pytest.mark.parametrize("name", ["avgpool", "maxpool"])
def test_every_title_and_its_grey_line_lie_inside_the_view(panel, qtbot, name, width):
    panel.load_example(examples.load(name))
    view = _shown_at(panel, qtbot, width, 650)
    for k in (1, panel.state.n_steps - 4, panel.state.n_steps):  # forward, backward
        goto(panel, k)
        panel.view_widget.grab()  # painted: the labels' boxes are at the zoom shown
        shown = view.visible_rect()
        boxes = view.title_boxes()
        assert len(boxes) >= 3
        for box in boxes:
            assert shown.contains(box), f"step {k}: a title leaves the view"
        for a in range(len(boxes) * (width >= 490)):  # and none runs into another (at the
            for b in range(a + 1, len(boxes)):          # window's sizes; not yet narrower)
                assert not boxes[a].intersects(boxes[b]), f"step {k}: titles overlap"


def test_the_cell_written_is_outlined_on_all_four_sides_inside_the_window(panel, qtbot):
    # max pooling, a backward step: the window's red outline used to cover two sides of the
    # written cell's green one (only an "L" showed)
    panel.load_example(examples.load("maxpool"))
    view = _shown_at(panel, qtbot, 490, 650)
    k = next(i for i, st in enumerate(panel.state.trace.steps, 1)
             if st.phase == "backward" and st.reads)
    goto(panel, k)
    image = view.grab().toImage()
    rgb = np.array([[image.pixel(x, y) & 0xFFFFFF for x in range(image.width())]
                    for y in range(image.height())])
    r, g, b = (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255
    green = (g > 90) & (r < 60) & (b < 60)                 # the written cell's outline
    ys, xs = np.nonzero(green)
    assert len(xs), "no written cell outlined"
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    for side in (green[top, left:right + 1], green[bottom, left:right + 1],
                 green[top:bottom + 1, left], green[top:bottom + 1, right]):
        assert side.mean() > 0.6, side.mean()
