"""The worked solutions: one module per layer, each building a :class:`~engine.steps.Trace` (the
steps a student writes on paper) from the numbers of the layer's math module in ``engine/``.

``solve*`` functions take a layer's inputs as keyword arguments (an example file's ``inputs``)
and return the trace; ``engine.examples.KINDS`` maps each example kind to one of them.
"""

from engine.traces import autodiff, conv2d, fully_connected, lstm, pooling

__all__ = ["autodiff", "conv2d", "fully_connected", "lstm", "pooling"]
