"""pnn-gui's window: PySide6 + pyqtgraph. Never computes a gradient itself; it asks engine/."""

import os

# pyqtgraph prefers PyQt6 when both bindings are installed; we ship PySide6.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
