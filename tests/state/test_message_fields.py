"""Every kind of engine message lands beside the field it is about: its leading ``key:`` is a
field of the panel's state (the GUI's ``show_errors`` puts ``errors[field]`` beside that field;
the LSTM panel routes a parameter's key to that parameter's table)."""

import numpy as np
import pytest

from engine import examples
from pnn_gui.state import PanelState, field_of


@pytest.mark.parametrize(("example", "field", "value", "words"), [
    ("fc", "w", [[1, 3, 5], [2, 4]], "rows have different lengths"),
    ("fc", "w", [[1, "a", 5], [2, 4, 6]], "W[0,1] is 'a', not a number"),
    ("fc", "x", [[1, 2, 3]], "it needs 2 columns to match W's 2 rows"),
    ("fc", "b", [1, 2], "b has shape (2,)"),
    ("fc", "dy", [1, 2], "δy has shape (2,)"),
    ("conv", "f", np.zeros((3, 3, 2, 2)), "f has 2 input channels"),
    ("conv", "dy", np.zeros((3, 3, 2)), "δy has shape (3, 3, 2)"),
    ("conv", "stride", 0, "must be at least 1"),
    ("conv", "padding", (0, -1), "must be at least 0"),
    ("conv-shape", "f_shape", [3, 4, 4, 1337], "f has 4 input channels"),
    ("conv-shape", "x_shape", [20, 0, 5], "must be at least 1"),
    ("conv-shape", "x_shape", [20, 18], "the shape of x needs 3 whole numbers"),
    ("avgpool", "size", (2, 5), "the window's 5 columns do not fit in x's 4 columns"),
    ("avgpool", "dy", np.zeros((2, 2, 1)), "δy has shape (2, 2, 1)"),
    ("maxpool", "x", [[[1], [2]], [[3]]], "x[1] has length 1 where x[0] has length 2"),
    ("lstm", "c0", [0.0, 0.0, 0.0], "c₀ has shape (3,)"),
    ("lstm", "dh", np.zeros((2, 2)), "δh has shape (2, 2)"),
    ("lstm", "xs", [[1.0, np.nan]] * 3, "x[0,1] is nan"),
])
def test_a_message_goes_to_the_field_it_names(example, field, value, words):
    ex = examples.load(example)
    state = PanelState(ex.kind, ex.inputs)
    assert not state.set_input(field, value)
    assert list(state.errors) == [field]
    assert words in state.errors[field]


def test_an_lstm_parameter_message_names_the_parameters_table():
    ex = examples.load("lstm")
    state = PanelState(ex.kind, ex.inputs)
    assert not state.set_input("params", {**ex.inputs["params"], "W_ic": [[0.1, 0.2, 0.3]] * 2})
    (message,) = state.errors.values()
    assert field_of(message) == "W_ic"  # the LSTM panel shows it under the W_ic table
    assert "W_ic has shape (2, 3); it needs shape (2, 2)" in message
