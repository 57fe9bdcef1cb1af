"""The panels, one per layer type, in sidebar order: (title, "module:Class", example names)."""

PANELS = (
    ("Fully connected", "pnn_gui.panels.fully_connected:FullyConnectedPanel", ("fc",)),
    ("Conv2D", "pnn_gui.panels.conv2d:Conv2DPanel", ("conv", "conv-filter", "conv-shape")),
    ("Pooling", "pnn_gui.panels.pooling:PoolingPanel", ("avgpool", "maxpool")),
    ("LSTM", "pnn_gui.panels.lstm:LSTMPanel", ("lstm",)),
    ("Autodiff", "pnn_gui.panels.autodiff:AutodiffPanel", ("autodiff",)),
)
