"""Checking answers: the tolerance, cells right and wrong, the first wrong cell in step order,
other shapes, and reading an answers file (every bad file named by its line)."""

import numpy as np
import pytest

from engine.practice import BLANK, RIGHT, WRONG, AnswersError, Tolerance, check, exercise
from engine.practice import answers as answers_csv


def _blank(shape):
    return np.full(shape, np.nan)


# ---------------------------------------------------------------------------------------------
# Tolerance


def test_tolerance_is_relative_1e_3():
    tol = Tolerance()
    exact = np.array([6.5, 0.0907025731, -1000.0])
    assert tol.close(exact * (1 + 0.99e-3), exact).all()
    assert not tol.close(exact * (1 + 1.01e-3), exact).any()


def test_tolerance_is_the_precision_shown_when_that_is_looser():
    """With 2 digits shown, 1.1814 is shown as 1.2: 1.2 and 1.15 are right (half a unit in the
    2nd digit is 0.05), 1.1 is not; with 4 digits only 0.1 % is allowed."""
    exact = np.array([1.1814051463486366])
    two = Tolerance(digits=2)
    assert two.close([1.2], exact).all() and two.close([1.15], exact).all()
    assert not two.close([1.1], exact).all()
    assert not Tolerance().close([1.18], exact).all()          # 0.12 % off
    assert Tolerance().close([1.181], exact).all()
    # a value copied from the screen is right at any precision
    for digits in range(1, 8):
        shown = float(f"{exact[0]:.{digits}g}")
        assert Tolerance(digits=digits).close([shown], exact).all(), digits


def test_zero_is_answered_by_zero_and_nothing_else():
    tol = Tolerance()
    assert tol.close([0.0, 0.0], np.array([0.0, 3e-17])).all()
    assert not tol.close([1e-4], np.array([0.0])).all()
    assert not tol.close([np.nan], np.array([0.0])).all()


def test_tolerance_says_itself_in_words():
    assert str(Tolerance()) == ("right within 0.1% of the exact value, or half a unit in its 4th "
                                "significant digit if that is more (0 within 1e-9)")
    assert "3rd significant digit" in str(Tolerance(digits=3))


def test_a_size_is_right_only_when_exact():
    """Task 2b: 1338 output channels for 1337 is wrong, though within 0.1 %; the line says the
    rule for sizes, not the 0.1 % one."""
    ex = exercise("conv-shape")                     # [12, 11, 1337]
    result = check(ex, {"output_shape": np.array([12.0, 11.0, 1338.0])})
    t = result.tensor("output_shape")
    np.testing.assert_array_equal(t.cells, [RIGHT, RIGHT, WRONG])
    assert result.lines() == [
        "output_shape: 1 of 3 wrong, first output_shape[2] = 1338, expected 1337 (step "
        f"{result.first_wrong.step})",
        "tolerance: a size (a number of rows, columns or channels) is right only when exact"]
    assert check(ex, {"output_shape": np.array([12.0, 11.0, 1337.0])}).all_correct
    assert not Tolerance().close([12.004], np.array([12.0]), size=True).all()
    assert Tolerance().close([12.004], np.array([12.0])).all()       # not a size: 0.03 %


# ---------------------------------------------------------------------------------------------
# Verdicts


def test_right_answers_are_correct():
    ex = exercise("fc")
    result = check(ex, {a.name: ex.expected(a.name) for a in ex.asked})
    assert result.all_correct and result.mistakes == () and result.first_wrong is None
    assert result.lines() == ["y: correct", "dx: correct", "dw: correct", "db: correct"]
    assert [t.summary() for t in result.tensors] == ["y 3/3", "δx 2/2", "ΔW 6/6", "Δb 3/3"]


def test_the_sheets_misprinted_dx_is_wrong_at_its_first_cell_and_step():
    """Task 1's printed δx = 6.58 (for [6.5, 8]): δx₀ is step 4 of the worked solution."""
    ex = exercise("fc")
    result = check(ex, {"dx": np.array([6.58, 8.0])})
    t = result.tensor("dx")
    assert (t.answered, t.right, t.wrong) == (2, 1, 1)
    np.testing.assert_array_equal(t.cells, [WRONG, RIGHT])
    first = result.first_wrong
    assert (first.tensor, first.index, first.given, first.expected, first.step) == \
        ("dx", (0,), 6.58, 6.5, 4)
    assert ex.trace.steps[first.step - 1].title == "δx₀"
    assert result.lines()[0] == "dx: 1 of 2 wrong, first dx[0] = 6.58, expected 6.5 (step 4)"
    assert result.lines()[-1].startswith("tolerance: right within 0.1%")


