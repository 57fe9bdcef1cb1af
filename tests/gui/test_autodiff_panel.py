"""Autodiff panel: the sheet's Task 4 on the graph and in the tables, refused expressions, values,
the backward animation, and the graph layout."""

import itertools
import math

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from engine import autodiff, examples
from engine.steps import fmt
from pnn_gui.panels.autodiff import AutodiffPanel
from pnn_gui.views.graph_view import FILL_NEGATIVE, edges_of, layered_layout
from tests.gui.helpers import goto, make_panel, shown_text


@pytest.fixture
def panel(qtbot):
    return make_panel(qtbot, AutodiffPanel)


def table_column(table, col):
    return [table.item(r, col).text() if table.item(r, col) else ""
            for r in range(table.rowCount())]


def type_expression(qtbot, panel, text):
    """Type ``text`` over the expression, key by key, then Enter (which recomputes at once)."""
    panel.expression.clear()
    qtbot.keyClicks(panel.expression, text)
    qtbot.keyClick(panel.expression, QtCore.Qt.Key.Key_Return)


def paste_expression(qtbot, panel, text):
    """Paste ``text`` over the whole expression (one edit), then Enter."""
    QtWidgets.QApplication.clipboard().setText(text)
    panel.expression.selectAll()
    panel.expression.paste()
    assert panel.expression.text() == text
    qtbot.keyClick(panel.expression, QtCore.Qt.Key.Key_Return)


def test_typing_recomputes_on_enter_not_on_every_keystroke(qtbot, panel):
    trace = panel.state.trace
    heard = []
    panel.state.subscribe(heard.append)
    panel.expression.selectAll()
    qtbot.keyClicks(panel.expression, "cos(x1*")      # passes the valid prefixes co, cos(x1
    assert heard == [] and panel.state.trace is trace
    assert panel.state.inputs["expression"] == "cos(x1*x2) + x1*x2 + x1"
    assert table_column(panel.values_table, 0) == ["x1", "x2"]      # no variable "co"
    assert panel.expression_error_text() == ""
    qtbot.keyClick(panel.expression, QtCore.Qt.Key.Key_Return)      # Enter: it does not parse
    assert panel.expression_error_text().startswith("expression:")
    assert table_column(panel.values_table, 0) == ["x1", "x2"]      # the formula on screen's
    assert panel.state.trace is trace
    panel.set_value("x1", "2.5")
    qtbot.keyClicks(panel.expression, "x3) + x2")
    qtbot.keyClick(panel.expression, QtCore.Qt.Key.Key_Return)      # parses: recomputed
    assert panel.expression_error_text() == ""
    assert table_column(panel.values_table, 0) == ["x1", "x3", "x2"]
    assert panel.values() == {"x1": 2.5, "x3": 1.0, "x2": 2.0}      # typed values kept
    assert panel.state.trace is not trace
    assert panel.state.inputs["expression"] == "cos(x1*x3) + x2"


def test_a_pause_in_typing_recomputes(qtbot, panel, monkeypatch):
    from pnn_gui.panels import autodiff as module

    assert module.RECOMPUTE_PAUSE_MS == 600
    monkeypatch.setattr(module, "RECOMPUTE_PAUSE_MS", 0)  # the pause, without waiting for it
    panel.expression.selectAll()
    qtbot.keyClicks(panel.expression, "x1*x3")
    qtbot.waitUntil(lambda: panel.state.inputs["expression"] == "x1*x3", timeout=2000)
    assert table_column(panel.values_table, 0) == ["x1", "x3"]
    assert panel.state.errors == {}


def test_leaving_the_field_or_saving_commits_what_was_typed(qtbot, panel):
    panel.expression.selectAll()
    qtbot.keyClicks(panel.expression, "x1 + x2")
    panel.commit_edits()                                 # what the window does before a save
    assert panel.session_data()["inputs"]["expression"] == "x1 + x2"
    assert panel.state.inputs["expression"] == "x1 + x2"


