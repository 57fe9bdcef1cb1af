"""PySide6 6.12.0 on Python 3.11 leaks a reference to True on every Signal.emit() and aborts
after a few thousand emits (Fatal Python error: bool_dealloc). pyproject.toml pins <6.12; this
test fails (the process dies) if an upgrade brings the bug back."""

import subprocess
import sys
import textwrap


def test_ten_thousand_emits_survive():
    code = textwrap.dedent("""
        from PySide6 import QtCore
        app = QtCore.QCoreApplication([])
        class E(QtCore.QObject):
            s = QtCore.Signal()
            b = QtCore.Signal(bool)
        e = E()
        hits = []
        e.s.connect(lambda: hits.append(1))
        e.b.connect(lambda v: None)
        for _ in range(10000):
            e.s.emit()
            e.b.emit(True)
        print(len(hits))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"process died: {proc.stderr[-500:]}"
    assert proc.stdout.strip() == "10000"