def test_partial_answers_count_only_the_cells_given():
    ex = exercise("fc")
    dw = _blank((2, 3))
    dw[0, 1], dw[1, 2] = 0.3, 2.0
    result = check(ex, {"dw": dw, "db": _blank(3)})
    assert [t.name for t in result.tensors] == ["dw"]          # db: nothing answered
    t = result.tensor("dw")
    assert (t.answered, t.right, t.size) == (2, 1, 6)
    assert t.cells[0, 0] == BLANK and not t.complete
    assert result.lines()[0] == ("dw: 1 of 2 wrong (2 of 6 cells answered), first dw[0,1] = 0.3, "
                                 "expected 0.5 (step 7)")
    right_only = check(ex, {"dx": np.array([6.5, np.nan])})
    assert right_only.all_correct
    assert right_only.lines() == ["dx: correct so far (1 of 2 cells answered)"]


def test_the_first_wrong_cell_is_first_in_step_order_across_tensors():
    """ΔW[1,2] (step 11) is wrong and δx₁ (step 5) is wrong: the first is δx₁; within a
    tensor, the cell its steps finish first."""
    ex = exercise("fc")
    dw = ex.expected("dw").copy()
    dw[1, 2] = 9
    dw[1, 0] = 9
    dx = np.array([6.5, 9.0])
    result = check(ex, {"dw": dw, "dx": dx})
    assert (result.first_wrong.tensor, result.first_wrong.index, result.first_wrong.step) == \
        ("dx", (1,), 5)
    assert result.tensor("dw").first_wrong.index == (1, 0)
    assert result.tensor("dw").first_wrong.step == 9


def test_the_step_of_an_accumulated_cell_is_the_one_that_finishes_it():
    """Average pooling, stride 1: δx starts at 0, then δx[1,1] receives four shares (+=); the
    step of the last one gives it its value."""
    ex = exercise("avgpool")
    writers = [n for n, s in enumerate(ex.trace.steps, 1) if ("dx", (1, 1, 0)) in s.writes]
    assert len(writers) == 1 + 4
    dx = _blank((4, 4, 1))
    dx[1, 1, 0] = 0
    assert check(ex, {"dx": dx}).first_wrong.step == writers[-1]


def test_an_answer_of_another_accepted_shape_is_answered_and_wrong():
    ex = exercise("fc")
    result = check(ex, {"dw": ex.expected("dw").T})
    t = result.tensor("dw")
    assert (t.answered, t.right, t.given_shape) == (6, 0, (3, 2))
    assert result.first_wrong.expected is None and result.first_wrong.step == 6
    assert result.lines()[0] == "dw: 6 of 6 wrong, given as 3×2 but ΔW is 2×3 (step 6)"
    assert [d.id for d in result.mistakes] == ["fc.dw-transposed"]
    assert result.lines()[1] == ("mistake: fc.dw-transposed — Your ΔW is the transpose of the "
                                 "right one: ΔW = xᵀ·δy (2×3, a row per input, like W), not "
                                 "δyᵀ·x (3×2).")


def test_an_answer_matching_no_mistake_is_only_wrong():
    ex = exercise("lstm")
    dc = ex.expected("dc") + 0.01
    result = check(ex, {"dc": dc})
    assert result.mistakes == () and not result.all_correct
    assert result.first_wrong.index == (2, 0)      # δc_T is computed first (BPTT)


@pytest.mark.parametrize(("answers", "message"), [
    ({"x": np.zeros(2)}, "x: not asked by fc; its answers are y, dx, dw, db"),
    ({"dw": np.zeros((4, 4))}, "dw: an answer of shape 4×4; ΔW is 2×3"),
])
def test_check_refuses_what_is_not_an_answer(answers, message):
    with pytest.raises(ValueError, match=message):
        check(exercise("fc"), answers)


def test_checking_the_same_exercise_again_reuses_its_solution_and_simulations():
    ex = exercise("lstm", 3)
    check(ex, {"dc": np.zeros((3, 2))})
    trace, sims = ex.trace, ex.simulations
    check(ex, {"dc": np.ones((3, 2))})
    assert ex.trace is trace and ex.simulations is sims


