r"""Reverse-mode automatic differentiation of a typed scalar expression (the sheet's Task 4).

An expression such as ``cos(x1*x2) + x1*x2 + x1`` is parsed by :mod:`engine.expression` (with
:mod:`ast` and a whitelist: it is **never** evaluated by Python) into nodes numbered as the sheet
numbers them::

    v0 = x1                      inputs first, in order of first appearance
    v1 = x2
    v2 = v0 · v1                 then operations in evaluation order (operands left to right)
    v3 = cos(v2)
    v4 = v3 + v2 + v0 = L        the output is the last node

Forward: each node in turn computes its value from its operands' values, and its local
derivatives ``∂v_i/∂v_j`` (:data:`RULES`: one small function per operation, like micrograd's
operators). Backward, seeded with ``v̄_out = ∂L/∂v_out = 1``, the nodes are visited in reverse
and each passes its adjoint back to its operands (micrograd's ``+=``)::

    v̄_j += v̄_i · ∂v_i/∂v_j                   ∂L/∂x_k = v̄_k

so a node used twice (``v2`` above) receives two contributions.

The grammar: numbers (``|n| ≤ 1e12``), variables, ``pi`` and ``e``; ``+ - * / **`` and unary
``-``/``+``; ``sin cos tan exp log sqrt tanh sigmoid relu abs`` of one argument (``log`` is the
natural logarithm). A repeated sub-expression is one node, a chain of ``+``/``-`` one n-ary
node with signs, constants are nodes (numbered in evaluation order) and are not differentiated:
see :mod:`engine.expression`.

Decisions (the first brief left them open; docs/ARCHITECTURE.md §2):

* **Kinks**: ``relu'(0) = 0`` and ``abs'(0) = 0`` (PyTorch's convention). Where a slope is
  infinite (``sqrt`` at 0, ``x ** 0.5`` at 0) the evaluation is refused, naming the node.
* **Domain errors** (``log`` of ≤ 0, ``sqrt`` of < 0, division by zero, ``0 ** -1``, a negative
  base to a fractional power, overflow to ±inf) are refused naming the node:
  ``"expression: v3 = log(v2) [log(x1 - 3), column 1]: log of -2 is undefined"``.
* A value for a name that is not in the expression is ignored; ``pi`` and ``e`` are always the
  constants.

API: :func:`parse` (text → :class:`~engine.expression.Graph`, whose ``variables`` a form can
ask values for), :func:`evaluate` (text or graph, values → :class:`Evaluation`: ``value``,
``gradient``, ``nodes``, ``edges``). The worked solution: :mod:`engine.traces.autodiff`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from itertools import compress
from typing import NamedTuple

from engine.expression import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    ExpressionError,
    Graph,
    Node,
    parse,
)
from engine.steps import fmt, fmt_paren
from engine.validate import as_number

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "RULES", "Edge", "EvaluatedNode",
           "Evaluation", "ExpressionError", "Graph", "Node", "evaluate", "parse"]


class _DomainError(Exception):
    """A value or slope that does not exist; ``reason`` says why (the node is added later)."""

    def __init__(self, reason: str):
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Each operation: its value and ∂v/∂(each operand), from the operands' values


def _add(node: Node, *x: float):
    v = x[0]
    for s, xk in zip(node.signs[1:], x[1:], strict=True):
        if s > 0:
            v += xk
        else:
            v -= xk
    return v, tuple([float(s) for s in node.signs])


def _div(node: Node, a: float, b: float):
    if b == 0:
        raise _DomainError(f"division by zero ({fmt(a)} / 0)")
    v = a / b
    return v, (1.0 / b, -v / b)


def _pow(node: Node, a: float, b: float):
    """a ** b; a slope is only worked out for an operand that needs one (``x ** 2`` at x < 0
    has no slope in the exponent, and needs none)."""
    if a == 0 and b < 0:
        raise _DomainError(f"0 ^ {fmt(b)} is undefined (division by zero)")
    if a < 0 and b != int(b):
        raise _DomainError(f"{fmt_paren(a)} ^ {fmt(b)} is undefined (negative base, "
                           "fractional exponent)")
    v = math.pow(a, b)
    d_base = d_exp = None
    if node.needs[0]:
        if b == 0:
            d_base = 0.0
        elif a == 0 and b < 1:
            raise _DomainError(f"0 ^ {fmt(b)} has an infinite slope at 0 (not differentiable)")
        else:
            d_base = b * math.pow(a, b - 1)
    if node.needs[1]:
        if a < 0:
            raise _DomainError(f"a negative base ({fmt(a)}) to a power has no derivative with "
                               "respect to the exponent")
        d_exp = v * math.log(a) if a > 0 else 0.0
    return v, (d_base, d_exp)


def _log(node: Node, x: float):
    if x <= 0:
        raise _DomainError(f"log of {fmt(x)} is undefined")
    return math.log(x), (1.0 / x,)


def _sqrt(node: Node, x: float):
    if x < 0:
        raise _DomainError(f"sqrt of {fmt(x)} is undefined")
    v = math.sqrt(x)
    if v == 0:
        if node.needs[0]:
            raise _DomainError("sqrt has an infinite slope at 0 (not differentiable)")
        return v, (0.0,)
    return v, (0.5 / v,)


def _sigmoid(node: Node, x: float):
    if x >= 0:
        v = 1.0 / (1.0 + math.exp(-x))
    else:
        z = math.exp(x)
        v = z / (1.0 + z)
    return v, (v * (1.0 - v),)


def _tan(node: Node, x: float):
    v = math.tan(x)
    return v, (1.0 + v * v,)


def _exp(node: Node, x: float):
    v = math.exp(x)
    return v, (v,)


def _tanh(node: Node, x: float):
    v = math.tanh(x)
    return v, (1.0 - v * v,)


#: op -> rule(node, *operand values) -> (value, ∂value/∂operand for each operand; None where the
#: operand depends on no input and the slope was not needed).
RULES = {
    "const": lambda node: (node.constant, ()),
    "add": _add,
    "mul": lambda node, a, b: (a * b, (b, a)),
    "div": _div,
    "pow": _pow,
    "neg": lambda node, x: (-x, (-1.0,)),
    "sin": lambda node, x: (math.sin(x), (math.cos(x),)),
    "cos": lambda node, x: (math.cos(x), (-math.sin(x),)),
    "tan": _tan,
    "exp": _exp,
    "log": _log,
    "sqrt": _sqrt,
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "relu": lambda node, x: (x, (1.0,)) if x > 0 else (0.0, (0.0,)),
    "abs": lambda node, x: (abs(x), (1.0 if x > 0 else -1.0 if x < 0 else 0.0,)),
}


# ---------------------------------------------------------------------------------------------
# Evaluation


class EvaluatedNode(NamedTuple):
    """One node of an evaluated expression, ready for display."""

    name: str                          # "v2"
    op: str                            # "mul" (see engine.expression.OPS)
    inputs: tuple[int, ...]            # indices of the operand nodes, in order
    value: float
    adjoint: float                     # ∂L/∂v (0 for a node that depends on no input,
                                       # except the output, whose v̄ is the seed 1)
    label: str                         # "v2 = v0 · v1", "v0 = x1", "v3 = 2"
    partials: tuple[float | None, ...]  # ∂v/∂v_j per input; None into a constant
    derivatives: tuple[str, ...]       # the same in symbols: ("v1", "v0")
    signs: tuple[int, ...]             # add only: +1 / -1 per term; () otherwise
    column: int                        # where it starts in the expression (0-based)
    source: str                        # its text in the expression: "x1*x2"
    active: bool                       # depends on an input (is differentiated)
    level: int                         # 0 for inputs and constants, else 1 + max(operands')


class Edge(NamedTuple):
    """Edge ``source → target``: v_target uses v_source as its operand ``position``."""

    source: int
    target: int
    position: int
    partial: float | None              # ∂v_target/∂v_source; None into a constant
    derivative: str                    # "-sin(v2)"


def evaluate(expression: str | Graph, values: Mapping[str, float]) -> Evaluation:
    """Forward and reverse pass of ``expression`` at ``values`` ({variable name: number}).

    ``expression`` is text or a :class:`~engine.expression.Graph` from :func:`parse` (parsing
    once and evaluating often saves the parse). Returns an :class:`Evaluation`.
    """
    g = expression if isinstance(expression, Graph) else parse(expression)
    inputs = _read_values(g, values)
    value = inputs + [0.0] * (len(g) - len(inputs))
    partials: list[tuple[float, ...]] = [()] * len(g)
    for node in g.nodes[len(inputs):]:  # forward, in the sheet's order
        try:
            v, slopes = RULES[node.op](node, *[value[j] for j in node.inputs])
            if not math.isfinite(v):
                raise _DomainError("the value overflows (too large for a float)")
        except _DomainError as exc:
            raise _node_error(g, node.index, exc.reason) from None
        except OverflowError:
            raise _node_error(g, node.index, "the value overflows (too large for a float)") \
                from None
        except ZeroDivisionError:
            raise _node_error(g, node.index, "its derivative divides by zero") from None
        value[node.index] = v
        partials[node.index] = slopes if False not in node.needs else \
            tuple(compress(slopes, node.needs))  # along grad_inputs
    adjoint = [0.0] * len(g)
    adjoint[g.output] = 1.0
    for node in reversed(g.nodes):  # backward: each node passes its adjoint to its operands
        for j, d in zip(node.grad_inputs, partials[node.index], strict=True):
            adjoint[j] += adjoint[node.index] * d
    if not all(map(math.isfinite, adjoint)):
        n_in = len(inputs)
        for i in [*range(len(g) - 1, n_in - 1, -1), *range(n_in)]:
            if not math.isfinite(adjoint[i]):
                raise _node_error(g, i, "its adjoint ∂L/∂v overflows (too large for a float)")
    return Evaluation(g, inputs, value, adjoint, partials)


def _read_values(graph: Graph, values) -> list[float]:
    if not isinstance(values, Mapping):
        raise ValueError(f"values: the values must be given by variable name (x1: 1, …), got "
                         f"{type(values).__name__}")
    out = []
    for name in graph.variables:
        if name not in values:
            raise ValueError(f"{name}: no value given; every variable of the expression needs "
                             "one")
        out.append(as_number(values[name], name))
    return out


def _node_error(g: Graph, i: int, reason: str) -> ExpressionError:
    col = g.nodes[i].span[0]
    return ExpressionError(f"expression: {g.labels[i]} [{g.source(i)}, column {col + 1}]: "
                           f"{reason}", col)


class Evaluation:
    """Values and adjoints of every node of a parsed expression, in the sheet's numbering.

    ``value`` is L, ``gradient`` maps each variable to ∂L/∂x; ``values`` and ``adjoints`` per
    node; ``partials[i]`` the local derivatives of node i along ``graph.nodes[i].grad_inputs``;
    ``nodes`` (:class:`EvaluatedNode`) and ``edges`` (:class:`Edge`) are built on first use.
    """

    def __init__(self, graph: Graph, inputs: list[float], values: list[float],
                 adjoints: list[float], partials: list[tuple[float, ...]]):
        self.graph = graph
        self.inputs = inputs
        self.values = values
        self.adjoints = adjoints
        self.partials = partials
        self.value: float = values[graph.output]
        self.gradient: dict[str, float] = dict(zip(graph.variables, adjoints, strict=False))

    @property
    def variables(self) -> tuple[str, ...]:
        """Variable names in order of first appearance (v0, v1, …)."""
        return self.graph.variables

    @property
    def output(self) -> int:
        return self.graph.output

    @property
    def labels(self) -> tuple[str, ...]:
        return self.graph.labels

    def edge_partials(self, i: int) -> tuple[float | None, ...]:
        """∂v_i/∂v_j for each operand of node ``i`` (None for an operand that is a constant)."""
        node = self.graph.nodes[i]
        it = iter(self.partials[i])
        return tuple(next(it) if need else None for need in node.needs)

    @cached_property
    def nodes(self) -> list[EvaluatedNode]:
        g = self.graph
        out: list[EvaluatedNode] = []
        for node in g.nodes:
            i, a = node.index, node.inputs
            out.append(EvaluatedNode(
                name=f"v{i}", op=node.op, inputs=a, value=self.values[i],
                adjoint=self.adjoints[i], label=g.labels[i], partials=self.edge_partials(i),
                derivatives=tuple(g.derivative(i, k) for k in range(len(a))),
                signs=node.signs, column=node.span[0], source=g.source(i), active=node.active,
                level=1 + max(out[j].level for j in a) if a else 0))
        return out

    @cached_property
    def edges(self) -> list[Edge]:
        """Every edge, numbered as :meth:`~engine.expression.Graph.edge_ids` numbers them."""
        return [Edge(j, i, k, n.partials[k], n.derivatives[k])
                for i, n in enumerate(self.nodes) for k, j in enumerate(n.inputs)]
