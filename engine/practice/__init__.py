"""Practice: the student computes, the engine checks, finds the first wrong step and names the
classic mistake. Qt-free; the app's practice mode and the command line (``check``, ``sheet``,
``export --seed``) are built on it.

Invariants:

* An :class:`Exercise` is an example's task on fixed numbers: the example's own
  (``exercise(name)``), fresh ones from a seed (``exercise(name, seed)``: the same seed gives the
  same numbers on every machine) or the student's (``from_inputs(name, inputs)``). It is
  immutable; its worked solution (``trace``), the tensors it asks for (``asked``) and the
  catalogue's mistakes simulated on it (``simulations``) are computed on first use and kept, so
  check as often as you like against one Exercise object. Build a new one when the inputs change.
* Answers are ``{tensor name: array}`` with NaN for a blank cell, named and indexed as
  ``export`` writes the tensors (``dw[0, 1]`` is ΔW[0,1]); any subset of the asked tensors and of
  their cells. :func:`check` never raises for a wrong answer, only (``ValueError``) for a name
  that is not asked or an array of a shape that is neither the tensor's nor one of its
  ``other_shapes``.
* Right means within the :class:`Tolerance` (0.1 %, or the precision shown when looser; say
  ``str(tolerance)`` on screen). Mistake ids (:data:`CATALOGUE`) are an interface: never renamed.

The API, as the app's practice mode uses it::

    from engine import practice

    ex = practice.exercise("fc", seed=4711)       # "New exercise" (practice.new_seed() draws one)
    ex.title                                      # "Exercise fc · #4711"
    ex.inputs                                     # the panel's input tables
    for a in ex.asked:                            # one empty answer table each
        a.name, a.symbol, a.shape, a.required     # "dw", "ΔW", (2, 3), True
    result = practice.check(ex, {"dw": table})    # Check (Ctrl+Enter): NaN = blank cell
    t = result.tensor("dw")
    t.cells                                       # per cell RIGHT / WRONG / BLANK: green / red
    t.summary()                                   # "ΔW 4/6" for the summary bar
    result.first_wrong                            # WrongCell: .tensor, .index, .given,
                                                  #   .expected, .step (1-based): select it;
    ex.trace.steps[: result.first_wrong.step]     #   "Show the step where I went wrong"
    for d in result.mistakes:                     # recognised mistakes
        d.id, d.explanation, d.tensors            # "fc.dw-transposed", "Your ΔW is …", ("dw",)
    str(result.tolerance)                         # the rule, in words, for the screen
    practice.check(ex, answers, practice.Tolerance(digits=3))   # View → Precision = 3 digits

A score (right at the first check / revealed) is the panel's to keep: ``result.tensors`` tells
which tensors are right. The printable sheet: :func:`sheet_markdown`; the PDF is
``pnn_gui.sheet_pdf.save_sheet``.

Modules: :mod:`~engine.practice.exercises` (what is asked, fresh numbers),
:mod:`~engine.practice.checking` (the verdict), :mod:`~engine.practice.mistakes` (the catalogue,
simulated whole), :mod:`~engine.practice.by_hand` (the LSTM and autodiff recursions term by
term, for mistakes that drop a term), :mod:`~engine.practice.answers` (reading a CSV of answers),
:mod:`~engine.practice.tolerance`, :mod:`~engine.practice.sheet` (the sheet as Markdown).
"""

from engine.practice.answers import AnswersError
from engine.practice.checking import (
    BLANK,
    RIGHT,
    WRONG,
    CheckResult,
    Diagnosis,
    TensorCheck,
    WrongCell,
    check,
)
from engine.practice.exercises import Asked, Exercise, exercise, from_inputs, new_seed
from engine.practice.mistakes import CATALOGUE, Mistake, distinguishable
from engine.practice.sheet import sheet_markdown
from engine.practice.tolerance import Tolerance

__all__ = [
    "BLANK", "CATALOGUE", "RIGHT", "WRONG", "AnswersError", "Asked", "CheckResult", "Diagnosis",
    "Exercise", "Mistake", "TensorCheck", "Tolerance", "WrongCell", "check", "distinguishable",
    "exercise", "from_inputs", "new_seed", "sheet_markdown",
]
