"""Where the panels' solves run in the window: small ones at once, large ones on a worker thread.

:class:`QtRunner` is the :class:`pnn_gui.state.Runner` the main window installs on every panel's
state. A solve runs on the GUI thread when it is small (sheet-sized inputs take a few
milliseconds, and an immediate result keeps the tests and the status bar simple); it goes to a
worker thread of a private ``QThreadPool`` when the inputs hold at least :data:`BIG_ELEMENTS`
elements or the panel's previous solve took longer than :data:`SLOW_SECONDS`. The worker only
runs :func:`pnn_gui.state.solve_outcome` (no Qt, no state); the outcome comes back through a
queued signal and is applied on the GUI thread, where :class:`~pnn_gui.state.PanelState` drops
it when the user has typed again meanwhile. Opening a session file of at least
:data:`BIG_FILE_BYTES` (the fewest bytes that can hold :data:`BIG_ELEMENTS` numbers) is large work
too: :class:`~pnn_gui.file_actions.FileActions` reads it on the worker (:meth:`QtRunner.start`), and
its large solves then go there as above.

Trace building is Python, so the worker holds the GIL much of the time; Python hands the GIL
over every few milliseconds (``sys.getswitchinterval()``), which is what keeps the event loop
painting and the step player stepping while a long solve runs.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6 import QtCore

from pnn_gui.state import Outcome, PanelState

#: inputs with at least this many elements solve on a worker (a 32x32x8 Conv2D input with
#: 3x3x8x16 filters has about 24,000 and took 60 ms; the sheet's inputs have a few dozen)
BIG_ELEMENTS = 10_000
#: a session file this large is read on a worker: it may hold BIG_ELEMENTS numbers ("0," each)
BIG_FILE_BYTES = 2 * BIG_ELEMENTS
#: a panel whose previous solve took longer than this solves its next one on a worker
SLOW_SECONDS = 0.030


class _Job(QtCore.QRunnable):
    def __init__(self, relay: QtRunner, job: Callable[[], Any], deliver: Callable):
        super().__init__()
        self.setAutoDelete(True)
        self._relay = relay
        self._job = job
        self._deliver = deliver

    def run(self) -> None:  # on a worker thread
        try:
            outcome = self._job()
        except Exception as exc:  # an engine bug: on stderr, and a message; the last good
            traceback.print_exc()  # trace stays, and the state stops waiting
            outcome = Outcome(None, f"internal error ({type(exc).__name__}: {exc}); please "
                              "report it", 0.0)
        self._relay._done.emit(self._deliver, outcome)



class QtRunner(QtCore.QObject):
    """See the module docstring. ``shutdown()`` before the window goes (it waits for running
    solves and discards their outcomes)."""

    #: True when a background solve starts, False when the last one running has come back
    busy_changed = QtCore.Signal(bool)
    #: (deliver, outcome) from a worker; queued, so the slot runs on the GUI thread
    _done = QtCore.Signal(object, object)

    def __init__(self, parent: QtCore.QObject | None = None, max_threads: int = 1):
        super().__init__(parent)
        self._pool = QtCore.QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._done.connect(self._on_done, QtCore.Qt.ConnectionType.QueuedConnection)
        self._running = 0
        self._sync = 0
        self._closed = False

    # -- Runner ---------------------------------------------------------------------------------
    def run(self, state: PanelState, job: Callable[[], Outcome],
            deliver: Callable[[Outcome], None]) -> Outcome | None:
        if self._closed or self._sync or not self.wants_worker(state):
            return job()
        self.start(job, deliver)
        return None

    def start(self, job: Callable[[], Any], deliver: Callable[[Any], None]) -> None:
        """Run ``job()`` on the worker and ``deliver(its result)`` on the GUI thread (a solve, or
        reading a large session); after :meth:`shutdown` the result is dropped."""
        self._running += 1
        if self._running == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Job(self, job, deliver))

    def wants_worker(self, state: PanelState) -> bool:
        """Whether ``state``'s next solve goes to a worker (big inputs, or a slow last solve)."""
        return state.work_size() >= BIG_ELEMENTS or state.last_seconds > SLOW_SECONDS

    # -- control --------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A solve is running on a worker (or its outcome is on its way)."""
        return self._running > 0

    @contextmanager
    def synchronously(self) -> Iterator[None]:
        """Every solve inside runs at once (loading an example or a session: the caller wants
        its steps right away, and no late result may mark the window edited)."""
        self._sync += 1
        try:
            yield
        finally:
            self._sync -= 1

    def finish(self) -> None:
        """Wait for every running solve and apply what it gave (before an export, say)."""
        self._pool.waitForDone()
        QtCore.QCoreApplication.sendPostedEvents(self)

    def shutdown(self) -> None:
        """Wait for running solves and drop their outcomes; later solves run at once."""
        self._closed = True
        self._pool.waitForDone()
        QtCore.QCoreApplication.removePostedEvents(self)
        if self._running:
            self._running = 0
            self.busy_changed.emit(False)

    # -- back on the GUI thread -----------------------------------------------------------------
    def _returned(self) -> None:
        self._running -= 1
        if self._running == 0:
            self.busy_changed.emit(False)

    def _on_done(self, deliver: Callable[[Outcome], None], outcome: Any) -> None:
        if self._closed:
            return
        self._returned()
        deliver(outcome)
