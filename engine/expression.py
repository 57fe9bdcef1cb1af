r"""Typed scalar expressions → the sheet's numbered computational graph (Task 4), never ``eval``.

Invariants of a :class:`Graph` (what :mod:`engine.autodiff` differentiates):

* ``nodes[i]`` is ``v_i``. Inputs come first, in order of first appearance (``v0 = x1``,
  ``v1 = x2``); then every operation and constant in evaluation order (operands first, left to
  right). Every operand of ``v_i`` is numbered below ``i``; the output L is ``nodes[output]``.
* A sub-expression written the same way twice is one node (same op, operands and constant):
  ``x1*x2`` twice is one ``v2``; ``x2*x1`` is another. Equal constants are one node.
* A chain of ``+`` and ``-`` without parentheses is one n-ary ``add`` node whose terms carry
  ``signs`` (+1 / -1); a parenthesised sum on the right stays a node of its own. ``*``, ``/`` and
  ``**`` are binary (``a*b*c`` is ``(a·b)·c``, ``a**b**c`` is ``a^(b^c)``); a negative literal is
  one constant.
* A node is ``active`` when it depends on an input. Constants, and operations on constants only,
  are not: no edge carries an adjoint into them (``needs`` is False for them).
* ``edges`` are numbered node by node, operand by operand: edge ``edge_ids(i)[k]`` runs from
  ``nodes[i].inputs[k]`` into ``v_i`` (the order of ``Evaluation.edges`` and of the graph view).

Parsing uses :mod:`ast` (``mode="eval"``) and a whitelist; anything else is refused with an
:class:`ExpressionError` naming the problem and its column. ``·``/``×`` read as ``*`` and ``−`` as
``-``, as printed on the sheet. Limits: :data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` levels of
nesting (a chain of ``+`` or ``*`` does not nest), :data:`MAX_NODES` nodes, numbers up to
:data:`MAX_LITERAL`. Python's own parser gives up on a flat sum of more than roughly
1,000–2,000 terms (building its syntax tree recurses); that is reported as too long to parse.
"""

from __future__ import annotations

import ast
import math
from functools import cached_property
from itertools import compress

from engine.steps import fmt, fmt_paren

#: Functions an expression may call, each with exactly one argument.
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs")
#: Named constants: value and how a label writes it.
CONSTANTS = {"pi": (math.pi, "π"), "e": (math.e, "e")}
#: Every node's op: an input, a constant, an operation or one of :data:`FUNCTIONS`.
OPS = ("input", "const", "add", "mul", "div", "pow", "neg") + FUNCTIONS
MAX_LENGTH = 20_000
MAX_DEPTH = 200
MAX_NODES = 5_000
MAX_LITERAL = 1e12

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
_SUM_OPS = (ast.Add, ast.Sub)
_PRODUCT_OPS = (ast.Mult, ast.Div)
_BINOP_SYMBOL = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
                 ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
#: How a label writes an operation's right-hand side; any other function as ``name(v)``.
_RHS = {"mul": "{0} · {1}", "div": "{0} / {1}", "pow": "{0} ^ {1}", "neg": "-{0}",
        "sigmoid": "σ({0})", "abs": "|{0}|"}
#: ∂v/∂x of the one-operand operations, in symbols.
_SLOPE_TEXT = {"neg": "-1", "sin": "cos({x})", "cos": "-sin({x})", "tan": "1 + tan({x})²",
               "exp": "exp({x})", "log": "1 / {x}", "sqrt": "1 / (2 · sqrt({x}))",
               "tanh": "1 - tanh({x})²", "sigmoid": "σ({x}) · (1 - σ({x}))",
               "relu": "relu'({x})", "abs": "sign({x})"}


