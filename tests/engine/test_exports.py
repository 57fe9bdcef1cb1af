"""Exports say everything (issue 11 item 6): the steps CSV's result holds every value a step
writes, the tensors CSV names what has a name (autodiff's x1, v0 … v4) and records the layer's
settings, and what `export` writes is checked by `check` as it is."""

import csv
import io

import numpy as np
import pytest

from engine import examples, export
from engine.practice import exercise
from pnn_gui import cli


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv_of(name: str) -> str:
    trace = examples.load(name).solve()
    return export.tensors_csv(trace.tensors, trace.settings, trace.names)


# -- the steps CSV ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", examples.NAMES)
def test_steps_csv_result_holds_every_written_value_beside_its_element(name):
    trace = examples.load(name).solve()
    rows = list(csv.DictReader(io.StringIO(export.steps_csv(trace.steps))))
    assert len(rows) == len(trace.steps)
    several = 0
    for row, s in zip(rows, trace.steps, strict=True):
        values = [float(v) for v in row["result"].split()]
        assert values == list(s.values), s.title          # every value, bit for bit
        writes = row["writes"].split()
        assert len(writes) == len(s.writes)
        for text, (tensor, idx) in zip(writes, s.writes, strict=True):
            assert text == f"{tensor}[{','.join(map(str, idx))}]"
        assert row["note"] == s.note
        several += len(values) > 1
    if name in ("lstm", "conv-filter", "conv", "avgpool"):   # vector and matrix steps
        assert several, name


def test_steps_csv_vector_step_reads_in_a_spreadsheet():
    trace = examples.load("lstm").solve()
    row = next(r for r in csv.DictReader(io.StringIO(export.steps_csv(trace.steps)))
               if r["title"] == "f₁")
    f1 = trace.tensors["f"][0]
    assert row["result"] == f"{float(f1[0])!r} {float(f1[1])!r}"
    assert row["writes"] == "f[0,0] f[0,1]"


# -- the tensors CSV ----------------------------------------------------------------------------
def test_autodiff_csv_names_variables_and_nodes():
    rows = [r for r in _rows(_csv_of("autodiff")) if not export.is_comment(r)]
    assert rows[0] == ["tensor", "index", "value", "name"]
    named = {(r[0], r[1]): r[3] for r in rows[1:]}
    assert [named[("x", str(k))] for k in range(2)] == ["x1", "x2"]
    assert [named[("value", str(i))] for i in range(5)] == ["v0", "v1", "v2", "v3", "v4"]
    assert named[("adjoint", "2")] == "v̄2"
    assert [named[("gradient", str(k))] for k in range(2)] == ["∂L/∂x1", "∂L/∂x2"]
    assert ["gradient", "0", repr(1.1814051463486366), "∂L/∂x1"] in rows


def test_output_shape_csv_names_o_x_o_y_o_c():
    rows = _rows(_csv_of("conv-shape"))
    assert [r[3] for r in rows if r[0] == "output_shape"] == ["o_x", "o_y", "o_c"]


@pytest.mark.parametrize(("name", "words"), [
    ("fc", ["layer: fully connected", "forward: y = x·W + b", "δx = δy·Wᵀ"]),
    ("conv", ["stride: s_x = 2, s_y = 2", "padding: p_x = 1, p_y = 1",
              "y[r,c,o] = Σᵢⱼₖ x_padded[2r+i, 2c+j, k]", "k_x = 3, k_y = 3"]),
    ("conv-shape", ["stride: s_x = 2", "padding: p_x = 3", "o_x = ⌊(x + 2p_x − k_x)/s_x⌋ + 1",
                    "x = 20 rows, y = 18 columns, 5 channels"]),
    ("conv-filter", ["f_swapped[:,:,o,c] = f[:,:,c,o]", "turned by 180°"]),
    ("avgpool", ["layer: average pooling", "window: k_x = 2, k_y = 2", "stride: s_x = 1",
                 "δy/k"]),
    ("maxpool", ["layer: max pooling", "stride: s_x = 2", "mask counts"]),
    ("lstm", ["T = 3 time steps, n_in = 2 inputs, n_h = 2 units", "time step t = r + 1",
              "cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ", "δôₜ₊₁·W_ocᵀ"]),
    ("autodiff", ["L = cos(x1*x2) + x1*x2 + x1 at x1 = 1, x2 = 2",
                  "v2 = v0 · v1; v3 = cos(v2); v4 = v3 + v2 + v0 (v4 = L)"]),
])
def test_tensors_csv_opens_with_the_layers_settings(name, words):
    rows = _rows(_csv_of(name))
    head = []
    for row in rows:
        if not export.is_comment(row):
            assert row == ["tensor", "index", "value", "name"]
            break
        assert len(row) == 1 and row[0].startswith("# ")
        head.append(row[0])
    text = "\n".join(head)
    for w in words:
        assert w in text, (w, text)


@pytest.mark.parametrize("name", examples.NAMES)
def test_the_csv_reads_back_past_its_comments(name, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(_csv_of(name), encoding="utf-8")
    back = export.read_tensors_csv(path)
    for key, arr in examples.load(name).solve().tensors.items():
        np.testing.assert_array_equal(back[key].reshape(np.shape(arr)), arr, err_msg=key)


# -- export, then check -------------------------------------------------------------------------
@pytest.mark.parametrize("name", examples.NAMES)
@pytest.mark.parametrize("seed", [None, 27])
def test_what_export_writes_check_finds_all_correct(name, seed, tmp_path, capsys):
    out = tmp_path / f"{name}.csv"
    more = [] if seed is None else ["--seed", str(seed)]
    assert cli.main(["export", name, "--out", str(out), *more]) == 0
    assert cli.main(["check", name, "--answers", str(out), *more]) == 0
    text, err = capsys.readouterr()
    assert err == ""
    assert text.splitlines() == [f"{a.name}: correct" for a in exercise(name, seed).asked]
