"""The sheet's notes (engine/printed_sheet.py): each at its step, in the steps CSV, and a note
quoting the sheet's numbers gone as soon as one of the numbers it rests on is changed."""

import csv
import io

import numpy as np
import pytest

from engine import examples, export
from engine.steps import sub
from engine.traces import autodiff, conv2d, fully_connected, lstm
from tests.engine.trace_digests import _lstm


def notes(trace) -> dict[str, str]:
    """{step title: sheet note} of the steps that have one."""
    return {s.title: s.sheet_note for s in trace.steps if s.sheet_note}


def example_notes(name: str) -> dict[str, str]:
    return notes(examples.load(name).solve())


def fc_inputs(**changed):
    return {**examples.load("fc").inputs, **changed}


# -- Task 1 --------------------------------------------------------------------------------------
def test_task1_notes_at_the_first_dx_and_dw_steps():
    got = example_notes("fc")
    assert set(got) == {"δx₀", "ΔW[0,0]"}
    assert "The sheet prints δx = [6.58]" in got["δx₀"] and "[6.5, 8]" in got["δx₀"]
    assert "[0.51]" in got["ΔW[0,0]"] and "[0.51; 1.02]" in got["ΔW[0,0]"]
    assert "outer product" in got["ΔW[0,0]"] and "[0, 0.5, 1; 0, 1, 2]" in got["ΔW[0,0]"]


@pytest.mark.parametrize(("changed", "left"), [
    ({"dy": [0, 0.5, 2]}, set()),                     # both rest on δy
    ({"w": [[1, 3, 5], [2, 4, 7]]}, {"ΔW[0,0]"}),       # δx rests on W, ΔW does not
    ({"x": [1, 3]}, {"δx₀"}),                          # ΔW rests on x, δx does not
    ({"b": [0, 0, 0]}, {"δx₀", "ΔW[0,0]"}),            # neither rests on b
    ({"x": [[1, 2]], "dy": [[0, 0.5, 1]]}, set()),     # a batch of one: not the sheet's vectors
])
def test_task1_notes_go_when_a_number_they_rest_on_changes(changed, left):
    assert set(notes(fully_connected.solve(**fc_inputs(**changed)))) == left


# -- Task 4 --------------------------------------------------------------------------------------
def test_task4_notes_at_the_v0_step_and_the_first_gradient():
    got = example_notes("autodiff")
    assert set(got) == {"v̄0 (from v2)", "∂L/∂x1"}
    assert "1.09, with v1 = 1" in got["v̄0 (from v2)"] and "v1 = x2 = 2" in got["v̄0 (from v2)"]
    assert "1.1814" in got["v̄0 (from v2)"]
    assert "[1.19, 0.09]" in got["∂L/∂x1"] and "1.1814" in got["∂L/∂x1"]
    assert "not a rounding" in got["∂L/∂x1"]


@pytest.mark.parametrize(("expression", "values"), [
    ("cos(x1*x2) + x1*x2 + x1", {"x1": 1, "x2": 3}),
    ("cos(x1*x2) + x1*x2 + x1", {"x1": 1.5, "x2": 2}),
    ("cos(x1*x2) + x1*x2 + x2", {"x1": 1, "x2": 2}),
])
def test_task4_notes_go_with_other_numbers_or_another_expression(expression, values):
    assert notes(autodiff.solve(expression, values)) == {}


def test_task4_notes_stay_however_the_expression_is_spaced():
    got = notes(autodiff.solve("cos(x1 · x2)+x1*x2 + x1", {"x1": 1.0, "x2": 2.0}))
    assert set(got) == {"v̄0 (from v2)", "∂L/∂x1"}


# -- Task 3 --------------------------------------------------------------------------------------
def test_task3_note_at_every_dc_step_once_with_the_terms_the_sheet_has():
    """One note per δc_t (at its first unit's step, not repeated for the second unit); why the
    two terms belong is said once, at the first δc_t that has them."""
    trace = examples.load("lstm").solve()
    first_units = [s for s in trace.steps
                   if s.writes and s.writes[0][0] in ("dc", "dc0") and s.title.endswith("[0]")]
    assert len(first_units) == 4       # T = 3 and δc₀, the first of two units each
    for s in trace.steps:
        assert bool(s.sheet_note) == (s in first_units), s.title
    by_title = notes(trace)
    assert "✓ δc₃·f₃, ✗ δf̂₃·W_fcᵀ, ✗ δî₃·W_icᵀ, ✓ δô₃·W_ocᵀ" in by_title["δc₂[0]"]
    assert "✓ δc₂·f₂, ✗ δf̂₂·W_fcᵀ, ✗ δî₂·W_icᵀ, ✓ δô₂·W_ocᵀ" in by_title["δc₁[0]"]
    assert "at t = T = 3 only the term from h is not 0" in by_title["δc₃[0]"]
    assert "✗ δf̂₁·W_fcᵀ, ✗ δî₁·W_icᵀ" in by_title["δc₀[0]"]
    assert [t for t, n in by_title.items() if "follow from the same equations" in n] == [
        "δc₂[0]"]


