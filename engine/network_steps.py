r"""The worked solution of a network (:mod:`engine.network`): its steps, at two depths.

Invariants:

- Built from a :class:`~engine.network.Run` (or an :class:`~engine.network.SGDStep`) and nothing
  else: no number is computed here that the run does not hold, except the loss's softmax ``p``,
  shown beside the loss (from :func:`engine.losses.softmax`). Replaying any trace's writes
  rebuilds the run's tensors exactly.
- Tensor names are the chain's (:mod:`engine.network`'s docstring): ``x``, ``L{i}.y``,
  ``L{i}.dx``, ``L{i}.w`` …, ``target``, ``loss``, ``loss.dx``.

:func:`layer_by_layer` — the Network panel's first depth: one step per layer forward (writes all
of ``L{i}.y``; its note says the shapes and the layer's settings), the loss and the loss's δ with
their numbers, then one step per layer backward from the last (writes ``L{i}.dx`` and the layer's
gradients; its note says δ's shape on both sides and the norms ‖δx‖, ‖ΔW‖ …). A layer's line
ends on what it wrote, in its ``substituted`` (so the steps CSV has it too): each tensor's values
when it has at most :data:`FEW`, else its shape and norm. Never refused: its steps list
elements, not formulas per element.

The second depth, a layer's own steps with the chain's numbers, is
:meth:`engine.network.Run.layer_trace` (the layer's own names: ``x``, ``w``, ``dy`` …).
:func:`worked` strings all of them together in the order of the passes — forward from layer 1,
the loss, its δ, backward from layer n — titles prefixed ``L{i}`` / ``loss`` and names taken into
the chain (a layer's own intermediates become ``L{i}.x_padded``, ``L{i}.f_back``, …): the step
log ``export network --steps`` writes.

:func:`sgd` — the SGD update ``θ ← θ − η·Δθ``, one step per parameter element, or one per
parameter tensor past :data:`~engine.steps.MAX_STEPS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import product, repeat

import numpy as np

from engine import activations, losses
from engine import network as nw
from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, indices, step, sum_text, vec
from engine.validate import shape_str

#: largest tensor a chain step's line shows by its values (larger ones: shape and norm)
FEW = 4


def _all(name: str, shape: Sequence[int]) -> list[tuple[str, tuple[int, ...]]]:
    """Refs to every element of ``name``, row-major (``product`` is 6× faster than ndindex)."""
    return list(zip(repeat(name), product(*map(range, shape))))


def _input_name(i: int) -> str:
    return "x" if i == 1 else f"L{i - 1}.y"


def _dy_name(i: int, n: int) -> str:
    return "loss.dx" if i == n else f"L{i + 1}.dx"


# ---------------------------------------------------------------------------------------------
# Each layer type in symbols


def _forward_formula(layer: nw.Layer, i: int) -> str:
    x, y, at = _input_name(i), f"L{i}.y", f"L{i}"
    if layer.type == "conv2d":
        return f"{y} = conv2d({x}, {at}.f) + {at}.b"
    if layer.type in ("avgpool", "maxpool"):
        return f"{y} = {layer.type}({x})"
    if layer.type == "flatten":
        return f"{y} = flatten({x})"
    if layer.type == "fc":
        return f"{y} = {x} · {at}.w + {at}.b"
    return f"{y} = " + activations.FORWARD_TEXT[layer.type].format(x=x)


def _backward_formula(layer: nw.Layer, i: int, n: int) -> str:
    x, dy, at = _input_name(i), _dy_name(i, n), f"L{i}"
    if layer.type == "conv2d":
        return (f"{at}.dx = dilated, padded {dy} ⋆ f_back;  {at}.df = {x} ⋆ {dy};  "
                f"{at}.db = Σ {dy}")
    if layer.type == "avgpool":
        return f"{at}.dx[window] += {dy} / k  (δx starts at 0)"
    if layer.type == "maxpool":
        return f"{at}.dx[the window's maximum] += {dy}  (δx starts at 0)"
    if layer.type == "flatten":
        return f"{at}.dx = {dy} reshaped to the shape of {x}"
    if layer.type == "fc":
        return f"{at}.dx = {dy} · {at}.wᵀ;  {at}.dw = {x}ᵀ · {dy};  {at}.db = {dy}"
    return f"{at}.dx = " + activations.BACKWARD_TEXT[layer.type].format(dy=dy, x=x, y=f"{at}.y")


def _settings(layer: nw.Layer) -> str:
    """The layer's settings in words (empty for a layer without any)."""
    if layer.type == "conv2d":
        k_r, k_c, _, c_out = layer.params["f"].shape
        return (f"{c_out} filter{'s' if c_out != 1 else ''} {k_r}×{k_c}, stride "
                f"{shape_str(layer.settings['stride'])}, padding "
                f"{shape_str(layer.settings['padding'])}")
    if layer.type in ("avgpool", "maxpool"):
        (k_r, k_c), stride = layer.settings["size"], layer.settings["stride"]
        return f"{k_r}×{k_c} window, stride {shape_str(stride)}"
    if layer.type == "flatten":
        return "row, column, channel order"
    if layer.type == "fc":
        n_in, n_out = layer.params["w"].shape
        return f"{n_in} inputs → {n_out} outputs"
    return ""