def test_example_shows_v0_to_v4_and_the_corrected_gradient(panel):
    goto(panel, panel.state.n_steps)
    texts = panel.graph.node_texts()
    assert [t.splitlines()[0] for t in texts] == [
        "v0 = x1", "v1 = x2", "v2 = v0 · v1", "v3 = cos(v2)", "v4 = v3 + v2 + v0"]
    assert table_column(panel.forward_table, 0) == ["v0", "v1", "v2", "v3", "v4"]
    assert table_column(panel.forward_table, 2) == ["1", "2", "2", fmt(math.cos(2)),
                                                    fmt(math.cos(2) + 3)]
    grad = [float(t) for t in table_column(panel.check_table, 1)]
    np.testing.assert_allclose(grad, [1.1814, 0.0907], atol=5e-5)
    exact = [-math.sin(2) * 2 + 2 + 1, -math.sin(2) * 1 + 1]
    np.testing.assert_allclose(panel.state.trace.tensors["gradient"], exact, rtol=1e-12)
    # beside it, the central difference (evaluated by the engine) and a tiny difference
    central = [float(t) for t in table_column(panel.check_table, 2)]  # 6 digits shown
    np.testing.assert_allclose(central, exact, rtol=1e-5)
    diffs = [abs(float(t)) for t in table_column(panel.check_table, 3)]
    assert max(diffs) < 1e-6
    panel.set_precision(12)  # the check in 14 digits: central differences agree to ~1e-9
    central = [float(t) for t in table_column(panel.check_table, 2)]
    np.testing.assert_allclose(central, exact, rtol=1e-8)


def test_nodes_used_twice_show_two_contributions(panel):
    goto(panel, panel.state.n_steps)
    texts = panel.graph.node_texts()
    adj2 = 1 - math.sin(2)
    assert texts[2].splitlines()[-1] == f"v̄2 = 1 + ({fmt(-math.sin(2))}) = {fmt(adj2)}"
    assert texts[0].splitlines()[-1] == f"v̄0 = 1 + {fmt(2 * adj2)} = {fmt(1 + 2 * adj2)}"
    assert texts[1].splitlines()[-1] == f"v̄1 = {fmt(adj2)}"
    # backward table: output first, each row its += contributions and the value
    names = table_column(panel.backward_table, 0)
    assert names == ["v̄4", "v̄3", "v̄2", "v̄1", "v̄0"]
    contributions = dict(zip(names, table_column(panel.backward_table, 1), strict=True))
    assert contributions["v̄2"] == f"1 + ({fmt(-math.sin(2))})"
    assert contributions["v̄0"] == f"1 + {fmt(2 * adj2)}"


def test_tables_and_graph_follow_the_step(panel):
    goto(panel, 3)  # v0, v1, v2 computed
    assert table_column(panel.forward_table, 2) == ["1", "2", "2", "", ""]
    assert panel.graph.node_texts()[3].splitlines()[1] == "= ·"
    assert all(t == "" for t in table_column(panel.check_table, 1))
    goto(panel, 6)  # the seed v̄4 = 1
    assert table_column(panel.backward_table, 2)[0] == "1"
    assert table_column(panel.backward_table, 2)[1:] == ["", "", "", ""]


@pytest.mark.parametrize("bad, words", [
    ("cos(x1*x2", "never closed"),
    ("x1 ^ 2", "**"),
    ("__import__('os').system('echo pwned')", "can be called"),
    ("x1.__class__", "attribute"),
    ("(lambda: 1)()", "lambda"),
    ("[x for x in ()]", "not allowed"),
    ("", "empty"),
])
def test_malformed_or_hostile_expression_is_refused_and_the_graph_stays(qtbot, panel, bad,
                                                                        words):
    goto(panel, panel.state.n_steps)
    trace = panel.state.trace
    texts = panel.graph.node_texts()
    paste_expression(qtbot, panel, bad)
    message = panel.expression_error_text()
    assert message.startswith("expression:")
    assert words in message
    assert panel.state.trace is trace
    assert panel.state.errors.get("expression") == message
    panel.show_step(panel.state.step)
    assert panel.graph.node_texts() == texts
    # typing a good expression again clears the message and recomputes
    type_expression(qtbot, panel, "x1*x2")
    assert panel.expression_error_text() == ""
    assert panel.state.trace is not trace


def test_the_caret_points_at_the_column(qtbot, panel):
    type_expression(qtbot, panel, "x1 + cos(x2")
    with pytest.raises(autodiff.ExpressionError) as info:
        autodiff.parse("x1 + cos(x2")
    col = info.value.column
    html = panel.expression_error.text()
    assert "&nbsp;" * col + "^" in html
    assert ">(</span>" in html  # the character at the column is marked


