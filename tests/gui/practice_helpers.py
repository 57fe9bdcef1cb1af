"""What the practice tests share: a window in practice mode, typing answers into its tables as a
student would, and reading back what the pane shows."""

from __future__ import annotations

import numpy as np

from engine.steps import fmt
from pnn_gui import main_window as mw
from tests.gui.test_main_window import shown_window


def practising(qtbot, example: str | None = None, size=(1280, 800), **kwargs) -> mw.MainWindow:
    """A shown window (animations off), ``example`` loaded, practice mode on."""
    w = shown_window(qtbot, size, **kwargs)
    if example is not None:
        w.load_example(example)
    w.practice.set_on(True)
    return w


def tables(window):
    """Every answer table of the current panel's attempt."""
    return window.practice.pane.sheet().tables_all()


def group_of(window, name: str):
    """The answer group (heading, shape box, tables) of tensor ``name``."""
    sheet = window.practice.pane.sheet()
    return next(g for g in sheet.groups + sheet.optional_groups if g.names == (name,))


def choose_shape(window, name: str, shape: tuple[int, ...]) -> None:
    """Pick ``shape`` in the shape box of ``name``'s answer, as a student picks it in the list."""
    box = group_of(window, name).shape_box
    texts = [box.itemText(i) for i in range(box.count())]
    box.setCurrentIndex(texts.index("×".join(str(n) for n in shape)))


def type_answers(window, answers: dict[str, np.ndarray], digits: int = 6) -> None:
    """Type each value of ``answers`` ({tensor: array, NaN = leave blank}) into its cell, as
    Enter commits it (written with ``digits`` significant digits, as a student copies). An
    answer that may have several shapes gets the shape of its array chosen first, as a student
    chooses it before typing (an array of a shape not offered there is a test's error)."""
    att = window.practice.attempt()
    asked = {a.name for a in att.exercise.asked}
    for name, given in answers.items():
        if name not in asked:
            continue
        shape = np.shape(given)
        if len(att.shapes(name)) > 1 and (not att.shape_chosen(name)
                                          or att.answers[name].shape != shape):
            choose_shape(window, name, shape)
    for table in tables(window):
        for (r, c), (name, idx) in table.part.cells.items():
            if name in answers:
                given = np.asarray(answers[name], dtype=np.float64)
                if any(i >= n for i, n in zip(idx, given.shape, strict=True)):
                    continue            # a partial answer: the cells given only
                v = float(given[idx])
                if not np.isnan(v):
                    assert table.type_text(r, c, fmt(v, digits)), (name, idx)


def cell_of(window, name: str, index: tuple[int, ...]):
    """(table, row, col) of an answer cell."""
    for table in tables(window):
        for (r, c), cell in table.part.cells.items():
            if cell == (name, tuple(index)):
                return table, r, c
    raise AssertionError(f"no cell for {name}{index}")


def right_answers(window) -> dict[str, np.ndarray]:
    ex = window.practice.attempt().exercise
    return {a.name: ex.expected(a.name) for a in ex.asked}


def pane(window):
    return window.practice.pane
