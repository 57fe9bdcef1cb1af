"""Exercise sheets as files: the engine's Markdown as it is, or typeset to PDF by Qt itself.

Invariants:

* :func:`save_sheet` is the one call for "File → Export exercise sheet…" and for ``python
  main.py sheet``: the file's suffix picks the format (``.md``: the Markdown of
  :func:`engine.practice.sheet_markdown`; ``.pdf``: that Markdown typeset by QTextDocument onto
  A4 pages by QPdfWriter, no other dependency). The file is written atomically; a bad path or
  suffix raises ``ValueError`` with one line.
* The PDF is the Markdown, styled: tables get thin ruled borders and room to write in their
  empty cells; the text font is one with δ Σ ⊙ ᵀ ∂ (DejaVu Sans, else Qt's fallback). Tables are
  at most :data:`engine.practice.sheet.MAX_COLUMNS` value columns wide, so they fit the page.
* Qt is imported only to write a PDF: writing Markdown needs no Qt. Without a running
  application (the command line) a QGuiApplication is made, offscreen when there is no display.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.export import write_atomic, write_bytes_atomic
from engine.practice import Exercise, sheet_markdown
from engine.practice.sheet import BLANK_CELL
from engine.steps import DEFAULT_DIGITS

#: The sheet's page: A4, these margins (mm), this text font and size (pt).
MARGIN_MM = 18
FONT_FAMILY = "DejaVu Sans"
FONT_POINTS = 10
#: Width of a value column (mm): room for "-0.1234" or a hand.
CELL_MM = 16
#: Padding above and below an empty answer cell (mm): a row about 1 cm high, to write in.
BLANK_PADDING_MM = 3
#: The page number's line at the foot of the page (mm), and the PDF's resolution (dpi).
FOOTER_MM = 8
RESOLUTION = 300
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".pdf": "pdf"}


def save_sheet(ex: Exercise, path: str | Path, *, solution: bool = False,
               digits: int = DEFAULT_DIGITS) -> None:
    """Write the exercise sheet of ``ex`` to ``path`` (``.md`` or ``.pdf``); with ``solution``,
    the worked solution and the results too, numbers with ``digits`` significant digits."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        got = f"{path.suffix!r}" if path.suffix else "no suffix"
        raise ValueError(f"{path.name}: a sheet is written as FILE.md (Markdown) or FILE.pdf, "
                         f"got {got}")
    markdown = sheet_markdown(ex, solution=solution, digits=digits)
    if kind == "markdown":
        write_atomic(path, markdown)
    else:
        title = ex.title + (" — solution" if solution else "")
        write_bytes_atomic(path, pdf_bytes(markdown, title))


def pdf_bytes(markdown: str, title: str = "") -> bytes:
    """``markdown`` typeset on A4 pages as a PDF document (its bytes), a page number at the
    foot of each page."""
    from PySide6 import QtCore, QtGui

    _ensure_gui_application()
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("pnn-gui")
    sheet = typeset(markdown, writer)
    painter = QtGui.QPainter(writer)
    painter.setFont(QtGui.QFont(FONT_FAMILY, FONT_POINTS - 1))
    for number in range(sheet.pages):
        if number:
            writer.newPage()
        sheet.paint_page(painter, number)
        painter.drawText(QtCore.QRectF(0, sheet.page.height(), sheet.page.width(), sheet.footer),
                         int(QtCore.Qt.AlignmentFlag.AlignRight
                             | QtCore.Qt.AlignmentFlag.AlignBottom),
                         f"{title} · page {number + 1} of {sheet.pages}" if title
                         else f"page {number + 1} of {sheet.pages}")
    painter.end()
    buffer.close()
    return bytes(buffer.data())


class Typeset:
    """A sheet laid out on pages: ``document`` (the QTextDocument, laid out for the device),
    ``page`` (the text area of a page, device pixels), ``footer`` (the height below it)."""

    def __init__(self, document, page, footer: float):
        self.document, self.page, self.footer = document, page, footer

    @property
    def pages(self) -> int:
        return self.document.pageCount()

    def paint_page(self, painter, number: int) -> None:
        """Page ``number`` (0-based) at the painter's origin."""
        from PySide6 import QtCore

        top = number * self.page.height()
        painter.save()
        painter.translate(0, -top)
        self.document.drawContents(painter, QtCore.QRectF(0, top, self.page.width(),
                                                          self.page.height()))
        painter.restore()


