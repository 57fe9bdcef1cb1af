"""``python -m pnn_gui``: the same as the ``pnn-gui`` command (and ``python main.py``)."""

import sys

from pnn_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
