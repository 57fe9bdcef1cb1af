"""What the fuzz tier found (tests/engine/test_fuzz_readers.py), each as its minimal example: a
file a reader must refuse with one ValueError naming the file, never another exception."""

from __future__ import annotations

import json

import pytest

from engine import network
from engine.practice import AnswersError, answers, exercise

FC_LAYER = {"type": "fc", "w": [[1.0]], "b": [0.0]}


@pytest.mark.parametrize("bad_type", [[], {}, [1], {"a": 1}])
def test_a_layer_whose_type_is_a_list_or_an_object(tmp_path, bad_type):
    spec = {"input": [1.0], "layers": [FC_LAYER, {"type": bad_type}],
            "loss": {"type": "mse", "target": [0.0]}}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(network.NetworkError, match=r"^net\.json: layer 2: unknown type "):
        network.load_file(path)


@pytest.mark.parametrize(("index", "says"), [
    ("²", "index '²' of dx: expected 1 whole number"),        # str.isdigit() is True for it
    ("١", "index '١' of dx: expected 1 whole number"),        # and int() reads it as 1
    ("9" * 5000, "dx[" + "9" * 39 + "…] is out of range"),   # past int()'s 4,300 digits
])
def test_an_index_that_is_not_ascii_digits_or_too_long(tmp_path, index, says):
    path = tmp_path / "a.csv"
    path.write_text(f"tensor,index,value\ndx,{index},1\n", encoding="utf-8")
    with pytest.raises(AnswersError) as info:
        answers.read_file(path, exercise("fc"))
    assert str(info.value) == f"{path}, line 2: {says}" + (
        " (dx is 2)" if "expected" in says else ": dx is 2 (indices 0–1)")


def test_a_long_field_is_cut_in_the_message(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("tensor,index,value\ndx,0," + "x" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(AnswersError, match=r"dx\[0\]: 'x{39}…' is not a number$"):
        answers.read_file(path, exercise("fc"))