# ---------------------------------------------------------------------------------------------
# Layer by layer


def layer_by_layer(r: nw.Run) -> Trace:
    """The chain one layer per step (module docstring); tensors: :meth:`Run.tensors`."""
    net, n = r.network, len(r.network.layers)
    t = r.tensors()
    steps: list[Step] = []
    for i, layer in enumerate(net.layers, 1):
        x, y = _input_name(i), f"L{i}.y"
        settings = _settings(layer)
        note = f"{shape_str(t[x].shape)} → {shape_str(t[y].shape)}" + (
            f"; {settings}" if settings else "")
        params = [ref for k in layer.params for ref in _all(f"L{i}.{k}", t[f"L{i}.{k}"].shape)]
        steps.append(step("forward", f"L{i} {layer.type}", _forward_formula(layer, i),
                          _results(t, [y]), _all(x, t[x].shape) + params,
                          _all(y, t[y].shape), t[y].ravel(), note=note, result_text=""))
    steps += _loss_steps(r, t)
    for i in range(n, 0, -1):
        layer = net.layers[i - 1]
        x, dy = _input_name(i), _dy_name(i, n)
        written = [f"L{i}.dx"] + [f"L{i}.{nw.GRAD[k]}" for k in layer.params]
        reads = _all(dy, t[dy].shape) + _all(x, t[x].shape) \
            + [ref for k in layer.params for ref in _all(f"L{i}.{k}", t[f"L{i}.{k}"].shape)]
        if layer.type in ("sigmoid", "tanh"):   # their δx is written with y
            reads += _all(f"L{i}.y", t[f"L{i}.y"].shape)
        norms = ", ".join(f"‖{name}‖ = {fmt(np.linalg.norm(t[name]))}" for name in written)
        note = f"δ {shape_str(t[dy].shape)} → {shape_str(t[f'L{i}.dx'].shape)}; {norms}"
        steps.append(step("backward", f"δ through L{i} {layer.type}",
                          _backward_formula(layer, i, n), _results(t, written), reads,
                          [ref for name in written for ref in _all(name, t[name].shape)],
                          np.concatenate([t[name].ravel() for name in written]), note=note,
                          result_text=""))
    return Trace(steps, t)


def _results(t: Mapping[str, np.ndarray], names: Sequence[str]) -> str:
    """What a chain step wrote, compact and true, in the order of its formula's equations: a
    tensor of at most :data:`FEW` elements by its values, nested as NumPy prints it
    (``[0.1914, -0.3646]``, ``[[0.08217, -0.0226], [0.08267, -0.02274]]``), a larger one by its
    shape and norm (``(6,6,2) with ‖L1.y‖ = 1.234``)."""
    def values(v: np.ndarray) -> str:
        return vec(v) if v.ndim <= 1 else "[" + ", ".join(map(values, v)) + "]"

    def one(name: str) -> str:
        v = t[name]
        if v.size <= FEW:
            return values(v)
        return f"{shape_str(v.shape).replace(', ', ',')} with ‖{name}‖ = {fmt(np.linalg.norm(v))}"
    return ";  ".join(map(one, names))


def _loss_steps(r: nw.Run, t: dict[str, np.ndarray]) -> list[Step]:
    """The loss and its δ on the chain's names, with their numbers (long vectors shortened)."""
    loss, n = r.network.loss, len(r.network.layers)
    y_name = "x" if n == 0 else f"L{n}.y"
    y = t[y_name]
    reads_y = _all(y_name, y.shape)
    size = y.size
    if loss.type == "mse":
        target = t["target"]
        terms = [f"({fmt(a)} − {fmt_paren(b)})²" for a, b in zip(y.ravel(), target.ravel(),
                                                               strict=True)]
        reads = reads_y + _all("target", target.shape)
        return [step("forward", "loss (mse)",
                     f"loss = (1/n) Σᵢ ({y_name}ᵢ − targetᵢ)², n = {size}",
                     f"({sum_text(terms)}) / {size}", reads, [("loss", ())], [r.loss]),
                step("backward", "δ of the loss", f"loss.dx = 2({y_name} − target) / n",
                     f"2·({vec(y.ravel())} − {vec(target.ravel())}) / {size}", reads,
                     _all("loss.dx", y.shape), r.loss_dx.ravel())]
    c = int(loss.target)
    p = losses.softmax(y)
    onehot = np.zeros(size)
    onehot[c] = 1.0
    reads = reads_y + [("target", ())]
    return [step("forward", "loss (softmax + cross-entropy)",
                 f"loss = −log softmax({y_name})_t, t = {c}", f"−log({fmt(p[c])})", reads,
                 [("loss", ())], [r.loss], note=f"softmax({y_name}) = {vec(p)}"),
            step("backward", "δ of the loss", f"loss.dx = softmax({y_name}) − onehot({c})",
                 f"{vec(p)} − {vec(onehot)}", reads, _all("loss.dx", y.shape), r.loss_dx)]


