"""The Makefile's system check (`syslibs`) off Debian: skipped with one line where there is no
dpkg-query, still enforced where there is one.

Each run uses a copy of the Makefile in an empty folder and a PATH of a few tools linked into a
folder of their own, so what is on PATH (dpkg-query, apt-get) is exactly what the test says.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def _syslibs(tmp_path, dpkg_query: str | None) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("mkdir", "touch", "id", "grep"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    if dpkg_query is not None:
        fake = bin_dir / "dpkg-query"
        fake.write_text(f"#!/bin/sh\n{dpkg_query}\n")
        fake.chmod(0o755)
    work = tmp_path / "project"
    work.mkdir()
    shutil.copy(ROOT / "Makefile", work / "Makefile")
    return subprocess.run([MAKE, "syslibs"], cwd=work, capture_output=True, text=True,
                          timeout=60, env={"PATH": str(bin_dir)})


def test_without_dpkg_query_the_check_passes_by_with_one_line(tmp_path):
    proc = _syslibs(tmp_path, dpkg_query=None)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "no dpkg-query (not Debian): skipping the check for Qt's Debian libraries"]
    assert (tmp_path / "project" / ".venv" / ".syslibs").is_file()  # not asked again


def test_with_dpkg_query_missing_packages_still_stop_make(tmp_path):
    """dpkg-query reports nothing installed and there is no apt-get: make stops and names them."""
    proc = _syslibs(tmp_path, dpkg_query="exit 1")
    assert proc.returncode != 0
    assert "missing Debian packages for Qt: fontconfig fonts-dejavu-core libegl1" in proc.stdout
    assert not (tmp_path / "project" / ".venv" / ".syslibs").exists()


def test_with_dpkg_query_and_everything_installed_it_is_silent(tmp_path):
    proc = _syslibs(tmp_path, dpkg_query="printf 'install ok installed'")
    assert (proc.returncode, proc.stdout) == (0, "")