def typeset(markdown: str, device) -> Typeset:
    """Lay ``markdown`` out on A4 pages of ``device`` (a QPagedPaintDevice: the QPdfWriter),
    whose page size, margins and resolution this sets: tables styled, none cut by a page
    break if it fits on a page."""
    from PySide6 import QtCore, QtGui

    device.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
    device.setPageMargins(QtCore.QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                          QtGui.QPageLayout.Unit.Millimeter)
    device.setResolution(RESOLUTION)
    paint = device.pageLayout().paintRectPixels(RESOLUTION)
    footer = _px(FOOTER_MM)
    page = QtCore.QSizeF(paint.width(), paint.height() - footer)

    doc = QtGui.QTextDocument()
    doc.documentLayout().setPaintDevice(device)     # lay out with the PDF's font metrics
    doc.setDefaultFont(QtGui.QFont(FONT_FAMILY, FONT_POINTS))
    doc.setMarkdown(markdown, QtGui.QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
    root = doc.rootFrame().frameFormat()
    root.setMargin(0)
    doc.rootFrame().setFrameFormat(root)
    doc.setPageSize(page)
    _style_tables(doc)
    _relayout(doc)
    _keep_tables_on_one_page(doc, page.height())
    return Typeset(doc, page, footer)


def _px(mm: float) -> float:
    """``mm`` millimetres in the PDF's device pixels (the layout's coordinates, its page)."""
    return mm * RESOLUTION / 25.4


def _length(mm: float) -> float:
    """``mm`` millimetres as a length in a text format (borders, padding, widths): Qt's layout
    reads those in 1/96 inch and scales them to the device."""
    return mm * 96 / 25.4


def _style_tables(doc) -> None:
    """Thin ruled borders, some padding, header cells on grey, value columns of one width,
    blank cells tall enough to write in."""
    from PySide6 import QtGui

    edit = QtGui.QTextCursor(doc)
    edit.beginEditBlock()       # one layout for all the changes, not one per cell
    for table in tables(doc):
        fmt = table.format()
        fmt.setBorder(_length(0.3))
        fmt.setBorderStyle(QtGui.QTextFrameFormat.BorderStyle.BorderStyle_Solid)
        fmt.setBorderBrush(QtGui.QBrush(QtGui.QColor("#808080")))
        fmt.setBorderCollapse(True)
        fmt.setCellSpacing(0)
        fmt.setCellPadding(_length(1.0))
        fmt.setTopMargin(_length(0.5))
        fmt.setBottomMargin(_length(2.5))
        fixed = QtGui.QTextLength(QtGui.QTextLength.Type.FixedLength, _length(CELL_MM))
        fmt.setColumnWidthConstraints([QtGui.QTextLength() if _is_text_column(doc, table, c)
                                       else fixed for c in range(table.columns())])
        table.setFormat(fmt)
        for r in range(table.rows()):
            for c in range(table.columns()):
                cell = table.cellAt(r, c)
                cell_format = cell.format().toTableCellFormat()
                if r == 0:
                    cell_format.setBackground(QtGui.QColor("#ececec"))
                elif _text(doc, cell) == BLANK_CELL:
                    cell_format.setTopPadding(_length(BLANK_PADDING_MM))
                    cell_format.setBottomPadding(_length(BLANK_PADDING_MM))
                cell.setFormat(cell_format)
    edit.endEditBlock()


def _keep_tables_on_one_page(doc, page_height: float) -> None:
    """A table that a page break would cut, and that fits on a page, starts a new page; so does
    the caption paragraph right above it. Tables are moved in document order, each after the
    layout of the ones before has settled."""
    from PySide6 import QtGui

    layout = doc.documentLayout()
    for table in tables(doc):
        rect = layout.frameBoundingRect(table)
        first, last = (int(y // page_height) for y in (rect.top(), rect.bottom() - 1))
        if first == last or rect.height() > page_height:
            continue
        caption = doc.findBlock(table.firstPosition() - 1)
        if caption.isValid() and caption.text() and caption.length() < 80:
            block_format = caption.blockFormat()
            block_format.setPageBreakPolicy(QtGui.QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            QtGui.QTextCursor(caption).setBlockFormat(block_format)
        else:
            fmt = table.format()
            fmt.setPageBreakPolicy(QtGui.QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            table.setFormat(fmt)
        _relayout(doc)


def _relayout(doc) -> None:
    """Lay the whole document out again. (After a table's format changes, Qt 6.11 lays out
    only part of what follows: some paragraphs keep no lines and would not be printed.)"""
    doc.markContentsDirty(0, doc.characterCount())
    doc.pageCount()


def tables(doc) -> list:
    """Every table of ``doc`` (QTextTable), in document order."""
    from PySide6 import QtGui

    return [f for f in _frames(doc.rootFrame()) if isinstance(f, QtGui.QTextTable)]


def _is_text_column(doc, table, column: int) -> bool:
    """The first column (labels), and any with a cell holding words: as wide as their text.
    Columns of numbers and blanks get a fixed width, the same in every table."""
    return column == 0 or any(not _is_number(_text(doc, table.cellAt(r, column)))
                              for r in range(table.rows()))


def _is_number(text: str) -> bool:
    text = text.strip()
    if text in ("", BLANK_CELL):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _frames(frame):
    for child in frame.childFrames():
        yield child
        yield from _frames(child)


def _text(doc, cell) -> str:
    from PySide6 import QtGui

    cursor = QtGui.QTextCursor(doc)
    cursor.setPosition(cell.firstCursorPosition().position())
    cursor.setPosition(cell.lastCursorPosition().position(), QtGui.QTextCursor.MoveMode.KeepAnchor)
    return cursor.selectedText()


def _ensure_gui_application() -> None:
    from PySide6 import QtGui

    if QtGui.QGuiApplication.instance() is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        global _APP
        _APP = QtGui.QGuiApplication([])


_APP = None   # the QGuiApplication made for the command line, kept alive while it writes
