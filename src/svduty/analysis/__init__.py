"""The analysis engine: plain, typed functions over the analytic store (no Django here).

What belongs here: financial-year arithmetic (``periods``), the local definition of serious
violence as a declarative, versioned rule compiled to SQL (``definitions``), the Home Office
success measures (``measures``) and disclosure control for public output (``disclosure``). Every
function takes a DuckDB connection on which the tables of ``svduty.datasets.stored`` exist (as
views or tables) and returns tidy rows ready for JSON, CSV or a document.

What does not: reading or writing the application database, permissions, request handling,
rendering. The Django app (``apps.py``, ``migrations``) only registers this package; the glue
that opens a partnership's connection lives in ``svduty.datasets.queries`` and the callers.
"""