def test_a_long_expression_shows_a_window_around_the_error(qtbot, panel):
    text = "x1 + " * 20 + "cos(x2"
    paste_expression(qtbot, panel, text)
    html = panel.expression_error.text()
    assert "…" in html and ">(</span>" in html
    shown = html.split("<pre style='margin:0'>")[1].split("<br>")[0]
    visible = shown.replace("<span style='background:#ffcdd2;color:#b71c1c'>", "")
    visible = visible.replace("</span>", "")
    assert len(visible) <= 34
    caret_line = html.split("<br>")[1]
    assert caret_line.count("&nbsp;") == visible.index("(")


def test_domain_error_keeps_the_graph_and_names_the_node(qtbot, panel):
    trace = panel.state.trace
    type_expression(qtbot, panel, "log(x1 - 3)")
    assert panel.state.trace is trace
    message = panel.expression_error_text()
    assert "v3 = log(v2)" in message and "undefined" in message


def test_values_follow_the_names_and_keep_what_was_typed(qtbot, panel):
    panel.set_value("x1", "3")
    assert panel.values() == {"x1": 3.0, "x2": 2.0}
    type_expression(qtbot, panel, "x1*x3 + x2")
    assert table_column(panel.values_table, 0) == ["x1", "x3", "x2"]
    assert panel.values() == {"x1": 3.0, "x3": 1.0, "x2": 2.0}
    type_expression(qtbot, panel, "x2")
    assert panel.values() == {"x2": 2.0}
    type_expression(qtbot, panel, "x1 + x2")
    assert panel.values() == {"x1": 3.0, "x2": 2.0}  # remembered
    ev = autodiff.evaluate("x1 + x2", {"x1": 3.0, "x2": 2.0})
    assert panel.state.trace.tensors["value"][-1] == ev.value


def test_a_bad_value_is_refused_and_the_last_good_one_computes(panel):
    trace = panel.state.trace
    panel.set_value("x2", "two")
    assert "x2" in panel.values_error.error()
    assert panel.state.trace is trace
    panel.set_value("x2", "0.5")
    goto(panel, panel.state.n_steps)
    ev = autodiff.evaluate("cos(x1*x2) + x1*x2 + x1", {"x1": 1.0, "x2": 0.5})
    np.testing.assert_allclose(panel.state.trace.tensors["gradient"],
                               [ev.gradient["x1"], ev.gradient["x2"]], rtol=0, atol=0)
    assert float(table_column(panel.check_table, 1)[0]) == pytest.approx(ev.gradient["x1"],
                                                                         rel=1e-5)


def test_backward_animation_adds_the_contribution_when_it_arrives(qtbot, panel):
    panel.set_animations_enabled(True)
    panel.set_animation_speed(20.0)  # 15 ms
    steps = panel.state.trace.steps
    k = next(i + 1 for i, s in enumerate(steps) if s.title == "v̄2 (from v3)")
    goto(panel, k - 1)
    before = panel.graph.node_texts()[2].splitlines()[-1]
    assert before == "v̄2 = 1"
    goto(panel, k)
    # the marker travels first; v̄2 has not received the second contribution yet
    assert panel.graph.flow_position() is not None
    assert panel.graph.node_texts()[2].splitlines()[-1] == "v̄2 = 1"
    qtbot.waitUntil(lambda: panel.graph.flow_position() is None, timeout=3000)
    assert panel.graph.node_texts()[2].splitlines()[-1] == \
        f"v̄2 = 1 + ({fmt(-math.sin(2))}) = {fmt(1 - math.sin(2))}"


def test_flow_runs_along_the_edge_from_user_to_input(panel):
    panel.graph.set_flow(0.0, 2, backward=True)   # edge v2 -> v3 (third edge)
    e = panel.graph.edges[2]
    assert (e.src, e.dst) == (2, 3)
    start = panel.graph.flow_position()
    np.testing.assert_allclose(start, panel.graph.node_pos[3])
    panel.graph.set_flow(1.0)
    np.testing.assert_allclose(panel.graph.flow_position(), panel.graph.node_pos[2])


def test_session_round_trip_and_bad_session(panel):
    data = panel.session_data()
    assert data == {"kind": "autodiff", "inputs": {"expression": "cos(x1*x2) + x1*x2 + x1",
                                                   "values": {"x1": 1.0, "x2": 2.0}},
                    "other_values": {}}
    other = {"kind": "autodiff", "inputs": {"expression": "x1**2", "values": {"x1": 3}}}
    panel.restore_session(other)
    assert panel.expression.text() == "x1**2"
    assert panel.state.trace.tensors["gradient"][0] == 6.0
    trace = panel.state.trace
    with pytest.raises(ValueError, match="values"):
        panel.restore_session({"kind": "autodiff",
                               "inputs": {"expression": "x1", "values": {"x1": "a"}}})
    assert panel.state.trace is trace
    assert panel.expression.text() == "x1**2"


