"""The engine writes its symbols one way (issue 11 item 2): time subscripts as subscripts (cₜ₋₁,
never c_t−1 or c_{t+1}), the output sizes as the sheet names them (o_x, o_y), every Σ with its
indices under it, and u_t = o_t ⊙ c_t defined where δu appears. Checked over every trace the
digest net builds (every example, every layer's coarsened forms) and the practice engine's
words (the sheet it prints, the mistakes it explains)."""

import re

import pytest

from engine import practice
from engine.practice import mistakes
from engine.practice.sheet import sheet_markdown
from engine.steps import sub
from tests.engine import trace_digests as td

#: ASCII subscripts: x_{t+1}, c_(t−1), h_t
ASCII_SUBSCRIPT = re.compile(r"_\{|_\(|_t\b")
#: the letters Unicode has as subscripts (a Σ's indices are written with them)
SUBSCRIPT_LETTERS = "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"


def _traces():
    for name, kind, inputs, digits in td.cases():
        yield name, td.build(name, kind, inputs, digits)


TRACES = dict(_traces())


def _texts(trace):
    yield "note", trace.note
    for s in trace.steps:
        for field in ("title", "formula", "substituted", "text", "note", "sheet_note"):
            yield f"{s.title}: {field}", getattr(s, field)


def _bad_symbols(text: str) -> list[str]:
    bad = ASCII_SUBSCRIPT.findall(text)
    bad += [w for w in ("o_rows", "o_cols") if w in text]
    bad += [f"Σ{after}" for after in re.findall(r"Σ(.?)", text) if after not in SUBSCRIPT_LETTERS
            or not after]
    return bad


@pytest.mark.parametrize("name", sorted(TRACES))
def test_every_trace_writes_its_symbols_one_way(name):
    for where, text in _texts(TRACES[name]):
        assert not _bad_symbols(text), f"{name}, {where}: {_bad_symbols(text)} in {text!r}"


def test_du_is_defined_where_it_appears():
    for name in ("example/lstm", "lstm/vector-element", "lstm/T1"):
        du = [s for s in TRACES[name].steps if s.writes and s.writes[0][0] == "du"]
        assert du, name
        for s in du:
            t = sub(s.writes[0][1][0] + 1)
            assert f"u{t} = o{t} ⊙ c{t}, h{t} = tanh(u{t}): δu{t}" in s.formula, s.formula


@pytest.mark.parametrize("name", ["lstm", "conv-shape", "conv", "fc", "autodiff"])
def test_the_practice_sheet_and_mistakes_write_symbols_one_way(name):
    ex = practice.exercise(name, 3)
    texts = [sheet_markdown(ex, solution=True)]
    texts += [m.what for m in mistakes.for_kind(ex.kind)]
    texts += [sim.explanation for sim in mistakes.simulate(ex)]
    for text in texts:
        assert not _bad_symbols(text.replace("\\_", "_")), text
