"""The examples as data, CSV export, and the command line (`main.py examples | export`)."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import examples, export

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("name", examples.NAMES)
def test_every_example_loads_and_solves(name):
    ex = examples.load(name)
    assert ex.name == name and ex.description.strip()
    trace = ex.solve()
    assert trace.tensors, name
    for arr in trace.tensors.values():
        assert np.isfinite(np.asarray(arr, dtype=float)).all()


@pytest.mark.parametrize("name", examples.NAMES)
def test_export_reads_back_bit_for_bit(name, tmp_path):
    out = tmp_path / f"{name}.csv"
    proc = run_cli("export", name, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    back = export.read_tensors_csv(out)
    want = examples.load(name).solve().tensors
    assert set(back) == set(want)
    for key, arr in want.items():
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim == 0:
            assert back[key].shape == ()
        np.testing.assert_array_equal(back[key].reshape(arr.shape), arr, err_msg=key)


def test_csv_format_header_and_index_column(tmp_path):
    out = tmp_path / "fc.csv"
    assert run_cli("export", "fc", "--out", str(out)).returncode == 0
    rows = [r for r in csv.reader(out.open()) if not export.is_comment(r)]
    assert rows[0] == ["tensor", "index", "value", "name"]
    assert ["dx", "0", "6.5", ""] in rows and ["dx", "1", "8.0", ""] in rows
    assert ["dw", "1,2", "2.0", ""] in rows


def test_steps_csv(tmp_path):
    out, steps = tmp_path / "t.csv", tmp_path / "s.csv"
    proc = run_cli("export", "fc", "--out", str(out), "--steps", str(steps))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(steps.open()))
    assert rows[0] == ["step", "phase", "title", "formula", "substituted", "result",
                       "writes", "note", "sheet_note"]
    assert rows[4][:3] == ["4", "backward", "δx₀"] and float(rows[4][5]) == 6.5


def test_steps_csv_digits(tmp_path):
    """--digits sets the formulas' precision; the result column keeps every digit."""
    rows = {}
    for digits in ("4", "8"):
        out, steps = tmp_path / f"t{digits}.csv", tmp_path / f"s{digits}.csv"
        proc = run_cli("export", "autodiff", "--out", str(out), "--steps", str(steps),
                       "--digits", digits)
        assert proc.returncode == 0, proc.stderr
        rows[digits] = list(csv.reader(steps.open()))
    title = "∂L/∂x1"
    four = next(r for r in rows["4"] if r[2] == title)
    eight = next(r for r in rows["8"] if r[2] == title)
    assert four[5] == eight[5]   # the same value, full precision
    assert float(four[5]) == pytest.approx(1.1814051, abs=1e-7)
    v2 = next(r[4] for r in rows["4"] if r[2] == "v̄2 (from v3)")
    v2_8 = next(r[4] for r in rows["8"] if r[2] == "v̄2 (from v3)")
    assert v2.startswith("1 · (-0.9093) = -0.9093 →")
    assert v2_8.startswith("1 · (-0.90929743) = -0.90929743 →")
    assert (tmp_path / "t4.csv").read_bytes() == (tmp_path / "t8.csv").read_bytes()


def test_examples_command_lists_every_example():
    proc = run_cli("examples")
    assert proc.returncode == 0, proc.stderr
    names = [line.split("\t")[0] for line in proc.stdout.splitlines()]
    assert names == list(examples.NAMES + examples.NETWORK_NAMES)
    assert all(len(line.split("\t")) == 2 for line in proc.stdout.splitlines())