def test_layout_layers_and_bends():
    inputs = [(), (), (0, 1), (2,), (3, 2, 0)]  # the sheet's graph
    pos, chains = layered_layout(inputs)
    assert list(pos[:5, 0]) == [0, 0, 1, 2, 3]
    edges = edges_of(inputs)
    assert [(e.src, e.dst) for e in edges] == [(0, 2), (1, 2), (2, 3), (3, 4), (2, 4), (0, 4)]
    # v2 -> v4 skips layer 2 and v0 -> v4 skips layers 1 and 2: one bend per skipped layer
    assert [len(c) for c in chains] == [2, 2, 2, 2, 3, 4]
    # no bend sits on a node of its layer
    for c in chains:
        for v in c[1:-1]:
            same_layer = [i for i in range(5) if pos[i, 0] == pos[v, 0]]
            assert all(abs(pos[i, 1] - pos[v, 1]) > 0.1 for i in same_layer)
    # the sheet's graph reads left to right: no crossings, and a skipping edge runs near its
    # straight line, never out past the nodes to the top or bottom of the picture
    from pnn_gui.views.graph_view import _crossings
    members = [sorted(np.flatnonzero(pos[:, 0] == k), key=lambda v: pos[v, 1]) for k in range(4)]
    succs = [[] for _ in range(len(pos))]
    for c in chains:
        for a, b in itertools.pairwise(c):
            succs[a].append(b)
    assert _crossings(members, succs) == 0
    y_nodes = pos[:5, 1]
    for c in chains:
        ends = pos[[c[0], c[-1]]]
        for v in c[1:-1]:
            assert y_nodes.min() - 0.05 <= pos[v, 1] <= y_nodes.max() + 0.05
            t = (pos[v, 0] - ends[0, 0]) / (ends[1, 0] - ends[0, 0])
            straight = ends[0, 1] + t * (ends[1, 1] - ends[0, 1])
            assert abs(pos[v, 1] - straight) < 0.65, (c, v)
    # the output sits level with the middle of what it adds up, not off to one side
    assert abs(pos[4, 1] - np.mean(pos[[3, 5, 7], 1])) < 0.1
    # x·x: two edges between the same pair
    assert [e.slot for e in edges_of([(), (0, 0)])] == [0, 1]
    with pytest.raises(ValueError, match="inputs"):
        layered_layout([(1,), ()])


def test_a_constant_sits_just_before_its_first_user():
    # 3·sin(cos(x1)): v0 = x1, v1 = 3 (numbered before the first operation), v2 = cos, v3 = sin,
    # v4 = v1·v3; and cos(x2)**2 + x1: the 2 (v4) is numbered after operations
    ev = autodiff.evaluate("3*sin(cos(x1))", {"x1": 0.5})
    ops = [n.op for n in ev.nodes]
    const = [i for i, op in enumerate(ops) if op == "const"]
    assert len(const) == 1
    pos, _ = layered_layout([n.inputs for n in ev.nodes], const)
    user = next(i for i, n in enumerate(ev.nodes) if const[0] in n.inputs)
    assert pos[const[0], 0] == pos[user, 0] - 1 > 0
    assert pos[0, 0] == 0  # the input stays in the first column
    ev = autodiff.evaluate("cos(x2)**2 + x1", {"x1": 1.0, "x2": 2.0})
    inputs = [n.inputs for n in ev.nodes]
    c = next(i for i, n in enumerate(ev.nodes) if n.op == "const")
    user = next(i for i, ins in enumerate(inputs) if c in ins)
    pos, _ = layered_layout(inputs)  # without the list: a leaf after an operation
    assert pos[c, 0] == pos[user, 0] - 1 and pos[c, 0] > 0


def test_two_hundred_node_expression_draws(panel):
    terms = " + ".join(f"sin(x{i % 7}*{i + 1})" for i in range(60))
    expression = f"{terms} + cos(x1)*x2"
    ev = autodiff.evaluate(expression, {f"x{i}": 0.1 * i for i in range(7)})
    assert len(ev.nodes) >= 150
    panel.graph.set_graph([n.name for n in ev.nodes], list(ev.labels),
                          [n.inputs for n in ev.nodes],
                          local_derivatives=[e.partial if e.partial is not None else 0.0
                                             for e in ev.edges])
    assert len(panel.graph.node_texts()) == len(ev.nodes)
    assert panel.graph.node_texts()[10] == "v10"  # compact labels on a large graph


