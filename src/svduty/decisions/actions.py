"""The decision record's workflow: request → statutory officer approval → decision → publication
(or deferral with reasons and a date). Each step is one action, audited, by the right role.

Roles are checked here as well as in the views, so that no caller (a command, the demo, a view)
can approve or publish without the permission.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from svduty.access import audit
from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.decisions.models import DecisionRecord
from svduty.funding.periods import long_date
from svduty.partnership.models import Partnership


class DecisionError(ValueError):
    """A step refused because the record is not at the right stage or the input is incomplete."""


class NotAllowed(PermissionError):
    """The user does not hold the permission this step needs for the record's partnership."""


def _require(user: User | None, permission: Permission, record: DecisionRecord) -> None:
    if user is None or not has_permission(user, permission, partnership=record.partnership):
        raise NotAllowed(f"{permission.value} is needed for this step")


def _name_of(user: User) -> str:
    return user.get_full_name() or user.get_username()


EDITABLE_FIELDS = (
    "title",
    "requested_by_name",
    "background",
    "decision_sought",
    "financial_implications",
    "legal_implications",
    "equality_implications",
    "amount",
    "is_commercially_sensitive",
    "confidential_information",
    "report",
    "report_is_exempt",
    "report_exemption_reason",
)


def _check_request(record: DecisionRecord) -> None:
    if record.report_is_exempt and not record.report_exemption_reason.strip():
        raise DecisionError("give the reason the report is exempt from publication")
    if record.confidential_information.strip() and not record.is_commercially_sensitive:
        raise DecisionError(
            "confidential information is only kept for a record marked commercially sensitive"
        )
    if record.amount is not None and record.amount < 0:
        raise DecisionError("the amount cannot be negative")


