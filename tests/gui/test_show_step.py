"""The step, as every panel shows it (pnn_gui.panels.base.Panel.show_step): in the window, with
animations on, a step animates only when it follows the step shown (→); ←, Home, End, a jump
and a recomputed trace are drawn at rest. Nothing here waits for an animation: each is read in
its first frame, and the next step ends it."""

import pytest

from pnn_gui.main_window import MainWindow


def animating(panel) -> bool:
    """Something moves in the panel's views now (its delta flow, a sliding kernel, turning
    filters, travelling pooling shares or graph markers)."""
    views = [getattr(panel, name, None) for name in ("flow", "shape_view", "filter_view",
                                                     "flow_view")]
    chain = getattr(panel, "chain", None)  # the network's blocks
    views.append(chain.flow if chain is not None else None)
    running = any(v is not None and (v.is_running() if hasattr(v, "is_running")
                                     else v.is_animating()) for v in views)
    graph = getattr(panel, "graph", None)
    return running or (graph is not None and graph.flow_position() is not None)


@pytest.fixture
def window(qtbot):
    w = MainWindow(settings=False)
    qtbot.addWidget(w)
    w.set_animations_enabled(True)
    yield w
    w.set_saved()


@pytest.mark.parametrize("name", ["fc", "conv", "conv-filter", "conv-shape", "avgpool",
                                  "maxpool", "lstm", "autodiff", "network", "mlp"])
def test_only_the_next_step_animates(window, name):
    window.load_example(name)
    panel = window.current_panel()
    state = panel.state
    n = state.n_steps
    forward = []
    for k in range(1, n + 1):  # → through the whole trace
        window.player.forward()
        assert state.step == k
        forward.append(animating(panel))
    assert any(forward), "no step animates"
    for move in (window.player.back, window.player.first, window.player.last,
                 lambda: state.set_step(n // 2), window.player.back):
        move()
        assert not animating(panel), f"step {state.step} animates"
    window.player.forward()
    assert animating(panel) == forward[state.step - 1]  # → again: as the first time
    window.set_precision(6)  # a new trace (its formulas re-solved): drawn at rest
    assert not animating(panel)
    window.set_precision(4)
    window.set_animations_enabled(False)  # ends what runs; → no longer animates
    window.player.back()
    window.player.forward()
    assert not animating(panel)
    window.set_animations_enabled(True)


@pytest.mark.parametrize("name", ["fc", "conv", "lstm"])
def test_a_colour_bar_writes_its_range_only_once_its_tensor_is_computed_whole(window, name):
    # the range of a result not computed yet would tell its largest answer (fc's y: ±20 at
    # step 0); its colours may show, its numbers wait
    window.load_example(name)
    panel = window.current_panel()
    views = [v for v in panel.grid.views.values() if v.colorbar is not None]

    def held_back() -> set[str]:
        return {v.name for v in views if v.colorbar.labels() == ("", "")}

    panel.state.set_step(0)
    at_start = held_back()
    assert at_start, "every range written before the first step"
    for v in views:
        if v.name not in at_start:     # the given tensors: their numbers from the start
            assert all(v.colorbar.labels())
    panel.state.set_step(panel.state.n_steps)
    assert held_back() == set()
