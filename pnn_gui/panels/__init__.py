"""The panels, one per layer type, in sidebar order.

Each class names itself and its examples (:attr:`Panel.title`, :attr:`Panel.examples`); the main
window builds a panel the first time it is shown.
"""

from pnn_gui.panels.autodiff import AutodiffPanel
from pnn_gui.panels.base import Panel
from pnn_gui.panels.conv2d import Conv2DPanel
from pnn_gui.panels.fully_connected import FullyConnectedPanel
from pnn_gui.panels.lstm import LSTMPanel
from pnn_gui.panels.pooling import PoolingPanel

PANELS: tuple[type[Panel], ...] = (FullyConnectedPanel, Conv2DPanel, PoolingPanel, LSTMPanel,
                                   AutodiffPanel)
