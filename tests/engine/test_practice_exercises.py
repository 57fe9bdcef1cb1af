"""Exercises: what each example asks for, and fresh numbers from a seed (pinned, of the
example's sizes, never degenerate)."""

import functools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import autodiff, examples, pooling
from engine.practice import exercise, from_inputs, new_seed
from engine.practice.exercises import MAX_SEED, check_seed

SEEDS = st.integers(0, MAX_SEED)


def test_a_seed_pins_its_exercise():
    """numpy's PCG64 stream is the same on every machine: these are exercise fc #4711's and
    autodiff #4711's numbers, wherever the tests run."""
    assert exercise("fc", 4711).inputs == {
        "x": [-1.0, -2.0], "w": [[-3.0, -2.0, -3.0], [-2.0, -3.0, 1.0]], "b": [2.0, 1.0, 3.0],
        "dy": [1.5, -2.0, 1.0]}
    assert exercise("autodiff", 4711).inputs == {
        "expression": "exp(x1*x2) + x1*x2 + x1", "values": {"x1": -2.0, "x2": -1.5}}


@pytest.mark.parametrize("name", examples.NAMES)
def test_the_same_seed_gives_the_same_exercise_and_another_seed_another(name):
    a, b, c = exercise(name, 12), exercise(name, 12), exercise(name, 13)
    assert a.inputs == b.inputs
    assert a.inputs != c.inputs
    assert a.title == f"Exercise {name} · #12"
    assert exercise(name).title == f"Exercise {name} · example"


def test_drawing_touches_no_global_random_state():
    np.random.seed(1)
    before = np.random.random()
    np.random.seed(1)
    exercise("lstm", 5)
    assert np.random.random() == before


@pytest.mark.parametrize(("name", "asked"), [
    ("fc", ["y", "dx", "dw", "db"]),
    ("conv-filter", ["f_back"]),
    ("conv-shape", ["output_shape"]),
    ("conv", ["y", "f_back", "dx", "df", "db"]),
    ("avgpool", ["y", "dx"]),
    ("maxpool", ["y", "dx"]),
    ("lstm", ["dc", "dx", "dW_f", "dW_fc", "db_f", "dW_i", "dW_ic", "db_i", "dW_o", "dW_oc",
              "db_o", "dW_c", "db_c"]),
    ("autodiff", ["value", "adjoint", "gradient"]),
])
def test_what_each_example_asks_for_named_as_export_writes_it(name, asked):
    ex = exercise(name)
    assert [a.name for a in ex.asked] == asked
    for a in ex.asked:
        assert a.shape == np.shape(ex.trace.tensors[a.name])
        # every cell is finished by a step of the worked solution
        assert ex.cell_steps(a.name).min() >= 1
    required = {a.name for a in ex.asked if a.required}
    if name == "lstm":
        assert required == {"dc"}
    elif name == "conv":
        assert required == {"y", "dx", "df", "db"}
    else:
        assert required == set(asked)


def test_transposed_and_mistake_shapes_are_accepted_as_other_shapes():
    fc = exercise("fc")
    assert fc.asked_tensor("dw").other_shapes == ((3, 2),)
    conv = exercise("conv")
    assert (2, 2, 1) in conv.asked_tensor("dx").other_shapes       # δy not dilated
    assert (3, 3, 1, 2) in conv.asked_tensor("f_back").other_shapes  # not swapped


def test_own_numbers():
    ex = from_inputs("fc", {"x": [1, 1], "w": [[1, 0, 0], [0, 1, 0]], "b": [0, 0, 0],
                            "dy": [1, 1, 1]})
    assert ex.title == "Exercise fc · own numbers"
    np.testing.assert_array_equal(ex.expected("dx"), [1, 1])


@pytest.mark.parametrize("bad", [-1, 2**63, 1.5, True, "abc", "-3"])
def test_a_bad_seed_is_refused_with_its_name(bad):
    with pytest.raises(ValueError, match="seed: expected a whole number"):
        check_seed(bad)
    assert check_seed("#42") == 42


def test_new_seed_is_a_seed():
    assert 1 <= new_seed() < 100_000


def _array(value):
    return np.asarray(value, dtype=np.float64)


def _halves_or_whole(arr):
    return np.all(arr * 2 == np.round(arr * 2))


def _tenths(arr):
    return np.allclose(arr * 10, np.round(arr * 10))


@pytest.mark.parametrize("name", examples.NAMES)
@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_fresh_exercises_have_the_examples_sizes_and_are_never_degenerate(name, seed):
    ex = exercise(name, seed)
    example = examples.load(name).inputs
    assert set(ex.inputs) == set(example)
    tensors = ex.trace.tensors
    for a in ex.asked:
        assert np.isfinite(tensors[a.name]).all()
        assert a.shape == _example_shapes(name)[a.name]
    if ex.kind in ("fully_connected", "conv2d", "avgpool", "maxpool"):
        for key in ("x", "dy"):
            arr = _array(ex.inputs[key])
            assert arr.shape == _array(example[key]).shape
            assert _halves_or_whole(arr) and arr.any(), key
            assert np.abs(arr).max() <= 16
    if ex.kind == "maxpool":
        x = _array(ex.inputs["x"])
        ties = [_window_ties(x, ex.inputs["size"], ex.inputs["stride"])]
        assert ties == [_window_ties(_array(example["x"]), example["size"], example["stride"])]
        assert np.all(_array(ex.inputs["dy"]) != 0)
    if ex.kind == "lstm":
        assert _tenths(_array(ex.inputs["xs"])) and _array(ex.inputs["dh"]).any()
        for value in ex.inputs["params"].values():
            assert _tenths(_array(value)) and np.abs(_array(value)).max() <= 0.8
    if ex.kind == "autodiff":
        expression = ex.inputs["expression"]
        assert re.fullmatch(r"(cos|sin|exp|tanh|log|sqrt)\(x1\*x2\) [+-] x1\*x2 [+-] x[12]",
                            expression)
        values = ex.inputs["values"]
        assert all(v != 0 and _halves_or_whole(np.array(v)) for v in values.values())
        ev = autodiff.evaluate(expression, values)        # inside every function's domain
        assert np.isfinite(ev.value)
    if ex.kind == "conv2d_shape":
        xs, fs = ex.inputs["x_shape"], ex.inputs["f_shape"]
        assert xs[2] == fs[2] != fs[3] and ex.inputs["stride"] >= 2 and ex.inputs["padding"] >= 1
    if ex.kind == "conv2d_filter":
        f = _array(ex.inputs["f"])
        assert sorted(f.ravel()) == list(range(1, f.size + 1))


@functools.cache
def _example_shapes(name):
    return {a.name: a.shape for a in exercise(name).asked}


def _window_ties(x, size, stride):
    g = pooling.window(x.shape, size, stride)
    count = 0
    for r in range(g.o_rows):
        for c in range(g.o_cols):
            box = x[r * g.s_rows:r * g.s_rows + g.k_rows, c * g.s_cols:c * g.s_cols + g.k_cols]
            for ch in range(x.shape[2]):
                count += np.count_nonzero(box[:, :, ch] == box[:, :, ch].max()) > 1
    return count
