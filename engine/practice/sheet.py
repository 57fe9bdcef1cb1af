"""The printable exercise sheet, as Markdown (GitHub's dialect: pipe tables).

Invariants:

* :func:`sheet_markdown` is a pure function of the exercise, ``solution`` and ``digits``: the
  title with the exercise's number, the task in words, the inputs as tables, an empty answer table
  per asked tensor (headed with its CSV name, so the answers can be typed into a file for
  ``check``), and with ``solution`` every step of the worked solution (formula and numbers,
  numbered as ``check`` numbers them) and the results in the same tables.
* Tables never have more than :data:`MAX_COLUMNS` value columns (wider ones are cut into blocks
  of columns), so they fit an A4 page; a tensor of more than two axes is one table per matrix
  (``x[:,:,0]``), as on the sheet.
* Every piece of text from elsewhere (formulas, expressions) is escaped: it never turns into
  Markdown markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from engine.practice.exercises import Asked, Exercise, dims
from engine.steps import DEFAULT_DIGITS, check_digits, fmt

#: Most value columns in one table.
MAX_COLUMNS = 8
#: What an empty answer cell holds: room to write in (em spaces; Markdown drops plain ones).
BLANK_CELL = "\u2003" * 4
#: Significant digits of the given numbers: enough for every input exactly (0.1 stays "0.1").
EXACT = 15
#: The course the sheets belong to.
COURSE = "Programming with neural networks · practice for exercise sheet 4"

_SHAPE_AXES = ("o_x", "o_y", "o_c")
_SYMBOLS = {"x": "x", "w": "W", "b": "b", "dy": "δy", "f": "f", "xs": "x", "c0": "c₀",
            "dh": "δh"}


def sheet_markdown(ex: Exercise, *, solution: bool = False, digits: int = DEFAULT_DIGITS) -> str:
    """The sheet for ``ex`` as Markdown; with ``solution``, the worked solution and results
    too. Numbers of the solution are written with ``digits`` significant digits."""
    digits = check_digits(digits)
    out: list[str] = [f"# {_md(ex.title)}" + (" — solution" if solution else ""), "",
                      f"*{_md(COURSE)}*", ""]
    out += ["## Task", ""]
    for paragraph in _TASKS[ex.kind](ex):
        out += [paragraph, ""]
    out += ["## Given", ""]
    out += _given(ex, digits)
    out += ["## Your answers", ""]
    out += _answers(ex, None, digits)
    # (after the tables: Qt's Markdown reader puts an empty paragraph into the first header
    # cell of a table that follows a code block)
    seed = f" --seed {ex.seed}" if ex.seed is not None else ""
    out += [_md(f"To check them, type them into a CSV file, one line per cell (tensor,index,value, "
                f"e.g. {_answer_example(ex.asked[0])}), and run:"), "",
            "```", f"python main.py check {ex.name}{seed} --answers FILE.csv", "```", ""]
    if solution:
        trace = ex.solve(digits)
        out += ["## Solution", ""]
        phase = None
        for number, s in enumerate(trace.steps, 1):
            if s.phase != phase:
                phase = s.phase
                out += [f"### {'Forward' if phase == 'forward' else 'Backward'} pass", ""]
            note = f" *({_md(s.note)})*" if s.note else ""
            out += [f"**{number}.** {_md(s.text)}{note}", ""]
        out += ["### Results", ""]
        out += _answers(ex, {a.name: ex.expected(a.name) for a in ex.asked}, digits)
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# Tables


def _md(text: str) -> str:
    """``text`` with every character that Markdown could read as markup escaped."""
    out = []
    for ch in str(text):
        if ch in "\\`*_[]<>|~":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def _blocks(n: int) -> list[range]:
    return [range(a, min(n, a + MAX_COLUMNS)) for a in range(0, n, MAX_COLUMNS)]


def _cell(values: np.ndarray | None, idx, digits: int) -> str:
    return BLANK_CELL if values is None else fmt(values[idx], digits)


def _matrix(label: str, shape: tuple[int, ...], values: np.ndarray | None, digits: int,
            row_labels: Callable[[int], str] | None = None,
            column_labels: Callable[[int], str] | None = None) -> list[str]:
    """A vector or a matrix as one table (or several, by blocks of columns) that carries its
    own ``label`` (so no page break parts a caption from its table): a vector is a labelled row
    under its indices, a matrix has the label in its corner. ``values`` None: empty cells."""
    columns = column_labels or str
    out: list[str] = []
    if len(shape) == 1:
        for cols in _blocks(shape[0]):
            out += _table([""] + [columns(c) for c in cols],
                          [[label] + [_cell(values, (c,), digits) for c in cols]])
        return out
    rows_n, cols_n = shape
    for cols in _blocks(cols_n):
        body = [[f"**{(row_labels or str)(r)}**"] + [_cell(values, (r, c), digits) for c in cols]
                for r in range(rows_n)]
        out += _table([label] + [columns(c) for c in cols], body)
    return out


def _tensor(symbol: str, shape: tuple[int, ...], values: np.ndarray | None, digits: int,
            label: str, time_rows: bool = False) -> list[str]:
    """Any tensor: up to two axes in one table; three axes (rows, cols, channels) one table
    per channel; four (k_rows, k_cols, a, b) one per matrix ``[:,:,a,b]``, each labelled so."""
    rows = _time_label if time_rows else None
    if len(shape) <= 2:
        return _matrix(label, shape, values, digits, rows)
    out = [label, ""]
    for rest in np.ndindex(*shape[2:]):
        where = ",".join(str(i) for i in rest)
        part = None if values is None else values[(slice(None), slice(None)) + rest]
        out += _matrix(_md(f"{symbol}[:,:,{where}]"), shape[:2], part, digits)
    return out


def _time_label(r: int) -> str:
    return f"{r} (t = {r + 1})"



def _given(ex: Exercise, digits: int) -> list[str]:
    out: list[str] = []
    inputs = ex.inputs
    if ex.kind == "autodiff":
        names = list(inputs["values"])
        return _table(names, [[fmt(float(inputs["values"][n]), EXACT) for n in names]])
    if ex.kind == "conv2d_shape":
        return _shape_table(ex) + [_md(f"stride s = {_pair_text(ex.inputs.get('stride', 1))}, "
                                       f"padding p = {_pair_text(ex.inputs.get('padding', 0))}"),
                                   ""]
    names = {"fully_connected": ("x", "w", "b", "dy"), "conv2d_filter": ("f",),
             "conv2d": ("x", "f", "b", "dy"), "avgpool": ("x", "dy"), "maxpool": ("x", "dy"),
             "lstm": ("xs", "c0", "dh")}[ex.kind]
    for name in names:
        value = inputs.get(name)
        if value is None:
            continue
        arr = np.asarray(value, dtype=np.float64)
        symbol = _SYMBOLS[name]
        out += _tensor(symbol, arr.shape, arr, EXACT, f"**{_md(symbol)}**",
                       time_rows=name in ("xs", "dh"))
    if ex.kind == "lstm":
        params = {key: np.asarray(value, dtype=np.float64) for key, value in
                  inputs["params"].items()}
        out += _stacked("**parameters**", {k: v.shape for k, v in params.items()}, params, EXACT)
    return out


def _stacked(label: str, shapes: dict[str, tuple[int, ...]],
             values: dict[str, np.ndarray] | None, digits: int,
             names: dict[str, str] | None = None) -> list[str]:
    """Tensors with the same number of columns (the LSTM's parameters: n_h each) as the rows of
    one table: ``W_f [0]`` is row 0 of W_f, ``b_f`` a vector; labelled ``names[key]`` (Markdown;
    default: the key in bold). ``values`` None: blank cells."""
    width = next(iter(shapes.values()))[-1]
    rows = []
    for key, shape in shapes.items():
        shown = (names or {}).get(key, f"**{_md(key)}**")
        arr = None if values is None else values[key]
        if len(shape) == 1:
            rows.append([shown] + [_cell(arr, (c,), digits) for c in range(width)])
        else:
            rows += [[f"{shown} [{r}]"] + [_cell(arr, (r, c), digits) for c in range(width)]
                     for r in range(shape[0])]
    return _table([label] + [str(c) for c in range(width)], rows)


def _shape_table(ex: Exercise) -> list[str]:
    xs, fs = ex.inputs["x_shape"], ex.inputs["f_shape"]
    return _table(["", "rows", "columns", "channels", "filters"],
                  [["**input x**"] + [str(v) for v in xs] + [""],
                   ["**filter bank f**"] + [str(v) for v in fs]])


def _pair_text(v) -> str:
    return f"({v[0]}, {v[1]})" if isinstance(v, (list, tuple)) else str(v)


def _answers(ex: Exercise, values: dict[str, np.ndarray] | None, digits: int) -> list[str]:
    """A table (or tables) per asked tensor, empty or (``values``) filled in; autodiff's values
    and adjoints share one table of the nodes."""
    out: list[str] = []
    if ex.kind == "autodiff":
        return _autodiff_answers(ex, values, digits)
    stacked = [a for a in ex.asked if ex.kind == "lstm" and a.name not in ("dc", "dx")]
    for a in ex.asked:
        if a in stacked:
            continue
        tensor = None if values is None else values[a.name]
        optional = "" if a.required else " (optional)"
        label = f"**{_md(a.symbol)}** · `{a.name}`{optional}"
        if ex.kind == "conv2d_shape":
            out += _matrix(label, a.shape, tensor, digits,
                           column_labels=lambda c: _md(f"{_SHAPE_AXES[c]} [{c}]"))
            continue
        if len(a.shape) > 2:
            label = f"{label} ({dims(a.shape)})"
        out += _tensor(a.symbol, a.shape, tensor, digits, label,
                       time_rows=ex.kind == "lstm" and a.name in ("dc", "dx"))
    if stacked:
        out += [_md("The parameter gradients (optional), in one table: ΔW_f [0] is row 0 of "
                    "ΔW_f."), ""]
        out += _stacked("**parameter gradients**", {a.name: a.shape for a in stacked},
                        None if values is None else {a.name: values[a.name] for a in stacked},
                        digits, {a.name: f"**{_md(a.symbol)}** · `{a.name}`" for a in stacked})
    return out


def _autodiff_answers(ex: Exercise, values: dict[str, np.ndarray] | None,
                      digits: int) -> list[str]:
    n = ex.asked_tensor("value").shape[0]
    value, adjoint = ((None, None) if values is None else (values["value"], values["adjoint"]))
    rows = [[f"**{i}**", _md(ex.node_definition(i)), _cell(value, (i,), digits),
             _cell(adjoint, (i,), digits)] for i in range(n)]
    out = _table(["", "node", "vᵢ · `value`", "v̄ᵢ · `adjoint`"], rows)
    k = ex.asked_tensor("gradient").shape[0]
    variables = [ex.node_definition(i).split("=")[-1].strip() for i in range(k)]
    gradient = None if values is None else values["gradient"]
    return out + _matrix("**∇L** · `gradient`", (k,), gradient, digits,
                         column_labels=lambda c: _md(f"∂L/∂{variables[c]} [{c}]"))


def _answer_example(a: Asked) -> str:
    index = ",".join("0" * len(a.shape))
    return f'{a.name},"{index}",1.5' if len(a.shape) > 1 else f"{a.name},{index},1.5"


# ---------------------------------------------------------------------------------------------
# The task in words, per kind: a list of Markdown paragraphs


def _expression(text: str) -> str:
    return " ".join(str(text).replace("**", "^").replace("*", "·").split())


def _task_fc(ex: Exercise) -> list[str]:
    x = np.asarray(ex.inputs["x"])
    batch = f" (a batch of {x.shape[0]} rows)" if x.ndim == 2 else ""
    return [_md(f"A fully connected layer computes y = x·W + b. Its input x{batch}, its weight "
                "matrix W (a row per input, a column per output), its bias b and the error "
                "δy = ∂L/∂y that comes back from the next layer are given."),
            "(a) Calculate the forward pass y.",
            _md("(b) Calculate δx = ∂L/∂x."),
            _md("(c) Calculate the weight updates ΔW = ∂L/∂W and Δb = ∂L/∂b.")]


def _task_conv_filter(ex: Exercise) -> list[str]:
    k_r, k_c, c_in, c_out = np.shape(ex.inputs["f"])
    return [_md(f"A Conv2D layer (as in the lecture, channels last) has the filter bank f: "
                f"{c_out} filters of {k_r}×{k_c} with {c_in} channels each; f[:,:,c,o] is "
                f"channel c of filter o."),
            _md("(a) Change f so that it can be used for the backward pass (to send δy back to "
                "δx). Write the result f_back indexed like f: f_back[:,:,a,b] is channel a of "
                "backward filter b.")]


def _task_conv_shape(ex: Exercise) -> list[str]:
    xs, fs = ex.inputs["x_shape"], ex.inputs["f_shape"]
    s, p = _pair_text(ex.inputs.get("stride", 1)), _pair_text(ex.inputs.get("padding", 0))
    return [_md(f"An input of shape [{', '.join(map(str, xs))}] (rows, columns, channels) goes "
                f"through a Conv2D layer with a filter bank of shape "
                f"[{', '.join(map(str, fs))}] (rows, columns, channels, filters), stride "
                f"s = {s} and padding p = {p}."),
            _md("(a) Calculate the shape of the output, [o_x, o_y, o_c].")]


def _task_conv(ex: Exercise) -> list[str]:
    x = np.shape(ex.inputs["x"])
    k_r, k_c, c_in, c_out = np.shape(ex.inputs["f"])
    s = _pair_text(ex.inputs.get("stride", 1))
    p = _pair_text(ex.inputs.get("padding", 0))
    channels = f"{c_in} channel{'s' * (c_in != 1)}"
    return [_md(f"A Conv2D layer (a correlation, as in the lecture, channels last) with stride "
                f"s = {s} and padding p = {p}: its input x ({x[0]}×{x[1]}, {channels}), its "
                f"filter bank f ({c_out} filters of {k_r}×{k_c}; f[:,:,c,o] is channel c of "
                f"filter o), its bias b and the error δy = ∂L/∂y are given."),
            "(a) Calculate the forward pass y.",
            _md("(b) Optional: the filters of the backward pass, f_back, indexed like f "
                "(f_back[:,:,a,b] is channel a of backward filter b)."),
            _md("(c) Calculate δx = ∂L/∂x."),
            _md("(d) Calculate ΔF = ∂L/∂f and Δb = ∂L/∂b.")]


def _pool_words(ex: Exercise, what: str) -> str:
    x = np.shape(ex.inputs["x"])
    size, stride = ex.inputs["size"], ex.inputs.get("stride")
    k = f"{size[0]}×{size[1]}" if isinstance(size, (list, tuple)) else f"{size}×{size}"
    s = "the window's size" if stride is None else _pair_text(stride)
    return _md(f"{what} with a {k} window and stride {s} works on the input x ({x[0]}×{x[1]}, "
               f"{x[2]} channel{'s' * (x[2] != 1)}). The error δy = ∂L/∂y is given.")


def _task_avgpool(ex: Exercise) -> list[str]:
    return [_pool_words(ex, "Average pooling"), "(a) Calculate the forward pass y.",
            _md("(b) Calculate δx = ∂L/∂x.")]


def _task_maxpool(ex: Exercise) -> list[str]:
    return [_pool_words(ex, "Max pooling") + " " + _md(
                "Where a window's maximum appears more than once, the first one (row by row) "
                "is its maximum."),
            "(a) Calculate the forward pass y.", _md("(b) Calculate δx = ∂L/∂x.")]


_LSTM_EQUATIONS = ("fₜ = σ(xₜ·W_f + cₜ₋₁·W_fc + b_f)",
                   "iₜ = σ(xₜ·W_i + cₜ₋₁·W_ic + b_i)",
                   "oₜ = σ(xₜ·W_o + cₜ₋₁·W_oc + b_o)",
                   "cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ tanh(xₜ·W_c + b_c)",
                   "hₜ = tanh(oₜ ⊙ cₜ)")


def _task_lstm(ex: Exercise) -> list[str]:
    T, n_in = np.shape(ex.inputs["xs"])
    n_h = np.shape(ex.inputs["dh"])[1]
    c0 = ex.inputs.get("c0")
    start = "c₀ = 0" if c0 is None or not np.any(c0) else "the given c₀"
    return [_md(f"The peephole LSTM of the lecture runs T = {T} steps with n_in = {n_in} inputs "
                f"and n_h = {n_h} units from {start}; vectors are rows, ⊙ multiplies element by "
                "element:"),
            "  \n".join(_md(e) for e in _LSTM_EQUATIONS),
            _md("The gradients δhₜ = ∂L/∂hₜ of every step are given (row t−1 is step t); "
                "nothing flows back from after step T."),
            _md("(a) Calculate δcₜ = ∂L/∂cₜ for t = 1 … T: everything that flows back into "
                "cₜ."),
            _md("(b) Optional: δxₜ and the parameter gradients ΔW_f … Δb_c.")]


def _task_autodiff(ex: Exercise) -> list[str]:
    values = ", ".join(f"{k} = {fmt(float(v), EXACT)}" for k, v in ex.inputs["values"].items())
    return [_md(f"L = {_expression(ex.inputs['expression'])}"),
            _md(f"(a) Evaluate L at {values} in the forward pass: the value vᵢ of every node."),
            _md("(b) Calculate every adjoint v̄ᵢ = ∂L/∂vᵢ in reverse mode, and the gradient ∇L."),
            _md("The nodes are numbered as on the sheet: the inputs first, then the operations "
                "in the order they are evaluated; a repeated sub-expression is one node, a chain "
                "of additions and subtractions one node. The answer tables list them.")]


_TASKS: dict[str, Callable[[Exercise], list[str]]] = {
    "fully_connected": _task_fc,
    "conv2d_filter": _task_conv_filter,
    "conv2d_shape": _task_conv_shape,
    "conv2d": _task_conv,
    "avgpool": _task_avgpool,
    "maxpool": _task_maxpool,
    "lstm": _task_lstm,
    "autodiff": _task_autodiff,
}
