"""A whole network (issue 15): the examples' numbers against independent references, every bad
spec's message, the layer-by-layer and worked traces, one SGD step, the gradient check, and the
command line (`export network`)."""

import csv
import dataclasses
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import activations, examples, export, network_steps
from engine import network as nw
from tests.engine.gradcheck import numeric_grad

try:
    import torch
except ImportError:  # optional: the NumPy references below always run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed (optional reference)")

ROOT = Path(__file__).resolve().parents[2]


def spec(name):
    return examples.load(name).inputs


def run_example(name):
    return nw.run(nw.parse(spec(name)))


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


# ---------------------------------------------------------------------------------------------
# mlp: Matt Mazur, "A Step by Step Backpropagation Example" (2015),
# https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/ — his published numbers.
# His E_total = Σ ½(target − out)² over two outputs is the mean of the squared differences.


def test_mlp_matches_mazurs_published_forward_pass():
    r = run_example("mlp")
    np.testing.assert_allclose(r.outputs[0][0], 0.3775, rtol=1e-12)            # net_h1
    np.testing.assert_allclose(r.outputs[1], [0.593269992, 0.596884378], atol=5e-10)
    np.testing.assert_allclose(r.outputs[2][0], 1.105905967, atol=5e-10)      # net_o1
    np.testing.assert_allclose(r.outputs[3], [0.75136507, 0.772928465], atol=5e-9)
    assert r.loss == pytest.approx(0.298371109, abs=5e-10)


def test_mlp_matches_mazurs_published_gradients_and_update():
    r = run_example("mlp")
    # His w5 is h1 → o1: row 0, column 0 of the second fc's W (y = x·W); w6 is h2 → o1.
    assert r.grads["L3.dw"][0, 0] == pytest.approx(0.082167041, abs=5e-10)
    assert r.grads["L1.dw"][0, 0] == pytest.approx(0.000438568, abs=5e-10)   # ∂E/∂w1
    new = nw.sgd_step(r, 0.5).network.parameters()
    np.testing.assert_allclose(new["L3.w"], [[0.35891648, 0.511301270],
                                             [0.408666186, 0.561370121]], atol=5e-9)
    np.testing.assert_allclose(new["L1.w"], [[0.149780716, 0.24975114],
                                             [0.19956143, 0.29950229]], atol=5e-9)
    # He updates the weights only, and prints the new total error 0.291027924. That figure comes
    # from his script computing the hidden deltas with the already updated w5…w8 (which gives
    # 0.2910279239); with the original ones, as his text (and backpropagation) does, it is
    # 0.2910277737 — written out here with his formulas.
    old = r.network.parameters()
    weights_only = r.network.with_parameters({"L1.w": new["L1.w"], "L3.w": new["L3.w"],
                                              "L1.b": old["L1.b"], "L3.b": old["L3.b"]})

    def sigma(z):
        return 1 / (1 + np.exp(-z))

    (w1, w3), (w2, w4) = new["L1.w"]
    (w5, w7), (w6, w8) = new["L3.w"]
    h1, h2 = sigma(w1 * 0.05 + w2 * 0.1 + 0.35), sigma(w3 * 0.05 + w4 * 0.1 + 0.35)
    o1, o2 = sigma(w5 * h1 + w6 * h2 + 0.6), sigma(w7 * h1 + w8 * h2 + 0.6)
    e_total = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
    assert e_total == pytest.approx(0.2910277737, abs=5e-11)
    assert nw.run(weights_only).loss == pytest.approx(e_total, rel=1e-14)


def test_mlp_sgd_step_lowers_the_loss_and_says_so():
    step = nw.sgd_step(run_example("mlp"), 0.5)
    assert step.went_down and step.loss_after < step.loss_before
    assert step.message == "loss 0.2984 → 0.2805: it went down (η = 0.5)"
    assert network_steps.sgd(step).steps[0].text == ("L1.w[0,0] ← L1.w[0,0] − η·L1.dw[0,0] = "
                                                     "0.15 − 0.5·0.0004386 = 0.1498")
    replayed = network_steps.sgd(step).replay()
    for name, value in step.network.parameters().items():
        np.testing.assert_array_equal(replayed[f"{name}_new"], value, err_msg=name)


# ---------------------------------------------------------------------------------------------
# network: the sheet's layers chained, against loops written out here (independent of engine/)


