r"""Reverse-mode automatic differentiation of a typed scalar expression (the sheet's Task 4).

An expression such as ``cos(x1*x2) + x1*x2 + x1`` is parsed with Python's :mod:`ast` module
(``mode="eval"``) and checked against a whitelist; it is **never** evaluated by Python. It becomes
a list of nodes numbered as the sheet numbers them::

    v0 = x1                      inputs first, in order of first appearance
    v1 = x2
    v2 = v0 · v1                 then operations in evaluation order (operands left to right)
    v3 = cos(v2)
    v4 = v3 + v2 + v0 = L        the output is the last node

Forward: ``v_i = op(v_j, …)``. Backward, seeded with ``v̄_out = ∂L/∂v_out = 1``, the nodes are
visited in reverse and every edge ``j → i`` adds its share (micrograd's ``+=``)::

    v̄_j += v̄_i · ∂v_i/∂v_j                   ∂L/∂x_k = v̄_k

so a node used twice (``v2`` above) receives two contributions.

Grammar (everything else is refused with a ``ValueError`` that names the problem and its column):

* numbers (``2``, ``0.5``, ``1e-3``; ``|n| ≤ 1e12``), variable names (``x1``, ``w``, ``bias``),
  the constants ``pi`` and ``e``;
* ``+ - * / **``, unary ``-`` and ``+`` (``^`` is refused with a hint: write ``**``);
* ``sin cos tan exp log sqrt tanh sigmoid relu abs``, each with exactly one argument
  (``log`` is the natural logarithm).

For convenience ``·`` and ``×`` are read as ``*`` and ``−`` as ``-`` (as printed on the sheet).

Decisions (DESIGN.md leaves them open):

* **Repeated sub-expressions** written the same way are one node (hash-consing on the operation,
  its operands and its constant): ``x1*x2`` twice is one ``v2``. ``x2*x1`` is a different node.
* **Sums**: a chain of ``+`` and ``-`` written without parentheses is one n-ary ``add`` node
  whose terms carry signs: ``a - b + c`` is ``v = a - b + c`` with ∂v/∂b = -1 (``Node.signs``).
  A parenthesised sum on the right, ``a + (b + c)``, stays a node of its own, as written.
* **Products, quotients, powers** are binary; ``a*b*c`` is ``(a·b)·c``; ``a**b**c`` is
  ``a^(b^c)`` as in Python.
* **Constants are nodes** (op ``"const"``), numbered among the operations in evaluation order, so
  ``x1*x2 + 1`` is ``v0 = x1, v1 = x2, v2 = v0 · v1, v3 = 1, v4 = v2 + v3``. Equal constants are
  one node. A negative literal (``-2``) is one constant, not a negation. Constants, and operations
  on constants only, do not depend on an input: they are not differentiated (no backward edges
  into them) and their adjoint stays 0.
* **Kinks**: ``relu'(0) = 0`` and ``abs'(0) = 0`` (PyTorch's convention). Where a slope is
  infinite (``sqrt`` at 0, ``x ** 0.5`` at 0) the evaluation is refused, naming the node.
* **Domain errors** (``log`` of ≤ 0, ``sqrt`` of < 0, division by zero, ``0 ** -1``, a negative
  base to a fractional power, overflow to ±inf) are refused naming the node:
  ``"expression: v3 = log(v2) [log(x1 - 3), column 1]: log of -2 is undefined"``.
* A value for a name that is not in the expression is ignored; ``pi`` and ``e`` are always the
  constants.

Limits: :data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` levels of nesting (a chain of ``+`` or
``*`` does not nest), :data:`MAX_NODES` nodes. Python's own parser gives up on a flat sum of more
than roughly 1,000–2,000 terms (building its syntax tree recurses; the limit depends on the
caller's stack); that is reported as too long to parse.

API: :func:`parse` (text → :class:`Graph`, whose ``variables`` a form can ask values for),
:func:`evaluate` (text or graph, values → :class:`Evaluation`: ``value``, ``gradient``,
``nodes``, ``edges``). Evaluating a graph parsed once is several times faster than evaluating
the text again (parsing dominates). The worked solution: :mod:`engine.traces.autodiff`.

Speed: nodes are kept in plain parallel lists and evaluated with :mod:`math`; the display objects
(:class:`Node`, labels, :class:`Edge`) are built only when ``Evaluation.nodes`` / ``.edges`` is
first read.
"""

