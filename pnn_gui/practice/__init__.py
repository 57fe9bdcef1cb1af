"""Practice mode: the student computes by hand, types the results into empty answer tables, and
the app checks them, names the first wrong cell and the classic mistake, and reveals the worked
solution step by step on request. Built on :mod:`engine.practice` (the checking, the mistakes,
fresh exercises), which knows nothing of Qt.

Modules, from the data to the window:

- :mod:`~pnn_gui.practice.attempt` (no Qt): one panel's attempt at one exercise — the answers,
  the last check, the steps revealed, the score — and its form in a session file;
- :mod:`~pnn_gui.practice.answer_table`: the answer tables (typing, keys, green and red);
- :mod:`~pnn_gui.practice.pane`: the pane with the tables, Check, the verdict, the reveal
  buttons and the score;
- :mod:`~pnn_gui.practice.mode`: practice in the window — an attempt per panel and kind, the
  limit on the steps shown, the actions (Ctrl+P, Ctrl+Enter, Ctrl+N), the session's data.
"""
