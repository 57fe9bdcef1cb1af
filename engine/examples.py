"""The sheet's tasks as data: ``resources/examples/NAME.json``.

A file is ``{"format": 1, "name": …, "kind": …, "description": …, "inputs": {…}}``. ``kind`` names
the engine function that solves it (see :data:`KINDS`); ``inputs`` are that function's keyword
arguments (nested lists of numbers, ints, strings). Loading validates the file and says what is
wrong; solving validates the inputs through the engine.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from engine import network_steps, reading, traces
from engine.steps import Trace
from engine.validate import check_names


def resources_dir() -> Traversable:
    """The folder of the app's data files (every file the app reads is found from here).

    Installed from a wheel it is the package data ``pnn_gui/resources`` (pyproject.toml maps the
    repository's ``resources/`` there, so site-packages gets no top-level ``resources``); in a
    checkout, editable installs included, that folder does not exist and it is ``resources/``
    beside ``engine/`` — the copy that belongs to the code that is running.
    """
    installed = files("pnn_gui") / "resources"
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent / "resources"


EXAMPLES_DIR = resources_dir() / "examples"
FORMAT = 1

#: The layer examples, in menu order (fixed since the first brief; docs/ARCHITECTURE.md §6):
#: the sheet's tasks, each one layer, the examples practice exercises are drawn from
#: (:mod:`engine.practice`).
NAMES = ("fc", "conv-filter", "conv-shape", "conv", "avgpool", "maxpool", "lstm", "autodiff")

#: kind -> the function that solves it: it takes the example's inputs as keyword arguments and
#: returns a :class:`~engine.steps.Trace` whose ``tensors`` are what ``export`` writes.
KINDS = {
    "fully_connected": traces.fully_connected.solve,
    "conv2d": traces.conv2d.solve,
    "conv2d_shape": traces.conv2d.solve_shape,
    "conv2d_filter": traces.conv2d.solve_filter,
    "avgpool": traces.pooling.solve_avg,
    "maxpool": traces.pooling.solve_max,
    "lstm": traces.lstm.solve,
    "autodiff": traces.autodiff.solve,
    "network": network_steps.solve,
}

#: The Network panel's examples (issue 15): their inputs are a network spec (see
#: :mod:`engine.network`); no practice exercise is drawn from them.
NETWORK_NAMES = ("network", "mlp")
#: Every example, in the order of the window's Examples menu.
ALL_NAMES = NAMES + NETWORK_NAMES


@dataclass(frozen=True)
class Example:
    name: str
    kind: str
    description: str
    inputs: dict[str, Any]

    def solve(self) -> Trace:
        return solve(self.kind, self.inputs)


def solver(kind: str):
    """The engine function for ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"kind: unknown example kind {kind!r}; known: {', '.join(KINDS)}")
    return KINDS[kind]


def solve(kind: str, inputs: dict[str, Any]) -> Trace:
    """Run ``kind``'s engine function on ``inputs``; bad inputs raise ``ValueError``."""
    func = solver(kind)
    params = inspect.signature(func).parameters
    check_names(inputs, list(params), [n for n, p in params.items() if p.default is p.empty],
                "inputs", "input", f"a {kind} example")
    return func(**inputs)


def parse(data: Any, source: str = "example") -> Example:
    """Validate the decoded JSON of an example file."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(f"{source}: expected \"format\": {FORMAT}, got {data.get('format')!r}")
    for key, typ in (("name", str), ("kind", str), ("description", str), ("inputs", dict)):
        if not isinstance(data.get(key), typ):
            raise ValueError(f"{source}: \"{key}\" must be a {typ.__name__}, got "
                             f"{type(data.get(key)).__name__}")
    if data["kind"] not in KINDS:
        raise ValueError(f"{source}: unknown kind {data['kind']!r}; known: {', '.join(KINDS)}")
    return Example(data["name"], data["kind"], data["description"], dict(data["inputs"]))


def load_file(path: str | Traversable) -> Example:
    """The example in the file at ``path``; anything else in it is one ``ValueError`` naming
    the file (:mod:`engine.reading`)."""
    path = Path(path) if isinstance(path, str) else path
    return parse(reading.read_json(path), path.name)


def load(name: str) -> Example:
    """The example called ``name`` (one of :data:`ALL_NAMES`)."""
    if name not in ALL_NAMES:
        raise ValueError(f"unknown example {name!r}; choose one of: {', '.join(ALL_NAMES)}")
    ex = load_file(EXAMPLES_DIR / f"{name}.json")
    if ex.name != name:
        raise ValueError(f"{name}.json: \"name\" is {ex.name!r}, expected {name!r}")
    return ex


def available(names: tuple[str, ...] = NAMES) -> list[Example]:
    """Every example of ``names`` whose file loads, in that order."""
    out = []
    for name in names:
        try:
            out.append(load(name))
        except ValueError:
            continue
    return out