from __future__ import annotations

import ast
import gc
import math
from collections.abc import Mapping
from functools import cached_property
from typing import NamedTuple

from engine.steps import fmt, fmt_paren
from engine.validate import as_number

#: Functions an expression may call, each with exactly one argument.
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs")
#: Named constants.
CONSTANTS = {"pi": (math.pi, "π"), "e": (math.e, "e")}
#: Longest expression accepted, in characters.
MAX_LENGTH = 20_000
#: Deepest nesting accepted (parentheses, calls, unary minus, right operands).
MAX_DEPTH = 200
#: Most nodes (inputs, constants and operations) in one expression.
MAX_NODES = 5_000
#: Largest magnitude of a number written in the expression.
MAX_LITERAL = 1e12

# Operation codes (internal) and their public names.
INPUT, CONST, ADD, MUL, DIV, POW, NEG = range(7)
_FUNC0 = 7
OPS = ("input", "const", "add", "mul", "div", "pow", "neg") + FUNCTIONS
(SIN, COS, TAN, EXP, LOG, SQRT, TANH, SIGMOID, RELU, ABS) = range(_FUNC0, _FUNC0 + len(FUNCTIONS))
_FUNC_CODE = {name: _FUNC0 + k for k, name in enumerate(FUNCTIONS)}
_ALLOWED = ", ".join(FUNCTIONS)

_TRANSLATE = str.maketrans({"·": "*", "×": "*", "−": "-", "\n": " ", "\r": " ", "\t": " "})

_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "a lambda",
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.NamedExpr: "an assignment (:=)", ast.Compare: "a comparison",
    ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.List: "a list", ast.Tuple: "a tuple",
    ast.Set: "a set", ast.Dict: "a dict", ast.JoinedStr: "an f-string", ast.Starred: "a *",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "a slice",
}
_BINOP_SYMBOL = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
                 ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}