# ---------------------------------------------------------------------------------------------
# Every layer's own steps, named into the chain


def worked(r: nw.Run) -> Trace:
    """Every layer's own steps and the loss's in the order of the passes (module docstring).
    A layer too large to step through raises :class:`~engine.network.NetworkError` naming it."""
    net, n = r.network, len(r.network.layers)
    parts: list[tuple[Trace, str, dict[str, str]]] = []
    for i, layer in enumerate(net.layers, 1):
        names = {"x": _input_name(i), "y": f"L{i}.y", "dy": _dy_name(i, n), "dx": f"L{i}.dx"}
        names.update({k: f"L{i}.{k}" for k in layer.params})
        names.update({nw.GRAD[k]: f"L{i}.{nw.GRAD[k]}" for k in layer.params})
        parts.append((r.layer_trace(i), f"L{i}", names))
    loss_names = {"y": "x" if n == 0 else f"L{n}.y", "loss": "loss", "dy": "loss.dx",
                  "t": "target" if net.loss.type == "mse" else "loss.onehot"}
    loss_part = (r.loss_trace(), "loss", loss_names)
    tensors: dict[str, np.ndarray] = {}
    for trace, prefix, names in parts + [loss_part]:
        for k in trace.tensors:
            names.setdefault(k, f"{prefix}.{k}")   # a layer's own intermediates: L1.x_padded
        tensors.update({names[k]: v for k, v in trace.tensors.items()})
    steps: list[Step] = []
    for phase, order in (("forward", parts + [loss_part]),
                         ("backward", [loss_part] + parts[::-1])):
        for trace, prefix, names in order:
            steps += [_renamed(s, prefix, names) for s in trace.steps if s.phase == phase]
    notes = [f"{prefix}: {trace.note}" for trace, prefix, _ in parts if trace.note]
    return Trace(steps, tensors, "; ".join(notes))


def _renamed(s: Step, prefix: str, names: Mapping[str, str]) -> Step:
    """``s`` with its title prefixed and its refs named into the chain (``names`` maps every
    tensor name of its trace)."""
    return replace(s, title=f"{prefix} {s.title}",
                   reads=tuple([(names[k], i) for k, i in s.reads]),
                   writes=tuple([(names[k], i) for k, i in s.writes]))


# ---------------------------------------------------------------------------------------------
# The SGD update


def sgd(update: nw.SGDStep) -> Trace:
    """``θ ← θ − η·Δθ``: one step per element (``L1.w[0,0] ← L1.w[0,0] − η·L1.dw[0,0] = 0.15 −
    0.5·0.0004386``), or one per parameter tensor past :data:`~engine.steps.MAX_STEPS`.
    Tensors: each θ, its Δθ, and ``θ_new`` (e.g. ``L1.w_new``), which the steps write."""
    old, grads = update.before.network.parameters(), update.before.grads
    new = update.network.parameters()
    lr = update.lr
    tensors: dict[str, np.ndarray] = {}
    for name, v in old.items():
        tensors.update({name: v, nw.grad_name(name): grads[nw.grad_name(name)],
                        f"{name}_new": new[name]})
    total = sum(v.size for v in old.values())
    steps: list[Step] = []
    for name, v in old.items():
        g_name, n_name = nw.grad_name(name), f"{name}_new"
        if total > MAX_STEPS:
            steps.append(step("backward", n_name, f"{n_name} = {name} − η·{g_name}",
                              f"η = {lr:g}", _all(name, v.shape) + _all(g_name, v.shape),
                              _all(n_name, v.shape), new[name].ravel(),
                              note="coarsened: one step per parameter tensor"))
            continue
        for idx in indices(v.shape):
            at = "[" + ",".join(map(str, idx)) + "]"
            steps.append(step("backward", f"{name}{at}",
                              f"{name}{at} ← {name}{at} − η·{g_name}{at}",
                              f"{fmt(v[idx])} − {fmt(lr)}·{fmt_paren(grads[g_name][idx])}",
                              [(name, idx), (g_name, idx)], [(n_name, idx)], [new[name][idx]]))
    note = "" if total <= MAX_STEPS else \
        f"{total:,} parameters would be too many steps; one step per parameter tensor"
    return Trace(steps, tensors, note)


# ---------------------------------------------------------------------------------------------
# The examples' entry point


def solve(input, layers, loss) -> Trace:
    """The layer-by-layer trace of the spec ``{"input", "layers", "loss"}`` (the ``network``
    example kind): :func:`~engine.network.parse`, :func:`~engine.network.run`,
    :func:`layer_by_layer`."""
    return layer_by_layer(nw.run(nw.parse({"input": input, "layers": layers, "loss": loss})))
