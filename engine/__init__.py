"""pnn-gui's engine: the numbers of every layer on the exercise sheet, in float64 NumPy.

Never imports Qt. Every public function checks its input and raises :class:`ShapeError` (a
``ValueError``) for shapes, or another ``ValueError``, with a message that starts with the
argument's name (the field the GUI shows it beside) and then says, in the names on screen, what
it got and what it needed (:mod:`engine.validate`).

Layout: one math module per layer (``fully_connected``, ``conv2d``, ``pooling``, ``lstm``,
``autodiff`` with its parser ``expression``), its worked solution in ``engine.traces.<layer>``,
the Step/Trace record in ``steps``, central differences in ``gradcheck``.
"""

from engine.errors import ShapeError

__all__ = ["ShapeError"]
