"""The computational graph of an expression, laid out in layers from the inputs to the output.

Nodes are boxes labelled as the sheet writes them (``v3 = cos(v2)``) with their value and adjoint;
every edge ``v_j → v_i`` carries its local derivative ∂v_i/∂v_j near its user, written as one
(``∂v3/∂v2 = -sin(v2) = -0.9093``; the number once v_i is computed). Layers are the longest path
from an input (inputs in layer 0, the output last); within a layer nodes are ordered by
barycentre sweeps (the ordering with the fewest crossings is kept), then each node and bend
point is pulled level with its neighbours, keeping the order and the gaps — so an edge that
skips layers runs near its straight line.

The layers run left to right (``"across"``) or top to bottom (``"down"``), whichever shows the
graph larger in the view's shape (boxes of text are wide: a wide graph of wide boxes fits a
narrow view badly). Sizes are "design pixels", measured with the fonts at 100 % and the final
texts: the gap between two layers holds the labels of the edges that end there, and each label
takes the first place along its edge that overlaps no box and no other label, so at its design
size the picture has no overlaps; a smaller view shrinks the fonts (to 70 % at most), a larger
one spreads the layout (up to :data:`MAX_SPREAD`).

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
from PySide6 import QtCore, QtWidgets

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
MARKER = "#ffd000"
#: a node's fill: its adjoint v̄ > 0, < 0, its value computed (v̄ = 0 or not reached yet), its
#: value not computed yet
FILL_POSITIVE = "#fde0dd"
FILL_NEGATIVE = "#dbe9f6"
FILL_VALUE = "#ffffff"
FILL_EMPTY = "#e3e3e3"   # (clearly greyer than FILL_VALUE, in the graph and its legend)
#: an edge whose contribution v̄_i · ∂v_i/∂v_j has been added, and the others
USED_EDGE = "#5a5a5a"
EDGE = "#9a9a9a"
NODE_FONT = 9.0
EDGE_FONT = 8.0
#: most a view larger than the layout's design size spreads it, along the layers and across
#: them (boxes keep their size: longer edges read well, a wide gap between neighbours does not)
MAX_SPREAD = (3.0, 1.8)
ORIENTATIONS = ("across", "down")
#: design pixels: the least gap between two layers, between neighbours in a layer, and the
#: room around an edge label
LAYER_GAP = 36.0
NEIGHBOUR_GAP = (22.0, 18.0)   # across: between rows; down: between columns
LABEL_MARGIN = 4.0
#: where along its edge's last segment a label may sit, in the order tried (0: at the input
#: end, 1: at the user)
LABEL_PLACES = (0.5, 0.62, 0.38, 0.75, 0.25, 0.85, 0.15)


def legend_html() -> str:
    """What the graph's edges, colours and outlines mean, in rich text (under the graph, and
    in F1, Help → Keyboard shortcuts); an entry (its mark and its words) never breaks over two
    lines."""
    def entry(mark: str, words: str) -> str:
        return style.nowrap(f"{mark} {words}")

    fills = [entry(style.box(fill), words) for fill, words in (
        (FILL_POSITIVE, "v̄ &gt; 0"), (FILL_NEGATIVE, "v̄ &lt; 0"),
        (FILL_VALUE, "v̄ = 0 or its adjoint not reached yet"),
        (FILL_EMPTY, "value not computed yet"))]
    marks = [entry(style.glyph(char, color), words) for char, color, words in (
        ("□", ACTIVE, "the node this step writes"), ("━", ACTIVE, "its edge"),
        ("━", USED_EDGE, "a contribution added"), ("●", MARKER, "a value on its way"))]
    return (
        "An edge's label is its local derivative: "
        f"{style.nowrap('∂v<sub>i</sub>/∂v<sub>j</sub>')} on the edge "
        f"{style.nowrap('v<sub>j</sub> → v<sub>i</sub>')} (its rule, then its value). A node's "
        f"colour is its adjoint: {', '.join(fills)}; {', '.join(marks)}.")


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


@dataclass(frozen=True)
class _Placement:
    """One orientation's picture in design pixels: every point (nodes first, then bend points),
    each edge label's centre, and the extent of everything around the outermost centres."""

    pos: np.ndarray          # (n + bend points, 2)
    label_xy: np.ndarray     # (edges, 2)
    lo: np.ndarray           # least x, y of the points and labels' centres
    hi: np.ndarray
    ext_lo: np.ndarray       # how far boxes and labels reach beyond lo, hi (design pixels)
    ext_hi: np.ndarray

    @property
    def size(self) -> np.ndarray:
        return self.hi - self.lo + self.ext_lo + self.ext_hi


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
        self._edges_item = pg.PlotDataItem(pen=pg.mkPen(EDGE, width=1.5), connect="pairs")
        self._used_item = pg.PlotDataItem(pen=pg.mkPen(USED_EDGE, width=2.5), connect="pairs")
        self._active_item = pg.PlotDataItem(pen=pg.mkPen(ACTIVE, width=4), connect="pairs")
        self._flow = pg.ScatterPlotItem(size=13, pen=pg.mkPen("#202020", width=1.5),
                                        brush=pg.mkBrush(MARKER))
        self._edge_text = TextLayer(font_size=EDGE_FONT, color="#404040",
                                    background="#e6ffffff")
        self._node_text = TextLayer(font_size=NODE_FONT)
        # painted directly, not from a pixmap: the layers reach past the view (their bounds are
        # padded by half the widest label on every side), and Qt's device-coordinate cache of
        # an item larger than the view kept the boxes of step 0, shifted, after the boxes grew
        # (seen at End in a real window at 1280x800); a paint skips labels outside its region
        for layer in (self._edge_text, self._node_text):
            layer.setCacheMode(layer.CacheMode.NoCache)
        for z, item in enumerate((self._edges_item, self._used_item, self._active_item,
                                  self._edge_text, self._node_text, self._flow)):
            item.setZValue(z)
            self.addItem(item)
        self.node_pos = np.zeros((0, 2))
        self.edges: list[Edge] = []
        self.labels: list[str] = []
        self.names: list[str] = []
        #: "across" (layers left to right) or "down" (top to bottom): see the module docstring
        self.orientation = "across"
        self._layers = np.zeros((0, 2))
        self._placements: dict[str, _Placement] = {}
        self._edge_lines: list[list[str]] = []
        self._known_edges: list[bool] = []
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
        self._fills: list[str] = []
        self._borders: list[tuple[str, float]] = []
        #: significant digits of the values in the node boxes
        self.digits = 4
        self._used: tuple[int, ...] = ()
        self._node_size = np.zeros((0, 2))
        self.getViewBox().sigResized.connect(self._on_view_resized)
        style.on_zoom(self._on_zoom)

    # -- a new graph ----------------------------------------------------------------------------
    def set_graph(self, names: Sequence[str], labels: Sequence[str],
                  inputs: Sequence[Sequence[int]], local_derivatives: Sequence[float] | None
                  = None, edge_texts: Sequence[str] | None = None,
                  constants: Sequence[int] | None = None,
                  final: tuple[Sequence[float], Sequence[float], Sequence[Sequence[float]]]
                  | None = None) -> None:
        """Lay out and draw a graph; ``local_derivatives`` align with :func:`edges_of` order.

        ``labels[i]`` is the sheet's line for node i (``"v3 = cos(v2)"``); ``edge_texts``, when
        given, replaces the numeric edge labels (lines separated by ``"\\n"``: one under the
        other when the layers run across, one after the other when they run down);
        ``constants`` (node indices) are drawn just before their first user (see
        :func:`layered_layout`); ``final`` (values, adjoints, contributions of the last step,
        as :meth:`show_state` takes them) sizes the boxes for what they will hold (without it,
        for four-digit numbers).
        """
        n = len(names)
        if len(labels) != n or len(inputs) != n:
            raise ValueError(f"labels: expected {n} labels and {n} input lists, got "
                             f"{len(labels)} and {len(inputs)}")
        self.names, self.labels = list(names), list(labels)
        self.edges = edges_of(inputs)
        self._compact = n > FULL_LABEL_NODES
        if edge_texts is None and local_derivatives is not None:
            edge_texts = [fmt(d) for d in local_derivatives]
        if edge_texts is not None and len(edge_texts) != len(self.edges):
            raise ValueError(f"local_derivatives: expected {len(self.edges)} values (one per "
                             f"edge), got {len(edge_texts)}")
        if edge_texts is None or len(self.edges) > LABELLED_EDGES:
            edge_texts = [""] * len(self.edges)
        self._edge_lines = [t.split("\n") if t else [] for t in edge_texts]
        self._layers, self._chains = layered_layout(inputs, constants)
        self._node_size = self._measure_nodes(inputs, final)
        self._placements = {o: self._placement(o) for o in ORIENTATIONS}
        self._node_strings = [self._node_string(i, np.nan, np.nan, ()) for i in range(n)]
        self._fills = [FILL_EMPTY] * n
        #: per edge: its user's value is computed, so its label shows its number
        self._known_edges = [False] * len(self.edges)
        self._borders = [("#707070", 1.0)] * n
        self._used = ()
        self._active = []
        self._flow_edges = []
        self._flow.setData([], [])
        self._place(self._best_orientation())

    def _measure_nodes(self, inputs: Sequence[Sequence[int]], final) -> np.ndarray:
        """Each node's box (text and padding) in design pixels: with its final text, or an
        estimate (the adjoint line with one ``(-0.0000) + `` per use)."""
        n = len(self.names)
        self._node_text.set_font_size(NODE_FONT)  # the design size is measured at 100 %
        uses = np.zeros(n, dtype=int)
        for ins in inputs:
            for j in ins:
                uses[j] += 1
        sizes = np.zeros((n, 2))
        for i in range(n):
            if self._compact:
                text = self.names[i]
            elif final is not None:
                text = self._node_string(i, float(final[0][i]), float(final[1][i]), final[2][i])
            else:
                adj = f"v̄{self.names[i][1:]} = " + " + ".join(["(-0.0000)"] * max(1, uses[i]))
                if uses[i] > 1:
                    adj += " = -0.0000"
                text = "\n".join([self.labels[i], "= -0.0000", adj])
            size = self._node_text.measure(text) / style.scale()  # (design pixels: 100 %)
            sizes[i] = (size.width() + 10, size.height() + 10)   # padding 4 and the border
        return sizes

    def _label_text(self, e: int, orientation: str, known: bool = True) -> str:
        """Edge ``e``'s label: its lines one under the other across, in one line down (where
        the gap between layers is short and wide); its last line (the number) only once
        ``known`` (the user's value is computed: until then the rule alone)."""
        lines = self._edge_lines[e] if known else self._edge_lines[e][:-1]
        return ("\n" if orientation == "across" else " ").join(lines)

    def _show_labels(self) -> None:
        """The edge labels for the values computed so far (:meth:`_label_text`)."""
        texts = [self._label_text(e, self.orientation, known)
                 for e, known in enumerate(self._known_edges)]
        if len(texts) == len(self._edge_text.texts()):
            self._edge_text.set_texts(texts)

    def _placement(self, orientation: str) -> _Placement:
        """(layer, rank) -> design pixels for ``orientation`` (see the module docstring)."""
        along, cross = (0, 1) if orientation == "across" else (1, 0)
        n = len(self.names)
        layer = self._layers[:, 0].astype(int)
        n_layers = int(layer.max(initial=0)) + 1
        self._edge_text.set_font_size(EDGE_FONT)
        labels = np.zeros((len(self.edges), 2))
        for e in range(len(self.edges)):
            if self._edge_lines[e]:
                size = self._edge_text.measure(self._label_text(e, orientation)) / style.scale()
                labels[e] = (size.width() + 2 * LABEL_MARGIN, size.height() + 2 * LABEL_MARGIN)
        depth = np.zeros(n_layers)                     # each layer's extent along the flow
        np.maximum.at(depth, layer[:n], self._node_size[:, along])
        gap = np.full(n_layers, LAYER_GAP)             # gap[k]: before layer k
        for e, edge in enumerate(self.edges):
            k = layer[edge.dst]
            gap[k] = max(gap[k], labels[e, along] + 2 * LABEL_MARGIN)
        gap[0] = 0.0
        centres = np.cumsum(gap + depth) - depth / 2
        unit = float(np.max(self._node_size[:, cross], initial=12.0)) \
            + NEIGHBOUR_GAP[ORIENTATIONS.index(orientation)]
        pos = np.zeros((len(layer), 2))
        pos[:, along] = centres[layer]
        pos[:, cross] = self._layers[:, 1] * unit
        label_xy = self._place_labels(pos, labels, orientation)
        half = np.zeros((len(layer) + len(labels), 2))
        half[:n] = self._node_size / 2
        half[len(layer):] = labels / 2
        points = np.concatenate([pos, label_xy])
        shown = np.concatenate([np.ones(len(layer), bool), labels[:, 0] > 0])
        points, half = points[shown], half[shown]
        lo, hi = points.min(axis=0), points.max(axis=0)
        return _Placement(pos, label_xy, lo, hi,
                          np.max(half - (points - lo), axis=0, initial=0.0),
                          np.max(half - (hi - points), axis=0, initial=0.0))

    def _place_labels(self, pos: np.ndarray, labels: np.ndarray, orientation: str
                      ) -> np.ndarray:
        """Each edge label's centre: the first of :data:`LABEL_PLACES` along its edge's last
        segment where it overlaps no node box and no label placed before it (else the place
        where it overlaps least)."""
        n = len(self.names)
        taken = [np.column_stack([pos[:n] - self._node_size / 2, pos[:n] + self._node_size / 2])]
        out = np.zeros((len(self.edges), 2))
        for e, (edge, chain) in enumerate(zip(self.edges, self._chains, strict=True)):
            a, b = pos[chain[-2]], pos[chain[-1]]
            shift = self._slot_shift(edge, orientation)   # (x·x: the second edge beside)
            a, b = a + shift, b + shift
            if not labels[e, 0]:
                out[e] = (a + b) / 2
                continue
            boxes = np.concatenate(taken)
            best, best_overlap = None, np.inf
            for t in LABEL_PLACES:
                c = a + (b - a) * t
                box = np.concatenate([c - labels[e] / 2, c + labels[e] / 2])
                w = np.minimum(boxes[:, 2], box[2]) - np.maximum(boxes[:, 0], box[0])
                h = np.minimum(boxes[:, 3], box[3]) - np.maximum(boxes[:, 1], box[1])
                overlap = float(np.sum(np.clip(w, 0, None) * np.clip(h, 0, None)))
                if overlap < best_overlap:
                    best, best_overlap = c, overlap
                if overlap == 0:
                    break
            out[e] = best
            taken.append(np.concatenate([best - labels[e] / 2, best + labels[e] / 2])[None])
        return out

    def _slot_shift(self, edge: Edge, orientation: str) -> np.ndarray:
        """How far a second (third, …) edge between the same pair is drawn beside the first."""
        if not edge.slot:
            return np.zeros(2)
        along = 0 if orientation == "across" else 1
        step = 0.12 * float(np.max(self._node_size[:, 1 - along], initial=12.0))
        shift = np.zeros(2)
        shift[1 - along] = step * ((edge.slot + 1) // 2) * (1 if edge.slot % 2 else -1)
        return shift

    def _best_orientation(self) -> str:
        """The orientation that shows the graph at the larger scale in the view (across when
        the view has no size yet, or when both fit whole)."""
        vb = self.getViewBox()
        avail = np.array([vb.width(), vb.height()], dtype=float) / style.scale()  # design px
        if avail.min() <= 0:
            return self.orientation if self._placements else "across"
        scale = {o: min(1.0, float(np.min(avail / np.maximum(p.size, 1.0))))
                 for o, p in self._placements.items()}
        best = max(ORIENTATIONS, key=lambda o: (scale[o], o == "across"))
        # keep the current one unless the other shows it clearly larger (no flipping back and
        # forth while a splitter is dragged)
        return best if scale[best] > scale[self.orientation] * 1.05 else self.orientation

    def _place(self, orientation: str) -> None:
        """Put every item where ``orientation``'s placement says, keeping what they show."""
        self.orientation = orientation
        placement = self._placements[orientation]
        n = len(self.names)
        self._all_pos = placement.pos
        self.node_pos = placement.pos[:n]
        xy = self._edge_points()
        self._edge_xy = xy
        self._edges_item.setData(xy[:, 0], xy[:, 1]) if len(xy) else self._edges_item.setData(
            [], [])
        if any(self._edge_lines):
            self._edge_text.set_labels(placement.label_xy, [""] * len(self.edges))
            self._show_labels()
        else:
            self._edge_text.set_labels(np.zeros((0, 2)), [])
        self._node_text.set_labels(self.node_pos, self._node_strings, fills=self._fills,
                                   borders=self._borders, padding=4)
        used, self._used = self._used, ()
        self._show_used(used)
        self.set_active(self._active)
        self.set_flow(None)
        self._fit_view()

    def fit(self) -> None:
        """Show the whole graph, in the orientation that shows it larger (see
        :meth:`_best_orientation`)."""
        if not len(self.node_pos):
            return
        best = self._best_orientation()
        if best != self.orientation:
            self._place(best)
        else:
            self._fit_view()

    def _fit_view(self) -> None:
        """The whole graph with the outermost boxes inside the view. Boxes keep their pixel
        size, so the margins are solved in pixels; a view smaller than the layout's design size
        shrinks the fonts (down to 70 %) so that boxes do not run into each other."""
        vb = self.getViewBox()
        zoom = style.scale()  # the design pixels are View → Zoom's 100 %
        avail = (vb.width() / zoom, vb.height() / zoom)
        p = self._placements[self.orientation]
        lo, hi = p.lo, p.hi
        ext = [(p.ext_lo[0] + 6, p.ext_hi[0] + 6), (p.ext_lo[1] + 4, p.ext_hi[1] + 4)]
        ratio = 1.0
        for axis in (0, 1):
            design = hi[axis] - lo[axis] + sum(ext[axis])
            if avail[axis] > 0 and design > 0:
                ratio = min(ratio, avail[axis] / design)
        # never below 70 % of the text size at 100 % (zoomed in, the graph keeps fitting)
        ratio = float(np.clip(ratio, min(0.7 / zoom, 1.0), 1.0))
        self._node_text.set_font_size(NODE_FONT * ratio)
        self._edge_text.set_font_size(EDGE_FONT * ratio)
        along = 0 if self.orientation == "across" else 1
        ranges = []
        for axis in (0, 1):
            e_lo, e_hi = ext[axis][0] * ratio, ext[axis][1] * ratio
            span = hi[axis] - lo[axis]
            room = avail[axis] - e_lo - e_hi
            if span <= 0 or room <= 20:
                ranges.append((lo[axis] - e_lo, hi[axis] + e_hi))
            else:
                # pixels per design pixel; a large view spreads the graph, up to MAX_SPREAD,
                # and centres the rest (stretched further, a few nodes in a tall view drift
                # apart and a bend looks like a detour)
                scale = min(room / span, MAX_SPREAD[0 if axis == along else 1])
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
            p = self._all_pos[chain] + self._slot_shift(e, self.orientation)
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
            if len(contributions) > 2:   # (the sum on a line of its own: a narrower box)
                lines += [f"{bar} = {parts}", f"= {fmt(adjoint, d)}"]
            elif len(contributions) > 1:
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
                fills.append(FILL_POSITIVE if a > 0 else FILL_NEGATIVE)
            elif v == v:
                fills.append(FILL_VALUE)
            else:
                fills.append(FILL_EMPTY)
            if i == active_node:
                borders.append((ACTIVE, 3.0))
            else:
                borders.append(("#707070", 1.0))
        self._node_strings, self._fills, self._borders = texts, fills, borders
        self._node_text.set_texts(texts, colors, fills, borders)
        known = [values[edge.dst] == values[edge.dst] for edge in self.edges]
        if known != self._known_edges:
            self._known_edges = known
            self._show_labels()
        self._show_used(() if self._compact else tuple(used_edges))

    def _show_used(self, used: tuple[int, ...]) -> None:
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
        """Each labelled edge's label as one line (shown in several when the layers run
        across)."""
        return [t.replace("\n", " ") for t in self._edge_text.texts()]

    def drawn_boxes(self) -> list[tuple[str, QtCore.QRectF]]:
        """Each node box and edge label as drawn: (its text, its rectangle in this widget's
        pixels), nodes first."""
        vb = self.getViewBox()
        out = []
        for layer, xy, pad in ((self._node_text, self._node_text.positions(), 5.0),
                               (self._edge_text, self._edge_text.positions(), 1.0)):
            for (x, y), text in zip(xy, layer.texts(), strict=True):
                centre = self.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y)))
                size = layer.measure(text)
                out.append((text, QtCore.QRectF(centre.x() - size.width() / 2 - pad,
                                                centre.y() - size.height() / 2 - pad,
                                                size.width() + 2 * pad,
                                                size.height() + 2 * pad)))
        return out

    def font_points(self) -> tuple[float, float]:
        """The point sizes of the node boxes' text and of the edge labels, as drawn."""
        return self._node_text.font_size(), self._edge_text.font_size()

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