@pytest.mark.parametrize(("args", "needle"), [
    (("export", "nope", "--out", "{tmp}/x.csv"), "unknown example 'nope'"),
    (("export", "fc", "--out", "{tmp}/missing/x.csv"), "does not exist"),
    (("export", "fc", "--out", "{tmp}/afile/x.csv"), "does not exist"),
    (("export", "fc", "--out", "{tmp}"), "is a folder"),
    (("export", "fc"), "--out"),
    (("export", "fc", "--out", "{tmp}/x.csv", "--digits", "0"), "--digits: expected a whole"),
    (("export", "fc", "--out", "{tmp}/x.csv", "--digits", "six"), "--digits: expected a whole"),
    (("bogus",), "invalid choice"),
    (("screenshot", "nope", "--out", "{tmp}/x.png"), "unknown example 'nope'"),
    (("screenshot", "fc", "--out", "{tmp}/x.png", "--digits", "99"), "--digits: expected"),
])
def test_cli_errors_are_one_line_without_traceback(args, needle, tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    proc = run_cli(*(a.format(tmp=tmp_path) for a in args))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.png").exists()


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ValueError, match="No space left"):
        export.write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize(("data", "needle"), [
    ([], "expected a JSON object"),
    ({"format": 2}, "format"),
    ({"format": 1, "name": "x", "kind": "fully_connected", "description": "d"}, "inputs"),
    ({"format": 1, "name": "x", "kind": "nope", "description": "d", "inputs": {}}, "unknown kind"),
])
def test_damaged_example_files_say_what_is_wrong(data, needle, tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=needle):
        examples.load_file(path)


def test_example_with_bad_inputs_fails_with_the_field_name():
    ex = examples.load("fc")
    bad = examples.Example(ex.name, ex.kind, ex.description, {**ex.inputs, "x": [1, 2, 3]})
    with pytest.raises(ValueError, match="^x: "):
        bad.solve()
    with pytest.raises(ValueError, match="^inputs: unknown input 'zz'; a fully_connected example "
                                         "takes x, W, b, δy$"):
        examples.solve("fully_connected", {**ex.inputs, "zz": 1})
    with pytest.raises(ValueError, match="^dy: δy is missing; a fully_connected example needs "
                                         "x, W, b, δy$"):
        examples.solve("fully_connected", {k: v for k, v in ex.inputs.items() if k != "dy"})


def test_a_failing_steps_file_leaves_no_tensors_file_either(tmp_path):
    out = tmp_path / "x.csv"
    proc = run_cli("export", "fc", "--out", str(out), "--steps", str(tmp_path / "no" / "s.csv"))
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "does not exist" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("steps", ["x.csv", "./x.csv"])
def test_steps_and_out_must_be_different_files(tmp_path, steps):
    proc = run_cli("export", "fc", "--out", str(tmp_path / "x.csv"), "--steps",
                   str(tmp_path / steps))
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        f"error: --steps: {tmp_path / steps} is the --out file too; give the step log its own "
        "file"]
    assert not (tmp_path / "x.csv").exists()


def test_empty_file_names_are_refused(tmp_path):
    proc = run_cli("export", "fc", "--out", "")
    assert proc.returncode != 0 and "--out: expected a file name" in proc.stderr


def test_write_files_atomic_writes_every_file_before_renaming_any(tmp_path, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("old a")
    export.write_files_atomic({a: "new a", b: b"new b"})
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    real = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(ValueError, match=r"b\.csv: cannot write \(No space left"):
        export.write_files_atomic({a: "newer a", b: "newer b"})
    # the first was already renamed into place; nothing temporary is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]
    assert b.read_text() == "new b"


def test_an_example_file_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "e.json"
    path.write_bytes(b'{"format": 1, "name": "\xff"}')
    with pytest.raises(ValueError, match=r"^e\.json, line 1: not UTF-8 text \(byte 23 is 0xff\)"):
        examples.load_file(path)


def test_examples_command_names_a_damaged_example_file(tmp_path):
    """A copy of the project whose avgpool.json is damaged: the others are still listed, the
    damaged one is named on stderr in one line, and the exit is non-zero."""
    import shutil

    copy = tmp_path / "proj"
    shutil.copytree(ROOT / "engine", copy / "engine")
    shutil.copytree(ROOT / "pnn_gui", copy / "pnn_gui")
    shutil.copytree(ROOT / "resources", copy / "resources")
    shutil.copy(ROOT / "main.py", copy / "main.py")
    (copy / "resources" / "examples" / "avgpool.json").write_text("{not json")
    proc = subprocess.run([sys.executable, str(copy / "main.py"), "examples"],
                          capture_output=True, text=True, cwd=copy, timeout=120)
    assert proc.returncode == 1
    names = [line.split("\t")[0] for line in proc.stdout.splitlines()]
    assert names == [n for n in examples.NAMES + examples.NETWORK_NAMES if n != "avgpool"]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "avgpool.json, line 1: not valid JSON" in lines[0]
