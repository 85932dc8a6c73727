"""Documents: the needs assessment, locality profiles, panel reports and decision records as real
documents (HTML, PDF, DOCX, ODT; tables also XLSX and ODS), built from figures of record.

``model`` is the format-free structure every document is built as; ``render`` writes it out.
"""