def test_example_loads_from_examples():
    ex = examples.load("autodiff")
    assert ex.kind == "autodiff"


def test_example_loads_in_the_window_and_renders(qtbot):
    from pnn_gui.main_window import MainWindow
    from pnn_gui.screenshot import render

    window = MainWindow()
    qtbot.addWidget(window)
    window.load_example("autodiff")
    panel = window.current_panel()
    assert isinstance(panel, AutodiffPanel)
    assert panel.state.step == 0 and panel.state.n_steps == 14
    window.set_saved()
    for step in ("0", "10", "last"):
        image = render("autodiff", step=step, size=(1280, 800))
        assert (image.width(), image.height()) == (1280, 800)


def test_precision_setting_reaches_graph_and_tables(panel):
    goto(panel, panel.state.n_steps)
    panel.set_precision(6)
    assert table_column(panel.forward_table, 2)[3] == fmt(math.cos(2), 6) == "-0.416147"
    assert panel.graph.node_texts()[3].splitlines()[1] == "= -0.416147"
    assert "∂v3/∂v2 = -sin(v2) = -0.909297" in panel.graph.edge_texts()
    panel.set_precision(3)
    assert table_column(panel.backward_table, 1)[2] == "1 + (-0.909)"


def test_a_session_with_a_refused_expression_restores_it_with_its_message(panel):
    trace = panel.state.trace
    panel.restore_session({"kind": "autodiff",
                           "inputs": {"expression": "x1 +* 2", "values": {"x1": 1.0}}})
    assert panel.expression.text() == "x1 +* 2"
    assert panel.expression_error_text().startswith("expression:")
    assert "^" in panel.expression_error.text()
    assert panel.state.trace is trace


def test_forward_animation_brings_the_operands_in(qtbot, panel):
    panel.set_animations_enabled(True)
    panel.set_animation_speed(20.0)  # 15 ms
    goto(panel, 2)
    goto(panel, 3)  # v2 = v0 · v1: two markers travel from v0 and v1 into v2
    markers = panel.graph.flow_positions()
    assert len(markers) == 2
    np.testing.assert_allclose(markers, panel.graph.node_pos[[0, 1]])
    assert panel.graph.node_texts()[2].splitlines()[1] == "= ·"
    qtbot.waitUntil(lambda: panel.graph.flow_position() is None, timeout=3000)
    assert panel.graph.node_texts()[2].splitlines()[1] == "= 2"


def autodiff_window_at_its_end(qtbot, size):
    """The main window at ``size`` with the autodiff example at its last step: its panel."""
    from pnn_gui.main_window import MainWindow

    window = MainWindow(settings=False)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.load_example("autodiff")
    window.set_saved()
    panel = window.current_panel()
    panel.state.set_step(panel.state.n_steps)
    return panel


def test_forward_values_show_whole_at_1280x800(qtbot):
    """The forward table's values were cut ("-0....") at 1280x800: its columns were measured
    while the values were still empty. The values show whole; the definitions take the rest."""
    panel = autodiff_window_at_its_end(qtbot, (1280, 800))
    table = panel.forward_table
    widest = max(table.fontMetrics().horizontalAdvance(t) for t in table_column(table, 2))
    assert table.columnWidth(2) >= widest + 6  # the cell's margins
    assert sum(table.columnWidth(c) for c in range(3)) <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()


def test_a_refused_session_leaves_the_remembered_values_as_they_were(qtbot, monkeypatch,
                                                                      tmp_path):
    """A session refused by a later panel (Network) is undone in every panel restored before
    it: the autodiff panel's remembered value of a variable (x3, typed, then gone from the
    formula) was left at the refused file's 7, and came back when x3 was typed again."""
    import json

    from pnn_gui import dialogs
    from pnn_gui.main_window import MainWindow

    shown = []
    monkeypatch.setattr(dialogs, "show_message",
                        lambda parent, title, text, error=True: shown.append(text))
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    window = MainWindow(settings=False)
    qtbot.addWidget(window)
    window.set_animations_enabled(False)
    panel = window.panel("Autodiff")
    type_expression(qtbot, panel, "x1 + x3")
    panel.set_value("x3", "4")
    type_expression(qtbot, panel, "x1 * x2")
    before = panel.session_data()
    panels = window.files.session().panels
    panels = {"Autodiff": {"kind": "autodiff", "inputs": {
                  "expression": "x2 - x1", "values": {"x1": 5.0, "x2": 6.0, "x3": 7.0}}},
              "Network": {**panels["Network"], "inputs": "not a chain"}}      # refused
    path = tmp_path / "s.pnn.json"
    path.write_text(json.dumps({"format": 1, "panel": "Autodiff", "panels": panels}),
                    encoding="utf-8")
    assert window.files.open_session_file(str(path)) is False
    assert "Network" in shown[-1]
    assert panel.session_data() == before
    type_expression(qtbot, panel, "x1 + x3")
    assert panel.values() == {"x1": 1.0, "x3": 4.0}


