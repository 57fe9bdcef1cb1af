"""The computational graph of an expression, laid out in layers from the inputs to the output.

Nodes are boxes labelled as the sheet writes them (``v3 = cos(v2)``) with their value and adjoint;
every edge ``v_j → v_i`` carries its local derivative ∂v_i/∂v_j at its middle. Layers are the
longest path from an input (inputs in layer 0, the output last); within a layer nodes are ordered
by barycentre sweeps (the ordering with the fewest crossings is kept), then each node and bend
point is pulled level with its neighbours, keeping the order and the gaps — so an edge that
skips layers runs near its straight line.

All drawing goes through a fixed set of items created once: one ``PlotDataItem`` for the edges
(``connect="pairs"``), one for the highlighted edge, one ``ScatterPlotItem`` for the moving
marker and two :class:`~pnn_gui.views.text_layer.TextLayer` (node boxes, edge labels). A new
graph is ``set_graph``; a step is ``show_state`` + ``set_active``; an animation frame is
``set_flow``. Views never write state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from engine.steps import fmt
from pnn_gui import style
from pnn_gui.views.text_layer import TextLayer

#: nodes beyond this count are drawn compactly (name only; value and adjoint in the tables)
FULL_LABEL_NODES = 30
#: edge labels are drawn for graphs with at most this many edges
LABELLED_EDGES = 400

POSITIVE = "#b2182b"   # red for > 0
NEGATIVE = "#2166ac"   # blue for < 0
ACTIVE = "#ff8c00"
NODE_FONT = 9.0
EDGE_FONT = 8.0
#: most a view larger than the layout's design size spreads it, across and down (boxes keep
#: their size: longer edges read well, a tall gap between rows does not)
MAX_SPREAD = (3.0, 1.8)


@dataclass(frozen=True)
class Edge:
    src: int          # the input v_j
    dst: int          # the node v_i that uses it
    slot: int         # 0 for the first edge between this pair, 1 for the second (x·x), …


def contributions_text(contributions: Sequence[float], digits: int = 4) -> str:
    """``1 + (-0.9093)``: the ``+=`` contributions to one adjoint, in order."""
    return " + ".join(f"({fmt(c, digits)})" if c < 0 else fmt(c, digits) for c in contributions)


def edges_of(inputs: Sequence[Sequence[int]]) -> list[Edge]:
    """One edge per use of an input, in node order then argument order."""
    out: list[Edge] = []
    for i, ins in enumerate(inputs):
        seen: dict[int, int] = {}
        for j in ins:
            k = seen.get(j, 0)
            seen[j] = k + 1
            out.append(Edge(int(j), i, k))
    return out


def layered_layout(inputs: Sequence[Sequence[int]], constants: Sequence[int] | None = None
                   ) -> tuple[np.ndarray, list[list[int]]]:
    """Positions of the nodes and of the bends of every edge (Sugiyama-style, simplified).

    ``inputs[i]`` are the indices of node i's inputs; each must be smaller than i (evaluation
    order). x is the layer (longest path from an input), y the rank within the layer, centred.
    An edge that skips layers gets a virtual point in each layer it crosses, ordered with the
    nodes, so it bends around them instead of running through them.

    Returns ``(pos, chains)``: ``pos`` is (n + virtual points, 2), the first n rows the nodes;
    ``chains[e]`` lists the rows an edge passes through, from its input to its user, for the
    edges of :func:`edges_of` (same order).
    """
    n = len(inputs)
    layer_of: list[int] = [0] * n
    for i, ins in enumerate(inputs):
        for j in ins:
            if not 0 <= j < i:
                raise ValueError(f"inputs: node {i} uses node {j}; inputs must come before the "
                                 "node that uses them")
        if ins:
            layer_of[i] = 1 + max(layer_of[j] for j in ins)
    # a constant sits just before its first user rather than with the inputs, where its edge
    # would cross the whole graph; without ``constants``, a leaf numbered after an operation
    # (the inputs come first) is taken for one
    if constants is None:
        first_op = next((i for i, ins in enumerate(inputs) if ins), n)
        constants = [i for i in range(first_op + 1, n) if not inputs[i]]
    users: list[list[int]] = [[] for _ in range(n)]
    for i, ins in enumerate(inputs):
        for j in ins:
            users[j].append(i)
    for i in constants:
        if not inputs[i] and users[i]:
            layer_of[i] = max(0, min(layer_of[u] for u in users[i]) - 1)
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    pair_chain: dict[tuple[int, int], list[int]] = {}
    chains: list[list[int]] = []
    for e in edges_of(inputs):
        key = (e.src, e.dst)
        if key not in pair_chain:
            chain = [e.src]
            for lay in range(layer_of[e.src] + 1, layer_of[e.dst]):
                layer_of.append(lay)
                preds.append([])
                succs.append([])
                chain.append(len(layer_of) - 1)
            chain.append(e.dst)
            for a, b in pairwise(chain):
                succs[a].append(b)
                preds[b].append(a)
            pair_chain[key] = chain
        chains.append(pair_chain[key])
    layer = np.asarray(layer_of, dtype=int)
    n_layers = int(layer.max(initial=0)) + 1
    members = [list(np.flatnonzero(layer == k)) for k in range(n_layers)]
    is_node = np.arange(len(layer)) < n

    def gaps(nodes: list[int]) -> np.ndarray:
        # nodes one apart; a bend point (no box) needs less room
        if len(nodes) < 2:
            return np.zeros(0)
        a, b = is_node[nodes[:-1]], is_node[nodes[1:]]
        return np.where(a & b, 1.0, np.where(a | b, 0.5, 0.3))

    rank = np.zeros(len(layer), dtype=float)

    def stack(k: int) -> None:
        nodes = members[k]
        y = np.concatenate([[0.0], np.cumsum(gaps(nodes))])
        rank[nodes] = y - y[-1] / 2

    for k in range(n_layers):
        stack(k)
    # ordering: barycentre sweeps, down (by predecessors) then up (by successors); the inputs'
    # column is ordered too (by their users), and the ordering with the fewest crossings is kept
    best, best_cross = [list(m) for m in members], _crossings(members, succs)
    for _ in range(4):
        for direction in ("down", "up"):
            order = range(1, n_layers) if direction == "down" else range(n_layers - 2, -1, -1)
            nbrs = preds if direction == "down" else succs
            for k in order:
                nodes = members[k]
                if len(nodes) < 2:
                    continue
                keys = [float(np.mean(rank[nbrs[v]])) if nbrs[v] else rank[v] for v in nodes]
                members[k] = [nodes[m] for m in np.argsort(keys, kind="stable")]
                stack(k)
            cross = _crossings(members, succs)
            if cross < best_cross:
                best, best_cross = [list(m) for m in members], cross
    members = best
    for k in range(n_layers):
        stack(k)
    # coordinates: each point pulled to the mean height of its neighbours, keeping the order
    # and the gaps (a least-squares fit per layer), so a chain of bend points runs near the
    # straight line between its ends and a node sits level with what it connects to
    nbr_all = [p + s for p, s in zip(preds, succs, strict=True)]
    for _ in range(8):
        for k in list(range(n_layers)) + list(range(n_layers - 1, -1, -1)):
            nodes = members[k]
            want = np.array([np.mean(rank[nbr_all[v]]) if nbr_all[v] else rank[v]
                             for v in nodes])
            rank[nodes] = _fit_ordered(want, gaps(nodes))
    if len(rank):
        rank -= (rank.max() + rank.min()) / 2
    return np.column_stack([layer.astype(float), rank]), chains


def _crossings(members: list[list[int]], succs: list[list[int]]) -> int:
    """Edge crossings between neighbouring layers for this ordering."""
    total = 0
    for k in range(len(members) - 1):
        pos = {v: r for r, v in enumerate(members[k + 1])}
        ends = [(r, pos[w]) for r, v in enumerate(members[k]) for w in succs[v] if w in pos]
        if len(ends) < 2:
            continue
        a = np.asarray(ends)
        i, j = np.triu_indices(len(a), 1)
        total += int(np.sum((a[i, 0] - a[j, 0]) * (a[i, 1] - a[j, 1]) < 0))
    return total


def _fit_ordered(want: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """The heights closest to ``want`` (least squares) with ``y[r+1] - y[r] >= gap[r]``.

    With ``z = y - cumsum(gap)`` the constraint is ``z`` non-decreasing: an isotonic regression,
    solved by pooling adjacent violators."""
    off = np.concatenate([[0.0], np.cumsum(gap)])
    target = want - off
    blocks: list[list[float]] = []  # [mean, count]
    for t in target:
        blocks.append([float(t), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks[-1]
            blocks[-1] = [(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2]
    z = np.concatenate([np.full(int(c), m) for m, c in blocks]) if blocks else np.zeros(0)
    return z + off


class GraphView(pg.PlotWidget):
    """Layered computational graph with values, adjoints and local derivatives."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent, background="w")
        pi = self.getPlotItem()
        pi.hideAxis("left")
        pi.hideAxis("bottom")
        pi.setMenuEnabled(False)
        pi.hideButtons()
        self.getViewBox().invertY(True)
        self._edges_item = pg.PlotDataItem(pen=pg.mkPen("#9a9a9a", width=1.5), connect="pairs")
        self._used_item = pg.PlotDataItem(pen=pg.mkPen("#5a5a5a", width=2.5), connect="pairs")
        self._active_item = pg.PlotDataItem(pen=pg.mkPen(ACTIVE, width=4), connect="pairs")
        self._flow = pg.ScatterPlotItem(size=13, pen=pg.mkPen("#202020", width=1.5),
                                        brush=pg.mkBrush("#ffd000"))
        self._edge_text = TextLayer(font_size=EDGE_FONT, color="#404040",
                                    background="#e6ffffff")
        self._node_text = TextLayer(font_size=NODE_FONT)
        for z, item in enumerate((self._edges_item, self._used_item, self._active_item,
                                  self._edge_text, self._node_text, self._flow)):
            item.setZValue(z)
            self.addItem(item)
        self.node_pos = np.zeros((0, 2))
        self.edges: list[Edge] = []
        self.labels: list[str] = []
        self.names: list[str] = []
        self._edge_xy = np.zeros((0, 2))
        self._all_pos = np.zeros((0, 2))
        self._chains: list[list[int]] = []
        self._polylines: list[np.ndarray] = []
        self._segments: list[slice] = []
        self._compact = False
        self._flow_edges: list[int] = []
        self._active: list[int] = []
        self._flow_backward = True
        self._node_strings: list[str] = []
        #: significant digits of the values in the node boxes
        self.digits = 4
        self._used = ()
        self._node_w = np.zeros(0)
        self._row_h = 1.0
        self.getViewBox().sigResized.connect(self._on_view_resized)
        style.on_zoom(self._on_zoom)

    # -- a new graph ----------------------------------------------------------------------------
    def set_graph(self, names: Sequence[str], labels: Sequence[str],
                  inputs: Sequence[Sequence[int]], local_derivatives: Sequence[float] | None
                  = None, edge_texts: Sequence[str] | None = None,
                  constants: Sequence[int] | None = None) -> None:
        """Lay out and draw a graph; ``local_derivatives`` align with :func:`edges_of` order.

        ``labels[i]`` is the sheet's line for node i (``"v3 = cos(v2)"``); ``edge_texts``, when
        given, replaces the numeric edge labels; ``constants`` (node indices) are drawn just
        before their first user (see :func:`layered_layout`).
        """
        n = len(names)
        if len(labels) != n or len(inputs) != n:
            raise ValueError(f"labels: expected {n} labels and {n} input lists, got "
                             f"{len(labels)} and {len(inputs)}")
        self.names, self.labels = list(names), list(labels)
        self.edges = edges_of(inputs)
        self._compact = n > FULL_LABEL_NODES
        layers, self._chains = layered_layout(inputs, constants)
        all_pos = self._scale_layout(layers, inputs)
        self.node_pos = all_pos[:n]
        self._all_pos = all_pos
        xy = self._edge_points()
        self._edge_xy = xy
        if len(xy):
            self._edges_item.setData(xy[:, 0], xy[:, 1])
        else:
            self._edges_item.setData([], [])
        if edge_texts is None and local_derivatives is not None:
            edge_texts = [fmt(d) for d in local_derivatives]
        if edge_texts is not None and len(edge_texts) != len(self.edges):
            raise ValueError(f"local_derivatives: expected {len(self.edges)} values (one per "
                             f"edge), got {len(edge_texts)}")
        if edge_texts is not None and len(self.edges) <= LABELLED_EDGES:
            # on each edge's last segment, a little toward its user, so that two edges into one
            # node stay apart
            where = np.array([(p[-2] + p[-1]) / 2 for p in self._polylines]
                             ).reshape(-1, 2)
            self._edge_text.set_labels(where, list(edge_texts))
        else:
            self._edge_text.set_labels(np.zeros((0, 2)), [])
        self._node_strings = [self._node_string(i, np.nan, np.nan, ()) for i in range(n)]
        self._node_text.set_labels(self.node_pos, self._node_strings,
                                   fills=["#f4f4f4"] * n, borders=[("#707070", 1.0)] * n,
                                   padding=4)
        self._used_item.setData([], [])
        self._used: tuple[int, ...] = ()
        self._active_item.setData([], [])
        self._flow.setData([], [])
        self._flow_edges = []
        self.fit()

    def _scale_layout(self, layers: np.ndarray, inputs: Sequence[Sequence[int]]) -> np.ndarray:
        """(layer, rank) -> positions in "design pixels": each layer as wide as its widest box
        (estimated with the final adjoint line, one ``(-0.0000) + `` per use), rows one box high,
        so that at its design size the graph shows without overlaps; larger views spread it."""
        n = len(self.names)
        uses = np.zeros(n, dtype=int)
        for ins in inputs:
            for j in ins:
                uses[j] += 1
        self._node_text.set_font_size(NODE_FONT)  # the design size is measured at 100 %

        def measure(text):  # (in pixels at 100 %: View → Zoom scales them, fit() follows)
            return self._node_text.measure(text) / style.scale()
        widths = np.zeros(len(layers))
        height = 0.0
        for i in range(n):
            if self._compact:
                size = measure(self.names[i])
            else:
                adj = f"v̄{self.names[i][1:]} = " + " + ".join(["(-0.0000)"] * max(1, uses[i]))
                if uses[i] > 1:
                    adj += " = -0.0000"
                size = measure("\n".join([self.labels[i], "= -0.0000", adj]))
            widths[i] = size.width() + 8
            height = max(height, size.height() + 8)
        self._node_w = widths[:n]
        self._row_h = height + 22
        layer = layers[:, 0].astype(int)
        n_layers = int(layer.max(initial=0)) + 1
        layer_w = np.full(n_layers, 12.0)
        np.maximum.at(layer_w, layer, widths)
        gap = 44.0
        centres = np.cumsum(layer_w + gap) - (layer_w + gap) / 2
        return np.column_stack([centres[layer], layers[:, 1] * self._row_h])

    def fit(self) -> None:
        """Show the whole graph with the outermost boxes inside the view. Boxes keep their pixel
        size, so the margins are solved in pixels; a view smaller than the layout's design size
        shrinks the fonts (down to 70 %) so that boxes do not run into each other."""
        if not len(self.node_pos):
            return
        vb = self.getViewBox()
        zoom = style.scale()  # the design pixels are View → Zoom's 100 %
        avail = (vb.width() / zoom, vb.height() / zoom)
        lo, hi = self._all_pos.min(axis=0), self._all_pos.max(axis=0)
        half_w = self._node_w / 2
        ext = [(float(np.max(half_w - (self.node_pos[:, 0] - lo[0]), initial=0)) + 6,
                float(np.max(half_w - (hi[0] - self.node_pos[:, 0]), initial=0)) + 6),
               (self._row_h / 2 - 4, self._row_h / 2 - 4)]
        ratio = 1.0
        for axis in (0, 1):
            design = hi[axis] - lo[axis] + sum(ext[axis])
            if avail[axis] > 0 and design > 0:
                ratio = min(ratio, avail[axis] / design)
        # never below 70 % of the text size at 100 % (zoomed in, the graph keeps fitting)
        ratio = float(np.clip(ratio, min(0.7 / zoom, 1.0), 1.0))
        self._node_text.set_font_size(NODE_FONT * ratio)
        self._edge_text.set_font_size(EDGE_FONT * ratio)
        ranges = []
        for axis in (0, 1):
            e_lo, e_hi = ext[axis][0] * ratio, ext[axis][1] * ratio
            span = hi[axis] - lo[axis]
            room = avail[axis] - e_lo - e_hi
            if span <= 0 or room <= 20:
                ranges.append((lo[axis] - e_lo, hi[axis] + e_hi))
            else:
                # pixels per data unit (design pixels); a large view spreads the graph, up to
                # MAX_SPREAD, and centres the rest (stretched further, a few nodes in a tall
                # view drift apart and a bend looks like a detour)
                scale = min(room / span, MAX_SPREAD[axis])
                extra = (room / scale - span) / 2
                ranges.append((lo[axis] - e_lo / scale - extra, hi[axis] + e_hi / scale + extra))
        vb.setRange(xRange=ranges[0], yRange=ranges[1], padding=0)

    def _on_zoom(self, _factor: float) -> None:
        if not self.closed:  # boxes at the new text size: fit them again
            self._on_view_resized()

    def _on_view_resized(self, *_args) -> None:
        if len(self.node_pos):
            self.fit()

    def _edge_points(self) -> np.ndarray:
        """Segment endpoints (pairs) of every edge's polyline; also sets ``_polylines`` and
        ``_segments`` (edge -> slice of segment rows). A second edge between the same pair (x·x)
        is shifted a little so both show."""
        self._polylines = []
        self._segments = []
        rows: list[np.ndarray] = []
        start = 0
        for e, chain in zip(self.edges, self._chains, strict=True):
            p = self._all_pos[chain].copy()
            if e.slot:
                p[:, 1] += 0.12 * self._row_h * ((e.slot + 1) // 2) * (1 if e.slot % 2 else -1)
            self._polylines.append(p)
            seg = np.empty((2 * (len(p) - 1), 2))
            seg[0::2], seg[1::2] = p[:-1], p[1:]
            rows.append(seg)
            self._segments.append(slice(start, start + len(seg)))
            start += len(seg)
        return np.concatenate(rows) if rows else np.zeros((0, 2))

    # -- per step -------------------------------------------------------------------------------
    def _node_string(self, i: int, value: float, adjoint: float,
                     contributions: Sequence[float]) -> str:
        name = self.names[i]
        if self._compact:
            return name
        d = self.digits
        lines = [self.labels[i], f"= {fmt(value, d)}" if value == value else "= ·"]
        bar = "v̄" + name[1:] if name.startswith("v") else name + "̄"
        if contributions:
            parts = contributions_text(contributions, d)
            if len(contributions) > 1:
                lines.append(f"{bar} = {parts} = {fmt(adjoint, d)}")
            else:
                lines.append(f"{bar} = {parts}")
        elif adjoint == adjoint:
            lines.append(f"{bar} = {fmt(adjoint, d)}")
        else:
            lines.append(f"{bar} = ·")
        return "\n".join(lines)

    def show_state(self, values: Sequence[float], adjoints: Sequence[float],
                   contributions: Sequence[Sequence[float]], active_node: int | None = None,
                   used_edges: Sequence[int] = ()) -> None:
        """Values and adjoints so far (NaN = not yet), each node's ``+=`` contributions so far.

        ``active_node`` is outlined; ``used_edges`` (indices into :attr:`edges`) are drawn dark
        (the edges whose contribution has been added) — on graphs small enough for full labels:
        on a large one that item would repaint the whole graph on every step.
        """
        n = len(self.names)
        texts, colors, fills, borders = [], [], [], []
        for i in range(n):
            v, a = float(values[i]), float(adjoints[i])
            texts.append(self._node_string(i, v, a, contributions[i]))
            colors.append(None)
            if a == a and a != 0:
                fills.append("#fde0dd" if a > 0 else "#dbe9f6")
            elif v == v:
                fills.append("#ffffff")
            else:
                fills.append("#f4f4f4")
            if i == active_node:
                borders.append((ACTIVE, 3.0))
            else:
                borders.append(("#707070", 1.0))
        self._node_strings = texts
        self._node_text.set_texts(texts, colors, fills, borders)
        used = () if self._compact else tuple(used_edges)
        if used == self._used:
            return
        self._used = used
        if used:
            pts = np.concatenate([self._edge_xy[self._segments[e]] for e in used])
            self._used_item.setData(pts[:, 0], pts[:, 1])
        else:
            self._used_item.setData([], [])

    def set_active(self, edges: int | Sequence[int] | None) -> None:
        """Highlight one edge or several (indices into :attr:`edges`), or none."""
        if edges is None:
            edges = []
        elif isinstance(edges, (int, np.integer)):
            edges = [edges]
        self._active = [int(e) for e in edges]
        if not len(edges):
            self._active_item.setData([], [])
        else:
            p = np.concatenate([self._edge_xy[self._segments[e]] for e in edges])
            self._active_item.setData(p[:, 0], p[:, 1])

    def set_flow(self, progress: float | None, edges: int | Sequence[int] | None = None,
                 backward: bool = True) -> None:
        """A marker on each of ``edges`` at ``progress`` (0..1, eased by the caller's animation):
        backward runs from the user to the input, forward from the input to the user. Without
        ``edges`` the last ones are moved; ``progress`` None hides the markers."""
        if edges is not None:
            self._flow_edges = [edges] if isinstance(edges, (int, np.integer)) else list(edges)
            self._flow_backward = backward
        if progress is None or not self._flow_edges:
            self._flow.setData([], [])
            return
        p = float(np.clip(progress, 0.0, 1.0))
        pts = []
        for e in self._flow_edges:
            line = self._polylines[e][::-1] if self._flow_backward else self._polylines[e]
            seg = np.hypot(*np.diff(line, axis=0).T)
            cum = np.concatenate([[0.0], np.cumsum(seg)])
            d = p * cum[-1]
            k = int(min(np.searchsorted(cum, d, side="right") - 1, len(seg) - 1))
            f = (d - cum[k]) / seg[k] if seg[k] > 0 else 0.0
            pts.append(line[k] + (line[k + 1] - line[k]) * f)
        pts = np.asarray(pts)
        self._flow.setData(pts[:, 0], pts[:, 1])

    # -- for tests ------------------------------------------------------------------------------
    def node_texts(self) -> list[str]:
        return list(self._node_strings)

    def edge_texts(self) -> list[str]:
        return self._edge_text.texts()

    def active_edges(self) -> list[int]:
        """The edges highlighted as the current step's (indices into :attr:`edges`)."""
        return list(self._active)

    def flow_position(self) -> np.ndarray | None:
        """Where the (first) marker is, or None when none shows."""
        x, y = self._flow.getData()
        return np.array([x[0], y[0]]) if x is not None and len(x) else None

    def flow_positions(self) -> np.ndarray:
        x, y = self._flow.getData()
        return np.column_stack([x, y]) if x is not None and len(x) else np.zeros((0, 2))
