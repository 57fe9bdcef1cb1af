"""The fuzz tier of the engine's readers (issue 14): files around each reader's valid structure,
one part changed, must be read or refused with one line naming the file; nothing else escapes.

`make test` runs a few hundred derandomized examples per reader (tests/conftest.py's "ci"
profile); ``HYPOTHESIS_PROFILE=fuzz`` draws thousands of new ones each run (see the README's
testing section). Every bug found here has a plain regression test beside the reader's tests
(tests/engine/test_reading.py and the ones named in the failing example).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import examples, network
from engine.practice import answers, exercise
from pnn_gui import session
from tests.engine.hostile_files import FUZZ, assert_refused_or_read, file_bytes

TITLES = ("Fully connected", "Conv2D", "Pooling", "LSTM", "Autodiff")
FC = exercise("fc")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _document(name: str) -> dict:
    return json.loads((examples.EXAMPLES_DIR / f"{name}.json").read_text("utf-8"))


@FUZZ
@given(data=st.sampled_from(examples.NAMES + examples.NETWORK_NAMES).flatmap(
    lambda name: file_bytes(_document(name))))
def test_example_files(folder, data):
    path = folder / "example.json"
    path.write_bytes(data)
    ex = assert_refused_or_read(examples.load_file, path, "example.json")
    if ex is not None:
        assert isinstance(ex.inputs, dict) and ex.kind in examples.KINDS


@FUZZ
@given(data=st.sampled_from(examples.NETWORK_NAMES).flatmap(
    lambda name: file_bytes(_document(name)["inputs"])))
def test_network_specs(folder, data):
    path = folder / "net.json"
    path.write_bytes(data)
    net = assert_refused_or_read(network.load_file, path, "net.json")
    if net is not None:  # a spec that reads is a network whose every shape fits
        assert network.parse(net.to_json()).to_json() == net.to_json()


def _session(name: str) -> dict:
    """A session of the panel that shows example ``name``, as the window writes it."""
    title = {"fc": "Fully connected", "conv": "Conv2D", "avgpool": "Pooling", "lstm": "LSTM",
             "autodiff": "Autodiff"}[name]
    ex = examples.load(name)
    return json.loads(session.dumps(session.Session(title, {title: {"kind": ex.kind,
                                                                    "inputs": ex.inputs}})))


@FUZZ
@given(data=st.sampled_from(["fc", "conv", "avgpool", "lstm", "autodiff"]).flatmap(
    lambda name: file_bytes(_session(name))))
def test_sessions(folder, data):
    path = folder / "s.pnn.json"
    path.write_bytes(data)
    s = assert_refused_or_read(lambda p: session.load(p, TITLES), path, "s.pnn.json")
    if s is not None:
        assert s.panel in TITLES and all(isinstance(v, dict) for v in s.panels.values())


# -- answers CSV ----------------------------------------------------------------------------------
def _index_text(shape: tuple[int, ...]) -> st.SearchStrategy[str]:
    inside = st.tuples(*(st.integers(0, n) for n in shape)).map(
        lambda ix: ",".join(map(str, ix)))
    odd = st.sampled_from(["", "0,0,0", "-1", "²", "١", "9" * 5000, "0, 1", "[0,1]", "1.5",
                           "0,,1", "\x00"])
    return st.one_of(inside, odd, st.text(max_size=6))


_VALUES = st.one_of(st.floats(allow_nan=False).map(repr), st.integers().map(str),
                    st.sampled_from(["", "nan", "inf", "-inf", "1e999", "−2.5", "1 000", "0x10",
                                     "1_0", "9" * 5000, "½"]),
                    st.text(max_size=6))


@st.composite
def answers_files(draw) -> bytes:
    """An answers CSV for the fc exercise: a header (or something like one), rows of asked,
    unknown or misspelt tensors with indices in and out of range, values and non-values;
    written by the csv module or joined by hand; then maybe cut, a stray byte, a BOM, UTF-16."""
    header = draw(st.sampled_from(["tensor,index,value", "Tensor, Index ,VALUE", "",
                                   "tensor,index", "tensor;index;value"]))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        a = draw(st.sampled_from(FC.asked))
        name = draw(st.sampled_from([a.name, a.name.upper(), "x", "w", "", "dy"]))
        fields = [name, draw(_index_text(a.shape)), draw(_VALUES)]
        if draw(st.integers(0, 9)) == 0:
            fields = fields[:draw(st.integers(0, 2))] + draw(st.lists(st.text(max_size=3),
                                                                      max_size=2))
        rows.append(fields)
    buf = io.StringIO()
    if draw(st.booleans()):
        csv.writer(buf).writerows([header.split(",")] + rows)
    else:
        buf.write("\n".join([header] + [",".join(r) for r in rows]) + "\n")
    data = buf.getvalue().encode("utf-8", "surrogatepass")
    change = draw(st.sampled_from(["none", "none", "cut", "byte", "bom", "utf-16"]))
    if change == "cut":
        data = data[:draw(st.integers(0, len(data)))]
    elif change == "byte" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    elif change == "bom":
        data = b"\xef\xbb\xbf" + data
    elif change == "utf-16":
        data = data.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass")
    return data


@FUZZ
@given(data=answers_files())
def test_answers_files(folder, data):
    path = folder / "a.csv"
    path.write_bytes(data)
    got = assert_refused_or_read(lambda p: answers.read_file(p, FC), path, str(path))
    if got is not None:
        shapes = {a.name: (a.shape, *a.other_shapes) for a in FC.asked}
        for name, arr in got.items():
            assert arr.shape in shapes[name] and np.isfinite(arr[~np.isnan(arr)]).all()
