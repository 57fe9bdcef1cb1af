"""An X server for the real-window tests: a private Xvfb, and what it needs.

``missing()`` lists what the tier cannot run without (Xvfb, xdotool, the libraries Qt's xcb
platform plugin loads); ``python -m tests.xwin.xserver`` prints it and exits 1 when anything is
missing (the Makefile's test-xwin asks it before running the tier). :class:`Xvfb` starts a server
on a free display number and stops it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: programs the tier runs
TOOLS = ("Xvfb", "xdotool")


def _xcb_plugin() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    return Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def missing() -> list[str]:
    """What is absent: programs by name, libraries by file name (as ``ldd`` reports them)."""
    out = [tool for tool in TOOLS if shutil.which(tool) is None]
    plugin = _xcb_plugin()
    if plugin is None or not plugin.exists():
        return out + ["PySide6's xcb platform plugin (libqxcb.so)"]
    if shutil.which("ldd") is None:
        return out
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False)
    return out + [line.split()[0] for line in ldd.stdout.splitlines() if "not found" in line]


class Xvfb:
    """``with Xvfb((1600, 1000)) as display:`` an X server at ``display`` (":N") meanwhile."""

    def __init__(self, size: tuple[int, int]):
        self.size = size
        self.display = ""
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> str:
        read, write = os.pipe()
        w, h = self.size
        # -displayfd: the server picks a free display number and writes it once it accepts
        # connections, so nothing waits a fixed time or guesses a number
        self._proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{w}x{h}x24", "-nolisten", "tcp",
             "-noreset"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            err = self._proc.stderr.read().decode(errors="replace")[-600:]
            self._proc.wait()
            raise RuntimeError(f"Xvfb did not start: {err}")
        self.display = f":{number}"
        return self.display

    def __exit__(self, *exc) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc.stderr.close()


if __name__ == "__main__":
    absent = missing()
    if absent:
        print(", ".join(absent))
        sys.exit(1)
