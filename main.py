"""pnn-gui: the app with no arguments; `examples`, `export`, `screenshot` sub-commands otherwise."""

import sys

from pnn_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