class ExpressionError(ValueError):
    """A refused expression. ``column`` is the 0-based character position of the problem in the
    expression string (``None`` when it has no single place), for the editor to highlight."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column


class Node:
    """``v_index = op(inputs)``. ``signs``: an add's +1 / -1 per term; ``constant``: a const's
    value; ``text``: an input's name or a constant as a label writes it (``"2"``, ``"π"``);
    ``span``: (start, end) column in the expression; ``needs[k]``: operand k depends on an
    input, so the backward pass passes v̄ to it (``grad_inputs`` are those operands)."""

    __slots__ = ("active", "constant", "grad_inputs", "index", "inputs", "needs", "op", "signs",
                 "span", "text")

    def __init__(self, index: int, op: str, inputs: tuple[int, ...] = (),
                 signs: tuple[int, ...] = (), constant: float = 0.0, text: str = "",
                 span: tuple[int, int] = (0, 0), needs: tuple[bool, ...] = ()):
        self.index, self.op, self.inputs, self.signs = index, op, inputs, signs
        self.constant, self.text, self.span, self.needs = constant, text, span, needs
        self.active = op == "input" or True in needs
        self.grad_inputs = inputs if False not in needs else tuple(compress(inputs, needs))


class Graph:
    """A parsed expression: ``nodes`` in the sheet's numbering (see the module's invariants),
    ``variables`` (the inputs' names: what :func:`engine.autodiff.evaluate` needs values for)."""

    def __init__(self, expression: str, variables: tuple[str, ...], nodes: list[Node],
                 output: int):
        self.expression = expression
        self.variables = variables
        self.nodes = nodes
        self.output = output

    def __len__(self) -> int:
        return len(self.nodes)

    def source(self, i: int) -> str:
        """Node ``i``'s text in the expression: ``"x1*x2"``."""
        start, end = self.nodes[i].span
        return self.expression[start:end]

    @cached_property
    def edge_start(self) -> list[int]:
        """The id of the first edge into each node (edges numbered node by node)."""
        out, n = [], 0
        for node in self.nodes:
            out.append(n)
            n += len(node.inputs)
        return out

    def edge_ids(self, i: int) -> range:
        """Ids of the edges into node ``i``, one per operand, in operand order."""
        return range(self.edge_start[i], self.edge_start[i] + len(self.nodes[i].inputs))

    @cached_property
    def labels(self) -> tuple[str, ...]:
        """``"v2 = v0 · v1"`` for every node."""
        return tuple(f"v{i} = {self.rhs(i)}" for i in range(len(self.nodes)))

    def rhs(self, i: int, names: list[str] | None = None) -> str:
        """Node ``i``'s right-hand side; ``names`` replace the operands' (e.g. their values)."""
        node = self.nodes[i]
        if node.op in ("input", "const"):
            return node.text
        n = names if names is not None else [f"v{j}" for j in node.inputs]
        if node.op == "add":
            return n[0] + "".join((" + " if s > 0 else " - ") + t
                                  for s, t in zip(node.signs[1:], n[1:], strict=True))
        return _RHS.get(node.op, node.op + "({0})").format(*n)

    def substituted(self, i: int, values) -> str:
        """Node ``i``'s right-hand side with its operands' values: ``cos(2)``, ``1 · (-2)``."""
        node = self.nodes[i]
        if node.op in ("input", "const"):
            return fmt(values[i])
        if node.op in ("add", "mul", "div", "pow", "neg"):
            names = [fmt_paren(values[j]) for j in node.inputs]
            if node.op == "add":
                names[0] = fmt(values[node.inputs[0]])
            return self.rhs(i, names)
        return self.rhs(i, [fmt(values[node.inputs[0]])])

    def derivative(self, i: int, k: int) -> str:
        """∂v_i/∂(operand k) in symbols: ``"-sin(v2)"``."""
        node = self.nodes[i]
        a = [f"v{j}" for j in node.inputs]
        if node.op == "add":
            return "1" if node.signs[k] > 0 else "-1"
        if node.op == "mul":
            return a[1 - k]
        if node.op == "div":
            return f"1 / {a[1]}" if k == 0 else f"-{a[0]} / {a[1]}²"
        if node.op == "pow":
            return f"{a[1]} · {a[0]} ^ ({a[1]} - 1)" if k == 0 else f"{a[0]} ^ {a[1]} · ln({a[0]})"
        return _SLOPE_TEXT[node.op].format(x=a[0])


# ---------------------------------------------------------------------------------------------
# Parsing


def parse(expression) -> Graph:
    """Parse and check ``expression``; a refused one raises :class:`ExpressionError`."""
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
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1 + offset  # exc.offset: 1-based, in characters
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
    builder = _Builder(body, offset)
    try:
        root = builder.node(tree.body, 0)
    except RecursionError:
        raise ExpressionError("expression: nested too deeply to read") from None
    return builder.graph(expression, root)


class _Builder:
    """Walks the syntax tree operands first, left to right, making each operation once.

    While building, an operand is a variable's name (inputs are numbered only at the end, once
    all are known) or the position of an earlier operation in :attr:`ops`."""

    def __init__(self, text: str, offset: int):
        self.text = text            # what ast parsed (translated, leading blanks removed)
        self.offset = offset        # characters removed in front
        self.ascii = text.isascii()  # else ast's columns (UTF-8 bytes) are not characters
        self.variables: dict[str, tuple[int, int]] = {}  # name -> span of its first appearance
        self.ops: list[tuple] = []  # Node arguments from ``op`` on, operands still as refs
        self.active: list[bool] = []
        self.known: dict[tuple, int] = {}  # (op, operands, signs, constant) -> position in ops

    def col(self, byte_col: int) -> int:
        """A column as ast reports it (UTF-8 bytes) → characters into the expression."""
        if not self.ascii:
            byte_col = len(self.text.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))
        return byte_col + self.offset

    def error(self, what: str, tree=None) -> ExpressionError:
        if tree is None:
            return ExpressionError(f"expression: {what}")
        c = self.col(tree.col_offset)
        return ExpressionError(f"expression: {what} at column {c + 1}", c)

    def check_count(self, col: int) -> None:
        if len(self.ops) + len(self.variables) >= MAX_NODES:
            c = self.col(col)
            raise ExpressionError(f"expression: too many operations (more than {MAX_NODES:,} "
                                  f"nodes) at column {c + 1}", c)

    def make(self, op: str, inputs: tuple, col: int, end: int, signs: tuple[int, ...] = (),
             constant: float = 0.0, text: str = ""):
        """The operation ``op(inputs)``: the existing one if written before, else a new one."""
        key = (op, inputs, signs, constant, text)
        ref = self.known.get(key)
        if ref is None:
            self.check_count(col)
            ref = self.known[key] = len(self.ops)
            needs = tuple([type(j) is str or self.active[j] for j in inputs])
            self.active.append(True in needs)
            self.ops.append(key + ((self.col(col), self.col(end)), needs))
        return ref

    def const(self, value: float, tree, text: str | None = None):
        if text is None:
            text = repr(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
        return self.make("const", (), tree.col_offset, tree.end_col_offset, constant=value,
                         text=text)

    def name(self, tree):
        name = tree.id
        if name in self.variables:
            return name
        if name in CONSTANTS:
            value, text = CONSTANTS[name]
            return self.const(value, tree, text)
        if name in FUNCTIONS:
            raise self.error(f"{name} is a function: write {name}(…)", tree)
        if name.startswith("_"):
            raise self.error(f"name {name!r} is not allowed (a variable starts with a letter)",
                             tree)
        self.check_count(tree.col_offset)
        self.variables[name] = (self.col(tree.col_offset), self.col(tree.end_col_offset))
        return name

    def number(self, tree, negate: bool = False):
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
        return self.const(-float(v) if negate else float(v), tree)

    def text_of(self, tree) -> str:
        return ast.get_source_segment(self.text, tree) or "?"

    def node(self, tree, depth: int):
        """The node of ``tree`` (nested ``depth`` levels deep), made with its operands."""
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
                a, b = self.node(tree.left, depth + 1), self.node(tree.right, depth + 1)
                return self.make("pow", (a, b), tree.col_offset, tree.end_col_offset)
            hint = "; write ** for a power" if op is ast.BitXor else ""
            raise self.error(f"operator {_BINOP_SYMBOL.get(op, op.__name__)} is not allowed "
                             f"(use + - * / **){hint}", tree)
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
                return self.make("neg", (a,), tree.col_offset, tree.end_col_offset)
            raise self.error(f"operator {'not' if op is ast.Not else '~'} is not allowed", tree)
        raise self.error(f"{_describe(tree)} is not allowed", tree)

    def sum(self, tree, depth: int):
        """A chain ``a ± b ± c`` (the left spine of + and -) as one n-ary node."""
        terms, signs = [], []
        while type(tree) is ast.BinOp and type(tree.op) in _SUM_OPS:
            terms.append(tree.right)
            signs.append(1 if type(tree.op) is ast.Add else -1)
            tree = tree.left
        terms.append(tree)
        signs.append(1)
        terms.reverse()
        signs.reverse()
        refs = tuple(self.node(t, depth + 1) for t in terms)
        return self.make("add", refs, terms[0].col_offset, terms[-1].end_col_offset,
                         signs=tuple(signs))

    def product(self, tree, depth: int):
        """A chain ``a * b / c`` (left-associative), one binary node per operator."""
        chain = []
        while type(tree) is ast.BinOp and type(tree.op) in _PRODUCT_OPS:
            chain.append(tree)
            tree = tree.left
        cur = self.node(tree, depth + 1)
        for b in reversed(chain):
            right = self.node(b.right, depth + 1)
            cur = self.make("mul" if type(b.op) is ast.Mult else "div", (cur, right),
                            b.col_offset, b.end_col_offset)
        return cur

    def call(self, tree, depth: int):
        f = tree.func
        if type(f) is not ast.Name:
            raise self.error(f"only the functions {_ALLOWED} can be called, not "
                             f"{_describe(f)}", tree)
        if f.id not in FUNCTIONS:
            raise self.error(f"unknown function {f.id!r}; allowed: {_ALLOWED}", f)
        if tree.keywords:
            raise self.error(f"{f.id}() takes no keyword arguments", tree.keywords[0].value)
        if len(tree.args) != 1:
            raise self.error(f"{f.id}() takes exactly one argument, got {len(tree.args)}", tree)
        if type(tree.args[0]) is ast.Starred:
            raise self.error(f"{f.id}() takes exactly one argument, not *…", tree.args[0])
        a = self.node(tree.args[0], depth + 1)
        return self.make(f.id, (a,), tree.col_offset, tree.end_col_offset)

    def graph(self, expression: str, root) -> Graph:
        """Number the inputs first, then the operations, and build the :class:`Graph`."""
        names = tuple(self.variables)
        first = {name: k for k, name in enumerate(names)}

        n_in = len(names)
        nodes = [Node(k, "input", text=name, span=self.variables[name])
                 for k, name in enumerate(names)]
        for m, (op, refs, *rest) in enumerate(self.ops):
            inputs = tuple([first[j] if type(j) is str else n_in + j for j in refs])
            nodes.append(Node(n_in + m, op, inputs, *rest))
        return Graph(expression, names, nodes, first[root] if type(root) is str else n_in + root)


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
