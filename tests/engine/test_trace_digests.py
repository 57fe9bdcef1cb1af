"""Every trace the engine builds is unchanged (see tests/engine/trace_digests.py): the net under
any refactoring of engine/. After a deliberate change to the traces, regenerate with
``.venv/bin/python -m tests.engine.trace_digests --update`` and say in the commit what changed."""

import dataclasses

import pytest

from engine.steps import Step
from tests.engine import trace_digests as td


def test_every_trace_matches_its_stored_digest():
    old = td.stored()
    names = []
    for name, kind, inputs, digits in td.cases():
        names.append(name)
        assert name in old, f"{name}: no stored digest; run python -m tests.engine.trace_digests " \
                            "--update and commit it"
        trace = td.build(name, kind, inputs, digits)
        problem = td.first_difference(name, old[name], td.digest(trace), trace)
        assert problem is None, problem
    assert sorted(names) == sorted(old), "stored digests of cases no longer built: " \
        + ", ".join(sorted(set(old) - set(names)))


@pytest.mark.parametrize("field", ["title", "formula", "substituted", "note", "result_text",
                                   "digits", "values", "reads", "writes", "result", "phase",
                                   "sheet_note"])
def test_a_change_to_any_step_field_is_found_and_located(field):
    name, kind, inputs, digits = next(c for c in td.cases() if c[0] == "example/fc")
    trace = td.build(name, kind, inputs, digits)
    want = td.digest(trace)
    s = trace.steps[5]
    new = {"title": "x", "formula": "x", "substituted": "x", "note": "x", "result_text": "x",
           "digits": 7, "values": (1.0,), "reads": (), "writes": (("dw", (0, 1)),),
           "result": 0.25, "phase": "forward", "sheet_note": "x"}[field]
    trace.steps[5] = dataclasses.replace(s, **{field: new})
    assert isinstance(trace.steps[5], Step)
    assert td.first_difference(name, want, td.digest(trace), trace).startswith(
        "example/fc: step 5 first differs")


def test_a_change_to_a_tensor_or_the_note_is_found():
    name, kind, inputs, digits = next(c for c in td.cases() if c[0] == "example/conv")
    trace = td.build(name, kind, inputs, digits)
    want = td.digest(trace)
    trace.tensors["dx"] = trace.tensors["dx"].copy()
    trace.tensors["dx"][0, 0, 0] += 1e-15
    assert td.first_difference(name, want, td.digest(trace)) == \
        "example/conv: tensor 'dx' differs (dtype, shape or bytes, or missing)"
    trace = td.build(name, kind, inputs, digits)
    trace.note = "changed"
    assert "note differs" in td.first_difference(name, want, td.digest(trace), trace)
