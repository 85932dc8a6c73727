"""Roles in prose an auditor can read, and the permissions each grants.

A role is held through a membership of one organisation. Permissions that concern a partnership
apply to the partnership that organisation belongs to; permissions marked ``OWN`` apply only to the
member's own organisation. Anything not granted here is denied.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from svduty.access.permissions import Permission as P


class Role(models.TextChoices):
    """The roles a membership can carry."""

    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"
    PARTNERSHIP_LEAD = "partnership_lead", "Partnership lead"
    ANALYST = "analyst", "Analyst"
    CONTRIBUTOR = "contributor", "Contributor"
    SCRUTINY_READER = "scrutiny_reader", "Scrutiny reader"
    DECISION_MAKER = "decision_maker", "Decision maker"
    STATUTORY_OFFICER = "statutory_officer", "Statutory officer"


@dataclass(frozen=True)
class RoleDescription:
    """What a role is for, who typically holds it, and what it may do."""

    role: Role
    description: str
    permissions: frozenset[P]
    requires_two_factor: bool = False


_READ_PUBLISHED = {P.PUBLISHED_VIEW, P.AGGREGATES_VIEW, P.PARTNERSHIP_VIEW}

ROLES: dict[Role, RoleDescription] = {
    Role.SYSTEM_ADMINISTRATOR: RoleDescription(
        Role.SYSTEM_ADMINISTRATOR,
        "Runs the svduty installation: creates partnerships, organisations and user accounts, "
        "loads geography and frameworks, and searches the audit trail. Does not see record-level "
        "partner data unless also given the analyst role.",
        frozenset(
            _READ_PUBLISHED
            | {
                P.USERS_MANAGE,
                P.ORGANISATIONS_MANAGE,
                P.AUDIT_VIEW,
                P.GEOGRAPHY_MANAGE,
                P.PARTNERSHIP_MANAGE,
                P.JOBS_VIEW,
                P.PARTNERSHIP_CREATE,
                P.FRAMEWORKS_MANAGE,
                P.MEMBERS_MANAGE,
            }
        ),
        requires_two_factor=True,
    ),
    Role.PARTNERSHIP_LEAD: RoleDescription(
        Role.PARTNERSHIP_LEAD,
        "Leads the partnership for the local policing body or violence reduction unit: manages its "
        "members, requirements and self-assessments, reviews every member's returns and uploads, "
        "rolls back imports, approves and publishes documents, keeps the strategy and its "
        "activity plans, records grants, spend and funded work, runs calls for proposals and "
        "drafts decision requests. Sees aggregates, not record-level rows. Creates API tokens for "
        "its own organisation and revokes any of the partnership's.",
        frozenset(
            _READ_PUBLISHED
            | {
                P.PARTNERSHIP_MANAGE,
                P.DEFINITIONS_EDIT,
                P.MEMBERS_MANAGE,
                P.RETURNS_VIEW_ALL,
                P.RETURNS_REVIEW,
                P.IMPORTS_VIEW_ALL,
                P.IMPORT_CREATE,
                P.IMPORT_CREATE_OWN,
                P.API_TOKENS_MANAGE_OWN,
                P.IMPORT_ROLLBACK,
                P.DOCUMENTS_EDIT,
                P.DOCUMENT_APPROVE,
                P.DOCUMENT_PUBLISH,
                P.AUDIT_VIEW,
                P.JOBS_VIEW,
                P.STRATEGY_VIEW,
                P.STRATEGY_EDIT,
                P.FUNDING_VIEW,
                P.FUNDING_EDIT,
                P.CALLS_MANAGE,
                P.APPLICATIONS_ASSESS,
                P.DECISIONS_VIEW,
                P.DECISIONS_EDIT,
                P.PARTNERSHIP_INTERNAL_VIEW,
                P.REQUIREMENTS_MANAGE,
                P.ASSESSMENTS_MANAGE,
                P.ENGAGEMENT_MANAGE,
                P.MONITORING_VIEW,
            }
        ),
        requires_two_factor=True,
    ),
    Role.ANALYST: RoleDescription(
        Role.ANALYST,
        "The partnership's analyst: imports partner data, works with record-level rows in the "
        "analytic store, maintains the local definition's executable rule and produces the "
        "strategic needs assessment and its documents. The only role that sees record-level data. "
        "Creates API tokens for its own organisation.",
        frozenset(
            _READ_PUBLISHED
            | {
                P.RECORDS_VIEW,
                P.IMPORTS_VIEW_ALL,
                P.IMPORT_CREATE,
                P.IMPORT_CREATE_OWN,
                P.API_TOKENS_MANAGE_OWN,
                P.RETURNS_VIEW_ALL,
                P.DEFINITIONS_EDIT,
                P.DOCUMENTS_EDIT,
                P.JOBS_VIEW,
                P.EXPORTS_CREATE,
                P.STRATEGY_VIEW,
                P.PARTNERSHIP_INTERNAL_VIEW,
            }
        ),
    ),
    Role.CONTRIBUTOR: RoleDescription(
        Role.CONTRIBUTOR,
        "A named officer of one member organisation (a council, the fire service, a health "
        "board…): answers that organisation's self-assessments and returns, uploads the data it "
        "supplies (only the kinds of the partnership's data sources naming it as supplier) and "
        "reads their import reports, reports progress on the strategy actions it leads and, "
        "when named as an assessor, scores applications to calls for proposals. Sees nothing of "
        "other organisations' returns and no record-level rows. Creates API tokens for its own "
        "organisation, to automate its returns.",
        frozenset(
            _READ_PUBLISHED
            | {
                P.RETURNS_EDIT_OWN,
                P.IMPORTS_VIEW_OWN,
                P.IMPORT_CREATE_OWN,
                P.API_TOKENS_MANAGE_OWN,
                P.STRATEGY_VIEW,
                P.ACTION_PROGRESS_OWN,
                P.APPLICATIONS_ASSESS,
                P.PARTNERSHIP_INTERNAL_VIEW,
            }
        ),
    ),
    Role.SCRUTINY_READER: RoleDescription(
        Role.SCRUTINY_READER,
        "A Police and Crime Panel member or other scrutineer: reads published material and "
        "aggregate figures, nothing else.",
        frozenset(_READ_PUBLISHED),
    ),
    Role.DECISION_MAKER: RoleDescription(
        Role.DECISION_MAKER,
        "The commissioner or deputy: takes decisions on funding requests after statutory officers "
        "have approved them, declaring any interest. Reads the requests, the strategy and the "
        "funding they concern.",
        frozenset(
            _READ_PUBLISHED
            | {P.DECISIONS_DECIDE, P.DECISIONS_VIEW, P.FUNDING_VIEW, P.STRATEGY_VIEW}
        ),
        requires_two_factor=True,
    ),
    Role.STATUTORY_OFFICER: RoleDescription(
        Role.STATUTORY_OFFICER,
        "The chief executive or chief finance officer: confirms that advice was taken before a "
        "decision is put to the decision maker, then publishes the decision record as soon as "
        "practicable or records why, and until when, its publication is deferred. Reads the "
        "requests, the strategy and the funding they concern.",
        frozenset(
            _READ_PUBLISHED
            | {
                P.DECISIONS_APPROVE,
                P.DECISIONS_PUBLISH,
                P.DECISIONS_VIEW,
                P.FUNDING_VIEW,
                P.STRATEGY_VIEW,
            }
        ),
        requires_two_factor=True,
    ),
}
