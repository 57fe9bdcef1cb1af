"""Random small chains (Hypothesis, derandomized: tests/conftest.py): every gradient against
central differences of the engine's own forward pass, and the replay property of every trace.

Hypothesis draws the structure (layer types, sizes, strides, paddings) and a seed; NumPy draws
the values from it, normal and continuous, so that no value sits on a kink (ReLU at 0, a tie in
max pooling) except the exact zeros a ReLU hands on.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import network as nw
from engine import network_steps
from tests.engine.gradcheck import numeric_grad


@st.composite
def chains(draw):
    """A spec whose every layer fits: (spec, seed)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        shape = (draw(st.integers(2, 6)), draw(st.integers(2, 6)), draw(st.integers(1, 2)))
    else:
        shape = (draw(st.integers(1, 5)),)
    spec_input = rng.normal(size=shape)
    layers = []
    for _ in range(draw(st.integers(0, 5))):
        if len(shape) == 3:
            rows, cols, ch = shape
            kind = draw(st.sampled_from(["conv2d", "conv2d", "avgpool", "maxpool", "relu",
                                         "sigmoid", "tanh", "flatten"]))
        else:
            kind = draw(st.sampled_from(["fc", "fc", "relu", "sigmoid", "tanh", "flatten"]))
        if kind == "conv2d":
            pad = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
            k = (draw(st.integers(1, min(3, rows + 2 * pad[0]))),
                 draw(st.integers(1, min(3, cols + 2 * pad[1]))))
            stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            c_out = draw(st.integers(1, 2))
            layer = {"type": "conv2d", "f": rng.normal(size=(*k, ch, c_out)) * 0.7,
                     "b": rng.normal(size=c_out) * 0.5, "stride": stride, "padding": pad}
        elif kind in ("avgpool", "maxpool"):
            size = (draw(st.integers(1, min(2, rows))), draw(st.integers(1, min(2, cols))))
            layer = {"type": kind, "size": size,
                     "stride": (draw(st.integers(1, 2)), draw(st.integers(1, 2)))}
        elif kind == "fc":
            n_out = draw(st.integers(1, 4))
            layer = {"type": "fc", "w": rng.normal(size=(shape[0], n_out)) * 0.7,
                     "b": rng.normal(size=n_out) * 0.5}
        else:
            layer = {"type": kind}
        layers.append(layer)
        shape = nw.check({"input": spec_input, "layers": layers,
                          "loss": {"type": "mse", "target": [0.0]}}).shapes[-1]
    if len(shape) == 1 and draw(st.booleans()):
        loss = {"type": "softmax_cross_entropy", "target": draw(st.integers(0, shape[0] - 1))}
    else:
        loss = {"type": "mse", "target": rng.normal(size=shape)}
    return {"input": spec_input, "layers": layers, "loss": loss}


def _sub_network(net: nw.Network, i: int, x: np.ndarray) -> nw.Network:
    """Layers i … n of ``net`` with ``x`` as their input."""
    return nw.Network(x, net.layers[i - 1:], net.loss)


def _kink_downstream(net: nw.Network, r: nw.Run, i: int) -> bool:
    """Whether layer i or a later one sits on a kink: a ReLU getting an exact 0 (handed on from an
    earlier ReLU through tanh, flatten or pooling, which keep a 0 a 0), or max pooling getting
    equal values (zeros from a ReLU, or a convolution's rows of padding, which are its bias
    alone). Moving layer i's input can move such a value off the kink, where the one-sided slopes
    differ: a central difference is then no reference for δx of layer i. Parameters are not
    affected: a ReLU's zeros come from inputs well below 0, which a step of h leaves below 0, and
    the padding's outputs move together with their bias."""
    def on_kink(j: int) -> bool:
        kind, x = net.layers[j - 1].type, r.input_of(j)
        return (kind == "relu" and bool((x == 0).any())) or (
            kind == "maxpool" and np.unique(x).size < x.size)
    return any(on_kink(j) for j in range(i, len(net.layers) + 1))


@settings(max_examples=70, deadline=None)
@given(chains())
def test_every_gradient_of_a_random_chain_matches_central_differences(spec):
    net = nw.parse(spec)
    r = nw.run(net)
    for name, value in net.parameters().items():
        i, key = int(name.split(".")[0][1:]), name.split(".")[1]

        def loss_of(theta, i=i, key=key):
            return nw.run(net.with_parameters({f"L{i}.{key}": theta})).loss

        grad = name.replace(".", ".d")
        np.testing.assert_allclose(r.grads[grad], numeric_grad(loss_of, value), rtol=1e-5,
                                   atol=1e-7, err_msg=grad)
    for i in range(1, len(net.layers) + 1):
        if _kink_downstream(net, r, i):
            continue
        want = numeric_grad(lambda x, i=i: nw.run(_sub_network(net, i, x)).loss, r.input_of(i))
        np.testing.assert_allclose(r.deltas[i - 1], want, rtol=1e-5, atol=1e-7,
                                   err_msg=f"L{i}.dx")
    if not net.layers:
        return
    checks = nw.gradient_check(r)
    assert set(checks) == set(r.grads)


@settings(max_examples=40, deadline=None)
@given(chains())
def test_replaying_any_trace_rebuilds_the_chain(spec):
    r = nw.run(nw.parse(spec))
    tensors = r.tensors()
    for trace in (network_steps.layer_by_layer(r), network_steps.worked(r)):
        replayed = trace.replay()
        for name in trace.written():
            np.testing.assert_array_equal(replayed[name], trace.tensors[name], err_msg=name)
            if name in tensors:
                np.testing.assert_array_equal(trace.tensors[name], tensors[name], err_msg=name)
    assert network_steps.layer_by_layer(r).written() >= {"loss", "loss.dx"} | {
        f"L{i}.{k}" for i in range(1, len(r.network.layers) + 1) for k in ("y", "dx")}
    step = nw.sgd_step(r, 0.01)
    replayed = network_steps.sgd(step).replay()
    for name, value in step.network.parameters().items():
        np.testing.assert_array_equal(replayed[f"{name}_new"], value, err_msg=name)


@settings(max_examples=40, deadline=None)
@given(chains())
def test_check_agrees_with_run_and_the_spec_round_trips(spec):
    result = nw.check(spec)
    assert result.ok, result.problems
    r = nw.run(result.network)
    assert result.shapes == tuple(y.shape for y in r.outputs)
    again = nw.parse(result.network.to_json())
    assert nw.run(again).loss == r.loss