def naive_network(x, f, b, w, c, target):
    """Every layer of the `network` example as plain loops; returns (outputs, loss)."""
    rows, cols, _ = x.shape
    k_r, k_c, c_in, c_out = f.shape
    xp = np.zeros((rows + 2, cols + 2, c_in))
    xp[1:-1, 1:-1] = x
    y1 = np.zeros((rows, cols, c_out))
    for r in range(rows):
        for col in range(cols):
            for o in range(c_out):
                y1[r, col, o] = sum(xp[r + i, col + j, k] * f[i, j, k, o] for i in range(k_r)
                                    for j in range(k_c) for k in range(c_in)) + b[o]
    y2 = np.where(y1 > 0, y1, 0.0)
    y3 = np.zeros((rows // 2, cols // 2, c_out))
    for r in range(rows // 2):
        for col in range(cols // 2):
            for o in range(c_out):
                y3[r, col, o] = sum(y2[2 * r + i, 2 * col + j, o] for i in range(2)
                                    for j in range(2)) / 4
    y4 = [y3[r, col, o] for r in range(rows // 2) for col in range(cols // 2)
          for o in range(c_out)]
    y5 = np.array([sum(y4[j] * w[j, k] for j in range(len(y4))) + c[k]
                   for k in range(w.shape[1])])
    loss = -np.log(np.exp(y5[target]) / np.exp(y5).sum())
    return (y1, y2, y3, np.array(y4), y5), float(loss)


def test_network_example_matches_loops_and_central_differences():
    r = run_example("network")
    net = r.network
    x, target = net.input, net.loss.target
    f, b = (net.layers[0].params[k] for k in ("f", "b"))
    w, c = (net.layers[4].params[k] for k in ("w", "b"))
    outputs, loss = naive_network(x, f, b, w, c, target)
    for i, want in enumerate(outputs, 1):
        np.testing.assert_allclose(r.outputs[i - 1], want, rtol=1e-13, atol=1e-14,
                                   err_msg=f"L{i}.y")
    assert r.loss == pytest.approx(loss, rel=1e-13)
    refs = {
        "L1.df": numeric_grad(lambda f_: naive_network(x, f_, b, w, c, target)[1], f),
        "L1.db": numeric_grad(lambda b_: naive_network(x, f, b_, w, c, target)[1], b),
        "L5.dw": numeric_grad(lambda w_: naive_network(x, f, b, w_, c, target)[1], w),
        "L5.db": numeric_grad(lambda c_: naive_network(x, f, b, w, c_, target)[1], c),
    }
    for name, want in refs.items():
        np.testing.assert_allclose(r.grads[name], want, rtol=1e-6, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(
        r.deltas[0], numeric_grad(lambda x_: naive_network(x_, f, b, w, c, target)[1], x),
        rtol=1e-6, atol=1e-8, err_msg="L1.dx")


def test_network_example_numbers_are_readable_and_away_from_kinks():
    r = run_example("network")
    pre = r.outputs[0]
    assert np.abs(pre).min() >= 0.5                  # no ReLU input near its kink at 0
    assert np.all(pre * 2 == np.round(pre * 2))       # halves: readable in every step
    assert r.loss == pytest.approx(0.45344605920456, rel=1e-12)
    assert all(c.ok for c in nw.gradient_check(r, deltas=True).values())


@needs_torch
def test_network_example_matches_torch():
    F = torch.nn.functional
    r = run_example("network")
    net = r.network
    x = torch.tensor(net.input).permute(2, 0, 1)[None].requires_grad_()
    f = torch.tensor(net.layers[0].params["f"]).permute(3, 2, 0, 1).contiguous()
    f.requires_grad_()
    b = torch.tensor(net.layers[0].params["b"], requires_grad=True)
    w = torch.tensor(net.layers[4].params["w"], requires_grad=True)
    c = torch.tensor(net.layers[4].params["b"], requires_grad=True)
    y1 = F.conv2d(x, f, b, padding=1)
    y3 = F.avg_pool2d(F.relu(y1), 2, 2)
    y4 = y3.permute(0, 2, 3, 1).reshape(1, -1)       # channels-last order, as the spec says
    y5 = y4 @ w + c
    loss = F.cross_entropy(y5, torch.tensor([net.loss.target]))
    loss.backward()
    assert r.loss == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(r.outputs[4], y5.detach().numpy()[0], rtol=1e-14)
    np.testing.assert_allclose(r.grads["L1.df"], f.grad.permute(2, 3, 1, 0).numpy(), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(r.grads["L1.db"], b.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(r.grads["L5.dw"], w.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(r.grads["L5.db"], c.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(r.deltas[0], x.grad[0].permute(1, 2, 0).numpy(), rtol=1e-12,
                               atol=1e-15)


@needs_torch
def test_mlp_matches_torch():
    r = run_example("mlp")
    net = r.network
    w1, b1, w2, b2 = (torch.tensor(net.layers[i].params[k], requires_grad=True)
                      for i in (0, 2) for k in ("w", "b"))
    x = torch.tensor(net.input, requires_grad=True)
    out = torch.sigmoid(torch.sigmoid(x @ w1 + b1) @ w2 + b2)
    loss = torch.nn.functional.mse_loss(out, torch.tensor(net.loss.target))
    loss.backward()
    assert r.loss == pytest.approx(loss.item(), rel=1e-14)
    for name, t in (("L1.dw", w1), ("L1.db", b1), ("L3.dw", w2), ("L3.db", b2)):
        np.testing.assert_allclose(r.grads[name], t.grad.numpy(), rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(r.deltas[0], x.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# The spec: every bad spec's message


def with_layers(*layers, loss=None, x=None):
    return {"input": [[[1.0], [2.0]], [[3.0], [4.0]]] if x is None else x,
            "layers": list(layers),
            "loss": loss or {"type": "mse", "target": [0.0]}}


CONV = {"type": "conv2d", "f": np.ones((2, 2, 1, 1)).tolist(), "b": [0.0]}
FC = {"type": "fc", "w": [[1.0]], "b": [0.0]}


@pytest.mark.parametrize(("data", "where", "message"), [
    ([], "spec", 'spec: expected a JSON object with "input", "layers" and "loss", got a list'),
    ({**with_layers(CONV, {"type": "flatten"}), "name": "x"}, "spec",
     "spec: unknown key 'name'; expected input, layers, loss"),
    ({"layers": [], "loss": {"type": "mse", "target": [1]}}, "input", "input: missing"),
    (with_layers(x=[[True]]), "input", "input: contains a boolean (True/False); every value "
                                       "must be a number"),
    (with_layers(x=[["a"]]), "input", "input: input[0,0] is 'a', not a number; type a number "
                                      "there"),
    ({"input": [1.0], "loss": {"type": "mse", "target": [1]}}, "layers", "layers: missing"),
    ({"input": [1.0], "layers": {}, "loss": {"type": "mse", "target": [1]}}, "layers",
     "layers: expected a list of layers, got an object"),
    (with_layers(CONV, "relu"), "L2", 'layer 2: expected an object with a "type", got a string'),
    (with_layers({"f": [1]}), "L1", "layer 1: missing; known: conv2d, avgpool, maxpool, "
                                    "flatten, fc, relu, sigmoid, tanh"),
    (with_layers({"type": "conv"}), "L1", "layer 1: unknown type 'conv'; known: conv2d, "
                                          "avgpool, maxpool, flatten, fc, relu, sigmoid, tanh"),
    (with_layers({**CONV, "strides": 2}), "L1",
     "layer 1 (conv2d): unknown key 'strides'; expected f, b, stride, padding"),
    (with_layers({"type": "relu", "size": 2}), "L1",
     "layer 1 (relu): unknown key 'size'; expected none"),
    (with_layers({"type": "conv2d"}), "L1", "layer 1 (conv2d): f: missing"),
    (with_layers({"type": "conv2d", "f": [[1.0]]}), "L1",
     "layer 1 (conv2d): f: f must be 4-D (k_rows, k_cols, c_in, c_out), got shape (1, 1)"),
    (with_layers({**CONV, "b": [0.0, 1.0]}), "L1",
     "layer 1 (conv2d): b: b has shape (2,); it needs shape (1,) to match f's 1 filters (c_out)"),
    (with_layers({**CONV, "stride": 0}), "L1", "layer 1 (conv2d): stride: must be at least 1, "
                                               "got 0"),
    (with_layers({**CONV, "padding": [1, -1]}), "L1",
     "layer 1 (conv2d): padding (cols): must be at least 0, got -1"),
    (with_layers({**CONV, "f": np.ones((1, 1, 3, 1)).tolist()}), "L1",
     "layer 1 (conv2d): got input of shape (2, 2, 1), needs (rows, cols, 3) (f has 3 input "
     "channels)"),
    (with_layers({**CONV, "f": np.ones((3, 3, 1, 1)).tolist()}), "L1",
     "layer 1 (conv2d): got input of shape (2, 2, 1), needs (rows, cols, 1) with rows ≥ 3 and "
     "cols ≥ 3 (f has 1 input channel, and its 3×3 kernel must fit in the input padded by "
     "(0, 0))"),
    (with_layers({"type": "avgpool", "size": [3, 1]}), "L1",
     "layer 1 (avgpool): got input of shape (2, 2, 1), needs (rows, cols, channels) with "
     "rows ≥ 3 and cols ≥ 1 (the 3×1 window must fit)"),
    (with_layers({"type": "maxpool", "size": 0}), "L1",
     "layer 1 (maxpool): size: must be at least 1, got 0"),
    (with_layers({"type": "maxpool"}), "L1", "layer 1 (maxpool): size: missing"),
    (with_layers({"type": "flatten"}, {"type": "maxpool", "size": 1}), "L2",
     "layer 2 (maxpool): got input of shape (4,), needs (rows, cols, channels)"),
    (with_layers({"type": "fc", "w": [[1.0], [2.0], [3.0], [4.0]]}), "L1",
     "layer 1 (fc): got input of shape (2, 2, 1), needs (4,) (w has 4 rows); put a flatten "
     "layer before it"),
    (with_layers({"type": "flatten"}, {"type": "fc", "w": [[1.0]] * 3}), "L2",
     "layer 2 (fc): got input of shape (4,), needs (3,) (w has 3 rows)"),
    (with_layers({"type": "flatten"}, {"type": "fc", "w": [[1.0]] * 4, "b": [1, 2]}), "L2",
     "layer 2 (fc): b: b has shape (2,); it needs shape (1,) to match w's 1 columns (n_out)"),
    (with_layers({"type": "flatten"}, {"type": "fc", "w": [[1.0, np.inf]] * 4}), "L2",
     "layer 2 (fc): w: W[0,1] is inf; every value must be a finite number"),
    (with_layers({"type": "flatten"}, {"type": "fc", "w": [[1.0]] * 4}, loss={"type": "mse"}),
     "loss", "loss (mse): target: missing"),
    ({"input": [1.0], "layers": []}, "loss", "loss: missing"),
    (with_layers(loss={"type": "l1", "target": [1]}), "loss",
     "loss: unknown type 'l1'; known: mse, softmax_cross_entropy"),
    (with_layers(loss={"type": "mse", "target": [1], "weight": 2}), "loss",
     "loss (mse): unknown key 'weight'; expected target"),
    (with_layers(loss={"type": "mse", "target": [1.0, 2.0]}), "loss",
     "loss (mse): got input of shape (2, 2, 1), needs (2,), the shape of target"),
    (with_layers({"type": "flatten"}, loss={"type": "softmax_cross_entropy", "target": 4}),
     "loss", "loss (softmax_cross_entropy): got input of shape (4,), needs (n,) with n ≥ 5: one "
             "score per class, target class 4 among them"),
    (with_layers(loss={"type": "softmax_cross_entropy", "target": 0}), "loss",
     "loss (softmax_cross_entropy): got input of shape (2, 2, 1), needs (n,) with n ≥ 1: one "
     "score per class, target class 0 among them"),
    (with_layers(loss={"type": "softmax_cross_entropy", "target": 1.5}), "loss",
     "loss (softmax_cross_entropy): target: expected a whole number, got 1.5"),
])
def test_every_bad_spec_names_its_place_and_problem(data, where, message):
    result = nw.check(data)
    assert result.problems.get(where) == message, result.problems
    with pytest.raises(nw.NetworkError) as info:
        nw.parse(data)
    assert str(info.value) == next(iter(result.problems.values()))
    assert info.value.where == next(iter(result.problems))


def test_check_reports_every_layer_at_once_and_keeps_the_rest():
    data = with_layers(
        {"type": "conv2d", "f": np.ones((2, 2, 3, 2)).tolist()},   # wrong channels: (1, 1, 2)
        {"type": "avgpool", "size": [2, 2]},                      # (1, 1, 2) is too small
        {"type": "tanh"},
        {"type": "flatten"},
        {"type": "fc", "w": [[1.0]] * 5},                         # input shape unknown
        {"type": "fc", "w": [[1.0, 2.0]] * 2},                    # needs (2,), gets (1,)
        loss={"type": "mse", "target": [0.0, 0.0]})
    result = nw.check(data)
    assert not result.ok and result.network is None
    assert list(result.problems) == ["L1", "L2", "L6"]
    assert result.problems["L1"].startswith("layer 1 (conv2d): got input of shape (2, 2, 1), "
                                            "needs (rows, cols, 3)")
    assert result.problems["L2"].startswith("layer 2 (avgpool): got input of shape (1, 1, 2), "
                                            "needs (rows, cols, channels) with rows ≥ 2")
    assert result.problems["L6"] == ("layer 6 (fc): got input of shape (1,), needs (2,) (w has "
                                     "2 rows)")
    assert result.input_shape == (2, 2, 1)
    assert result.shapes == ((1, 1, 2), None, None, None, (1,), (2,))


def test_a_good_spec_checks_clean_with_every_shape():
    result = nw.check(spec("network"))
    assert result.ok and result.network is not None
    assert result.shapes == ((6, 6, 2), (6, 6, 2), (3, 3, 2), (18,), (3,))


def test_defaults_and_the_spec_written_back():
    net = nw.parse(with_layers({"type": "conv2d", "f": np.ones((1, 1, 1, 2)).tolist()},
                               {"type": "maxpool", "size": 2}, {"type": "flatten"},
                               {"type": "fc", "w": [[1.0], [2.0]]}))
    conv, pool, _, fc = net.layers
    assert conv.settings == {"stride": (1, 1), "padding": (0, 0)}
    assert conv.params["b"].tolist() == [0.0, 0.0] and fc.params["b"].tolist() == [0.0]
    assert pool.settings == {"size": (2, 2), "stride": (2, 2)}
    for name in examples.NETWORK_NAMES:
        original = nw.parse(spec(name))
        again = nw.parse(json.loads(json.dumps(original.to_json())))
        assert again.to_json() == original.to_json()
        for key, value in original.parameters().items():
            np.testing.assert_array_equal(again.parameters()[key], value)


def test_arrays_of_a_network_cannot_be_changed_behind_its_back():
    net = nw.parse(spec("mlp"))
    with pytest.raises(ValueError, match="read-only"):
        net.layers[0].params["w"][0, 0] = 5.0
    r = nw.run(net)
    with pytest.raises(ValueError, match="read-only"):
        r.outputs[0][0] = 5.0


def test_load_file_messages(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"input": [1, 2')
    with pytest.raises(nw.NetworkError, match=r"^bad\.json, line 1: not valid JSON \(Expecting "):
        nw.load_file(bad)
    bad.write_bytes(b'{"input": "\xff"}')
    with pytest.raises(nw.NetworkError,
                       match=r"^bad\.json, line 1: not UTF-8 text \(byte 11 is 0xff\)"):
        nw.load_file(bad)
    with pytest.raises(nw.NetworkError, match=r"missing\.json: cannot read"):
        nw.load_file(tmp_path / "missing.json")


def test_a_run_that_overflows_names_the_layer():
    data = {"input": [1e300, 1e300], "layers": [FC | {"w": [[1e300], [1e300]]}, {"type": "tanh"}],
            "loss": {"type": "mse", "target": [0.0]}}
    with pytest.raises(nw.NetworkError, match=r"^layer 1 \(fc\): y is not finite \(a value "
                                              r"overflowed float64\); use smaller numbers$") as e:
        nw.run(nw.parse(data))
    assert e.value.where == "L1"


def test_a_network_without_layers_is_its_loss():
    r = nw.run(nw.parse({"input": [1.0, 3.0], "layers": [],
                         "loss": {"type": "mse", "target": [0.0, 1.0]}}))
    assert r.loss == 2.5 and r.loss_dx.tolist() == [1.0, 2.0] and r.output.tolist() == [1, 3]
    titles = [s.title for s in network_steps.layer_by_layer(r).steps]
    assert titles == ["loss (mse)", "δ of the loss"]


# ---------------------------------------------------------------------------------------------
# Traces


def test_layer_by_layer_trace():
    r = run_example("network")
    trace = network_steps.layer_by_layer(r)
    assert [s.title for s in trace.steps] == [
        "L1 conv2d", "L2 relu", "L3 avgpool", "L4 flatten", "L5 fc",
        "loss (softmax + cross-entropy)", "δ of the loss",
        "δ through L5 fc", "δ through L4 flatten", "δ through L3 avgpool", "δ through L2 relu",
        "δ through L1 conv2d"]
    assert trace.steps[5].text == "loss = −log softmax(L5.y)_t, t = 1 = −log(0.6354) = 0.4534"
    assert trace.steps[6].text == ("loss.dx = softmax(L5.y) − onehot(1) = [0.1914, 0.6354, "
                                   "0.1732] − [0, 1, 0] = [0.1914, -0.3646, 0.1732]")
    assert trace.steps[7].note == ("δ (3,) → (18,); ‖L5.dx‖ = 0.3406, ‖L5.dw‖ = 2.916, "
                                   "‖L5.db‖ = 0.4467")
    assert trace.steps[0].note == ("(6, 6, 1) → (6, 6, 2); 2 filters 3×3, stride (1, 1), "
                                   "padding (1, 1)")
    replayed = trace.replay()
    assert trace.written() == {f"L{i}.{k}" for i in range(1, 6) for k in ("y", "dx")} | {
        "L1.df", "L1.db", "L5.dw", "L5.db", "loss", "loss.dx"}
    for name in trace.written():
        np.testing.assert_array_equal(replayed[name], trace.tensors[name], err_msg=name)


def test_mlp_loss_steps_are_worked_with_numbers():
    steps = network_steps.layer_by_layer(run_example("mlp")).steps
    assert steps[4].text == ("loss = (1/n) Σᵢ (L4.yᵢ − targetᵢ)², n = 2 = ((0.7514 − 0.01)² + "
                             "(0.7729 − 0.99)²) / 2 = 0.2984")
    assert steps[5].text == ("loss.dx = 2(L4.y − target) / n = 2·([0.7514, 0.7729] − "
                             "[0.01, 0.99]) / 2 = [0.7414, -0.2171]")


def test_a_layers_chain_line_ends_on_its_numbers():
    steps = network_steps.layer_by_layer(run_example("network")).steps
    assert steps[1].text == "L2.y = max(0, L1.y) = (6,6,2) with ‖L2.y‖ = 15.55"
    assert steps[4].text == "L5.y = L4.y · L5.w + L5.b = [-0.275, 0.925, -0.375]"
    assert steps[7].text.endswith("L5.db = loss.dx = (18,) with ‖L5.dx‖ = 0.3406;  "
                                  "(18,3) with ‖L5.dw‖ = 2.916;  [0.1914, -0.3646, 0.1732]")
    mlp = network_steps.layer_by_layer(run_example("mlp")).steps
    assert mlp[7].substituted == ("[0.03635, 0.04137];  [[0.08217, -0.0226], [0.08267, "
                                  "-0.02274]];  [0.1385, -0.0381]")


@pytest.mark.parametrize("name", examples.NETWORK_NAMES)
def test_chain_lines_numbers_are_the_engines_tensors_and_in_the_steps_csv(name):
    """Every layer step's numbers read back from its line (and from the steps CSV's
    substituted column) against the run's tensors: the values of a small one, the shape and
    norm of a larger one, in the order the step writes them."""
    r = run_example(name)
    t = r.tensors()
    trace = network_steps.layer_by_layer(r)
    rows = list(csv.DictReader(io.StringIO(export.steps_csv(trace.steps))))
    layer_steps = [s for s in trace.steps if not s.title.startswith(("loss", "δ of the loss"))]
    assert len(layer_steps) == 2 * len(r.network.layers)
    for k, s in enumerate(trace.steps):
        if s not in layer_steps:
            continue
        assert rows[k]["substituted"] == s.substituted and s.text.endswith(" = " + s.substituted)
        written = list(dict.fromkeys(ref[0] for ref in s.writes))
        parts = s.substituted.split(";  ")
        assert len(parts) == len(written), s.text
        for name_, part in zip(written, parts, strict=True):
            want = t[name_]
            m = re.fullmatch(r"\(([\d,]+)\) with ‖(.+)‖ = (\S+)", part)
            if m:
                assert want.size > network_steps.FEW
                assert tuple(int(d) for d in m[1].strip(",").split(",")) == want.shape
                assert m[2] == name_
                np.testing.assert_allclose(float(m[3]), np.linalg.norm(want), rtol=5e-4)
            else:
                assert want.size <= network_steps.FEW, part
                got = np.array(json.loads(part))
                assert got.shape == want.shape, part
                np.testing.assert_allclose(got, want, rtol=5e-4, atol=1e-12, err_msg=part)


@pytest.mark.parametrize("name", examples.NETWORK_NAMES)
def test_each_layer_trace_is_its_own_panels_on_this_chains_numbers(name):
    r = run_example(name)
    for i in range(1, len(r.network.layers) + 1):
        t = r.layer_trace(i)
        np.testing.assert_array_equal(t.tensors["x"], r.input_of(i))
        np.testing.assert_array_equal(t.tensors["dy"], r.dy_of(i))
        np.testing.assert_array_equal(t.tensors["y"], r.outputs[i - 1], err_msg=f"L{i}.y")
        np.testing.assert_array_equal(t.tensors["dx"], r.deltas[i - 1], err_msg=f"L{i}.dx")
        replayed = t.replay()
        for key in t.written():
            np.testing.assert_array_equal(replayed[key], t.tensors[key], err_msg=f"L{i} {key}")
    conv = run_example("network").layer_trace(1)
    assert examples.solve("conv2d", {"x": conv.tensors["x"], "f": conv.tensors["f"],
                                     "b": conv.tensors["b"], "dy": conv.tensors["dy"],
                                     "stride": 1, "padding": 1}).steps == conv.steps
    loss = r.loss_trace()
    assert loss.tensors["loss"] == r.loss
    np.testing.assert_array_equal(loss.tensors["dy"], r.loss_dx)


def test_layer_trace_refusals_name_the_layer(monkeypatch):
    r = run_example("mlp")
    with pytest.raises(ValueError, match=r"^layer: expected a layer number from 1 to 4, got 0$"):
        r.layer_trace(0)
    monkeypatch.setattr(activations, "MAX_TRACE_ELEMENTS", 10)
    big = nw.run(nw.parse({"input": np.ones((4, 4)).tolist(), "layers": [{"type": "relu"}],
                           "loss": {"type": "mse", "target": np.zeros((4, 4)).tolist()}}))
    with pytest.raises(nw.NetworkError, match=r"^layer 1 \(relu\): x: x of shape \(4, 4\) has "
                                              r"16 elements, more than the 10 that can be "
                                              r"stepped through") as e:
        big.layer_trace(1)
    assert e.value.where == "L1"
    assert len(network_steps.layer_by_layer(big)) == 4    # never refused


@pytest.mark.parametrize("name", examples.NETWORK_NAMES)
def test_worked_steps_replay_the_whole_chain(name):
    r = run_example(name)
    trace = network_steps.worked(r)
    tensors = r.tensors()
    replayed = trace.replay()
    for key in ("loss", "loss.dx", *(f"L{i}.{k}" for i in range(1, len(r.network.layers) + 1)
                                     for k in ("y", "dx"))):
        np.testing.assert_array_equal(replayed[key], tensors[key], err_msg=key)
    for key in r.grads:
        np.testing.assert_array_equal(replayed[key], tensors[key], err_msg=key)
    forward = [s for s in trace.steps if s.phase == "forward"]
    assert forward[0].title.startswith("L1 ") and forward[-1].title == "loss L"


def test_norms():
    r = run_example("network")
    deltas = r.delta_norms()
    assert list(deltas) == ["L1.dx", "L2.dx", "L3.dx", "L4.dx", "L5.dx", "loss.dx"]
    assert deltas["L5.dx"] == pytest.approx(np.linalg.norm(r.deltas[4]), rel=1e-15)
    assert list(r.grad_norms()) == ["L1.df", "L1.db", "L5.dw", "L5.db"]


# ---------------------------------------------------------------------------------------------
# SGD and the gradient check


def test_sgd_step_is_theta_minus_eta_delta_for_every_parameter():
    r = run_example("network")
    step = nw.sgd_step(r, "0.1")
    for name, value in r.network.parameters().items():
        grad = r.grads[name.replace(".", ".d")]
        np.testing.assert_array_equal(step.network.parameters()[name], value - 0.1 * grad)
    assert step.went_down and step.after is not None
    assert step.after.loss == nw.run(step.network).loss


def test_sgd_step_too_large_says_so():
    # L = (w·1 + b − 0)², ΔW = Δb = 2: η = 1.5 moves w to −2 and b to −3, past the minimum.
    r = nw.run(nw.parse({"input": [1.0], "layers": [FC], "loss": {"type": "mse",
                                                                   "target": [0.0]}}))
    step = nw.sgd_step(r, 1.5)
    assert not step.went_down and step.network.parameters()["L1.w"].tolist() == [[-2.0]]
    assert step.message == ("loss 1 → 25: it did not go down; η = 1.5 is too large a step here, "
                            "try a smaller learning rate")
    assert nw.sgd_step(r, 0.1).message == "loss 1 → 0.36: it went down (η = 0.1)"
    huge = nw.sgd_step(run_example("network"), 1e308)
    assert huge.after is None and not huge.went_down
    assert huge.message.startswith("lr (learning rate η): with η = 1e+308 the new ")


def test_sgd_step_that_changes_nothing_says_so():
    r = nw.run(nw.parse({"input": [1.0], "layers": [FC], "loss": {"type": "mse",
                                                                   "target": [1.0]}}))
    step = nw.sgd_step(r, 0.5)
    assert not step.went_down
    assert step.message == ("loss 0 → 0: it did not change; the gradients are 0 or η = 0.5 is "
                            "too small to move the weights")


@pytest.mark.parametrize(("lr", "match"), [
    (0, r"^lr \(learning rate η\): expected a number greater than 0, got 0$"),
    (-1, r"^lr \(learning rate η\): expected a number greater than 0, got -1$"),
    ("fast", r"^lr \(learning rate η\): expected a number greater than 0, got 'fast'$"),
    (True, r"^lr \(learning rate η\): expected a number greater than 0, got True$"),
])
def test_sgd_learning_rate_messages(lr, match):
    with pytest.raises(ValueError, match=match):
        nw.sgd_step(run_example("mlp"), lr)


def test_gradient_check_passes_on_the_examples_and_catches_a_wrong_gradient():
    r = run_example("mlp")
    checks = nw.gradient_check(r)
    assert list(checks) == ["L1.dw", "L1.db", "L3.dw", "L3.db"]
    assert all(c.ok and c.max_error < 1e-9 for c in checks.values())
    wrong = dataclasses.replace(r, grads={**r.grads, "L3.dw": r.grads["L3.dw"].T})
    bad = nw.gradient_check(wrong)
    assert not bad["L3.dw"].ok and bad["L1.dw"].ok
    np.testing.assert_array_equal(bad["L3.dw"].numeric, checks["L3.dw"].numeric)


def test_gradient_check_sees_a_kink():
    # ReLU's input exactly 0: the engine takes its derivative as 0; central differences average
    # the slopes on either side (0 and 1), so ∂L/∂b = 2(y − t)·½ = −1.
    r = nw.run(nw.parse({"input": [1.0], "layers": [FC | {"w": [[1.0]], "b": [-1.0]},
                                                     {"type": "relu"}],
                         "loss": {"type": "mse", "target": [1.0]}}))
    check = nw.gradient_check(r)["L1.db"]
    assert not check.ok
    assert check.analytic.tolist() == [0.0] and check.numeric[0] == pytest.approx(-1.0)


# ---------------------------------------------------------------------------------------------
# The examples stay out of the window until the Network panel exists


def test_network_examples_are_not_in_the_windows_menu_list():
    assert not set(examples.NETWORK_NAMES) & set(examples.NAMES)
    assert [ex.name for ex in examples.available()] == list(examples.NAMES)
    assert {examples.load(n).kind for n in examples.NETWORK_NAMES} == {"network"}


# ---------------------------------------------------------------------------------------------
# The command line


@pytest.mark.parametrize("name", examples.NETWORK_NAMES)
def test_export_network_writes_the_chains_tensors_bit_for_bit(name, tmp_path):
    out, steps = tmp_path / "t.csv", tmp_path / "s.csv"
    proc = run_cli("export", name, "--out", str(out), "--steps", str(steps))
    assert proc.returncode == 0, proc.stderr
    back = export.read_tensors_csv(out)
    want = run_example(name).tensors()
    assert list(back) == list(want)
    for key, arr in want.items():
        np.testing.assert_array_equal(back[key].reshape(np.shape(arr)), arr, err_msg=key)
    rows = list(csv.reader(steps.open(encoding="utf-8")))
    assert rows[0] == ["step", "phase", "title", "formula", "substituted", "result",
                       "writes", "note", "sheet_note"]
    assert len(rows) - 1 == len(network_steps.worked(run_example(name)))


def test_export_network_names(tmp_path):
    out = tmp_path / "t.csv"
    assert run_cli("export", "network", "--out", str(out)).returncode == 0
    names = list(dict.fromkeys(row[0] for row in csv.reader(out.open(encoding="utf-8"))))
    assert names == ["tensor", "x", "L1.f", "L1.b", "L1.y", "L1.dx", "L1.df", "L1.db", "L2.y",
                     "L2.dx", "L3.y", "L3.dx", "L4.y", "L4.dx", "L5.w", "L5.b", "L5.y", "L5.dx",
                     "L5.dw", "L5.db", "target", "loss", "loss.dx"]


def test_export_network_with_a_spec_file(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec("mlp")))
    out = tmp_path / "t.csv"
    proc = run_cli("export", "network", "--spec", str(path), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert export.read_tensors_csv(out)["loss"] == pytest.approx(0.298371109, abs=5e-10)


@pytest.mark.parametrize(("content", "extra", "message"), [
    (json.dumps(with_layers({"type": "avgpool", "size": 3})), (),
     "error: net.json: layer 1 (avgpool): got input of shape (2, 2, 1), needs (rows, cols, "
     "channels) with rows ≥ 3 and cols ≥ 3 (the 3×3 window must fit)"),
    (json.dumps(with_layers({"type": "dense"})), (),
     "error: net.json: layer 1: unknown type 'dense'; known: conv2d, avgpool, maxpool, flatten, "
     "fc, relu, sigmoid, tanh"),
    ('{"input": [1, 2]', (), "error: net.json, line 1: not valid JSON (Expecting ',' delimiter"),
    (json.dumps(spec("mlp")), ("--digits", "0"), "error: --digits: expected a whole number"),
])
def test_export_network_bad_spec_exits_2_with_one_line(tmp_path, content, extra, message):
    path = tmp_path / "net.json"
    path.write_text(content)
    out = tmp_path / "t.csv"
    proc = run_cli("export", "network", "--spec", str(path), "--out", str(out), *extra)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [message] or (
        len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith(message))
    assert "Traceback" not in proc.stderr and not out.exists()


def test_spec_only_with_network(tmp_path):
    proc = run_cli("export", "fc", "--spec", "x.json", "--out", str(tmp_path / "t.csv"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: --spec: only with 'network' (export network --spec "
                                   "FILE), not with 'fc'")
