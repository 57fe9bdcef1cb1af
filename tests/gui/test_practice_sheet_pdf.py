"""Printable sheets as PDF (pnn_gui/sheet_pdf.py): A4 pages, every line of the Markdown printed
and readable (escapes undone, the symbols in the font), no table cut by a page break, and the
`sheet` command and save_sheet in both formats."""

import re

import pytest
from PySide6 import QtCore, QtGui

from engine import examples
from engine.practice import exercise, sheet_markdown
from pnn_gui import cli
from pnn_gui.sheet_pdf import FONT_FAMILY, RESOLUTION, save_sheet, tables, typeset

pytestmark = pytest.mark.gui


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _typeset(markdown):
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buffer)
    sheet = typeset(markdown, writer)
    return sheet, writer


def test_the_font_has_the_sheets_symbols(qapp):
    raw = QtGui.QRawFont.fromFont(QtGui.QFont(FONT_FAMILY, 10))
    for ch in "δΔΣ⊙ᵀ∂∇σ·×−₀₁ᵢ⌊⌋":
        assert raw.supportsCharacter(ord(ch)), f"{FONT_FAMILY} has no {ch!r}"


@pytest.mark.parametrize("name", examples.NAMES)
def test_every_line_is_laid_out_and_no_table_is_cut_by_a_page_break(qapp, name):
    """(Before the document was laid out again after styling, Qt left some paragraphs without
    lines: they were not printed.)"""
    sheet, _writer = _typeset(sheet_markdown(exercise(name, 3), solution=True))
    doc = sheet.document
    block = doc.begin()
    while block.isValid():
        if block.text().strip():
            assert block.layout().lineCount() > 0, block.text()
        block = block.next()
    height = sheet.page.height()
    for table in tables(doc):
        rect = doc.documentLayout().frameBoundingRect(table)
        assert rect.height() < height
        assert int(rect.top() // height) == int((rect.bottom() - 1) // height), \
            doc.findBlock(table.firstPosition()).text()


def test_the_printed_text_is_the_worked_solution_with_the_escapes_undone(qapp):
    ex = exercise("fc")
    sheet, _writer = _typeset(sheet_markdown(ex, solution=True))
    text = sheet.document.toPlainText()
    for step in ex.trace.steps:
        assert step.text in text
    assert "ΔW[0,1] = x₀·δy₁ = 1 · 0.5 = 0.5" in text and "\\[" not in text


def _cell_text(doc, table, row, column):
    cell = table.cellAt(row, column)
    cursor = QtGui.QTextCursor(doc)
    cursor.setPosition(cell.firstCursorPosition().position())
    cursor.setPosition(cell.lastCursorPosition().position(), QtGui.QTextCursor.MoveMode.KeepAnchor)
    return cursor.selectedText()


def test_blank_answer_cells_are_tall_enough_to_write_in(qapp):
    sheet, _writer = _typeset(sheet_markdown(exercise("fc")))
    doc = sheet.document
    layout = doc.documentLayout()
    by_label = {_cell_text(doc, t, 1, 0): t for t in tables(doc) if t.rows() == 2}
    given, answer = by_label["δy"], by_label["y · y"]     # [0, 0.5, 1] and the empty y
    taller = layout.frameBoundingRect(answer).height() - layout.frameBoundingRect(given).height()
    assert taller >= 3 / 25.4 * RESOLUTION          # at least 3 mm more room in the row


def test_save_sheet_writes_pdf_and_markdown(qapp, tmp_path):
    ex = exercise("lstm", 8)
    save_sheet(ex, tmp_path / "s.pdf")
    save_sheet(ex, tmp_path / "s.PDF", solution=True)
    save_sheet(ex, tmp_path / "s.md", solution=True)
    pdf = (tmp_path / "s.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/MediaBox [0 0 595" in pdf   # A4: 595 × 842 pt
    assert 1 <= _pages(pdf) < _pages((tmp_path / "s.PDF").read_bytes())
    assert (tmp_path / "s.md").read_text(encoding="utf-8") == \
        sheet_markdown(ex, solution=True)
    with pytest.raises(ValueError, match="s.docx: a sheet is written as FILE.md"):
        save_sheet(ex, tmp_path / "s.docx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.PDF", "s.md", "s.pdf"]


@pytest.mark.parametrize("name", examples.NAMES)
def test_sheet_command_writes_a_pdf(qapp, tmp_path, capsys, name):
    out = tmp_path / f"{name}.pdf"
    assert cli.main(["sheet", name, "--seed", "11", "--out", str(out), "--solution"]) == 0
    assert capsys.readouterr() == ("", "")
    assert out.read_bytes().startswith(b"%PDF") and _pages(out.read_bytes()) >= 1
