"""Autodiff panel (the sheet's Task 4): reverse-mode automatic differentiation of a typed formula.

Left: the expression and a table of variable values. A typed expression takes effect on Enter,
when the field is left, or after a pause in typing (:data:`RECOMPUTE_PAUSE_MS`), never on every
keystroke: the half-typed ``cos(x1*`` passes the valid prefix ``co``, which must not become the
graph. Refused input is then shown inline, with a caret under the column the engine names, and
the values table keeps the variables of the formula on screen; once a new formula parses, the
table holds its variables, keeping the values already typed.

Centre: the computational graph (nodes as the sheet writes them, with value and adjoint; edges
with their local derivative), the forward trace table, the backward table of ``+=``
contributions, and at the end the gradient beside a central-difference check.

Stepping backward, each edge's contribution v̄_i · ∂v_i/∂v_j travels along the edge from v_i to
v_j and is added to v_j's adjoint; a node used twice visibly receives two. The GUI computes no
derivative: the trace comes from ``engine.traces.autodiff.solve`` and the check is
``engine.gradcheck``'s central differences of ``engine.autodiff.evaluate``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine import autodiff, examples, gradcheck
from engine.examples import Example
from engine.steps import Step, Trace, fmt
from pnn_gui import style
from pnn_gui.panels.base import (
    Panel,
    inputs_column,
    session_inputs,
    splitter,
    wrong_example,
)
from pnn_gui.state import PanelState
from pnn_gui.style import MUTED, tint
from pnn_gui.views.graph_view import (
    FULL_LABEL_NODES,
    GraphView,
    contributions_text,
    legend_html,
)
from pnn_gui.widgets.animation import progress_animation
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.matrix_editor import parse_number

KIND = "autodiff"
FIELDS = ("expression", "values")
DEFAULT = {"expression": "cos(x1*x2) + x1*x2 + x1", "values": {"x1": 1.0, "x2": 2.0}}
#: value given to a variable that appears for the first time
NEW_VALUE = 1.0
#: characters of the expression shown around the place of an error
ERROR_CONTEXT = 32
#: a typed expression takes effect after this pause in typing (or at once on Enter)
RECOMPUTE_PAUSE_MS = 600
#: how long a value or a contribution travels along its edge at speed 1
TRAVEL_MS = 300
#: the tables show this many rows (more scroll); the graph takes the height that is left
TABLE_ROWS = 6
CHECK_ROWS = 4
ROW_HEIGHT = 22

_CURRENT = QtGui.QBrush(QtGui.QColor("#fff3c4"))
_NONE = QtGui.QBrush()


@dataclass(frozen=True)
class GraphInfo:
    """What the views need of one trace, derived once (never per step)."""

    names: list[str]
    labels: list[str]
    inputs: list[tuple[int, ...]]
    edge_texts: list[str]
    #: per step: (edge index or -1, target node j, contribution v̄_i·∂v_i/∂v_j) for edge steps
    step_edges: list[tuple[int, int, float] | None]
    evaluation: Any


def graph_info(trace: Trace, evaluation, digits: int = 4) -> GraphInfo:
    nodes = evaluation.nodes
    names = [n.name for n in nodes]
    labels = list(evaluation.labels)
    inputs = [tuple(n.inputs) for n in nodes]
    compact = len(nodes) > FULL_LABEL_NODES
    texts = []
    for e in evaluation.edges:   # ∂v_target/∂v_source, its rule in symbols, its number
        if e.partial is None:
            texts.append("")
            continue
        number = fmt(e.partial, digits)
        if compact:   # (the caption says what the numbers are)
            texts.append(number)
            continue
        lines = [f"∂{names[e.target]}/∂{names[e.source]}"]
        if e.derivative not in ("1", "-1", number):
            lines.append(f"= {e.derivative}")
        texts.append("\n".join([*lines, f"= {number}"]))
    adjoint = trace.tensors["adjoint"]
    step_edges: list[tuple[int, int, float] | None] = []
    for s in trace.steps:  # a backward step along one edge: v̄_j += v̄_i · ∂v_i/∂v_j
        hit = None
        if s.phase == "backward" and len(s.edges) == 1 and len(s.writes) == 1:
            e = evaluation.edges[s.edges[0]]
            if e.partial is not None:
                hit = (s.edges[0], e.source, float(adjoint[e.target]) * float(e.partial))
        step_edges.append(hit)
    return GraphInfo(names, labels, inputs, texts, step_edges, evaluation)


class AutodiffPanel(Panel):
    title = "Autodiff"

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        try:
            inputs = _checked(examples.load("autodiff").inputs)
        except ValueError:
            inputs = _checked(DEFAULT)
        #: every value ever typed, by variable name (kept when a name leaves the expression)
        self._known: dict[str, float] = dict(inputs["values"])
        self._variables: tuple[str, ...] = tuple(inputs["values"])
        self.state = PanelState(KIND, inputs)
        self._build_inputs(inputs)
        self._build_views()
        self._info: GraphInfo | None = None
        self._check: dict[str, float | str] = {}
        self._digits = 4
        #: a step's value or contribution travelling along its edges, written when it arrives
        self._travel = progress_animation(self, self._on_travel_frame, self._on_arrived)
        self._arriving: tuple[int, int | None] | None = None  # (k, node) written on arrival
        self._shaded: tuple[int | None, int | None] = (None, None)
        self.state.subscribe(self._on_state_changed)
        self._on_state_changed("errors")
        self.show_step(self.state.step)

    # -- building -------------------------------------------------------------------------------
    def _build_inputs(self, inputs: dict[str, Any]) -> None:
        w, lay = inputs_column("autodiffInputs")
        intro = QtWidgets.QLabel(
            "Type a formula in x1, x2, … with + - * / **, sin cos tan exp log sqrt tanh "
            "sigmoid relu abs, pi and e. The graph, its values and the reverse pass follow.")
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #555;")
        lay.addWidget(intro)
        lay.addWidget(QtWidgets.QLabel("<b>L =</b>"))
        self.expression = QtWidgets.QLineEdit(inputs["expression"])
        mono = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.expression.setFont(mono)
        style.set_point_size(self.expression, style.DESIGN_POINTS)  # follows View → Zoom
        self.expression.setToolTip("the expression: Enter (or a pause in typing) recomputes; "
                                   "refused input is explained below")
        self._typing = QtCore.QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.timeout.connect(self.commit_edits)
        self.expression.textEdited.connect(self._on_expression_edited)
        self.expression.editingFinished.connect(self.commit_edits)  # Enter, or leaving it
        lay.addWidget(self.expression)
        self.expression_error = QtWidgets.QLabel()
        self.expression_error.setObjectName("expressionError")
        self.expression_error.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.expression_error.setWordWrap(True)
        self.expression_error.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.expression_error.setVisible(False)
        lay.addWidget(self.expression_error)
        lay.addWidget(QtWidgets.QLabel("<b>Values</b>"))
        self.values_table = QtWidgets.QTableWidget(0, 2)
        self.values_table.setHorizontalHeaderLabels(["variable", "value"])
        self.values_table.verticalHeader().setVisible(False)
        self.values_table.horizontalHeader().setStretchLastSection(True)
        self.values_table.itemChanged.connect(self._on_value_item_changed)
        lay.addWidget(self.values_table)
        self.values_error = ErrorLabel()
        lay.addWidget(self.values_error)
        self.general_error = ErrorLabel()
        lay.addWidget(self.general_error)
        lay.addStretch(1)
        self.inputs_widget = w
        self._fill_values_table(self._variables)

    def _build_views(self) -> None:
        self.graph = GraphView()
        self.forward_table = _table(["v", "definition", "value"])
        # the values whole; the definitions take the width that is left
        header = self.forward_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.backward_table = _table(["v̄", "+= contributions", "value"])
        # the values whole; the contributions take the width that is left
        header = self.backward_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.check_table = _table(["", "∂L/∂x (reverse)", "central diff.", "difference"])
        self.check_caption = QtWidgets.QLabel()   # (one line: the splitter keeps its height)
        tint(self.check_caption, MUTED)
        tables = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(tables)
        grid.setContentsMargins(0, 0, 0, 0)
        for col, (title, table) in enumerate((
                ("<b>Forward</b>  v<sub>i</sub> = op(…)", self.forward_table),
                ("<b>Backward</b>  v̄<sub>j</sub> += v̄<sub>i</sub> · "
                 "∂v<sub>i</sub>/∂v<sub>j</sub>", self.backward_table))):
            grid.addWidget(QtWidgets.QLabel(title), 0, col)
            grid.addWidget(table, 1, col)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        grid.addWidget(QtWidgets.QLabel("<b>Gradient</b> beside a central-difference check"),
                       2, 0, 1, 2)
        grid.addWidget(self.check_table, 3, 0, 1, 2)
        grid.addWidget(self.check_caption, 4, 0, 1, 2)
        grid.setRowStretch(1, 1)
        picture = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(picture)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.graph, 1)
        #: says what the edge labels and the node colours mean
        self.graph_legend = QtWidgets.QLabel(legend_html())
        self.graph_legend.setObjectName("graphLegend")
        self.graph_legend.setWordWrap(True)
        tint(self.graph_legend, MUTED)
        column.addWidget(self.graph_legend)
        # the tables as tall as their rows (up to TABLE_ROWS), the graph takes the rest
        self.view_widget = splitter(True, [(picture, 1), (tables, 0)], "autodiffView")

    # -- Panel hooks ----------------------------------------------------------------------------
    def load_example(self, example: Example) -> None:
        if example.kind != KIND:
            raise wrong_example(example, "an autodiff")
        inputs = _checked(example.inputs)
        self._apply_inputs(inputs)
        self._finish_load(example)

    def session_data(self) -> dict[str, Any]:
        """The inputs, and under ``"other_values"`` the values typed for variables the formula
        no longer uses (they come back with their variable)."""
        data = super().session_data()
        values = self.state.inputs["values"]
        data["other_values"] = {k: v for k, v in self._known.items() if k not in values}
        return data

    def restore_session(self, data: dict[str, Any]) -> None:
        """Inverse of :meth:`session_data`, exactly: the remembered values become the file's
        (so a refused session, undone with what this returned, leaves none of its own behind);
        a file without ``"other_values"`` adds its values to those remembered."""
        inputs = _checked(session_inputs(data, KIND, FIELDS))
        if "other_values" in data:
            other = _numbers(data["other_values"], "other_values")
            self._known = {**other, **inputs["values"]}
        self._apply_inputs(inputs)

    def _apply_inputs(self, inputs: dict[str, Any]) -> None:
        self._typing.stop()
        self.expression.setText(inputs["expression"])
        self._known.update(inputs["values"])
        refused = None
        try:
            self._variables = autodiff.parse(inputs["expression"]).variables
        except autodiff.ExpressionError as exc:  # kept as typed; the message says what is wrong
            refused = exc
            self._variables = tuple(inputs["values"])
        self._fill_values_table(self._variables)
        self._show_expression_error(refused)
        self.state.set_inputs(inputs, replace=True)

    def set_precision(self, digits: int) -> None:
        """Significant digits in the graph and the tables (the gradient check shows two more)."""
        self._digits = max(1, int(digits))
        self.redraw()  # the graph's labels at the new precision

    def set_animations_enabled(self, enabled: bool) -> None:
        super().set_animations_enabled(enabled)
        if not enabled and self._travel.state() == QtCore.QAbstractAnimation.State.Running:
            self._travel.stop()
            self._on_arrived()

    # -- drawing --------------------------------------------------------------------------------
    def _on_new_trace(self, trace: Trace) -> None:
        expression = self.state.inputs["expression"]
        values = self.state.inputs["values"]
        evaluation = autodiff.evaluate(expression, values)
        self._info = info = graph_info(trace, evaluation, self._digits)
        self.graph.digits = self._digits
        self.graph.set_graph(info.names, info.labels, info.inputs, edge_texts=info.edge_texts,
                             constants=[i for i, node in enumerate(evaluation.nodes)
                                        if node.op == "const"],
                             final=(trace.tensors["value"], trace.tensors["adjoint"],
                                    self._contributions(len(trace.steps))))
        self._check = gradcheck.central_differences_by_name(
            lambda point: autodiff.evaluate(expression, point).value,
            {v: values[v] for v in evaluation.variables})
        n = len(info.names)
        for table in (self.forward_table, self.backward_table):
            table.setRowCount(n)
        for i in range(n):
            name, _, rhs = info.labels[i].partition(" = ")
            _set(self.forward_table, i, 0, name)
            _set(self.forward_table, i, 1, rhs)
            # the final value, for the column's width (each step then shows its own)
            _set(self.forward_table, i, 2, fmt(trace.tensors["value"][i], self._digits))
            j = n - 1 - i  # backward table: output first, as the sheet writes it
            _set(self.backward_table, i, 0, "v̄" + info.names[j][1:])
        variables = evaluation.variables
        self.check_table.setRowCount(len(variables))
        for r, v in enumerate(variables):
            _set(self.check_table, r, 0, f"∂L/∂{v}")
        self.check_caption.setText(f"central difference (L(x + h) − L(x − h)) / 2h, "
                                   f"h = {gradcheck.H:g}·max(1, |x|)")
        self.check_caption.setToolTip("the central difference of L, evaluated by the engine "
                                      "at x ± h for each variable x in turn")
        self._shaded = (None, None)
        for table in (self.forward_table, self.backward_table):
            for r in range(n):
                _shade(table, r, False)
        for col in (0, 2):  # (the definitions stretch)
            self.forward_table.resizeColumnToContents(col)
        self.backward_table.resizeColumnToContents(0)
        # the value column as wide as the widest adjoint any step writes (measured once, not
        # per step; the += contributions take the rest)
        adjoints = [fmt(v, self._digits) for s in trace.steps
                    for (name, _), v in zip(s.writes, s.values, strict=True) if name == "adjoint"]
        metrics = self.backward_table.fontMetrics()
        self.backward_table.setColumnWidth(2, max(
            (metrics.horizontalAdvance(t) for t in [*adjoints, "value"]), default=0) + 16)
        self.check_table.resizeColumnsToContents()
        for table, rows in ((self.forward_table, min(n, TABLE_ROWS)),
                            (self.backward_table, min(n, TABLE_ROWS)),
                            (self.check_table, min(len(variables), CHECK_ROWS))):
            table.setFixedHeight(table.horizontalHeader().height() + 4 + ROW_HEIGHT * max(1, rows))

    def _draw(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
              animate: bool) -> None:
        node, edges, backward = self._motion(k, step)
        self._travel.stop()
        self._arriving = None
        if animate and edges:
            # the value or contribution travels along its edge(s) first, then is written: until
            # the markers arrive the graph shows the state before this step
            self._draw_graph(k - 1, self.cursor.tensors_at(k - 1), active_node=node)
            self.graph.set_active(edges)
            self._arriving = (k, node)
            self.graph.set_flow(0.0, edges, backward=backward)
            self._travel.setDuration(self._ms(TRAVEL_MS))
            self._travel.start()
        else:
            self._draw_graph(k, tensors, active_node=node)
            self.graph.set_active(edges)
            self.graph.set_flow(None)
        self._draw_tables(k, tensors, step)

    def _contributions(self, k: int) -> list[list[float]]:
        """Each node's ``+=`` contributions in steps[0:k], in order."""
        assert self._info is not None
        out: list[list[float]] = [[] for _ in self._info.names]
        for hit in self._info.step_edges[:k]:
            if hit is not None:
                out[hit[1]].append(hit[2])
        return out

    def _used_edges(self, k: int) -> list[int]:
        assert self._info is not None
        return [hit[0] for hit in self._info.step_edges[:k] if hit is not None]

    def _draw_graph(self, k: int, done: dict[str, np.ndarray], active_node: int | None) -> None:
        """The graph after steps[0:k]: values, adjoints, each node's contributions so far."""
        self.graph.show_state(done["value"], done["adjoint"], self._contributions(k),
                              active_node, self._used_edges(k))

    def _draw_tables(self, k: int, done: dict[str, np.ndarray], step) -> None:
        assert self._info is not None
        n = len(self._info.names)
        value, adjoint = done["value"], done["adjoint"]
        contributions = self._contributions(k)
        d = self._digits
        cur_fwd = cur_bwd = None
        if step is not None and step.writes:
            name, idx = step.writes[0]
            if name == "value" and idx:
                cur_fwd = int(idx[0])
            elif name == "adjoint" and idx:
                cur_bwd = int(idx[0])
        for i in range(n):
            _set(self.forward_table, i, 2, "" if np.isnan(value[i]) else fmt(value[i], d))
            j = n - 1 - i
            _set(self.backward_table, i, 1, contributions_text(contributions[j], d))
            _set(self.backward_table, i, 2, "" if np.isnan(adjoint[j]) else fmt(adjoint[j], d))
        # move the highlight: only the rows that change
        rows = (cur_fwd, None if cur_bwd is None else n - 1 - cur_bwd)
        for table, old, new in zip((self.forward_table, self.backward_table), self._shaded, rows,
                                   strict=True):
            if old != new:
                if old is not None and old < table.rowCount():
                    _shade(table, old, False)
                if new is not None:
                    _shade(table, new, True)
        self._shaded = rows
        if cur_fwd is not None:
            self.forward_table.scrollToItem(self.forward_table.item(cur_fwd, 0))
        if cur_bwd is not None:
            self.backward_table.scrollToItem(self.backward_table.item(n - 1 - cur_bwd, 0))
        gradient = done["gradient"]
        variables = self._info.evaluation.variables
        before = [self.check_table.item(r, 1).text() if self.check_table.item(r, 1) else ""
                  for r in range(len(variables))]
        for r, v in enumerate(variables):
            g = gradient[r]
            check = self._check.get(v)
            if np.isnan(g):
                cells = ("", "", "")
            elif isinstance(check, str):
                cells = (fmt(g, d + 2), check, "")
            else:
                cells = (fmt(g, d + 2), fmt(check, d + 2), f"{g - check:.2e}")
            for c, text in enumerate(cells, start=1):
                _set(self.check_table, r, c, text)
        if before != [self.check_table.item(r, 1).text() for r in range(len(variables))]:
            self.check_table.resizeColumnsToContents()

    def _on_travel_frame(self, value) -> None:
        if self._arriving is not None:
            self.graph.set_flow(float(value))

    def _on_arrived(self) -> None:
        if self._arriving is None:
            return
        k, node = self._arriving
        self._arriving = None
        self.graph.set_flow(None)
        self._draw_graph(k, self.cursor.tensors_at(k), active_node=node)

    def _motion(self, k: int, step: Step | None) -> tuple[int | None, list[int], bool]:
        """What step k moves: (node written, edges travelled, backward?).

        A backward edge step ``v̄_j += v̄_i · ∂v_i/∂v_j`` travels its edge from v_i to v_j; a
        forward step ``v_i = op(…)`` brings its operands along their edges into v_i.
        """
        if step is None:
            return None, [], True
        hit = self._info.step_edges[k - 1]
        if hit is not None:
            return hit[1], [hit[0]], True
        if not step.writes:
            return None, [], True
        name, idx = step.writes[0]
        if name not in ("value", "adjoint") or not idx:
            return None, [], True
        node = int(idx[0])
        if name == "value" and len(step.writes) == 1:
            return node, list(step.edges), False
        return node, [], True

    # -- inputs ---------------------------------------------------------------------------------
    def _on_expression_edited(self, _text: str) -> None:
        self._typing.start(RECOMPUTE_PAUSE_MS)  # each keystroke starts the pause again

    def commit_edits(self) -> None:
        """The typed expression takes effect now (Enter, leaving the field, the pause, and the
        window before a save or an export)."""
        self._typing.stop()
        text = self.expression.text()
        if text == self.state.inputs["expression"]:
            return
        try:
            graph = autodiff.parse(text)
        except autodiff.ExpressionError as exc:
            self._show_expression_error(exc)
            self.state.set_input("expression", text)  # kept in inputs; the last graph stays
            return
        self._show_expression_error(None)
        self._variables = graph.variables
        self._fill_values_table(self._variables)
        self._recompute(text)

    def _recompute(self, text: str | None = None) -> None:
        expression = self.expression.text() if text is None else text
        values = {v: self._known.get(v, NEW_VALUE) for v in self._variables}
        self.state.set_inputs({"expression": expression, "values": values})

    def _fill_values_table(self, variables: tuple[str, ...]) -> None:
        t = self.values_table
        t.blockSignals(True)
        t.setRowCount(len(variables))
        for r, name in enumerate(variables):
            item = QtWidgets.QTableWidgetItem(name)
            item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
            t.setItem(r, 0, item)
            v = self._known.setdefault(name, NEW_VALUE)
            cell = QtWidgets.QTableWidgetItem(repr(float(v)) if v != int(v) else fmt(v))
            cell.setToolTip(repr(float(v)))
            t.setItem(r, 1, cell)
        t.blockSignals(False)
        t.setFixedHeight(t.horizontalHeader().height() + 4
                         + t.verticalHeader().defaultSectionSize() * max(1, min(len(variables),
                                                                                  8)))
        self.values_error.set_error("")

    def _on_value_item_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if item.column() != 1:
            return
        name = self.values_table.item(item.row(), 0).text()
        try:
            v = parse_number(item.text())
        except ValueError as exc:
            item.setBackground(QtGui.QBrush(QtGui.QColor("#ffcdd2")))
            message = (f"{name}: {exc}; the last good value {self._known.get(name, NEW_VALUE)!r} "
                       "is used")
            self.values_error.set_error(message)
            self.status.emit(message)
            return
        item.setBackground(_NONE)
        self.values_error.set_error("")
        self._known[name] = v
        self._recompute()

    def set_value(self, name: str, text: str) -> None:
        """Type ``text`` into the value cell of ``name`` (for tests and scripts)."""
        for r in range(self.values_table.rowCount()):
            if self.values_table.item(r, 0).text() == name:
                self.values_table.item(r, 1).setText(text)
                return
        raise ValueError(f"values: no variable {name!r} in the expression")

    def values(self) -> dict[str, float]:
        return {v: self._known[v] for v in self._variables}

    def _show_expression_error(self, exc: Exception | None) -> None:
        label = self.expression_error
        if exc is None:
            label.clear()
            label.setVisible(False)
            return
        text = self.expression.text()
        col = getattr(exc, "column", None)
        msg = html.escape(str(exc))
        if col is not None and 0 <= col <= len(text):
            # a window of the text around the column, so a long expression stays narrow
            start = max(0, min(col - ERROR_CONTEXT // 2, len(text) - ERROR_CONTEXT))
            end = min(len(text), start + ERROR_CONTEXT)
            lead = "…" if start > 0 else ""
            tail = "…" if end < len(text) else ""
            before = html.escape(lead + text[start:col])
            at = html.escape(text[col:col + 1]) or "&nbsp;"
            after = html.escape(text[col + 1:end] + tail)
            caret = "&nbsp;" * (len(lead) + col - start) + "^"
            label.setText(
                "<pre style='margin:0'>" + before
                + f"<span style='background:#ffcdd2;color:#b71c1c'>{at}</span>" + after
                + f"<br><span style='color:#c62828'>{caret}</span></pre>"
                + f"<span style='color:#c62828'>{msg}</span>")
        else:
            label.setText(f"<span style='color:#c62828'>{msg}</span>")
        label.setToolTip(str(exc))
        label.setVisible(True)

    def expression_error_text(self) -> str:
        """The message shown under the expression ("" when none)."""
        return "" if self.expression_error.isHidden() else self.expression_error.toolTip()

    def _on_state_changed(self, what: str) -> None:
        if what != "errors":
            return
        errors = dict(self.state.errors)
        expr_msg = errors.pop("expression", "")
        if expr_msg:
            if not self.expression_error.text():
                self._show_expression_error(autodiff.ExpressionError(expr_msg))
        elif not errors:
            self._show_expression_error(None)
        self.general_error.set_error("\n".join(errors.values()))


def _checked(raw: Any) -> dict[str, Any]:
    """``{"expression": str, "values": {name: float}}``; ValueError naming the field."""
    if not isinstance(raw, dict):
        raise ValueError(f"inputs: expected an object, got {type(raw).__name__}")
    expression = raw.get("expression")
    if not isinstance(expression, str):
        raise ValueError(f"expression: expected text, got {type(expression).__name__}")
    return {"expression": expression, "values": _numbers(raw.get("values"), "values")}


def _numbers(values: Any, key: str) -> dict[str, float]:
    """``{name: float}`` from an object of finite numbers; ValueError naming ``key``."""
    if not isinstance(values, dict):
        raise ValueError(f"{key}: expected an object of numbers, got {type(values).__name__}")
    out = {}
    for k, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise ValueError(f"{key}: {k!r} must be a finite number, got {v!r}")
        out[str(k)] = float(v)
    return out


def _table(headers: list[str]) -> QtWidgets.QTableWidget:
    t = QtWidgets.QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
    t.horizontalHeader().setStretchLastSection(True)
    t.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    return t


def _set(table: QtWidgets.QTableWidget, row: int, col: int, text: str) -> None:
    item = table.item(row, col)
    if item is None:
        table.setItem(row, col, QtWidgets.QTableWidgetItem(text))
    elif item.text() != text:
        item.setText(text)


def _shade(table: QtWidgets.QTableWidget, row: int, on: bool) -> None:
    for c in range(table.columnCount()):
        item = table.item(row, c)
        if item is None:
            item = QtWidgets.QTableWidgetItem("")
            table.setItem(row, c, item)
        item.setBackground(_CURRENT if on else _NONE)
