"""PCC decision records: request, statutory officer approval, decision, publication or deferral."""
