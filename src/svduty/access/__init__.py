"""Who may do what: users, organisations, memberships, roles, the Permission enum, the audit trail.

Domain apps ask ``svduty.access.permissions.has_permission``; they never test roles themselves.
"""