def test_task3_why_at_dc0_when_no_dc_step_says_it():
    got = notes(lstm.solve(**_lstm(7, 1, 2, 2)))
    assert set(got) == {"δc₁[0]", "δc₀[0]"}
    assert "follow from the same equations" in got["δc₀[0]"]


def test_task3_note_is_about_the_formula_so_it_stays_with_any_numbers():
    trace = lstm.solve(**_lstm(7, 30, 6, 8))    # coarsened: one vector step per δc_t
    assert trace.note
    got = notes(trace)
    assert set(got) == {f"δc{sub(t)}" for t in range(31)}
    assert "has 3 of these 5 terms" in got["δc₂₈"] and "t = T = 30" in got["δc₃₀"]
    assert "follow from the same equations" in got["δc₂₉"]
    assert "follow from the same equations" not in got["δc₂₈"] + got["δc₀"]


# -- Task 2a -------------------------------------------------------------------------------------
def test_task2a_numbering_once_then_each_renumbered_matrix_and_the_24_where_it_is():
    """The numbering is explained once, at the first swap; a matrix the swap renumbers gets its
    two numbers at its swap; no note repeats another (they were 8 near-copies)."""
    got = example_notes("conv-filter")
    assert list(got) == ["swap f[:,:,0,0]", "swap f[:,:,0,1]", "swap f[:,:,1,0]"]
    first = got["swap f[:,:,0,0]"]
    assert "numbers the matrices by position, f₀ … f₃" in first
    assert "the app names each by its origin, f[:,:,c,o]" in first
    assert "f₀, f₁, f₁, f₂: read f₀ … f₃" in first
    assert "f₁ before the swap and f₂ after" in got["swap f[:,:,0,1]"]
    # f[:,:,1,0] is the sheet's third matrix (printed f₁), its f₁ after the swap
    third = got["swap f[:,:,1,0]"]
    assert "f₂ before the swap and f₁ after" in third and "prints its name as f₁" in third
    assert "24" in third and "suggests 14" in third
    assert [t for t, n in got.items() if "24" in n] == ["swap f[:,:,1,0]"]
    assert all("numbers the matrices by position" not in n for n in list(got.values())[1:])


def test_task2a_printed_numbers_go_with_another_bank_the_numbering_stays():
    f = np.array(examples.load("conv-filter").inputs["f"], dtype=float)
    f[1, 0, 1, 0] = 14
    got = notes(conv2d.solve_filter(f))
    assert list(got) == ["swap f[:,:,0,0]", "swap f[:,:,0,1]", "swap f[:,:,1,0]"]
    assert "numbers the matrices by position" in got["swap f[:,:,0,0]"]
    assert not any("24" in n or "prints" in n for n in got.values())


def test_task2a_no_numbering_note_when_the_swap_moves_no_matrix():
    assert notes(conv2d.solve_filter(np.ones((2, 2, 1, 3)))) == {}
    got = notes(conv2d.solve_filter(np.ones((2, 2, 3, 2))))      # 6 matrices, f₀ … f₅
    assert "f₀ … f₅" in got["swap f[:,:,0,0]"]
    assert "f₁ before the swap and f₃ after" in got["swap f[:,:,0,1]"]   # (0,1): 1 → 1·3 + 0


# -- Task 2b -------------------------------------------------------------------------------------
def test_task2b_floor_note_at_o_x_only():
    got = example_notes("conv-shape")
    assert set(got) == {"o_x"}      # 23/2 is not whole; (18 + 6 − 4)/2 = 10 is
    assert "The sheet prints (20 + 6 − 3)/2 + 1 = 12 without the floor" in got["o_x"]
    assert "23/2 = 11.5 is not whole" in got["o_x"]


def test_task2b_floor_note_whenever_the_division_is_not_whole():
    inp = examples.load("conv-shape").inputs
    assert notes(conv2d.solve_shape((21, 18, 5), inp["f_shape"], 2, 3)) == {}   # 24/2
    got = notes(conv2d.solve_shape((22, 19, 5), inp["f_shape"], 2, 3))
    assert set(got) == {"o_x", "o_y"}
    assert "prints" not in got["o_x"] and "25/2 = 12.5 is not whole" in got["o_x"]
    assert "21/2 = 10.5 is not whole" in got["o_y"]


# -- the steps CSV -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["fc", "conv-filter", "conv-shape", "lstm", "autodiff"])
def test_every_note_is_in_the_steps_csv_at_its_step(name):
    trace = examples.load(name).solve()
    rows = list(csv.DictReader(io.StringIO(export.steps_csv(trace.steps))))
    assert len(rows) == len(trace.steps)
    for row, s in zip(rows, trace.steps, strict=True):
        assert row["title"] == s.title and row["sheet_note"] == s.sheet_note
    assert any(row["sheet_note"] for row in rows)
