import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

# Hypothesis: `make test` (and CI) runs the same examples every time, so a red run can be rerun
# and a green one means the same thing twice. HYPOTHESIS_PROFILE=explore draws new examples on
# every run: use it after touching the engine or a property test, a few times over.
# HYPOTHESIS_PROFILE=fuzz is explore with 5,000 examples a test, for the readers' fuzz tier
# (tests/*/test_fuzz_*.py; the README's testing section has the command).
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.register_profile("fuzz", derandomize=False, print_blob=True, max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