@transaction.atomic
def create_request(
    *,
    partnership: Partnership,
    reference: str,
    title: str,
    background: str,
    decision_sought: str,
    by: User,
    **fields: Any,
) -> DecisionRecord:
    """Draft a decision request (DECISIONS_EDIT). ``fields``: the other request fields."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"create_request() got unexpected fields {sorted(unknown)}")
    record = DecisionRecord(
        partnership=partnership,
        reference=reference.strip(),
        title=title,
        background=background,
        decision_sought=decision_sought,
        created_by=by,
        **fields,
    )
    _require(by, Permission.DECISIONS_EDIT, record)
    if not record.reference:
        raise DecisionError("give the record a reference such as DN50-24")
    if DecisionRecord.objects.filter(partnership=partnership, reference=record.reference).exists():
        raise DecisionError(f"reference {record.reference} is already used")
    _check_request(record)
    record.save()
    audit.record(
        action="action", summary=f"Drafted decision request {record.reference}", obj=record, by=by
    )
    return record


@transaction.atomic
def update_request(*, record: DecisionRecord, by: User, **fields: Any) -> DecisionRecord:
    """Change a draft request (DECISIONS_EDIT); a submitted one must be returned first."""
    _require(by, Permission.DECISIONS_EDIT, record)
    if record.status != DecisionRecord.Status.DRAFT:
        raise DecisionError("only a draft request can be changed")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_request() got unexpected fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(record, name, value)
    _check_request(record)
    record.save()
    audit.record(
        action="action", summary=f"Changed decision request {record.reference}", obj=record, by=by
    )
    return record


@transaction.atomic
def submit_request(*, record: DecisionRecord, by: User) -> DecisionRecord:
    """Put a draft to the statutory officers (DECISIONS_EDIT)."""
    _require(by, Permission.DECISIONS_EDIT, record)
    if record.status != DecisionRecord.Status.DRAFT:
        raise DecisionError("only a draft request can be submitted")
    missing = [
        label
        for label, value in (
            ("background", record.background),
            ("the decision sought", record.decision_sought),
            ("financial implications", record.financial_implications),
            ("legal implications", record.legal_implications),
            ("equality implications", record.equality_implications),
        )
        if not value.strip()
    ]
    if missing:
        raise DecisionError("the request still needs " + ", ".join(missing))
    record.status = DecisionRecord.Status.SUBMITTED
    record.submitted_at = timezone.now()
    record.submitted_by = by
    record.save()
    audit.record(
        action="action",
        summary=f"Submitted decision request {record.reference} for officer approval",
        obj=record,
        by=by,
    )
    return record


@transaction.atomic
def approve_as_officer(
    *,
    record: DecisionRecord,
    officer_role: str,
    is_advice_confirmed: bool,
    by: User,
    comments: str = "",
) -> DecisionRecord:
    """A statutory officer confirms that advice was taken (DECISIONS_APPROVE)."""
    _require(by, Permission.DECISIONS_APPROVE, record)
    if record.status != DecisionRecord.Status.SUBMITTED:
        raise DecisionError("only a submitted request can be approved by an officer")
    if not is_advice_confirmed:
        raise DecisionError("confirm that financial, legal and equality advice was taken")
    if record.created_by_id is not None and record.created_by_id == by.pk:
        raise DecisionError("the officer approving a request cannot be its author")
    record.officer_role = DecisionRecord.OfficerRole(officer_role)
    record.is_advice_confirmed = True
    record.officer_comments = comments
    record.officer_approved_at = timezone.now()
    record.officer_approved_by = by
    record.officer_name = _name_of(by)
    record.status = DecisionRecord.Status.OFFICER_APPROVED
    record.save()
    audit.record(
        action="action",
        summary=f"Statutory officer approved {record.reference} (advice taken)",
        obj=record,
        by=by,
    )
    return record


@transaction.atomic
def return_to_draft(*, record: DecisionRecord, reason: str, by: User) -> DecisionRecord:
    """A statutory officer sends a submitted request back to its author (DECISIONS_APPROVE)."""
    _require(by, Permission.DECISIONS_APPROVE, record)
    if record.status != DecisionRecord.Status.SUBMITTED:
        raise DecisionError("only a submitted request can be returned")
    if not reason.strip():
        raise DecisionError("say why the request is returned")
    record.status = DecisionRecord.Status.DRAFT
    record.officer_comments = reason
    record.submitted_at = None
    record.submitted_by = None
    record.save()
    audit.record(
        action="action",
        summary=f"Returned {record.reference} to draft: {reason}",
        obj=record,
        by=by,
    )
    return record


@transaction.atomic
def decide(
    *,
    record: DecisionRecord,
    outcome: str,
    reasons: str,
    has_interest: bool,
    by: User,
    interest_details: str = "",
    dispensation: str = "",
) -> DecisionRecord:
    """The decision maker approves or does not approve, declaring interests (DECISIONS_DECIDE).

    A declared interest needs its details and the dispensation under which the decision is still
    taken. Approval funds the posts and interventions the record links.
    """
    _require(by, Permission.DECISIONS_DECIDE, record)
    if record.status != DecisionRecord.Status.OFFICER_APPROVED:
        raise DecisionError("a decision needs a request approved by a statutory officer")
    if has_interest and not (interest_details.strip() and dispensation.strip()):
        raise DecisionError("a declared interest needs its details and the dispensation granted")
    if by.pk in {record.created_by_id, record.officer_approved_by_id}:
        raise DecisionError(
            "the decision maker cannot be the request's author or approving officer"
        )
    if not reasons.strip():
        raise DecisionError("give the reasons for the decision")
    record.outcome = DecisionRecord.Outcome(outcome)
    record.reasons = reasons
    record.has_interest = has_interest
    record.interest_details = interest_details if has_interest else ""
    record.dispensation = dispensation if has_interest else ""
    record.decided_at = timezone.now()
    record.decided_by = by
    record.decision_maker_name = _name_of(by)
    record.status = DecisionRecord.Status.DECIDED
    record.save()
    interest = "interest declared" if has_interest else "no interest declared"
    audit.record(
        action="action",
        summary=f"Decision {record.reference}: {record.get_outcome_display()} ({interest})",
        obj=record,
        by=by,
    )
    return record


@transaction.atomic
def publish(*, record: DecisionRecord, by: User) -> DecisionRecord:
    """Publish a decided record now (DECISIONS_PUBLISH); an earlier deferral is ended."""
    _require(by, Permission.DECISIONS_PUBLISH, record)
    if record.status != DecisionRecord.Status.DECIDED:
        raise DecisionError("only a decided record can be published")
    if record.published_at is not None:
        raise DecisionError("the record is already published")
    record.published_at = timezone.now()
    record.published_by = by
    record.save()
    audit.record(
        action="action", summary=f"Published decision record {record.reference}", obj=record, by=by
    )
    return record


@transaction.atomic
def defer_publication(
    *, record: DecisionRecord, until: date, reason: str, by: User
) -> DecisionRecord:
    """Record that publication is deferred, with the reasons and the date it will be published
    (DECISIONS_PUBLISH). The record stays private until that date, then appears by itself."""
    _require(by, Permission.DECISIONS_PUBLISH, record)
    if record.status != DecisionRecord.Status.DECIDED:
        raise DecisionError("only a decided record can have its publication deferred")
    if record.published_at is not None:
        raise DecisionError("the record is already published")
    if not reason.strip():
        raise DecisionError("give the reasons publication is deferred")
    if until <= timezone.localdate():
        raise DecisionError("the deferral date must be in the future")
    record.deferred_until = until
    record.deferral_reason = reason
    record.deferred_at = timezone.now()
    record.deferred_by = by
    record.save()
    audit.record(
        action="action",
        summary=f"Deferred publication of {record.reference} until {long_date(until)}",
        obj=record,
        changes={"reason": reason},
        by=by,
    )
    return record