def test_a_session_keeps_the_values_of_variables_gone_from_the_formula(panel):
    """Saved and opened again, a value typed for a variable the formula no longer uses (x3)
    is still there when the variable comes back."""
    panel.restore_session({"kind": "autodiff",
                           "inputs": {"expression": "x1 + x3", "values": {"x1": 1, "x3": 4}}})
    panel.restore_session({"kind": "autodiff",
                           "inputs": {"expression": "x1", "values": {"x1": 2}}})
    data = panel.session_data()
    assert data["other_values"]["x3"] == 4.0
    other = make_panel_like(panel)
    other.restore_session(data)
    other.expression.setText("x1 + x3")
    other.commit_edits()
    assert other.values() == {"x1": 2.0, "x3": 4.0}
    with pytest.raises(ValueError, match="other_values"):
        other.restore_session({**data, "other_values": {"x3": "four"}})
    assert other.values() == {"x1": 2.0, "x3": 4.0}


def make_panel_like(panel):
    """A second panel of the same class, kept alive as long as ``panel``."""
    other = type(panel)()
    other.set_animations_enabled(False)
    other.setParent(panel)
    return other


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_the_graph_and_the_tables_are_legible(qtbot, size):
    """At both window sizes, at the last step: every node box and edge label inside the graph,
    none over another (at 1280x800 the label of v3 → v4 was cut to "-0.909" and labels lay on
    the boxes), the text at its full size; every label names its derivative; the tables need no
    sideways scroll bar and show every row and every value whole."""
    panel = autodiff_window_at_its_end(qtbot, size)
    qtbot.wait(1)
    graph = panel.graph
    assert graph.font_points() == (9.0, 8.0)
    boxes = graph.drawn_boxes()
    assert len(boxes) == 5 + 6
    inside = QtCore.QRectF(graph.rect())
    for text, rect in boxes:
        assert inside.contains(rect), f"{text!r} at {rect} is not inside the graph {inside}"
    for (a, ra), (b, rb) in itertools.combinations(boxes, 2):
        assert not ra.intersects(rb), f"{a!r} lies over {b!r}"
    assert all(t.startswith("∂v") for t in graph.edge_texts())
    legend = panel.graph_legend   # says what the labels and the node colours mean
    assert legend.isVisible() and "local derivative" in legend.text()
    assert FILL_NEGATIVE in legend.text() and "v̄ < 0" in shown_text(legend.text())
    assert "∂v4/∂v3 = 1" in graph.edge_texts()
    for table in (panel.forward_table, panel.backward_table):
        assert not table.horizontalScrollBar().isVisible()
        assert not table.verticalScrollBar().isVisible()
        metrics = table.fontMetrics()
        for col in range(table.columnCount()):
            widest = max(metrics.horizontalAdvance(t) for t in table_column(table, col))
            assert table.columnWidth(col) >= widest + 6, (table, col)


def test_an_edge_shows_its_number_once_its_user_is_computed(panel):
    """At step 0 the graph gives no number away: each edge its derivative and rule; the
    number of ∂v3/∂v2 shows once v3 is computed (step 4), going back hides it again."""
    goto(panel, 0)
    assert panel.graph.edge_texts() == ["∂v2/∂v0 = v1", "∂v2/∂v1 = v0", "∂v3/∂v2 = -sin(v2)",
                                        "∂v4/∂v3", "∂v4/∂v2", "∂v4/∂v0"]
    goto(panel, 4)
    texts = panel.graph.edge_texts()
    assert texts[:3] == ["∂v2/∂v0 = v1 = 2", "∂v2/∂v1 = v0 = 1",
                         f"∂v3/∂v2 = -sin(v2) = {fmt(-math.sin(2))}"]
    assert texts[3:] == ["∂v4/∂v3", "∂v4/∂v2", "∂v4/∂v0"]
    goto(panel, 3)
    assert panel.graph.edge_texts()[2] == "∂v3/∂v2 = -sin(v2)"
