"""Network panel (issue 15): a chain of layers ending in a loss, the backward pass through all of
it, layer by layer, and into any one layer.

Invariants first:

- **What is typed** is ``_spec`` (:func:`~pnn_gui.panels.network_state.editable_spec`'s form);
  every edit builds a new spec (arrays are never changed in place) and hands it to the state,
  even when it does not compute: nothing typed is lost. Shapes are checked on every edit with
  :func:`engine.network.check`: a layer that does not fit its input says so in its own card,
  and every other card keeps its values and its shapes.
- **Two depths, one state.** ``state`` is a
  :class:`~pnn_gui.panels.network_state.NetworkState`: the window drives the player, the
  worked solution and the status line from it as from any panel's state. At the chain depth it
  presents the layer-by-layer steps (→ moves δ one layer back); Enter (or a double click on a
  block) goes into a layer, and the same ``state`` then presents that layer's own worked steps
  with this chain's numbers (the steps and formulas of its own panel); Esc climbs back out to
  the chain's step it left. A depth change is heard as ``"view"``: the window shows the other
  trace without saying anything was recomputed (main_window's only Network-specific need, and a
  general one: any state may present another trace of the same inputs). Going in happens where
  the window's runner puts solves (on a worker when large).
- **Structural edits** (a layer added, removed or moved, the input's layout or the loss's type
  changed, an SGD step applied, an example or session loaded) rebuild the cards, return to the
  chain depth, and — all but loading — can be undone with Ctrl+Z (:meth:`undo`).
- The views only draw: the chain's blocks (:class:`~pnn_gui.views.network_chain.ChainView`), the
  norms (:class:`~pnn_gui.views.network_bars.NormBars`) and a layer's tensors
  (:class:`~pnn_gui.views.network_layer.LayerView`) from the tensors ``show_step`` hands them.
- Enter and Esc are the panel's while the keyboard focus is in its pictures (a click on them
  gives it, as does loading an example or going in); Esc also ends running animations there,
  as the window's Esc does elsewhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples
from engine import network as nw
from engine.examples import Example
from engine.steps import Step, Trace, fmt
from pnn_gui.panels.base import Panel, inputs_column, session_inputs, wrong_example
from pnn_gui.panels.conv_inputs import BANK_WIDTH
from pnn_gui.panels.network_inputs import (
    LAYER_TITLES,
    Card,
    LayerCard,
    LossCard,
    TensorEditor,
    new_layer,
    shape_text,
)
from pnn_gui.panels.network_state import (
    LOSS,
    Depth,
    NetworkState,
    Result,
    chain_steps_of,
    depth_of_step,
    editable_spec,
    spec_json,
)
from pnn_gui.style import ERROR, MUTED, tint
from pnn_gui.views.network_bars import Bar, NormBars
from pnn_gui.views.network_chain import Block, ChainView
from pnn_gui.views.network_layer import LayerView
from pnn_gui.widgets import delta_flow
from pnn_gui.widgets.field_error import ErrorLabel
from pnn_gui.widgets.matrix_editor import parse_number

KIND = "network"
FIELDS = ("input", "layers", "loss")
#: structural edits kept for Ctrl+Z
MAX_UNDO = 30
DEFAULT_LR = "0.1"
OK_INK = "#2e7d32"
GRAD_TITLES = {"df": "ΔF", "dw": "ΔW", "db": "Δb"}


def _fallback_spec() -> dict[str, Any]:
    """A small chain of our own when the example file is missing or damaged."""
    return editable_spec({"input": [0.5, -1.0], "layers": [
        {"type": "fc", "w": [[0.1, 0.2], [-0.3, 0.4]]}, {"type": "sigmoid"}],
        "loss": {"type": "mse", "target": [0, 1]}})


class _ViewArea(QtWidgets.QWidget):
    """The panel's pictures: Enter and Esc are the panel's while the focus is in here."""

    enter_pressed = QtCore.Signal()
    escape_pressed = QtCore.Signal()

    def __init__(self, inside: Any):
        super().__init__()
        self._inside = inside   # () -> bool: at a layer's own depth

    def _ours(self, event: QtGui.QKeyEvent) -> bool:
        if event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        return key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter) or (
            key == QtCore.Qt.Key.Key_Escape and self._inside())

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ShortcutOverride and self._ours(event):
            event.accept()   # a key press for us, not the window's Esc shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if not self._ours(event):
            super().keyPressEvent(event)
        elif event.key() == QtCore.Qt.Key.Key_Escape:
            self.escape_pressed.emit()
        else:
            self.enter_pressed.emit()


class NetworkPanel(Panel):
    title = "Network"

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        try:
            spec = editable_spec(examples.load("network").inputs)
        except ValueError:
            spec = _fallback_spec()
        self._spec = spec
        self.state = NetworkState(spec)
        self._undo: list[tuple[str, dict[str, Any]]] = []
        self._check = nw.check(spec)
        self._checks: dict[str, nw.GradientCheck] = {}   # of the trace shown
        self._selected: Depth = 1
        self._digits = 4
        self._names: dict[int, tuple[set[str], set[str]]] = {}   # chain step -> names touched
        self._build_inputs()
        self._build_views()
        self._rebuild_cards()
        self.state.subscribe(self._on_state_changed)
        self._show_problems()
        self.show_step(self.state.step)

    # -- building -------------------------------------------------------------------------------
    def _build_inputs(self) -> None:
        w, lay = inputs_column("networkInputs")
        intro = QtWidgets.QLabel("A chain of layers ending in a loss. Open a part to edit it. "
                                 "→ sends δ one layer back; Enter (or a double click on a "
                                 "block) steps into a layer, Esc back out.")
        intro.setWordWrap(True)
        tint(intro, MUTED)
        lay.addWidget(intro)
        self.input_card = Card("Input x")
        self.input_editor = TensorEditor("x", "input", self._spec["input"])
        self.input_editor.value_changed.connect(self._on_input_changed)
        self.input_editor.cell_rejected.connect(self.status)
        self.input_card.body_layout.addWidget(self.input_editor)
        lay.addWidget(self.input_card)
        self.cards_box = QtWidgets.QVBoxLayout()
        self.cards_box.setSpacing(4)
        lay.addLayout(self.cards_box)
        self.layer_cards: list[LayerCard] = []

        row = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QToolButton()
        self.add_button.setText("Add layer")
        self.add_button.setToolTip("add a layer at the end of the chain (each card's + adds one "
                                   "after it)")
        self.add_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setMenu(self._add_menu(None))
        row.addWidget(self.add_button)
        self.undo_button = QtWidgets.QToolButton()
        self.undo_button.setText("Undo")
        self.undo_button.clicked.connect(self.undo)
        row.addWidget(self.undo_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.loss_slot = QtWidgets.QVBoxLayout()
        lay.addLayout(self.loss_slot)
        self.loss_card: LossCard | None = None

        train = QtWidgets.QGroupBox("One training step")
        tl = QtWidgets.QVBoxLayout(train)
        lr_row = QtWidgets.QHBoxLayout()
        lr_row.addWidget(QtWidgets.QLabel("learning rate η"))
        self.lr_edit = QtWidgets.QLineEdit(DEFAULT_LR)
        self.lr_edit.setMaximumWidth(90)
        self.lr_edit.setToolTip("θ ← θ − η·Δθ for every parameter θ")
        self.lr_edit.returnPressed.connect(self.apply_sgd)
        lr_row.addWidget(self.lr_edit)
        lr_row.addStretch(1)
        tl.addLayout(lr_row)
        self.lr_error = ErrorLabel()
        tl.addWidget(self.lr_error)
        self.sgd_button = QtWidgets.QPushButton("Apply SGD step")
        self.sgd_button.setToolTip("write W − η·ΔW into every layer and show the new loss "
                                   "beside the old (Ctrl+Z takes it back)")
        self.sgd_button.clicked.connect(self.apply_sgd)
        tl.addWidget(self.sgd_button)
        self.sgd_message = QtWidgets.QLabel()
        self.sgd_message.setObjectName("sgdMessage")
        self.sgd_message.setWordWrap(True)
        tl.addWidget(self.sgd_message)
        lay.addWidget(train)

        check = QtWidgets.QGroupBox("Gradient check")
        cl = QtWidgets.QVBoxLayout(check)
        self.check_button = QtWidgets.QPushButton("Check every gradient")
        self.check_button.setToolTip("each parameter gradient against central differences of "
                                     "the loss through the whole chain")
        self.check_button.clicked.connect(self.check_gradients)
        cl.addWidget(self.check_button)
        self.check_summary = QtWidgets.QLabel()
        self.check_summary.setObjectName("checkSummary")
        self.check_summary.setWordWrap(True)
        self.check_summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        cl.addWidget(self.check_summary)
        lay.addWidget(check)

        self.general_error = ErrorLabel()
        lay.addWidget(self.general_error)
        lay.addStretch(1)
        # room for an open Conv2D card's filter bank (and the card's margins) from the start:
        # the window sizes the inputs column from its size hint when the panel is first shown,
        # with every card closed
        lay.addItem(QtWidgets.QSpacerItem(BANK_WIDTH + 16, 0,
                                          QtWidgets.QSizePolicy.Policy.Fixed,
                                          QtWidgets.QSizePolicy.Policy.Minimum))
        self.inputs_widget = w

    def _build_views(self) -> None:
        area = _ViewArea(lambda: self.state.depth is not None)
        area.enter_pressed.connect(self.enter_layer)
        area.escape_pressed.connect(self._on_escape)
        lay = QtWidgets.QVBoxLayout(area)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        head = QtWidgets.QHBoxLayout()
        head.setContentsMargins(6, 2, 6, 0)
        self.depth_label = QtWidgets.QLabel()
        self.depth_label.setObjectName("depthLabel")
        self.depth_label.setWordWrap(True)
        head.addWidget(self.depth_label, 1)
        self.into_button = QtWidgets.QPushButton()
        self.into_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.into_button.clicked.connect(lambda: self.enter_layer())
        head.addWidget(self.into_button)
        self.out_button = QtWidgets.QPushButton("Back to the chain (Esc)")
        self.out_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.out_button.clicked.connect(self.leave_layer)
        head.addWidget(self.out_button)
        lay.addLayout(head)
        self.pages = QtWidgets.QStackedWidget()
        self.chain = ChainView()
        self.chain.block_clicked.connect(self._on_block_clicked)
        self.chain.block_double_clicked.connect(self._on_block_double_clicked)
        self.bars = NormBars()
        chain_page = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        chain_page.addWidget(self.chain)
        chain_page.addWidget(self.bars)
        chain_page.setStretchFactor(0, 3)
        chain_page.setStretchFactor(1, 2)
        chain_page.setChildrenCollapsible(False)
        self.layer_view = LayerView()
        self.layer_view.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.pages.addWidget(chain_page)
        self.pages.addWidget(self.layer_view)
        lay.addWidget(self.pages, 1)
        undo = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Undo, area)
        undo.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)  # while the panel is shown
        undo.activated.connect(self.undo)
        self.view_widget = area

    def _add_menu(self, after: int | None) -> QtWidgets.QMenu:
        """Layer types to add after layer ``after`` (None: at the end)."""
        menu = QtWidgets.QMenu(self.inputs_widget if hasattr(self, "inputs_widget") else None)
        for type_, title in LAYER_TITLES.items():
            menu.addAction(title, lambda t=type_, a=after: self.add_layer(t, a))
        return menu

    # -- the public edits (the cards and menus call these; so do tests) --------------------------
    @property
    def spec(self) -> dict[str, Any]:
        """What is typed (do not modify)."""
        return self._spec

    def add_layer(self, type_: str, after: int | None = None) -> None:
        """A new ``type_`` layer after layer ``after`` (None: at the end), with values that fit
        the shape it gets."""
        layers = list(self._spec["layers"])
        at = len(layers) if after is None else after
        shape = self._check.input_shape if at == 0 else (
            self._check.shapes[at - 1] if at - 1 < len(self._check.shapes) else None)
        layers.insert(at, new_layer(type_, shape))
        self._edit({**self._spec, "layers": layers}, f"add L{at + 1} {type_}", open_=at + 1)

    def remove_layer(self, i: int) -> None:
        layers = list(self._spec["layers"])
        gone = layers.pop(i - 1)
        self._edit({**self._spec, "layers": layers}, f"remove L{i} {gone['type']}")

    def move_layer(self, i: int, delta: int) -> None:
        layers = list(self._spec["layers"])
        j = i - 1 + delta
        if not 0 <= j < len(layers):
            return
        layers[i - 1], layers[j] = layers[j], layers[i - 1]
        self._edit({**self._spec, "layers": layers}, f"move L{i} {'up' if delta < 0 else 'down'}",
                   open_=j + 1 if self.layer_cards[i - 1].is_open() else None)

    def undo(self) -> bool:
        """Take back the last structural edit (Ctrl+Z); False when there is none."""
        if not self._undo:
            self.status.emit(f"{self.title}: nothing to undo")
            return False
        what, spec = self._undo.pop()
        self._edit(spec, None)
        self.status.emit(f"{self.title}: undid {what}")
        return True

    def undo_text(self) -> str:
        return self._undo[-1][0] if self._undo else ""

    def _edit(self, spec: dict[str, Any], structural: str | None,
              open_: int | None = None) -> None:
        """Take ``spec`` as what is typed; ``structural`` (what it was, for Undo; None for an
        undo itself) rebuilds the cards and returns to the chain depth."""
        self.state.leave()
        if structural is not None:
            self._undo = (self._undo + [(structural, self._spec)])[-MAX_UNDO:]
        self._spec = spec
        self._rebuild_cards(open_)
        self._submit()

    def _submit(self) -> None:
        """Check the shapes, show the messages, and hand the spec to the state."""
        self._check = nw.check(self._spec)
        self._show_problems()
        self.state.set_inputs(self._spec, replace=True)

    # -- cards ----------------------------------------------------------------------------------
    def _rebuild_cards(self, open_: int | None = None) -> None:
        was_open = {c.index for c in self.layer_cards if c.is_open()}
        for card in self.layer_cards:
            self.cards_box.removeWidget(card)
            card.setParent(None)
            card.deleteLater()
        self.layer_cards = []
        n = len(self._spec["layers"])
        for i, layer in enumerate(self._spec["layers"], 1):
            card = LayerCard(i, layer)
            add = card.add_button("+", f"add a layer after L{i}", lambda: None)
            add.setMenu(self._add_menu(i))
            add.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
            card.add_button("↑", f"move L{i} up (before L{i - 1})",
                            lambda i=i: self.move_layer(i, -1)).setEnabled(i > 1)
            card.add_button("↓", f"move L{i} down (after L{i + 1})",
                            lambda i=i: self.move_layer(i, +1)).setEnabled(i < n)
            card.add_button("✕", f"remove L{i} (Ctrl+Z brings it back)",
                            lambda i=i: self.remove_layer(i))
            card.changed.connect(lambda layer, i=i: self._on_layer_changed(i, layer))
            card.set_precision(self._digits)
            card.set_open(i in was_open if open_ is None else i == open_ or i in was_open)
            self.cards_box.addWidget(card)
            self.layer_cards.append(card)
        self.input_editor.blockSignals(True)
        if not np.array_equal(self.input_editor.value(), self._spec["input"]) or \
                self.input_editor.value().shape != self._spec["input"].shape:
            self.input_editor.set_value(self._spec["input"])
        self.input_editor.blockSignals(False)
        loss_open = self.loss_card is not None and self.loss_card.is_open()
        if self.loss_card is not None:
            self.loss_slot.removeWidget(self.loss_card)
            self.loss_card.setParent(None)
            self.loss_card.deleteLater()
        self.loss_card = LossCard(self._spec["loss"])
        self.loss_card.changed.connect(self._on_loss_changed)
        self.loss_card.fit_button.clicked.connect(self._on_fit_target)
        self.loss_card.target_editor.cell_rejected.connect(self.status)
        self.loss_card.set_precision(self._digits)
        self.loss_card.set_open(loss_open)
        self.loss_slot.addWidget(self.loss_card)
        self.undo_button.setEnabled(bool(self._undo))
        self.undo_button.setToolTip(f"undo {self.undo_text()} (Ctrl+Z)" if self._undo
                                    else "nothing to undo")

    def _show_problems(self) -> None:
        """Each part's shapes and message, from the last :func:`engine.network.check` (and a
        message of the run itself, e.g. an overflow, beside the layer it names)."""
        c = self._check
        problems = dict(c.problems)
        run_error = next(iter(self.state.errors.values()), "") if not problems else ""
        m = re.match(r"layer (\d+) ", run_error)
        if m:
            problems[f"L{m.group(1)}"] = run_error
        elif run_error.startswith("loss"):
            problems["loss"] = run_error
        elif run_error:
            problems["spec"] = run_error
        shape_in = c.input_shape
        self.input_card.set_shapes(f"x {shape_text(shape_in)}")
        self.input_card.set_error(problems.get("input", ""))
        for card, out in zip(self.layer_cards, c.shapes, strict=False):
            card.set_shapes(f"{shape_text(shape_in)} → {shape_text(out)}")
            card.set_error(problems.get(f"L{card.index}", ""))
            shape_in = out
        last = c.shapes[-1] if c.shapes else c.input_shape
        loss = self._spec["loss"]
        target = f"class {loss['target']}" if loss["type"] != "mse" else \
            f"target {shape_text(np.shape(loss['target']))}"
        self.loss_card.set_shapes(f"{shape_text(last)} against {target}")
        self.loss_card.set_error(problems.get("loss", ""))
        self.loss_card.set_output_shape(last)
        self.general_error.set_error("\n".join(v for k, v in problems.items()
                                               if k in ("spec", "layers")))

    def error_targets(self) -> dict[str, Any]:
        """Part -> the card its message goes beside (``"input"``, ``"L1"`` …, ``"loss"``)."""
        out: dict[str, Any] = {"input": self.input_card, "loss": self.loss_card}
        out.update({f"L{c.index}": c for c in self.layer_cards})
        return out

    # -- edits from the cards -------------------------------------------------------------------
    def _on_input_changed(self, x: np.ndarray) -> None:
        if x.ndim != self._spec["input"].ndim:   # the layout changed: undoable
            self._undo = (self._undo + [("change the input's layout", self._spec)])[-MAX_UNDO:]
            self.undo_button.setEnabled(True)
        self._spec = {**self._spec, "input": x}
        self._submit()

    def _on_layer_changed(self, i: int, layer: dict[str, Any]) -> None:
        layers = list(self._spec["layers"])
        layers[i - 1] = layer
        self._spec = {**self._spec, "layers": layers}
        self._submit()

    def _on_loss_changed(self, loss: dict[str, Any]) -> None:
        if loss["type"] != self._spec["loss"]["type"]:
            self._undo = (self._undo + [("change the loss", self._spec)])[-MAX_UNDO:]
            self.undo_button.setEnabled(True)
        self._spec = {**self._spec, "loss": loss}
        self._submit()

    def _on_fit_target(self) -> None:
        """The MSE target resized to the network's output shape, its values kept in order."""
        shape = self._check.shapes[-1] if self._check.shapes else self._check.input_shape
        if shape is None:
            return
        old = np.asarray(self._spec["loss"]["target"], float).reshape(-1)
        new = np.zeros(int(np.prod(shape)))
        m = min(old.size, new.size)
        new[:m] = old[:m]
        self._edit({**self._spec, "loss": {"type": "mse", "target": new.reshape(shape)}},
                   "fit the target")

    # -- depth ----------------------------------------------------------------------------------
    def enter_layer(self, depth: Depth = None) -> None:
        """Step into ``depth`` (default: the selected layer) at the chain's progress through
        it: from the start while the chain has not reached it; at the end of its forward steps
        (its y shown, its backward next) from its forward step on to its backward step; all of
        it when the chain is past both."""
        if self.state.depth is not None or self.state.chain.trace is None:
            return
        n = len(self.state.good_network().layers)
        depth = depth if depth is not None else self._selected
        if depth is None or (depth != LOSS and not 1 <= depth <= n):
            depth = 1 if n else LOSS
        fwd, bwd = chain_steps_of(depth, n)
        k = self.state.chain.step
        step: int | str = 0 if k < fwd else "backward" if k <= bwd else "end"
        self.state.enter(depth, step)
        self.layer_view.setFocus()

    def leave_layer(self) -> None:
        self.state.leave()
        self.chain.setFocus()

    def _on_escape(self) -> None:
        delta_flow.skip_all()
        self.leave_layer()

    def _on_block_clicked(self, depth: Depth) -> None:
        if depth is None:
            self.input_card.set_open(True)
            return
        self._selected = depth
        if self.state.depth is None:
            self.show_step(self.state.step)   # the same step: the click's selection stays
        card = self.loss_card if depth == LOSS else self.layer_cards[depth - 1] \
            if depth <= len(self.layer_cards) else None
        if card is not None:
            card.set_open(True)
            _scroll_to(card)

    def _on_block_double_clicked(self, depth: Depth) -> None:
        if depth is not None:
            self.enter_layer(depth)

    def _depth_title(self, depth: Depth, short: bool = False) -> str:
        net = self.state.good_network()
        if depth == LOSS:
            return "the loss" if short else f"the loss ({LOSS_NAMES[net.loss.type]})"
        return f"L{depth} {net.layers[depth - 1].type}"

    def _update_header(self) -> None:
        depth = self.state.depth
        inside = depth is not None
        self.out_button.setVisible(inside)
        self.into_button.setVisible(not inside and self.state.chain.trace is not None)
        if inside:
            self.depth_label.setText(f"<b>Chain › {self._depth_title(depth)}</b>: its own "
                                     "worked steps with this chain's numbers")
        elif self.state.chain.trace is not None:
            self.depth_label.setText("<b>Chain</b>, layer by layer: forward fills the blocks "
                                     "left to right, δ goes back right to left")
            self.into_button.setText(f"Into {self._depth_title(self._selected_valid(), True)}"
                                     " (Enter)")

    def _selected_valid(self) -> Depth:
        n = len(self.state.good_network().layers)
        s = self._selected
        return s if s == LOSS or (isinstance(s, int) and 1 <= s <= n) else (1 if n else LOSS)

    # -- training and checking --------------------------------------------------------------------
    def apply_sgd(self) -> None:
        """One SGD step with the η typed: W − η·ΔW into every layer (an undoable edit), and the
        new loss beside the old."""
        try:
            lr = parse_number(self.lr_edit.text())
            if lr <= 0:
                raise ValueError(f"{fmt(lr)} is not greater than 0")
        except ValueError as exc:
            self.lr_error.set_error(f"η: {exc}; type a learning rate greater than 0, e.g. 0.1")
            return
        self.lr_error.set_error("")
        if self.state.errors or self.state.chain.trace is None:
            self._set_sgd_message("The chain does not compute: correct it first (its message "
                                  "is beside the part concerned).", ok=False)
            return
        net = self.state.good_network()
        self.state.run_job(lambda: nw.sgd_step(nw.run(net), lr), self._on_sgd_done,
                           self.state.last_seconds)

    def _on_sgd_done(self, result: Result) -> None:
        if result.error is not None:
            self.lr_error.set_error(result.error)
            return
        step: nw.SGDStep = result.value
        self._set_sgd_message(step.message, ok=step.went_down)
        if step.after is None:
            return
        new = step.network.parameters()
        layers = []
        for i, layer in enumerate(self._spec["layers"], 1):
            layers.append({**layer, **{k: np.array(new[f"L{i}.{k}"]) for k in ("f", "w", "b")
                                       if f"L{i}.{k}" in new}})
        self._edit({**self._spec, "layers": layers}, "the SGD step")
        self._set_sgd_message(step.message, ok=step.went_down)   # (the edit cleared it)

    def _set_sgd_message(self, text: str, ok: bool) -> None:
        self.sgd_message.setText(text)
        tint(self.sgd_message, OK_INK if ok else ERROR)

    def sgd_message_text(self) -> str:
        return self.sgd_message.text()

    def check_gradients(self) -> None:
        """Every parameter gradient against central differences through the whole chain (on a
        worker when large); the verdicts go beside each gradient's bar and into the summary."""
        if self.state.errors or self.state.chain.trace is None:
            self.check_summary.setText("The chain does not compute: nothing to check.")
            return
        net = self.state.good_network()
        elements = sum(v.size for v in net.parameters().values())
        self.check_summary.setText("checking…")
        self.state.run_job(lambda: nw.gradient_check(nw.run(net)), self._on_check_done,
                           self.state.last_seconds * elements,
                           size_hint=elements * self.state.work_size())

    def _on_check_done(self, result: Result) -> None:
        if result.error is not None:
            self.check_summary.setText(result.error)
            return
        self._checks = result.value
        lines = []
        for name, c in self._checks.items():
            layer, grad = name.split(".")
            mark = "<span style='color:#2e7d32'>✓</span>" if c.ok else \
                "<span style='color:#c62828'>✗</span>"
            lines.append(f"{mark} {GRAD_TITLES[grad]} of {layer}: largest |analytic − numeric| "
                         f"= {fmt(c.max_error, 2)}")
        if not all(c.ok for c in self._checks.values()):
            lines.append("A difference at a kink (ReLU at 0, a tie in max pooling) within h of "
                         "a value is the check's to show, not an error of the backward pass.")
        self.check_summary.setText("<br>".join(lines) or "No parameters to check.")
        self._draw_bars(self.state.chain.step if self.state.depth is None else None)

    def check_results(self) -> dict[str, nw.GradientCheck]:
        return dict(self._checks)

    # -- state -> widgets -----------------------------------------------------------------------
    def _on_state_changed(self, what: str) -> None:
        if what == "errors":
            self._show_problems()
        elif what == "trace" and self.state.depth is None:
            if self._checks:
                self._checks = {}
                self.check_summary.setText("The chain changed: check again.")
        elif what == "view":
            where = "the chain, layer by layer" if self.state.depth is None else \
                f"{self._depth_title(self.state.depth)}'s own steps with this chain's numbers " \
                "(Esc: back to the chain)"
            self.status.emit(f"{self.title}: {where}")
        elif what == "refused":
            self.status.emit(f"{self.title}: cannot step into that layer: {self.state.refusal}")

    def _on_new_trace(self, trace: Trace) -> None:
        self._update_header()
        if self.state.depth is not None:
            self.layer_view.set_trace(trace)
            self.pages.setCurrentWidget(self.layer_view)
            return
        self.pages.setCurrentIndex(0)
        self._names = {}
        net = self.state.good_network()
        n = len(net.layers)
        t = trace.tensors
        blocks = [Block("x", "x", t["x"].shape, 0, 0, None),
                  Block("L1.dx" if n else "loss.dx", _delta_title(t["x"].shape),
                        t["x"].shape, 1, 0, 1 if n else LOSS)]
        for i, layer in enumerate(net.layers, 1):
            shape = t[f"L{i}.y"].shape
            blocks.append(Block(f"L{i}.y", f"L{i} {layer.type}", shape, 0, i, i))
            below = f"L{i + 1}.dx" if i < n else "loss.dx"
            blocks.append(Block(below, _delta_title(shape), shape, 1, i,
                                i + 1 if i < n else LOSS))
        blocks.append(Block("loss", "loss", (), 0, n + 1, LOSS))
        self.chain.set_blocks(blocks)
        self.chain.set_levels(t)
        norms = [float(np.linalg.norm(v)) for k, v in t.items()
                 if k.endswith(".dx") or k.rsplit(".", 1)[-1] in GRAD_TITLES]
        self.bars.set_range(norms)

    def _draw(self, k: int, tensors: dict[str, np.ndarray], step: Step | None,
              animate: bool) -> None:
        if self.state.depth is not None:
            if "dy" in tensors and self._dy_not_reached(step):
                tensors = {**tensors, "dy": np.full(np.shape(tensors["dy"]), np.nan)}
            self.layer_view.show(tensors, step, animate)
            return
        n = len(self.state.good_network().layers) if self.state.chain.trace else 0
        if k > 0 and k != self._drawn:   # a new step selects its layer (a click, another)
            self._selected = depth_of_step(k, n)
        self.chain.set_selected(self._selected)
        reads, writes = self._touched(k, step)
        self.chain.show(tensors, reads, writes)
        if animate and step is not None:
            sources = [r for r in reads if r.endswith(".dx")] if step.phase == "backward" \
                else [r for r in reads if r not in writes]
            self.chain.play(sources, writes)
        elif not animate:
            self.chain.skip()
        self._draw_bars(k, tensors)
        self._update_header()

    def _dy_not_reached(self, step: Step | None) -> bool:
        """Inside a layer entered before the chain's backward pass handed it its δy: δy is
        "not computed yet" through the layer's forward steps (its own backward steps use it)."""
        depth = self.state.depth
        if depth is None or depth == LOSS or (step is not None and step.phase != "forward"):
            return False
        _, bwd = chain_steps_of(depth, len(self.state.good_network().layers))
        return self.state.chain.step < bwd - 1   # (δy is written by the step before bwd)

    def _touched(self, k: int, step: Step | None) -> tuple[set[str], set[str]]:
        """The chain tensors step k reads and writes (whole tensors, found once per step)."""
        if step is None:
            return set(), set()
        got = self._names.get(k)
        if got is None:
            got = self._names[k] = ({name for name, _ in step.reads},
                                    {name for name, _ in step.writes})
        return got

    def _draw_bars(self, k: int | None, tensors: dict[str, np.ndarray] | None = None) -> None:
        if k is None or self.state.chain.trace is None:
            return
        if tensors is None:   # (a gradient check arrived: the chain's tensors at step k)
            trace = self.state.chain.trace
            drawn = self.cursor is not None and self.cursor.trace is trace
            tensors = self.cursor.tensors_at(k) if drawn else trace.tensors
        net = self.state.good_network()
        n = len(net.layers)
        bars: list[Bar] = []
        for i in range(1, n + 2):
            name, where = (f"L{i}.dx", f"L{i}") if i <= n else ("loss.dx", "loss")
            bars.append(Bar(where, _norm(tensors.get(name)), "delta",
                            tip=f"‖δ‖ at the input of {where}"))
        for i, layer in enumerate(net.layers, 1):
            for p in layer.params:
                name = f"L{i}.{nw.GRAD[p]}"
                c = self._checks.get(name)
                tip = "" if c is None else \
                    f"gradient check: largest |analytic − numeric| = {c.max_error:.3g}"
                bars.append(Bar(f"{GRAD_TITLES[nw.GRAD[p]]} L{i}", _norm(tensors.get(name)),
                                "grad", None if c is None else c.ok, tip))
        self.bars.set_bars(bars)

    # -- Panel hooks ----------------------------------------------------------------------------
    def load_example(self, example: Example) -> None:
        if example.kind != KIND:
            raise wrong_example(example, "a network")
        self._replace(editable_spec(example.inputs))
        self._finish_load(example)
        self.chain.setFocus()

    def _replace(self, spec: dict[str, Any]) -> None:
        """An example's or a session's chain: a fresh start (no undo across it)."""
        self.state.leave()
        self._undo = []
        self._spec = spec
        self._checks = {}
        self.check_summary.setText("")
        self.sgd_message.setText("")
        self._rebuild_cards()
        self._submit()

    def session_data(self) -> dict[str, Any]:
        """The chain as typed (a spec, as File → Export network spec writes it) and η."""
        return {"kind": KIND, "inputs": spec_json(self._spec), "lr": self.lr_edit.text()}

    def restore_session(self, data: dict[str, Any]) -> None:
        raw = session_inputs(data, KIND, FIELDS)
        spec = editable_spec(raw)   # a ValueError changes nothing
        lr = data.get("lr", DEFAULT_LR)
        if not isinstance(lr, str):
            raise ValueError(f"session: \"lr\" must be text, got {type(lr).__name__}")
        self.lr_edit.setText(lr)
        self._replace(spec)

    def spec_text(self) -> str:
        """The chain as typed, as a JSON spec (File → Export network spec)."""
        return json.dumps(spec_json(self._spec), indent=1, allow_nan=False) + "\n"

    def spec_problem(self) -> str:
        """The first reason the chain as typed does not compute ("" when it does)."""
        return next(iter(self._check.problems.values()), "")

    def set_precision(self, digits: int) -> None:
        self._digits = int(digits)
        self.input_editor.set_precision(digits)
        for card in self.layer_cards:
            card.set_precision(digits)
        if self.loss_card is not None:
            self.loss_card.set_precision(digits)
        self.chain.set_precision(digits)
        self.layer_view.set_precision(digits)

    def set_animation_speed(self, factor: float) -> None:
        super().set_animation_speed(factor)
        self.chain.set_speed(self.speed)
        self.layer_view.flow.set_speed(self.speed)

    def set_animations_enabled(self, enabled: bool) -> None:
        super().set_animations_enabled(enabled)
        if not enabled:
            self.chain.skip()
            self.layer_view.flow.skip()


LOSS_NAMES = {"mse": "mean squared error", "softmax_cross_entropy": "softmax + cross-entropy"}


def _delta_title(shape: tuple[int, ...]) -> str:
    """The δ at a boundary, with its shape, compact: ``δ (6,6,2)``."""
    return "δ " + shape_text(shape).replace(", ", ",")


def _norm(arr: np.ndarray | None) -> float | None:
    """‖arr‖, or None while any of it is not computed (NaN)."""
    if arr is None:
        return None
    a = np.asarray(arr, float)
    return None if np.isnan(a).any() else float(np.linalg.norm(a))


def _scroll_to(widget: QtWidgets.QWidget) -> None:
    """Scroll the nearest scroll area around ``widget`` so that it shows."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QtWidgets.QScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        parent.ensureWidgetVisible(widget)
