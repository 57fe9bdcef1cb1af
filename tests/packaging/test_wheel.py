"""The wheel works alone: built from the working tree, installed into a folder of its own, and run
from another folder with the checkout not importable.

The installed copy runs as ``python -S`` with ``PYTHONPATH`` = that folder, then the venv's
site-packages: ``-S`` skips the venv's ``.pth`` files, among them the editable install's finder,
which would otherwise fill in any module or data file the wheel lacks from a checkout. Each run
checks where ``engine`` and ``pnn_gui`` came from. The wheel is built once per session (pip with
build isolation, as ``pip install .`` does it: a few seconds).
"""

import os
import shutil
import site
import struct
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from engine import examples, export

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
# What the build reads (pyproject's `readme` too), from the working tree: uncommitted edits count.
SOURCES = ("pyproject.toml", "README.md", "engine", "pnn_gui", "resources")
# What the `pnn-gui` script does, found through the installed metadata (the script itself is
# bin/pnn-gui, or Scripts\pnn-gui.exe on Windows).
CONSOLE_SCRIPT = """
import sys
from importlib.metadata import entry_points
(script,) = entry_points(group="console_scripts", name="pnn-gui")
assert script.value == "pnn_gui.cli:main", script.value
sys.exit(script.load()(sys.argv[1:]))
"""


def _clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                 str(src)], env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (whl,) = dist.glob("*.whl")
    return whl


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("target")
    proc = _run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                 str(target), str(wheel)], env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return target


@pytest.fixture
def run_installed(installed, tmp_path):
    """Run ``python -S ARGS`` in an empty folder, with only the installed wheel and the venv's
    site-packages importable."""
    path = os.pathsep.join([str(installed), *site.getsitepackages()])
    env = _clean_env(PYTHONPATH=path, QT_QPA_PLATFORM="offscreen")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()

    def run(*args):
        return _run([sys.executable, "-S", *args], cwd=cwd, env=env)

    run.cwd = cwd
    return run


def test_the_wheel_holds_every_module_and_data_file_and_no_generic_top_level_name(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names} == {"engine", "pnn_gui",
                                                 f"pnn_gui-{VERSION}.dist-info"}
    missing = [str(p.relative_to(ROOT)) for package in ("engine", "pnn_gui")
               for p in sorted((ROOT / package).rglob("*.py"))
               if "__pycache__" not in p.parts and p.relative_to(ROOT).as_posix() not in names]
    assert not missing, f"not in the wheel (list their packages in pyproject.toml): {missing}"
    data = [p for p in sorted((ROOT / "resources").rglob("*")) if p.is_file()]
    assert data
    missing = [str(p.relative_to(ROOT)) for p in data
               if f"pnn_gui/{p.relative_to(ROOT).as_posix()}" not in names]
    assert not missing, f"data files not in the wheel as pnn_gui/resources/…: {missing}"


def test_the_installed_wheel_runs_from_another_folder_without_the_checkout(run_installed,
                                                                            installed):
    where = run_installed("-c", "import engine.examples, pnn_gui\n"
                                "print(engine.examples.__file__)\nprint(pnn_gui.__file__)\n"
                                "print(engine.examples.EXAMPLES_DIR)")
    assert where.returncode == 0, where.stderr
    assert [Path(line).resolve() for line in where.stdout.splitlines()] == [
        (installed / "engine" / "examples.py").resolve(),
        (installed / "pnn_gui" / "__init__.py").resolve(),
        (installed / "pnn_gui" / "resources" / "examples").resolve()]

    # `pnn-gui examples` lists what the checkout's `python main.py examples` lists
    listed = run_installed("-c", CONSOLE_SCRIPT, "examples")
    assert listed.returncode == 0, listed.stderr
    here = _run([sys.executable, str(ROOT / "main.py"), "examples"], cwd=ROOT)
    assert here.returncode == 0, here.stderr
    assert listed.stdout == here.stdout
    assert set(examples.NAMES) <= {line.split("\t")[0] for line in listed.stdout.splitlines()}

    version = run_installed("-m", "pnn_gui", "--version")
    assert (version.returncode, version.stdout) == (0, f"pnn-gui {VERSION}\n")

    out = run_installed.cwd / "fc.csv"
    exported = run_installed("-m", "pnn_gui", "export", "fc", "--out", "fc.csv")
    assert exported.returncode == 0, exported.stderr
    back = export.read_tensors_csv(out)
    want = examples.load("fc").solve().tensors
    assert set(back) == set(want)
    for name, arr in want.items():
        assert back[name].tolist() == arr.tolist(), name

    png = run_installed.cwd / "fc.png"
    shot = run_installed("-m", "pnn_gui", "screenshot", "fc", "--step", "5", "--out", "fc.png",
                         "--size", "1280x800")
    assert shot.returncode == 0, shot.stderr
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1280, 800)


def test_version_in_a_checkout_that_was_never_installed_is_pyprojects(tmp_path):
    """No distribution metadata on the path (``-S``, no site-packages): pyproject.toml is read."""
    shutil.copytree(ROOT / "pnn_gui", tmp_path / "pnn_gui",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "main.py", tmp_path / "main.py")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "pnn-gui"\nversion = "9.8.7"\n')
    proc = _run([sys.executable, "-S", "main.py", "--version"], cwd=tmp_path, env=_clean_env())
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "pnn-gui 9.8.7\n", "")
