"""The application object the app, the screenshot command and the benchmarks share."""

import subprocess
import sys
import textwrap


def test_garbage_is_collected_on_the_gui_thread_only():
    """Automatic collection off, a timer on the GUI thread collecting instead (a collection at an
    arbitrary allocation once hung a run inside QObject::disconnect)."""
    code = textwrap.dedent("""
        import gc, os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        assert gc.isenabled()
        from pnn_gui.app import make_application
        app = make_application(["t"])
        collector = app._pnn_garbage_collector
        print(gc.isenabled(), collector.timer.isActive(), collector.timer.interval())
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "1000"]


def test_window_is_fitted_to_the_screens_free_area(qtbot):
    """At 1280 x 800 the window (1400 x 900 by default) shrinks to the free area and moves inside
    it, so the step player at its bottom shows; a window that fits is left as it is."""
    from PySide6 import QtCore

    from pnn_gui.app import fit_to_screen
    from pnn_gui.main_window import MainWindow

    window = MainWindow(settings=False)
    qtbot.addWidget(window)
    area = QtCore.QRect(0, 30, 1280, 770)  # a screen with a panel at the top
    window.move(200, 100)
    assert fit_to_screen(window, area)
    assert area.contains(window.frameGeometry()), window.frameGeometry()
    assert window.size() == area.size()
    window.resize(1000, 600)
    window.move(100, 100)
    assert not fit_to_screen(window, area)
    assert window.geometry() == QtCore.QRect(100, 100, 1000, 600)
