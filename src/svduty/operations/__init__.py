"""Operations: backup and restore of everything under SVDUTY_HOME, and the production profile.

``backup`` writes one archive (database, analytic store, stored files, manifest of hashes);
``restore`` puts it back into an empty installation; ``views.server_error`` turns a lost database
connection into the 503 page; ``concurrency`` (in ``svduty.web.forms``) stops lost updates.
"""
