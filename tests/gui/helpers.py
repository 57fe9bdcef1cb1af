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
