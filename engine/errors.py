"""The engine's exceptions."""


class ShapeError(ValueError):
    """A tensor has the wrong rank or shape for the operation; the message names it."""
