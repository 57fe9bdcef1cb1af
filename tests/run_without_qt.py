"""Run the engine's tests with Qt and pyqtgraph made unimportable (napari's "headless" run).

`make test` runs tests/engine and tests/state only this way (and the rest offscreen, once): it
proves engine/ and the panel state need no Qt, which a grep for imports would not (an indirect
import through another module counts too). A plain ``pytest`` runs them with Qt importable.
"""

import importlib.abc
import sys

BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "pytestqt")


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked: the engine must run without Qt")
        return None


def main() -> int:
    sys.meta_path.insert(0, _BlockQt())
    import pytest

    # pytest-qt's ini options are unknown without the plugin: that warning is expected here.
    args = ["tests/engine", "tests/state", "-p", "no:pytest-qt", "-p", "no:cacheprovider", "-q",
            "-W", "ignore::pytest.PytestConfigWarning", *sys.argv[1:]]
    return pytest.main(args)


if __name__ == "__main__":
    sys.exit(main())
