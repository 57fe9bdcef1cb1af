"""Views drawn for one layer (pyqtgraph): they take plain arrays, shapes and a frame index.

Views never write to a panel's state and never compute a gradient: they draw what they are given.
"""
