"""Shared widgets every panel is made of (Qt + pyqtgraph, no math).

- :mod:`.matrix_editor` — :class:`MatrixEditor`, a validated table over a 1-D or 2-D array.
- :mod:`.tensor_view` — :class:`TensorView` heatmaps composed in a :class:`TensorGrid`.
- :mod:`.delta_flow` — :class:`DeltaFlow`, markers travelling from read cells to written cells.
- :mod:`.step_player` — :class:`StepPlayer`, first/back/play/forward/last, slider, speed, keys.
- :mod:`.solution_pane` — :class:`SolutionPane`, the worked solution, one line per step.
- :mod:`.field_error` — :class:`ErrorLabel` and :func:`show_errors` (errors beside their field).

Import the submodule you need (``from pnn_gui.widgets.matrix_editor import MatrixEditor``);
this package imports nothing itself, so start-up stays cheap.
"""