# ---------------------------------------------------------------------------------------------
# Reading an answers file


def _parse(text, name="fc", seed=None):
    return answers_csv.parse(text, exercise(name, seed), "a.csv")


def test_reads_the_export_format_and_the_lenient_forms():
    got = _parse('tensor,index,value\n\ndx,0,6.5\ndw,"0,1",0.5\ndw,1,2,−2\ndb,[2],\n'
                 'y, 1 , 1e1\n')
    np.testing.assert_array_equal(got["dx"], [6.5, np.nan])
    assert got["dw"][0, 1] == 0.5 and got["dw"][1, 2] == -2 and np.isnan(got["dw"][0, 0])
    assert "db" not in got                   # an empty value leaves the cell blank
    assert got["y"][1] == 10


def test_reads_a_byte_order_mark_and_windows_line_ends(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("\ufefftensor,index,value\r\ndx,0,6.5\r\n".encode())
    assert answers_csv.read_file(path, exercise("fc"))["dx"][0] == 6.5


def test_a_transposed_answer_is_read_in_its_shape():
    got = _parse('tensor,index,value\ndw,"2,0",1\ndw,"1,1",1\n')
    assert got["dw"].shape == (3, 2)


@pytest.mark.parametrize(("text", "line", "message"), [
    ("", None, "a.csv: the file is empty"),
    (" \n\t\n", None, "a.csv: the file is blank"),
    (",,\n,\n", 1, "a.csv: no header: the file holds only empty fields"),
    ("dx,0,6.5\n", 1, "a.csv, line 1: no header: the first line must be tensor,index,value, "
                      "got 'dx,0,6.5'"),
    ("tensor,index,value\n", 1, "a.csv: no answers after the header"),
    ("tensor,index,value\nz,0,1\n", 2, "a.csv, line 2: unknown tensor 'z'; the answers of fc "
                                      "are y, dx, dw, db"),
    ("tensor,index,value\nx,0,1\n", 1, "a.csv: no answers after the header \\(line 1\\)"),
    ("tensor,index,value\ndW,\"0,0\",1\n", 2, "unknown tensor 'dW' \\(did you mean dw\\?\\)"),
    ("tensor,index,value\n\ndx,2,1\n", 3, "a.csv, line 3: dx\\[2\\] is out of range: dx is 2 "
                                         "\\(indices 0–1\\)"),
    ("tensor,index,value\ndw,\"0,3\",1\n", 2, "dw\\[0,3\\] is out of range: dw is 2×3"),
    ("tensor,index,value\ndw,\"0,2\",1\ndw,\"2,0\",1\n", 3,
     "a.csv, line 3: dw\\[2,0\\] is out of range: dw is 2×3, and the file's other dw cells do "
     "not fit 3×2 either"),
    ("tensor,index,value\ndw,0,1\n", 2, "index '0' of dw: expected 2 whole numbers separated by "
                                       "commas, e.g. 0,0"),
    ("tensor,index,value\ndx,a,1\n", 2, "index 'a' of dx: expected 1 whole number"),
    ("tensor,index,value\ndx,0,abc\n", 2, "a.csv, line 2: dx\\[0\\]: 'abc' is not a number"),
    ("tensor,index,value\ndx,0,nan\n", 2, "'nan' is not a number"),
    ("tensor,index,value\ndx,0,inf\n", 2, "'inf' is not a number"),
    ("tensor,index,value\ndx,0,1\ndx,0,2\n", 3, "dx\\[0\\] is given twice \\(first on line 2\\)"),
    ("tensor,index,value\ndx,0\n", 2, "expected tensor,index,value, got 2 fields"),
])
def test_every_bad_file_says_which_line_and_what(text, line, message):
    with pytest.raises(AnswersError, match=message) as info:
        _parse(text)
    assert info.value.line == line
    assert "\n" not in str(info.value)


def test_an_unreadable_file_says_so(tmp_path):
    with pytest.raises(AnswersError, match="cannot read"):
        answers_csv.read_file(tmp_path / "missing.csv", exercise("fc"))
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"tensor,index,value\ndx,0,\xe9\n")
    with pytest.raises(AnswersError, match="not UTF-8 text"):
        answers_csv.read_file(bad, exercise("fc"))
