"""The panels, one per layer type, in sidebar order: each one's title, its examples, its class.

A panel's class is imported the first time the window shows it (``PanelEntry.load``): importing
every panel with its views and engine at start-up costs about 100 ms of CPU before the first
paint (benchmarks/gui.py (a): ratio 1.27 -> 1.42 against a goal of 1.3). A class's own ``title``
is its entry's (tests/gui/test_main_window.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pnn_gui.panels.base import Panel


@dataclass(frozen=True)
class PanelEntry:
    title: str
    examples: tuple[str, ...]  # the examples this panel loads (Examples menu, CLI names)
    load: Callable[[], type[Panel]]


def _fully_connected() -> type[Panel]:
    from pnn_gui.panels.fully_connected import FullyConnectedPanel
    return FullyConnectedPanel


def _conv2d() -> type[Panel]:
    from pnn_gui.panels.conv2d import Conv2DPanel
    return Conv2DPanel


def _pooling() -> type[Panel]:
    from pnn_gui.panels.pooling import PoolingPanel
    return PoolingPanel


def _lstm() -> type[Panel]:
    from pnn_gui.panels.lstm import LSTMPanel
    return LSTMPanel


def _autodiff() -> type[Panel]:
    from pnn_gui.panels.autodiff import AutodiffPanel
    return AutodiffPanel


def _network() -> type[Panel]:
    from pnn_gui.panels.network import NetworkPanel
    return NetworkPanel


PANELS = (
    PanelEntry("Fully connected", ("fc",), _fully_connected),
    PanelEntry("Conv2D", ("conv", "conv-filter", "conv-shape"), _conv2d),
    PanelEntry("Pooling", ("avgpool", "maxpool"), _pooling),
    PanelEntry("LSTM", ("lstm",), _lstm),
    PanelEntry("Autodiff", ("autodiff",), _autodiff),
    PanelEntry("Network", ("network", "mlp"), _network),
)
