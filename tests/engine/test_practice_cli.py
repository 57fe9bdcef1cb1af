"""`python main.py check | sheet (Markdown) | export --seed`: output lines, exit codes 0/1/2, one
line on stderr for anything bad, no traceback. (The PDF sheet: tests/gui/test_practice_sheet_pdf.)

Most run `cli.main` in this process (fast); one runs main.py as a user does."""

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import examples, export
from engine.practice import exercise
from pnn_gui import cli

ROOT = Path(__file__).resolve().parents[2]


def _run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _write_answers(path, tensors):
    path.write_text(export.tensors_csv(tensors), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", examples.NAMES)
@pytest.mark.parametrize("seed", [None, 314])
def test_right_answers_exit_0_with_a_correct_line_per_tensor(name, seed, tmp_path, capsys):
    ex = exercise(name, seed)
    answers = _write_answers(tmp_path / "a.csv", {a.name: ex.expected(a.name) for a in ex.asked})
    args = ["check", name, "--answers", answers] + ([] if seed is None else ["--seed", seed])
    code, out, err = _run(capsys, *args)
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{a.name}: correct" for a in ex.asked]


def test_an_exported_exercise_is_checked_right(tmp_path, capsys):
    """What `export --seed` writes, cut down to the answers (the name column and the settings
    dropped too), passes `check --seed`."""
    out = tmp_path / "ex.csv"
    assert _run(capsys, "export", "conv", "--seed", 99, "--out", out)[0] == 0
    rows = [r for r in csv.reader(out.open(encoding="utf-8")) if not export.is_comment(r)]
    asked = {a.name for a in exercise("conv").asked}
    answers = tmp_path / "a.csv"
    with answers.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([r[:3] for r in rows if r[0] in asked | {"tensor"}])
    assert _run(capsys, "check", "conv", "--seed", 99, "--answers", answers)[:2] == \
        (0, "".join(f"{n}: correct\n" for n in ("y", "f_back", "dx", "df", "db")))
    # and the example's answers are wrong for exercise #99
    code, text, _ = _run(capsys, "check", "conv", "--answers", answers)
    assert code == 1 and "wrong, first" in text


def test_export_seed_writes_exercise_n(tmp_path, capsys):
    out, steps = tmp_path / "t.csv", tmp_path / "s.csv"
    assert _run(capsys, "export", "fc", "--seed", 4711, "--out", out, "--steps", steps)[0] == 0
    back = export.read_tensors_csv(out)
    np.testing.assert_array_equal(back["x"], [-1, -2])
    np.testing.assert_array_equal(back["dw"], exercise("fc", 4711).expected("dw"))
    assert len(list(csv.reader(steps.open(encoding="utf-8")))) == 1 + 14


def test_wrong_answers_exit_1_with_the_first_wrong_cell_and_the_mistake(tmp_path, capsys):
    ex = exercise("fc")
    dw = ex.expected("dw")
    answers = _write_answers(tmp_path / "a.csv", {"dx": ex.expected("dx"), "dw": dw.T})
    code, out, err = _run(capsys, "check", "fc", "--answers", answers)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "dx: correct",
        "dw: 6 of 6 wrong, given as 3×2 but ΔW is 2×3 (step 6)",
        "mistake: fc.dw-transposed — Your ΔW is the transpose of the right one: ΔW = xᵀ·δy "
        "(2×3, a row per input, like W), not δyᵀ·x (3×2).",
        "tolerance: right within 0.1% of the exact value, or half a unit in its 4th significant "
        "digit if that is more (0 within 1e-9)",
    ]


def test_the_issues_example_line(tmp_path, capsys):
    answers = tmp_path / "a.csv"
    answers.write_text('tensor,index,value\ndw,"0,0",0\ndw,"0,1",0.3\ndw,"0,2",1\n'
                       'dw,"1,0",0\ndw,"1,1",1\ndw,"1,2",7\n', encoding="utf-8")
    code, out, _ = _run(capsys, "check", "fc", "--answers", answers)
    assert code == 1
    assert out.splitlines()[0] == "dw: 2 of 6 wrong, first dw[0,1] = 0.3, expected 0.5 (step 7)"


