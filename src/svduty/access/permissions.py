"""The Permission enum and the one function that answers "may this user do this?".

Deny by default: a permission is granted only by a membership whose role lists it, for the
partnership (or, for ``*_OWN`` permissions, the organisation) in question.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svduty.access.models import Organisation, User
    from svduty.partnership.models import Partnership


class Permission(StrEnum):
    """Things a user may be allowed to do, named NOUN_VERB."""

    PUBLISHED_VIEW = "published_view"
    AGGREGATES_VIEW = "aggregates_view"
    PARTNERSHIP_VIEW = "partnership_view"
    PARTNERSHIP_MANAGE = "partnership_manage"
    MEMBERS_MANAGE = "members_manage"
    RETURNS_EDIT_OWN = "returns_edit_own"
    RETURNS_VIEW_ALL = "returns_view_all"
    RETURNS_REVIEW = "returns_review"
    IMPORTS_VIEW_OWN = "imports_view_own"
    IMPORTS_VIEW_ALL = "imports_view_all"
    IMPORT_CREATE_OWN = "import_create_own"
    IMPORT_CREATE = "import_create"
    IMPORT_ROLLBACK = "import_rollback"
    RECORDS_VIEW = "records_view"
    DEFINITIONS_EDIT = "definitions_edit"
    DOCUMENTS_EDIT = "documents_edit"
    DOCUMENT_APPROVE = "document_approve"
    DOCUMENT_PUBLISH = "document_publish"
    EXPORTS_CREATE = "exports_create"
    DECISIONS_APPROVE = "decisions_approve"
    DECISIONS_DECIDE = "decisions_decide"
    DECISIONS_VIEW = "decisions_view"
    DECISIONS_EDIT = "decisions_edit"
    DECISIONS_PUBLISH = "decisions_publish"
    STRATEGY_VIEW = "strategy_view"
    STRATEGY_EDIT = "strategy_edit"
    ACTION_PROGRESS_OWN = "action_progress_own"
    FUNDING_VIEW = "funding_view"
    FUNDING_EDIT = "funding_edit"
    CALLS_MANAGE = "calls_manage"
    APPLICATIONS_ASSESS = "applications_assess"
    AUDIT_VIEW = "audit_view"
    USERS_MANAGE = "users_manage"
    ORGANISATIONS_MANAGE = "organisations_manage"
    GEOGRAPHY_MANAGE = "geography_manage"
    JOBS_VIEW = "jobs_view"
    PARTNERSHIP_CREATE = "partnership_create"
    PARTNERSHIP_INTERNAL_VIEW = "partnership_internal_view"
    FRAMEWORKS_MANAGE = "frameworks_manage"
    REQUIREMENTS_MANAGE = "requirements_manage"
    ASSESSMENTS_MANAGE = "assessments_manage"
    ENGAGEMENT_MANAGE = "engagement_manage"
    MONITORING_VIEW = "monitoring_view"
    API_TOKENS_MANAGE_OWN = "api_tokens_manage_own"


# Permissions that reach across the whole installation rather than one partnership.
INSTALLATION_WIDE = frozenset(
    {
        Permission.USERS_MANAGE,
        Permission.ORGANISATIONS_MANAGE,
        Permission.GEOGRAPHY_MANAGE,
        Permission.PARTNERSHIP_CREATE,
        Permission.FRAMEWORKS_MANAGE,
    }
)


def has_permission(
    user: User,
    permission: Permission,
    *,
    partnership: Partnership | None = None,
    organisation: Organisation | None = None,
) -> bool:
    """Whether ``user`` holds ``permission`` for the partnership or organisation given.

    ``*_OWN`` permissions need ``organisation`` and hold only for the user's own organisation.
    Other permissions hold for the partnership of one of the user's organisations; with neither
    argument, they hold if any membership grants them (for menus, never for data access).
    """
    from svduty.access.roles import ROLES, Role

    if not user.is_authenticated or not user.is_active:
        return False
    for membership in user.active_memberships():
        if permission not in ROLES[Role(membership.role)].permissions:
            continue
        org = membership.organisation
        if membership.role == Role.SYSTEM_ADMINISTRATOR and not permission.value.endswith("_own"):
            return True  # the installation's administrators act across partnerships
        if permission.value.endswith("_own"):
            # Own-organisation permissions: for that organisation only; with a partnership, for
            # members of it; with neither, whether the user holds it at all (menus).
            if organisation is not None:
                if organisation.pk == org.pk:
                    return True
            elif partnership is None or org.partnership_id == partnership.pk:
                return True
            continue
        if permission in INSTALLATION_WIDE:
            return True
        if partnership is None and organisation is None:
            return True
        if partnership is not None and org.partnership_id == partnership.pk:
            return True
        if organisation is not None and org.partnership_id == organisation.partnership_id:
            return True
    return False
