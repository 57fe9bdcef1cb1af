"""The attempt behind practice mode, without a window: which exercise numbers are, answers of
another shape, answers carried across an edit, the score, and the session's form."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import examples, practice
from engine.practice import BLANK, RIGHT, WRONG, Tolerance
from pnn_gui.practice.attempt import Attempt, parse_entry, parse_practice, same_exercise


def test_the_same_numbers_written_differently_are_the_same_exercise():
    ex = practice.exercise("conv")
    inputs = dict(examples.load("conv").inputs)
    inputs["stride"], inputs["padding"] = (2, 2), (1, 1)       # the panel's pairs
    inputs = {k: np.asarray(v) if isinstance(v, list) else v for k, v in inputs.items()}
    assert same_exercise(ex, examples.solve("conv2d", inputs))
    inputs["b"] = np.array([0.0, 2.0])
    assert not same_exercise(ex, examples.solve("conv2d", inputs))


def test_another_expression_with_the_same_values_is_another_exercise():
    ex = practice.exercise("autodiff")
    other = examples.solve("autodiff", {"expression": "cos(x2*x1) + x1*x2 + x1",
                                        "values": {"x1": 1, "x2": 2}})
    assert not same_exercise(ex, other)


def test_check_marks_cells_and_a_cell_typed_over_is_unmarked():
    att = Attempt(practice.exercise("fc"))
    att.set_cell("y", (0,), 6)
    att.set_cell("y", (1,), 14)
    att.check(Tolerance())
    assert att.marks["y"].tolist() == [RIGHT, WRONG, BLANK]
    att.set_cell("y", (1,), 13)
    assert att.marks["y"].tolist() == [RIGHT, BLANK, BLANK]


def test_an_answer_of_the_transposed_shape_keeps_its_numbers_transposed():
    att = Attempt(practice.exercise("fc"))
    att.answers["dw"][:] = [[1, 2, 3], [4, 5, 6]]
    assert att.shapes("dw") == ((2, 3), (3, 2))
    att.set_shape("dw", (3, 2))
    assert att.answers["dw"].tolist() == [[1, 4], [2, 5], [3, 6]]
    with pytest.raises(ValueError, match="not offered"):
        att.set_shape("dw", (6, 1))
    att.set_shape("dx", (2,))                                   # its own shape: nothing changes


def test_an_answer_of_several_shapes_counts_once_its_shape_is_chosen():
    att = Attempt(practice.exercise("fc"))
    assert att.shape_chosen("y") and not att.shape_chosen("dw")
    att.answers["dw"][:] = [[0, 0.5, 1], [0, 1, 2]]             # (not through the window)
    assert att.check(Tolerance()).tensor("dw") is None          # not answered
    att.set_shape("dw", (2, 3))
    assert att.shape_chosen("dw") and att.check(Tolerance()).tensor("dw").correct
    # answers given with numbers (a session, an edit) are in a chosen shape
    given = Attempt(practice.exercise("fc"), {"dw": np.array([[0, 0.5, 1], [0, 1, 2]]).T})
    assert given.shape_chosen("dw") and given.answers["dw"].shape == (3, 2)


def test_a_transposed_answer_stays_transposed_across_an_edit():
    att = Attempt(practice.exercise("fc"))
    att.set_shape("dw", (3, 2))
    att.answers["dw"][0] = [0, 0]
    inputs = dict(examples.load("fc").inputs)
    inputs["b"] = [2, 2, 3]                                      # the same sizes
    new = att.carried_to(practice.from_inputs("fc", inputs))
    assert new.shape_chosen("dw") and new.answers["dw"].shape == (3, 2)
    assert new.answers["dw"][0].tolist() == [0, 0]
    blank_choice = Attempt(practice.exercise("fc")).carried_to(practice.from_inputs("fc", inputs))
    assert not blank_choice.shape_chosen("dw")


def test_answers_carried_to_other_numbers_are_cut_or_padded_to_their_shapes():
    att = Attempt(practice.exercise("fc"))
    att.answers["y"][:] = [6, 13, 20]
    att.answers["dw"][:] = [[0, 0.5, 1], [0, 1, 2]]
    att.reveal(3)
    att.check(Tolerance())
    inputs = dict(examples.load("fc").inputs)
    inputs["w"] = [[1, 3], [2, 4]]                               # two outputs now
    inputs["b"] = [1, 2]
    inputs["dy"] = [0, 0.5]
    new = att.carried_to(practice.from_inputs("fc", inputs))
    assert new.answers["y"].tolist() == [6, 13]
    assert new.answers["dw"].tolist() == [[0, 0.5], [0, 1]]
    assert new.revealed == 0 and new.result is None and new.first == {}


def test_score_right_at_the_first_check_and_not_after_a_reveal():
    att = Attempt(practice.exercise("fc"))
    att.answers["y"][:] = [6, 13, 20]
    att.answers["dx"][:] = [6.5, np.nan]                        # right so far, not complete
    att.check(Tolerance())
    assert att.first == {"y": True, "dx": False} and att.score() == (1, 4)
    att.reveal(14)
    att.answers["db"][:] = [0, 0.5, 1]
    att.check(Tolerance())
    assert att.first["db"] is False and att.score() == (1, 4)   # seen before checked
    assert att.revealed_tensors() == {"y", "dx", "dw", "db"}


def test_optional_tensors_count_once_checked():
    att = Attempt(practice.exercise("lstm"))
    assert att.score() == (0, 1)
    att.answers["db_c"][:] = att.exercise.expected("db_c")
    att.check(Tolerance())
    assert att.score() == (1, 2)


def test_json_round_trip():
    ex = practice.exercise("fc", 4711)
    att = Attempt(ex)
    att.answers["y"][0] = 1.5
    att.set_shape("dw", (3, 2))
    att.answers["dw"][2, 1] = -2
    att.reveal(4)
    att.check(Tolerance())
    data = json.loads(json.dumps(att.to_json(), allow_nan=False))
    assert data["seed"] == 4711 and data["answers"]["y"] == [1.5, None, None]
    back, left_out = Attempt.from_json(ex, parse_entry(data, "test"))
    assert left_out == []
    np.testing.assert_array_equal(back.answers["dw"], att.answers["dw"])
    assert back.answers["dw"].shape == (3, 2)
    assert back.revealed == 4 and back.first == att.first and back.result is None
    # a shape chosen with nothing typed is kept too; one this exercise does not offer is not
    att = Attempt(ex)
    att.set_shape("dw", (3, 2))
    data = json.loads(json.dumps(att.to_json()))
    assert data["answers"] == {} and data["shapes"] == {"dw": [3, 2]}
    back, left_out = Attempt.from_json(ex, parse_entry(data, "test"))
    assert back.shape_chosen("dw") and back.answers["dw"].shape == (3, 2) and left_out == []
    back, left_out = Attempt.from_json(ex, parse_entry({"shapes": {"dw": [6, 1]}}, "test"))
    assert not back.shape_chosen("dw") and left_out == ["dw"]


def test_an_answer_that_fits_no_shape_is_left_out():
    ex = practice.exercise("fc")
    back, left_out = Attempt.from_json(ex, parse_entry(
        {"answers": {"y": [1, 2], "dx": [1, 2], "nope": [1]}, "revealed": 99}, "test"))
    assert left_out == ["y", "nope"] and back.answers["dx"].tolist() == [1, 2]
    assert np.isnan(back.answers["y"]).all() and back.revealed == 14


@pytest.mark.parametrize("entry, reason", [
    ("x", "must be an object"),
    ({"seed": -1}, "\"seed\" must be a whole number or null"),
    ({"seed": True}, "\"seed\" must be"),
    ({"revealed": 1.5}, "\"revealed\" must be a whole number"),
    ({"answers": []}, "\"answers\" must be an object"),
    ({"answers": {"y": [[1], [2, 3]]}}, "rows of equal length"),
    ({"answers": {"y": 3}}, "got one number"),
    ({"answers": {"y": [True]}}, "expected numbers or null, got True"),
    ({"first": {"y": 1}}, "\"first\" must map"),
    ({"shapes": {"dw": [3, 0]}}, "\"shapes\" must map tensor names to lists of sizes"),
    ({"shapes": {"dw": "3x2"}}, "\"shapes\" must map"),
    ({"shapes": [[3, 2]]}, "\"shapes\" must map"),
])
def test_a_damaged_entry_is_named(entry, reason):
    with pytest.raises(ValueError, match="where") as info:
        parse_entry(entry, "where")
    assert reason in str(info.value)


def test_parse_practice_reads_what_the_window_writes():
    got = parse_practice({"on": True, "panels": {"Fully connected": {"fully_connected": {
        "seed": 3, "answers": {"y": [1, None, 2]}}}}}, ("Fully connected",), "s.json")
    entry = got["panels"]["Fully connected"]["fully_connected"]
    assert got["on"] is True and entry["seed"] == 3 and entry["checked"] is False