class ExpressionError(ValueError):
    """A refused expression. ``column`` is the 0-based character position of the problem in the
    expression string (``None`` when it has no single place), for the editor to highlight."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column


class Node(NamedTuple):
    """One node of an evaluated expression, ready for display."""

    name: str                          # "v2"
    op: str                            # "mul" (see OPS)
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


# ---------------------------------------------------------------------------------------------
# Parsing


#: How a node's right-hand side is written, by op; any other function as ``name(v)``.
_RHS = {MUL: "{0} · {1}", DIV: "{0} / {1}", POW: "{0} ^ {1}", NEG: "-{0}", SIGMOID: "σ({0})",
        ABS: "|{0}|"}


class Graph:
    """A parsed expression.

    Public attributes use the sheet's numbering (inputs ``0 … k-1``, then the rest in evaluation
    order): ``ops[i]`` is an operation code (``OPS[ops[i]]`` its name), ``args[i]`` the operand
    node indices, ``extra[i]`` the variable name (input), ``(value, text)`` (const) or the signs
    (add), ``active[i]`` whether the node depends on an input, ``dargs[i]`` the operands the
    backward pass follows, ``output`` the node that is L.

    Internally (``_ops`` …, what :func:`evaluate` runs on) only the operations are numbered
    ``0 … m-1`` and input k is ``-1-k``, so that a list of the operations' values followed by
    the inputs in reverse order is indexed by both without renumbering.
    """

    def __init__(self, expression, variables, input_spans, ops, args, extra, spans, active,
                 dargs, root):
        self.expression: str = expression
        self.variables: tuple[str, ...] = variables
        self._input_spans = input_spans
        self._ops: list[int] = ops
        self._args: list[tuple[int, ...]] = args
        self._extra: list = extra
        self._spans: list[tuple[int, int]] = spans
        self._active: list[bool] = active + [True] * len(variables)  # inputs at the end
        self._dargs: list[tuple[int, ...]] = dargs
        self._root: int = root

    def __len__(self) -> int:
        return len(self._ops) + len(self.variables)

    def public(self, ref: int) -> int:
        """The sheet's number of internal node ``ref``."""
        return -1 - ref if ref < 0 else ref + len(self.variables)

    @cached_property
    def _pub(self):
        n_in = len(self.variables)
        m = len(self._ops)

        def renum(refs):
            return tuple(-1 - r if r < 0 else r + n_in for r in refs)

        ops = (INPUT,) * n_in + tuple(self._ops)
        args = ((),) * n_in + tuple(renum(a) for a in self._args)
        extra = self.variables + tuple(self._extra)
        spans = tuple(self._input_spans) + tuple(self._spans)
        active = (True,) * n_in + tuple(self._active[:m])
        dargs = ((),) * n_in + tuple(renum(a) for a in self._dargs)
        return ops, args, extra, spans, active, dargs

    ops = property(lambda self: self._pub[0], doc="operation code of each node")
    args = property(lambda self: self._pub[1], doc="operand node indices of each node")
    extra = property(lambda self: self._pub[2], doc="name / (value, text) / signs")
    spans = property(lambda self: self._pub[3], doc="(start, end) column of each node")
    active = property(lambda self: self._pub[4], doc="does the node depend on an input")
    dargs = property(lambda self: self._pub[5], doc="operands the backward pass follows")

    @property
    def output(self) -> int:
        return self.public(self._root)

    def source(self, i: int) -> str:
        start, end = self.spans[i]
        return self.expression[start:end]

    @cached_property
    def labels(self) -> tuple[str, ...]:
        """``"v2 = v0 · v1"`` for every node."""
        return tuple(f"v{i} = {self.rhs(i)}" for i in range(len(self)))

    def rhs(self, i: int, names=None) -> str:
        """Right-hand side of node ``i``'s label; ``names`` replaces the operand names (e.g. with
        their values, to substitute)."""
        op, a = self.ops[i], self.args[i]
        if op == INPUT:
            return self.extra[i]
        if op == CONST:
            return self.extra[i][1]
        n = names if names is not None else [f"v{j}" for j in a]
        if op == ADD:
            out = n[0]
            for s, t in zip(self.extra[i][1:], n[1:], strict=True):
                out += (" + " if s > 0 else " - ") + t
            return out
        return _RHS.get(op, OPS[op] + "({0})").format(*n)

    def substituted(self, i: int, values) -> str:
        """Node ``i``'s right-hand side with its operands' values."""
        op, a = self.ops[i], self.args[i]
        if op in (INPUT, CONST):
            return fmt(values[i])
        if op in (ADD, MUL, DIV, POW, NEG):
            names = [fmt_paren(values[j]) for j in a]
            if op == ADD:
                names[0] = fmt(values[a[0]])
            return self.rhs(i, names)
        return self.rhs(i, [fmt(values[a[0]])])

    def derivative(self, i: int, k: int) -> str:
        """∂v_i/∂(operand k) in symbols: ``"-sin(v2)"``."""
        op, a = self.ops[i], self.args[i]
        x = f"v{a[0]}"
        if op == ADD:
            return "1" if self.extra[i][k] > 0 else "-1"
        if op == MUL:
            return f"v{a[1 - k]}"
        if op == DIV:
            return f"1 / v{a[1]}" if k == 0 else f"-v{a[0]} / v{a[1]}²"
        if op == POW:
            return (f"v{a[1]} · v{a[0]} ^ (v{a[1]} - 1)" if k == 0
                    else f"v{a[0]} ^ v{a[1]} · ln(v{a[0]})")
        return {
            NEG: "-1", SIN: f"cos({x})", COS: f"-sin({x})", TAN: f"1 + tan({x})²",
            EXP: f"exp({x})", LOG: f"1 / {x}", SQRT: f"1 / (2 · sqrt({x}))",
            TANH: f"1 - tanh({x})²", SIGMOID: f"σ({x}) · (1 - σ({x}))",
            RELU: f"relu'({x})", ABS: f"sign({x})",
        }[op]


