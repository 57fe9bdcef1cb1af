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
