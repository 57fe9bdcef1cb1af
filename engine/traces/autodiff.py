"""The worked solution of reverse-mode autodiff (the sheet's Task 4c), step by step.

Forward: one step per node, ``v2 = v0 · v1 = 1 · 2 = 2``. Backward: the seed ``v̄_out = 1``, then
one step per edge in reverse order, ``v̄2 += v̄4 · ∂v4/∂v2 = 1 · 1 → v̄2 = 1`` (a node used twice
gets two steps, micrograd's ``+=``), then ``∂L/∂x1 = v̄0``. The numbers are those of
:func:`engine.autodiff.evaluate`; past :data:`~engine.steps.MAX_STEPS` steps each pass is
coarsened to one step per node (or block of nodes), with a note. Each step carries the ids of
the graph edges it concerns (``Step.edges``, indices into ``Evaluation.edges``): a forward step
the edges into its node, a backward step the edge its adjoint flows along.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine import printed_sheet
from engine.autodiff import Evaluation, evaluate
from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, step


def _bar(i: int) -> str:
    return f"v\u0304{i}"


def _paren_sym(s: str) -> str:
    """``s`` in parentheses unless it is one name, number or call: ``v1``, ``cos(v0)``."""
    depth = 0
    for ch in s:
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch in " -+·/^":
            return f"({s})"
    return s


def solve(expression: str, values: Mapping[str, float]) -> Trace:
    """Forward and reverse pass with every step, as in the sheet's Task 4c.

    Forward: ``v2 = v0 · v1 = 1 · 2 = 2``. Backward: the seed ``v̄4 = 1``, then one step per edge
    in reverse order, ``v̄2 += v̄4 · ∂v4/∂v2 = 1 · 1 → v̄2 = 1`` (a node used twice gets two
    steps), then ``∂L/∂x1 = v̄0``. Tensors: ``x`` (the inputs), ``value`` and ``adjoint``
    (n_nodes,), ``gradient`` (n_inputs,).
    """
    ev = evaluate(expression, values)
    g = ev.graph
    n, n_in = len(g), len(g.variables)
    tensors = {"x": np.array(ev.inputs, dtype=np.float64),
               "value": np.array(ev.values, dtype=np.float64),
               "adjoint": np.array(ev.adjoints, dtype=np.float64),
               "gradient": np.array(ev.adjoints[:n_in], dtype=np.float64)}
    n_edges = sum(len(node.grad_inputs) for node in g.nodes)
    fine = n + 1 + n_edges + n_in
    if fine <= MAX_STEPS:
        trace = Trace(_fine_steps(ev), tensors)
    else:
        n_active = sum(1 for node in g.nodes[n_in:] if node.grad_inputs)
        block = 1
        while -(-n // block) + -(-n_active // block) + 2 > MAX_STEPS:
            block += 1
        per = "node" if block == 1 else f"{block} nodes"
        note = (f"{fine:,} steps would be too many to step through; coarsened to one step per "
                f"{per} in each pass")
        trace = Trace(_coarse_steps(ev, block, note), tensors, note)
    at = ", ".join(f"{name} = {fmt(v, 17)}" for name, v in zip(g.variables, ev.inputs,
                                                                strict=True))
    trace.settings = {
        "layer": "reverse-mode automatic differentiation (sheet 4, Task 4)",
        "expression": f"L = {expression}" + (f" at {at}" if at else ""),
        "nodes": "; ".join(g.labels) + f" (v{g.output} = L)",
        "tensors": "x[k] is the k-th variable, value[i] the node vᵢ, adjoint[i] its "
                   "v̄ᵢ = ∂L/∂vᵢ, gradient[k] ∂L/∂(k-th variable); the name column names each",
    }
    trace.names = {"x": tuple(g.variables),
                   "value": tuple(f"v{i}" for i in range(n)),
                   "adjoint": tuple(_bar(i) for i in range(n)),
                   "gradient": tuple(f"∂L/∂{name}" for name in g.variables)}
    return trace


def _forward_step(ev: Evaluation, i: int) -> Step:
    g = ev.graph
    node = g.nodes[i]
    v = ev.values[i]
    if node.op == "input":
        return step("forward", f"v{i}", f"v{i} = {node.text}", fmt(v), [("x", (i,))],
                    [("value", (i,))], [v])
    if node.op == "const":
        formula = f"v{i}" if node.text == fmt(v) else f"v{i} = {node.text}"
        return step("forward", f"v{i}", formula, "", [], [("value", (i,))], [v])
    title = f"v{i} = L" if i == g.output else f"v{i}"
    return step("forward", title, g.labels[i], g.substituted(i, ev.values),
                [("value", (j,)) for j in node.inputs], [("value", (i,))], [v],
                edges=g.edge_ids(i))


def _seed_step(ev: Evaluation, note: str = "") -> Step:
    """``v̄_out = ∂L/∂v_out = 1``. It also writes v̄ = 0 for the nodes that depend on no input
    (constants), which the note names; the line ends on the seed alone."""
    g = ev.graph
    out = g.output
    quiet = [node.index for node in g.nodes if not node.active and node.index != out]
    if quiet:
        names = ", ".join(f"v{i}" for i in quiet[:8]) + (" …" if len(quiet) > 8 else "")
        extra = (f"{names} depends on no input: not differentiated, its v̄ stays 0"
                 if len(quiet) == 1 else
                 f"{names} depend on no input: not differentiated, their v̄ stay 0")
        note = f"{note}; {extra}" if note else extra
    return step("backward", _bar(out), f"{_bar(out)} = ∂L/∂v{out}", "",
                [("value", (out,))], [("adjoint", (out,))] + [("adjoint", (i,)) for i in quiet],
                [1.0] + [0.0] * len(quiet), note=note, result_text="1")


def _gradient_steps(ev: Evaluation, sheet: bool) -> list[Step]:
    """``∂L/∂x = v̄`` per variable; ``sheet``: the inputs are Task 4's (the sheet's ∇L noted)."""
    return [step("backward", f"∂L/∂{name}", f"∂L/∂{name} = {_bar(k)}", "",
                 [("adjoint", (k,))], [("gradient", (k,))], [ev.adjoints[k]],
                 sheet_note=printed_sheet.autodiff_gradient(k, ev.adjoints[k]) if sheet else "")
            for k, name in enumerate(ev.graph.variables)]


def _backward_edges(ev: Evaluation, i: int):
    """``(operand position k, operand j, ∂v_i/∂v_j, edge id)`` for every edge node ``i`` passes
    its adjoint back along, in operand order."""
    g = ev.graph
    node = g.nodes[i]
    positions = [k for k, need in enumerate(node.needs) if need]
    ids = g.edge_ids(i)
    return [(k, j, d, ids[k]) for k, j, d in zip(positions, node.grad_inputs, ev.partials[i],
                                                   strict=True)]


def _fine_steps(ev: Evaluation) -> list[Step]:
    g = ev.graph
    sheet = printed_sheet.is_task4(g.labels, ev.inputs)
    steps = [_forward_step(ev, i) for i in range(len(g))]
    steps.append(_seed_step(ev))
    adj = [0.0] * len(g)
    touched = [False] * len(g)
    adj[g.output] = 1.0
    touched[g.output] = True
    for i in range(g.output, len(g.variables) - 1, -1):
        gi = adj[i]
        for k, j, d, edge in _backward_edges(ev, i):
            old = adj[j]
            c = gi * d
            adj[j] = old + c
            sym = g.derivative(i, k)
            formula = f"{_bar(j)} += {_bar(i)} · ∂v{i}/∂v{j}"
            if sym != "1":
                formula += f" = {_bar(i)} · {_paren_sym(sym)}"
            sub_text = f"{fmt_paren(gi)} · {fmt_paren(d)}"
            if touched[j]:
                sub_text += f" = {fmt(c)} → {_bar(j)} = {fmt(old)} + {fmt_paren(c)}"
            else:
                sub_text += f" → {_bar(j)}"
            touched[j] = True
            note = printed_sheet.autodiff_edge(i, j, ev.values, gi, adj[j]) if sheet else ""
            steps.append(step("backward", f"{_bar(j)} (from v{i})", formula, sub_text,
                              [("adjoint", (i,)), ("value", (j,))], [("adjoint", (j,))],
                              [adj[j]], edges=(edge,), sheet_note=note))
    steps.extend(_gradient_steps(ev, sheet))
    return steps


def _coarse_steps(ev: Evaluation, block: int, note: str) -> list[Step]:
    g = ev.graph
    n = len(g)
    steps = []
    for start in range(0, n, block):
        idx = range(start, min(n, start + block))
        title = f"v{idx[0]}" if len(idx) == 1 else f"v{idx[0]} … v{idx[-1]}"
        steps.append(step("forward", title, title, "",
                          [("value", (j,)) for i in idx for j in g.nodes[i].inputs],
                          [("value", (i,)) for i in idx], [ev.values[i] for i in idx],
                          note=note, edges=[e for i in idx for e in g.edge_ids(i)]))
    steps.append(_seed_step(ev, note))
    adj = [0.0] * n
    adj[g.output] = 1.0
    order = [i for i in range(g.output, len(g.variables) - 1, -1) if g.nodes[i].grad_inputs]
    for start in range(0, len(order), block):
        chunk = order[start:start + block]
        writes, vals, edges = [], [], []
        for i in chunk:
            gi = adj[i]
            for _, j, d, edge in _backward_edges(ev, i):
                adj[j] += gi * d
                writes.append(("adjoint", (j,)))
                vals.append(adj[j])
                edges.append(edge)
        who = f"v{chunk[0]}" if len(chunk) == 1 else f"v{chunk[0]} … v{chunk[-1]}"
        steps.append(step("backward", f"v̄ from {who}",
                          f"v̄ⱼ += v̄ᵢ · ∂vᵢ/∂vⱼ for i = {who}", "",
                          [("adjoint", (i,)) for i in chunk], writes, vals, note=note,
                          edges=edges))
    k = len(g.variables)
    if k:
        steps.append(step("backward", "∇L", "∂L/∂xₖ = v̄ₖ", "",
                          [("adjoint", (i,)) for i in range(k)],
                          [("gradient", (i,)) for i in range(k)], ev.adjoints[:k], note=note))
    return steps
