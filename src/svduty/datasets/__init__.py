"""The data hub: partners' and published data coming in, checked, and kept for analysis.

The import core has no Django in it and is usable on its own:
``contracts`` (one declarative schema per import format, for validation and documentation),
``readers`` (finding files in folders and archives, encodings, headers, ODS sheets),
``adapters`` (per format: the SQL that types and checks the cells, and what is stored),
``validation`` (findings, formulas, the refuse or quarantine policy), ``areas`` (the
``Geography`` an import is given) and ``pipeline`` (``run_import``). ``stored`` fixes the
analytic store's tables.

The Django side wraps it: ``models`` (data sources and import records), ``actions`` (imports,
rollback, purge), ``queries`` (reading the store), ``views``, ``forms``, ``commands`` and ``jobs``.
"""
