"""pnn-gui's engine: the numbers of every layer on the exercise sheet, in float64 NumPy.

Never imports Qt. Every public function checks its input and raises :class:`ShapeError` (a
``ValueError``) for shapes, or another ``ValueError``, with a message that names the argument,
what it got and what it needed.
"""

from engine.errors import ShapeError

__all__ = ["ShapeError"]
