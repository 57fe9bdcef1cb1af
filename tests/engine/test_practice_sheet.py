"""The printable sheet as Markdown: the number, the task, the inputs, empty answer tables, and with
the solution every step and the results."""

import re

import numpy as np
import pytest

from engine import examples
from engine.practice import exercise, from_inputs, sheet_markdown
from engine.practice.sheet import BLANK_CELL, MAX_COLUMNS


def _table_rows(markdown):
    return [line for line in markdown.splitlines() if line.startswith("|")
            and not line.startswith("|---")]


def _cells(row):
    return [c.strip() for c in row.strip("|").split(" | ")]


@pytest.mark.parametrize("name", examples.NAMES)
def test_an_empty_answer_cell_for_every_asked_cell(name):
    ex = exercise(name, 21)
    text = sheet_markdown(ex)
    assert text.startswith(f"# Exercise {name} · #21\n")
    assert f"python main.py check {name} --seed 21 --answers FILE.csv" in text
    blanks = text.count(BLANK_CELL)
    assert blanks == sum(int(np.prod(a.shape)) for a in ex.asked)
    for a in ex.asked:
        assert f"`{a.name}`" in text
    assert "## Solution" not in text


def test_the_fc_sheet_gives_the_inputs_and_asks_the_sheets_questions():
    text = sheet_markdown(exercise("fc"))
    assert "(a) Calculate the forward pass y." in text
    assert "(c) Calculate the weight updates ΔW = ∂L/∂W and Δb = ∂L/∂b." in text
    rows = _table_rows(text)
    assert "| **0** | 1 | 3 | 5 |" in rows and "| **1** | 2 | 4 | 6 |" in rows    # W
    assert "| **δy** | 0 | 0.5 | 1 |" in rows


def test_the_solution_has_every_step_numbered_as_check_numbers_them_and_the_results():
    ex = exercise("fc")
    text = sheet_markdown(ex, solution=True)
    steps = re.findall(r"^\*\*(\d+)\.\*\* (.*)$", text, flags=re.M)
    assert [int(n) for n, _ in steps] == list(range(1, len(ex.trace.steps) + 1))
    assert steps[3][1] == "δx₀ = Σₖ δyₖ·W₀ₖ = 0 · 1 + 0.5 · 3 + 1 · 5 = 6.5"
    assert steps[6][1] == "ΔW\\[0,1\\] = x₀·δy₁ = 1 · 0.5 = 0.5"     # [ ] escaped
    results = text.split("### Results")[1]
    assert "| **δx** · `dx` | 6.5 | 8 |" in results
    assert BLANK_CELL not in results


def test_the_solution_writes_numbers_with_the_digits_asked():
    ex = exercise("autodiff")
    four = sheet_markdown(ex, solution=True)
    six = sheet_markdown(ex, solution=True, digits=6)
    assert "| 1.181 |" in four.split("### Results")[1]
    assert "1.18141" in six.split("### Results")[1]


def test_autodiff_lists_the_nodes_as_the_sheet_numbers_them():
    text = sheet_markdown(exercise("autodiff"))
    rows = _table_rows(text)
    assert "| **2** | v2 = v0 · v1 | " + BLANK_CELL + " | " + BLANK_CELL + " |" in rows
    assert "| **4** | v4 = v3 + v2 + v0 | " + BLANK_CELL + " | " + BLANK_CELL + " |" in rows
    assert "L = cos(x1·x2) + x1·x2 + x1" in text


def test_the_lstm_sheet_stacks_the_parameters_in_one_table():
    text = sheet_markdown(exercise("lstm"))
    rows = _table_rows(text)
    assert "| **W\\_f** [0] | 0.5 | -0.3 |" in rows and "| **b\\_c** | 0.1 | -0.2 |" in rows
    assert "| **0 (t = 1)** | " + BLANK_CELL + " | " + BLANK_CELL + " |" in rows   # δc_1
    assert "| **ΔW\\_fc** · `dW_fc` [1] | " + BLANK_CELL + " | " + BLANK_CELL + " |" in rows


def test_wide_tables_are_cut_into_blocks_of_columns():
    n_out = 2 * MAX_COLUMNS + 3
    ex = from_inputs("fc", {"x": [1, 2], "w": np.ones((2, n_out)).tolist(),
                            "b": np.zeros(n_out).tolist(), "dy": np.ones(n_out).tolist()})
    text = sheet_markdown(ex, solution=True)
    widths = {len(_cells(row)) - 1 for row in _table_rows(text)}
    assert max(widths) == MAX_COLUMNS
    assert text.count(BLANK_CELL) == sum(int(np.prod(a.shape)) for a in ex.asked)


def test_text_from_elsewhere_cannot_become_markup():
    ex = from_inputs("autodiff", {"expression": "x_1*x_2 + x_1", "values": {"x_1": 1, "x_2": 2}})
    text = sheet_markdown(ex, solution=True)
    assert "v0 = x\\_1" in text and "L = x\\_1·x\\_2 + x\\_1" in text