class _Builder:
    """Turns the syntax tree into nodes in evaluation order (operands first, left to right),
    sharing repeated sub-expressions. Operations are numbered ``0, 1, …``; input k is ``-1-k``."""

    def __init__(self, text: str, offset: int):
        self.text = text          # what was parsed (translated, leading blanks removed)
        self.offset = offset      # characters removed in front
        self.byte_cols = not text.isascii()
        self.inputs: dict[str, int] = {}
        self.input_spans: list[tuple[int, int]] = []
        # one record per operation: (op, args, extra, (col, end), dargs); split in finish()
        self.records: list[tuple] = []
        self.active: list[bool] = []
        self.memo: dict = {}

    # -- positions
    def col(self, byte_col: int) -> int:
        if self.byte_cols:  # ast counts UTF-8 bytes
            byte_col = len(self.text.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))
        return byte_col + self.offset

    def error(self, what: str, tree=None) -> ExpressionError:
        if tree is None:
            return ExpressionError(f"expression: {what}")
        c = self.col(tree.col_offset)
        return ExpressionError(f"expression: {what} at column {c + 1}", c)

    # -- nodes
    def count(self, col: int) -> None:
        if len(self.records) + len(self.inputs) >= MAX_NODES:
            c = self.col(col)
            raise ExpressionError(f"expression: too many operations (more than {MAX_NODES:,} "
                                  f"nodes) at column {c + 1}", c)

    def make(self, op: int, args: tuple[int, ...], extra, col: int, end: int) -> int:
        """The node ``op(args)`` (``extra``: constant or signs), shared if it exists already.
        ``col``/``end`` are its source span as ast reports it (UTF-8 bytes)."""
        key = (op, args, extra)
        ref = self.memo.get(key)
        if ref is not None:
            return ref
        active = self.active
        ref = len(active)
        if ref + len(self.inputs) >= MAX_NODES:
            self.count(col)
        darg = args  # the operands that depend on an input (inputs, j < 0, always do)
        for j in args:
            if j >= 0 and not active[j]:
                darg = tuple([j for j in args if j < 0 or active[j]])
                break
        active.append(bool(darg))
        self.records.append((op, args, extra, (col, end), darg))
        self.memo[key] = ref
        return ref

    def const(self, value: float, tree, text: str | None = None) -> int:
        if text is None:
            text = repr(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
        return self.make(CONST, (), (value, text), tree.col_offset, tree.end_col_offset)

    def name(self, tree) -> int:
        name = tree.id
        ref = self.inputs.get(name)
        if ref is not None:
            return ref
        if name in CONSTANTS:
            value, text = CONSTANTS[name]
            return self.const(value, tree, text)
        if name in _FUNC_CODE:
            raise self.error(f"{name} is a function: write {name}(…)", tree)
        if name.startswith("_"):
            raise self.error(f"name {name!r} is not allowed (a variable starts with a letter)",
                             tree)
        self.count(tree.col_offset)
        ref = -1 - len(self.inputs)
        self.inputs[name] = ref
        self.input_spans.append((tree.col_offset, tree.end_col_offset))
        return ref

    def number(self, tree, negate: bool = False) -> int:
        v = tree.value
        if isinstance(v, bool) or not isinstance(v, (int, float, complex)):
            raise self.error(f"{_describe(tree)} is not allowed; use numbers and variables", tree)
        if isinstance(v, complex):
            raise self.error(f"complex number {self.text_of(tree)} is not allowed", tree)
        if abs(v) > MAX_LITERAL or not math.isfinite(v):  # (an int past 1e308: no float())
            text = self.text_of(tree)
            if len(text) > 24:
                text = f"{text[:12]}… ({len(text):,} characters)"
            raise self.error(f"number {text} is out of range (at most {MAX_LITERAL:.0e} in "
                             "size)", tree)
        v = float(v)
        return self.const(-v if negate else v, tree)

    def text_of(self, tree) -> str:
        return ast.get_source_segment(self.text, tree) or "?"

    def node(self, tree, depth: int) -> int:
        t = type(tree)
        if t is ast.Name:
            return self.name(tree)
        if depth > MAX_DEPTH:
            raise self.error(f"nested too deeply (more than {MAX_DEPTH} levels)", tree)
        if t is ast.BinOp:
            op = type(tree.op)
            if op is ast.Add or op is ast.Sub:
                return self.sum(tree, depth)
            if op is ast.Mult or op is ast.Div:
                return self.product(tree, depth)
            if op is ast.Pow:
                a = self.node(tree.left, depth + 1)
                b = self.node(tree.right, depth + 1)
                return self.make(POW, (a, b), None, tree.col_offset, tree.end_col_offset)
            sym = _BINOP_SYMBOL.get(op, op.__name__)
            hint = "; write ** for a power" if op is ast.BitXor else ""
            raise self.error(f"operator {sym} is not allowed (use + - * / **){hint}", tree)
        if t is ast.Call:
            return self.call(tree, depth)
        if t is ast.Constant:
            return self.number(tree)
        if t is ast.UnaryOp:
            op = type(tree.op)
            if op is ast.UAdd:
                return self.node(tree.operand, depth + 1)
            if op is ast.USub:
                if type(tree.operand) is ast.Constant:
                    return self.number(tree.operand, negate=True)
                a = self.node(tree.operand, depth + 1)
                return self.make(NEG, (a,), None, tree.col_offset, tree.end_col_offset)
            raise self.error(f"operator {'not' if op is ast.Not else '~'} is not allowed", tree)
        raise self.error(f"{_describe(tree)} is not allowed", tree)

    def sum(self, tree, depth: int) -> int:
        """A chain ``a ± b ± c`` (the left spine of + and -) as one n-ary node."""
        rights, signs = [], []
        add, sub = ast.Add, ast.Sub
        while type(tree) is ast.BinOp and (type(tree.op) is add or type(tree.op) is sub):
            rights.append(tree.right)
            signs.append(1 if type(tree.op) is add else -1)
            tree = tree.left
        first = tree
        rights.append(first)
        signs.append(1)
        rights.reverse()
        signs.reverse()
        node, known, name, depth = self.node, self.inputs.get, ast.Name, depth + 1
        refs = []
        for t in rights:  # a variable seen before is the common case: look it up directly
            r = known(t.id) if type(t) is name else None
            refs.append(node(t, depth) if r is None else r)
        refs = tuple(refs)
        return self.make(ADD, refs, tuple(signs), first.col_offset, rights[-1].end_col_offset)

    def product(self, tree, depth: int) -> int:
        """A chain ``a * b / c`` (left-associative), one binary node per operator."""
        chain = []
        mult, div = ast.Mult, ast.Div
        while type(tree) is ast.BinOp and (type(tree.op) is mult or type(tree.op) is div):
            chain.append(tree)
            tree = tree.left
        node, known, name, depth = self.node, self.inputs.get, ast.Name, depth + 1
        cur = node(tree, depth)
        for b in reversed(chain):
            t = b.right
            r = known(t.id) if type(t) is name else None
            if r is None:
                r = node(t, depth)
            cur = self.make(MUL if type(b.op) is mult else DIV, (cur, r), None, b.col_offset,
                            b.end_col_offset)
        return cur

    def call(self, tree, depth: int) -> int:
        f = tree.func
        if type(f) is not ast.Name:
            raise self.error(f"only the functions {_ALLOWED} can be called, not "
                             f"{_describe(f)}", tree)
        code = _FUNC_CODE.get(f.id)
        if code is None:
            raise self.error(f"unknown function {f.id!r}; allowed: {_ALLOWED}", f)
        if tree.keywords:
            raise self.error(f"{f.id}() takes no keyword arguments", tree.keywords[0].value)
        if len(tree.args) != 1:
            raise self.error(f"{f.id}() takes exactly one argument, got {len(tree.args)}", tree)
        if type(tree.args[0]) is ast.Starred:
            raise self.error(f"{f.id}() takes exactly one argument, not *…", tree.args[0])
        t = tree.args[0]
        a = self.inputs.get(t.id) if type(t) is ast.Name else None
        if a is None:
            a = self.node(t, depth + 1)
        return self.make(code, (a,), None, tree.col_offset, tree.end_col_offset)

    def finish(self, expression: str, root: int) -> Graph:
        if self.records:
            ops, args, extra, spans, dargs = (list(c) for c in zip(*self.records, strict=True))
        else:  # the expression is one variable
            ops, args, extra, spans, dargs = [], [], [], [], []
        input_spans = self.input_spans
        if self.byte_cols or self.offset:
            def conv(spans):
                return [(self.col(a), self.col(b)) for a, b in spans]
            input_spans, spans = conv(input_spans), conv(spans)
        return Graph(expression, tuple(self.inputs), input_spans, ops, args, extra, spans,
                     self.active, dargs, root)


def _describe(tree) -> str:
    if type(tree) is ast.Constant:
        v = tree.value
        if isinstance(v, bool):
            return f"the boolean {v}"
        if isinstance(v, (str, bytes)):
            return f"a string ({v!r:.20})"
        if v is Ellipsis:
            return "..."
        return f"{v!r}"
    return _REFUSED.get(type(tree), type(tree).__name__)


def parse(expression) -> Graph:
    """Parse and check ``expression``; a refused one raises :class:`ExpressionError`.

    The graph's ``variables`` (in order of first appearance) say which values
    :func:`evaluate` needs.
    """
    if not isinstance(expression, str):
        raise ExpressionError(f"expression: expected text, got {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"expression: too long ({len(expression):,} characters; at most "
                              f"{MAX_LENGTH:,})")
    text = expression.translate(_TRANSLATE)
    body = text.lstrip(" ")
    offset = len(text) - len(body)
    body = body.rstrip(" ")
    if not body:
        raise ExpressionError("expression: is empty; type a formula such as cos(x1*x2) + x1", 0)
    # The syntax tree and the nodes are thousands of small acyclic objects: pausing the cyclic
    # garbage collector while they are made saves ~10 % (refcounting still frees them).
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _parse(expression, body, offset)
    finally:
        if gc_was_on:
            gc.enable()


def _parse(expression: str, body: str, offset: int) -> Graph:
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        # exc.offset is 1-based (in characters); point at it
        col = (exc.offset or 1) - 1 + offset
        msg = exc.msg or "invalid syntax"
        if "parenthes" in msg and "nested" in msg:
            raise ExpressionError(f"expression: nested too deeply ({msg})", col) from None
        if "integer string conversion" in msg:  # Python refuses ints of over 4,300 digits
            raise ExpressionError(f"expression: a number of thousands of digits is out of range "
                                  f"(at most {MAX_LITERAL:.0e} in size)", None) from None
        raise ExpressionError(f"expression: {msg} at column {col + 1}", col) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression: too long or nested too deeply for Python's parser "
                              "(e.g. a sum of more than about 1,000 terms)") from None
    except ValueError as exc:  # e.g. a NUL character
        raise ExpressionError(f"expression: cannot be parsed ({exc})") from None
    b = _Builder(body, offset)
    try:
        root = b.node(tree.body, 0)
    except RecursionError:
        raise ExpressionError("expression: nested too deeply to read") from None
    return b.finish(expression, root)


# ---------------------------------------------------------------------------------------------
# Evaluation


class Evaluation:
    """Values and adjoints of every node of a parsed expression.

    ``value`` is L, ``gradient`` maps each variable to ∂L/∂x; ``values``, ``adjoints``,
    ``partials`` (per node, aligned with ``graph.dargs``), ``nodes`` (:class:`Node`) and
    ``edges`` (:class:`Edge`) are in the sheet's numbering and built on first use.
    """

    def __init__(self, graph: Graph, inputs: list[float], vals: list[float], adj: list[float],
                 parts: list):
        self.graph = graph
        self.inputs = inputs
        self._vals, self._adj, self._parts = vals, adj, parts  # internal numbering
        self.value: float = vals[graph._root]
        self.gradient: dict[str, float] = {name: adj[-1 - k]
                                           for k, name in enumerate(graph.variables)}

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

    @cached_property
    def values(self) -> list[float]:
        return self.inputs + self._vals[:len(self.graph._ops)]

    @cached_property
    def adjoints(self) -> list[float]:
        m = len(self.graph._ops)
        return [self._adj[-1 - k] for k in range(len(self.inputs))] + self._adj[:m]

    @cached_property
    def partials(self) -> list[tuple[float, ...]]:
        """∂v_i/∂v_j for each operand j in ``graph.dargs[i]`` (those that depend on an input)."""
        return [()] * len(self.inputs) + [p or () for p in self._parts]

    def edge_partials(self, i: int) -> tuple[float | None, ...]:
        """∂v_i/∂v_j for each operand of node ``i`` (None for an operand that is a constant)."""
        g = self.graph
        it = iter(self.partials[i])
        return tuple(next(it) if g.active[i] and g.active[j] else None for j in g.args[i])

    @cached_property
    def nodes(self) -> list[Node]:
        g = self.graph
        out: list[Node] = []
        for i in range(len(g)):
            op, a = g.ops[i], g.args[i]
            level = 1 + max(out[j].level for j in a) if a else 0
            out.append(Node(
                name=f"v{i}", op=OPS[op], inputs=a, value=self.values[i],
                adjoint=self.adjoints[i], label=g.labels[i], partials=self.edge_partials(i),
                derivatives=tuple(g.derivative(i, k) for k in range(len(a))),
                signs=g.extra[i] if op == ADD else (), column=g.spans[i][0],
                source=g.source(i), active=g.active[i], level=level))
        return out

    @cached_property
    def edges(self) -> list[Edge]:
        out = []
        for i, node in enumerate(self.nodes):
            for k, j in enumerate(node.inputs):
                out.append(Edge(j, i, k, node.partials[k], node.derivatives[k]))
        return out


def _read_values(graph: Graph, values) -> list[float]:
    if not isinstance(values, Mapping):
        raise ValueError(f"values: expected a mapping from variable name to number, got "
                         f"{type(values).__name__}")
    out = []
    for name in graph.variables:
        if name not in values:
            raise ValueError(f"{name}: no value given")
        out.append(as_number(values[name], name))
    return out


class _DomainError(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _forward(g: Graph, inputs: list[float]):
    """Values of every node (internal numbering: operations, then the inputs reversed) and, for
    operations that depend on an input, the local derivatives with respect to those operands
    that do (aligned with ``g._dargs``)."""
    m = len(g._ops)
    vals = [0.0] * m + inputs[::-1]
    parts: list = [None] * m
    ops, args, extra, active = g._ops, g._args, g._extra, g._active
    isfinite, sin, cos = math.isfinite, math.sin, math.cos
    i = 0
    try:
        for i in range(m):
            op = ops[i]
            a = args[i]
            if op == MUL:
                j, k = a
                x, y = vals[j], vals[k]
                v = x * y
                if active[i]:
                    if active[j]:
                        parts[i] = (y, x) if active[k] else (y,)
                    else:
                        parts[i] = (x,)
            elif op == ADD:
                signs = extra[i]
                v = vals[a[0]]
                for s, j in zip(signs[1:], a[1:], strict=True):
                    if s > 0:
                        v += vals[j]
                    else:
                        v -= vals[j]
                if active[i]:
                    parts[i] = tuple([float(s) for s, j in zip(signs, a, strict=True)
                                      if active[j]])
            elif op == CONST:
                v = extra[i][0]
            elif op == SIN:
                x = vals[a[0]]
                v = sin(x)
                if active[i]:
                    parts[i] = (cos(x),)
            elif op == COS:
                x = vals[a[0]]
                v = cos(x)
                if active[i]:
                    parts[i] = (-sin(x),)
            elif op == DIV:
                j, k = a
                x, y = vals[j], vals[k]
                if y == 0:
                    raise _DomainError(f"division by zero ({fmt(x)} / 0)")
                v = x / y
                if active[i]:
                    parts[i] = ((1.0 / y,) if active[j] else ()) + \
                        ((-v / y,) if active[k] else ())
            elif op == POW:
                j, k = a
                v, p = _pow(vals[j], vals[k], active[i] and active[j], active[i] and active[k])
                if active[i]:
                    parts[i] = p
            elif op == NEG:
                v = -vals[a[0]]
                if active[i]:
                    parts[i] = (-1.0,)
            else:
                v, d = _func(op, vals[a[0]], active[i])
                if active[i]:
                    parts[i] = (d,)
            if not isfinite(v):
                raise _DomainError("the value overflows (too large for a float)")
            vals[i] = v
    except _DomainError as exc:
        raise _node_error(g, i, exc.reason) from None
    except OverflowError:
        raise _node_error(g, i, "the value overflows (too large for a float)") from None
    except ZeroDivisionError:
        raise _node_error(g, i, "its derivative divides by zero") from None
    return vals, parts


def _pow(x: float, y: float, d_base: bool, d_exp: bool):
    if x == 0 and y < 0:
        raise _DomainError(f"0 ^ {fmt(y)} is undefined (division by zero)")
    if x < 0 and y != int(y):
        raise _DomainError(f"{fmt_paren(x)} ^ {fmt(y)} is undefined (negative base, "
                           "fractional exponent)")
    v = math.pow(x, y)
    p = ()
    if d_base:
        if y == 0:
            p += (0.0,)
        elif x == 0 and y < 1:
            raise _DomainError(f"0 ^ {fmt(y)} has an infinite slope at 0 (not differentiable)")
        else:
            p += (y * math.pow(x, y - 1),)
    if d_exp:
        if x > 0:
            p += (v * math.log(x),)
        elif x == 0:
            p += (0.0,)
        else:
            raise _DomainError(f"a negative base ({fmt(x)}) to a power has no derivative with "
                               "respect to the exponent")
    return v, p


def _func(op: int, x: float, active: bool) -> tuple[float, float]:
    """Value and derivative of a one-argument function."""
    if op == EXP:
        v = math.exp(x)
        return v, v
    if op == TANH:
        v = math.tanh(x)
        return v, 1.0 - v * v
    if op == SIGMOID:
        if x >= 0:
            v = 1.0 / (1.0 + math.exp(-x))
        else:
            z = math.exp(x)
            v = z / (1.0 + z)
        return v, v * (1.0 - v)
    if op == RELU:
        return (x, 1.0) if x > 0 else (0.0, 0.0)
    if op == LOG:
        if x <= 0:
            raise _DomainError(f"log of {fmt(x)} is undefined")
        return math.log(x), 1.0 / x
    if op == SQRT:
        if x < 0:
            raise _DomainError(f"sqrt of {fmt(x)} is undefined")
        v = math.sqrt(x)
        if v == 0:
            if active:
                raise _DomainError("sqrt has an infinite slope at 0 (not differentiable)")
            return v, 0.0
        return v, 0.5 / v
    if op == TAN:
        v = math.tan(x)
        return v, 1.0 + v * v
    if op == ABS:
        return abs(x), (1.0 if x > 0 else -1.0 if x < 0 else 0.0)
    raise AssertionError(f"unknown operation {op}")  # pragma: no cover


def _node_error(g: Graph, ref: int, reason: str) -> ExpressionError:
    """A domain error at internal node ``ref``, named as the sheet numbers it."""
    i = g.public(ref)
    col = g.spans[i][0]
    return ExpressionError(f"expression: {g.labels[i]} [{g.source(i)}, column {col + 1}]: "
                           f"{reason}", col)


def _backward(g: Graph, parts: list) -> list[float]:
    """Adjoints: seed 1 on the output, then ``v̄_j += v̄_i · ∂v_i/∂v_j`` in reverse order
    (internal numbering)."""
    m = len(g._ops)
    adj = [0.0] * (m + len(g.variables))
    adj[g._root] = 1.0
    dargs = g._dargs
    for i in range(m - 1, -1, -1):
        js = dargs[i]
        if js:
            gi = adj[i]
            for j, d in zip(js, parts[i], strict=True):
                adj[j] += gi * d
    if not all(map(math.isfinite, adj)):
        for i in range(m - 1, -len(g.variables) - 1, -1):
            if not math.isfinite(adj[i]):
                raise _node_error(g, i, "its adjoint ∂L/∂v overflows (too large for a float)")
    return adj


def evaluate(expression: str | Graph, values: Mapping[str, float]) -> Evaluation:
    """Forward and reverse pass of ``expression`` at ``values`` ({variable name: number}).

    ``expression`` is text or a :class:`Graph` from :func:`parse`. Returns an
    :class:`Evaluation` with ``.value`` (L), ``.gradient`` ({name: ∂L/∂x}) and ``.nodes``.
    """
    g = expression if isinstance(expression, Graph) else parse(expression)
    inputs = _read_values(g, values)
    vals, parts = _forward(g, inputs)
    adj = _backward(g, parts)
    return Evaluation(g, inputs, vals, adj, parts)