def test_digits_loosens_the_tolerance_to_the_precision_worked_with(tmp_path, capsys):
    answers = tmp_path / "a.csv"
    answers.write_text("tensor,index,value\ngradient,0,1.18\ngradient,1,0.0907\n",
                       encoding="utf-8")
    code, out, _ = _run(capsys, "check", "autodiff", "--answers", answers)
    assert code == 1 and out.startswith("gradient: 1 of 2 wrong, first gradient[0] = 1.18, "
                                        "expected 1.181 (step 13)")
    assert _run(capsys, "check", "autodiff", "--answers", answers, "--digits", 3)[:2] == \
        (0, "gradient: correct\n")


@pytest.mark.parametrize(("content", "needle"), [
    ("", "a.csv: the file is empty"),
    ("dx,0,6.5\n", "a.csv, line 1: no header"),
    ("tensor,index,value\nz,0,1\n", "a.csv, line 2: unknown tensor 'z'"),
    ("tensor,index,value\ndx,5,1\n", "a.csv, line 2: dx[5] is out of range"),
    ("tensor,index,value\ndx,0,six\n", "a.csv, line 2: dx[0]: 'six' is not a number"),
    ("tensor,index,value\n", "a.csv: no answers after the header (line 1)"),
    (b"tensor,index,value\ndx,0,\xff\n", "a.csv, line 2: not UTF-8 text"),
])
def test_every_bad_answers_file_exits_2_with_one_line(content, needle, tmp_path, capsys,
                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, out, err = _run(capsys, "check", "fc", "--answers", "a.csv")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("error: ") and needle in err, err


@pytest.mark.parametrize(("args", "needle"), [
    (["check", "fc"], "the following arguments are required: --answers"),
    (["check", "nope", "--answers", "a.csv"], "unknown example 'nope'"),
    (["check", "fc", "--seed", "-1", "--answers", "a.csv"], "--seed: expected a whole number"),
    (["check", "fc", "--seed", "x", "--answers", "a.csv"], "--seed: expected a whole number"),
    (["check", "fc", "--answers", "missing.csv"], "missing.csv: cannot read"),
    (["check", "fc", "--answers", "a.csv", "--digits", "0"], "--digits: expected a whole"),
    (["export", "fc", "--seed", "1.5", "--out", "x.csv"], "--seed: expected a whole number"),
    (["sheet", "fc", "--out", "sheet.txt"], "sheet.txt: a sheet is written as FILE.md"),
    (["sheet", "fc", "--out", "no/such/folder/s.md"], "folder no/such/folder does not exist"),
    (["sheet", "fc", "--out", " "], "--out: expected a file name"),
])
def test_bad_arguments_exit_2_with_one_line(args, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and needle in err, err
    assert not (tmp_path / "sheet.txt").exists()


def test_sheet_markdown(tmp_path, capsys):
    out = tmp_path / "s.md"
    assert _run(capsys, "sheet", "maxpool", "--seed", 5, "--out", out)[:3] == (0, "", "")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Exercise maxpool · #5\n") and "## Solution" not in text
    assert _run(capsys, "sheet", "maxpool", "--seed", 5, "--out", out, "--solution")[0] == 0
    assert "## Solution" in out.read_text(encoding="utf-8")


def test_main_py_check_as_a_user_runs_it(tmp_path):
    answers = tmp_path / "a.csv"
    answers.write_text("tensor,index,value\ndx,0,6.5\ndx,1,8\ndb,2,x\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "check", "fc", "--answers",
                           str(answers)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: {answers}, line 4: db[2]: 'x' is not a number\n"
