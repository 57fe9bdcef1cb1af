"""What the panel tests share: a panel as the window holds it, stepping as the window does, and
the check that a message shows beside one field only."""

from __future__ import annotations


def make_panel(qtbot, panel_class):
    """A panel with its two widgets owned by qtbot and animations off (tests step directly)."""
    p = panel_class()
    qtbot.addWidget(p.inputs_widget)
    qtbot.addWidget(p.view_widget)
    p.set_animations_enabled(False)
    return p


def goto(panel, k):
    """What the window does on a step change."""
    panel.state.set_step(k)
    panel.show_step(panel.state.step)


def only_error(panel, field):
    """A message beside ``field`` and beside no other field of the panel."""
    targets = panel.error_targets()
    assert targets[field].error(), f"no message beside {field}"
    for name, widget in targets.items():
        if name != field:
            assert widget.error() == "", f"{name} shows {widget.error()!r}"


def shown_text(rich: str) -> str:
    """Rich text as it reads on screen: no tags, entities decoded, and the no-break spaces and
    word joiners that keep a formula on one line read as plain spaces."""
    from PySide6 import QtGui

    from pnn_gui import style
    doc = QtGui.QTextDocument()
    doc.setHtml(rich)
    return style.plain(doc.toRawText()).replace("\u2028", "\n")


def shown_lines(label, width: int) -> list[str]:
    """The lines a word-wrapped QLabel shows its rich text in when ``width`` pixels wide (laid
    out as QLabel lays it out: its font, breaking at word boundaries only), as read."""
    from PySide6 import QtGui

    from pnn_gui import style
    doc = QtGui.QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    option = QtGui.QTextOption()
    option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
    doc.setDefaultTextOption(option)
    doc.setHtml(label.text())
    doc.setTextWidth(width)
    doc.size()  # lays it out
    lines = []
    block = doc.begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            piece = text[line.textStart():line.textStart() + line.textLength()]
            lines.append(style.plain(piece).replace("\u2028", "").strip())
        block = block.next()
    return lines
