"""Reads of the partnership shared by views, exports, emails and the command line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from svduty.access.models import (
    RELEVANT_KINDS,
    SPECIFIED_KINDS,
    Organisation,
    OrganisationKind,
    User,
)
from svduty.access.permissions import Permission, has_permission
from svduty.access.roles import ROLES, Role
from svduty.documents.model import Column, Table
from svduty.partnership.models import (
    AnswerAction,
    AssessmentReturn,
    AssessmentRound,
    Engagement,
    Evidence,
    LocalDefinition,
    Partnership,
    Requirement,
)
from svduty.partnership.readiness import (
    Readiness,
    organisation_readiness,
    partnership_readiness,
)
from svduty.partnership.readiness import (
    change as readiness_change,
)

UPCOMING_DAYS = 30


def partnerships_of(user: User) -> list[Partnership]:
    """The partnerships the user's organisations belong to (all of them for administrators)."""
    memberships = user.active_memberships()
    if any(m.role == Role.SYSTEM_ADMINISTRATOR for m in memberships):
        return list(Partnership.objects.all())
    ids = {m.organisation.partnership_id for m in memberships if m.organisation.partnership_id}
    return list(Partnership.objects.filter(pk__in=ids))


def authority_type(organisation: Organisation) -> str:
    """How the Duty sees a member: specified or relevant authority, CSP, local policing body…"""
    if organisation.kind in SPECIFIED_KINDS:
        return "Specified authority"
    if organisation.kind in RELEVANT_KINDS:
        return "Relevant authority"
    if organisation.kind == OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP:
        return "Community safety partnership"
    if organisation.kind in {
        OrganisationKind.LOCAL_POLICING_BODY,
        OrganisationKind.VIOLENCE_REDUCTION_UNIT,
    }:
        return "Local policing body"
    return "Other partner"


PLURALS = {
    "Local policing body": "local policing bodies",
    "Specified authority": "specified authorities",
    "Community safety partnership": "community safety partnerships",
    "Relevant authority": "relevant authorities",
    "Other partner": "other partners",
}
_TYPE_ORDER = [
    "Local policing body",
    "Specified authority",
    "Community safety partnership",
    "Relevant authority",
    "Other partner",
]


def members_of(partnership: Partnership) -> list[Organisation]:
    """Member organisations: the local policing body first, then by type and name."""
    members = list(partnership.organisations.prefetch_related("coverage__area").order_by("name"))
    return sorted(members, key=lambda o: (_TYPE_ORDER.index(authority_type(o)), o.name))


def members_by_type(partnership: Partnership) -> list[tuple[str, list[Organisation]]]:
    """Members grouped by how the Duty sees them, each group labelled in the plural."""
    grouped: dict[str, list[Organisation]] = defaultdict(list)
    for organisation in members_of(partnership):
        grouped[authority_type(organisation)].append(organisation)
    return [(PLURALS[kind].capitalize(), grouped[kind]) for kind in _TYPE_ORDER if grouped[kind]]


def member_counts(partnership: Partnership) -> str:
    """E.g. "1 local policing body, 6 specified authorities, 2 community safety partnerships"."""
    types = [authority_type(o) for o in partnership.organisations.all()]
    counts = []
    for kind in _TYPE_ORDER:
        n = types.count(kind)
        if n:
            counts.append(f"{n} {kind.lower() if n == 1 else PLURALS[kind]}")
    return ", ".join(counts)


def self_assessment_recipients(partnership: Partnership) -> QuerySet[Organisation]:
    """Who a self-assessment goes to by default: each duty holder and each CSP."""
    kinds = [*SPECIFIED_KINDS, OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP]
    return partnership.organisations.filter(kind__in=kinds).order_by("name")


def current_definition(partnership: Partnership) -> LocalDefinition | None:
    return partnership.local_definitions.order_by("-version").first()


def requirements_of(partnership: Partnership) -> QuerySet[Requirement]:
    return (
        partnership.requirements.select_related("item", "owner", "organisation")
        .annotate(evidence_count=Count("evidence"))
        .order_by("due_on", "item__order", "organisation__name")
    )


# --- Self-assessment: who sees what --------------------------------------------------------


def may_edit_return(user: User, assessment_return: AssessmentReturn) -> bool:
    """Contributors (and anyone holding RETURNS_EDIT_OWN) of the return's own organisation."""
    return has_permission(
        user, Permission.RETURNS_EDIT_OWN, organisation=assessment_return.organisation
    )


def may_view_answers(user: User, assessment_return: AssessmentReturn) -> bool:
    """Its own organisation always; reviewers of the partnership once it has been submitted."""
    if may_edit_return(user, assessment_return):
        return True
    return assessment_return.is_submitted and has_permission(
        user, Permission.RETURNS_VIEW_ALL, partnership=assessment_return.round.partnership
    )


def returns_visible_to(user: User, assessment_round: AssessmentRound) -> list[AssessmentReturn]:
    """All returns of a round for reviewers; otherwise only the user's own organisations'."""
    returns = assessment_round.returns.select_related("organisation").order_by("organisation__name")
    if has_permission(user, Permission.RETURNS_VIEW_ALL, partnership=assessment_round.partnership):
        return list(returns)
    return [r for r in returns if may_edit_return(user, r)]


def previous_round(assessment_round: AssessmentRound) -> AssessmentRound | None:
    """The partnership's round issued before this one (of the same questionnaire if any)."""
    earlier = assessment_round.partnership.assessment_rounds.filter(
        Q(issued_at__lt=assessment_round.issued_at)
        | Q(issued_at=assessment_round.issued_at, pk__lt=assessment_round.pk)
    ).order_by("-issued_at", "-pk")
    return (
        earlier.filter(framework__slug=assessment_round.framework.slug).first() or earlier.first()
    )


def return_readiness(assessment_return: AssessmentReturn) -> Readiness | None:
    """The organisation's readiness from a submitted return; None before it is submitted."""
    if not assessment_return.is_submitted:
        return None
    questions = assessment_return.round.framework.questions.count()
    ratings = assessment_return.answers.values_list("rating", flat=True)
    return organisation_readiness(ratings, questions=questions)


@dataclass(frozen=True)
class ReturnRow:
    assessment_return: AssessmentReturn
    readiness: Readiness | None
    previous: Readiness | None
    label: str
    previous_label: str
    change: str


@dataclass(frozen=True)
class RoundSummary:
    """A round's returns with readiness, against the previous round."""

    round: AssessmentRound
    previous_round: AssessmentRound | None
    rows: list[ReturnRow]
    partnership: Readiness | None
    partnership_label: str
    previous_partnership: Readiness | None
    previous_partnership_label: str
    submitted: int

    @property
    def change(self) -> str:
        return readiness_change(self.partnership, self.previous_partnership)


def round_summary(assessment_round: AssessmentRound) -> RoundSummary:
    framework = assessment_round.framework
    before = previous_round(assessment_round)
    previous_by_org: dict[int, Readiness | None] = {}
    previous_scores: list[Readiness] = []
    if before is not None:
        for old in before.returns.all():
            score = return_readiness(old)
            previous_by_org[old.organisation_id] = score
            if score is not None:
                previous_scores.append(score)
    rows, scores = [], []
    for item in assessment_round.returns.select_related("organisation").order_by(
        "organisation__name"
    ):
        score = return_readiness(item)
        if score is not None:
            scores.append(score)
        old_score = previous_by_org.get(item.organisation_id)
        rows.append(
            ReturnRow(
                assessment_return=item,
                readiness=score,
                previous=old_score,
                label=framework.rating_label(score.level) if score else "",
                previous_label=before.framework.rating_label(old_score.level)
                if before and old_score
                else "",
                change=readiness_change(score, old_score),
            )
        )
    overall = partnership_readiness(scores)
    previous_overall = partnership_readiness(previous_scores)
    return RoundSummary(
        round=assessment_round,
        previous_round=before,
        rows=rows,
        partnership=overall,
        partnership_label=framework.rating_label(overall.level) if overall else "",
        previous_partnership=previous_overall,
        previous_partnership_label=before.framework.rating_label(previous_overall.level)
        if before and previous_overall
        else "",
        submitted=len(scores),
    )


def previous_ratings(assessment_return: AssessmentReturn) -> dict[str, int | None]:
    """The same organisation's ratings in the previous round, by question key."""
    before = previous_round(assessment_return.round)
    if before is None:
        return {}
    old = before.returns.filter(organisation=assessment_return.organisation).first()
    if old is None or not old.is_submitted:
        return {}
    return {a.question.key: a.rating for a in old.answers.select_related("question")}


# --- Reminders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """Something a user should do, when it is due and where to do it."""

    partnership: str
    title: str
    due_on: dt.date
    is_overdue: bool
    url: str

    @property
    def sort_key(self) -> tuple[bool, dt.date, str]:
        return (not self.is_overdue, self.due_on, self.title)


def reminders_for(
    user: User, *, today: dt.date, horizon_days: int = UPCOMING_DAYS
) -> list[Reminder]:
    """Overdue items, and items due within ``horizon_days``, that fall to this user.

    Partnership leads: every open requirement of the partnership, and returns awaiting review.
    Contributors (named officers of a member): the requirements their organisation owns, and its
    unsubmitted self-assessments.
    """
    horizon = today + dt.timedelta(days=horizon_days)
    found: dict[tuple[str, int], Reminder] = {}

    def add(
        kind: str, pk: int, partnership: Partnership, title: str, due_on: dt.date, url: str
    ) -> None:
        found[(kind, pk)] = Reminder(partnership.name, title, due_on, due_on < today, url)

    memberships = [m for m in user.active_memberships() if m.organisation.partnership_id]
    for membership in memberships:
        organisation = membership.organisation
        partnership = organisation.partnership
        assert partnership is not None
        permissions = ROLES[Role(membership.role)].permissions
        open_requirements = (
            partnership.requirements.exclude(status__in=Requirement.CLOSED)
            .filter(due_on__lte=horizon)
            .select_related("item", "organisation")
        )
        if Permission.REQUIREMENTS_MANAGE in permissions:
            mine = open_requirements
        elif Permission.RETURNS_EDIT_OWN in permissions:
            mine = open_requirements.filter(owner=organisation)
        else:
            mine = open_requirements.none()
        for requirement in mine:
            add(
                "requirement",
                requirement.pk,
                partnership,
                str(requirement),
                requirement.due_on,
                reverse("partnership:requirement", args=[partnership.slug, requirement.pk]),
            )
        if Permission.RETURNS_EDIT_OWN in permissions:
            for item in AssessmentReturn.objects.filter(
                organisation=organisation,
                status__in=AssessmentReturn.EDITABLE,
                round__due_on__lte=horizon,
            ).select_related("round"):
                add(
                    "return",
                    item.pk,
                    partnership,
                    f"Complete the self-assessment “{item.round.title}” for {organisation.name}",
                    item.round.due_on,
                    reverse("partnership:return", args=[partnership.slug, item.pk]),
                )
        if Permission.RETURNS_REVIEW in permissions:
            for item in AssessmentReturn.objects.filter(
                round__partnership=partnership, status=AssessmentReturn.Status.SUBMITTED
            ).select_related("round", "organisation"):
                add(
                    "review",
                    item.pk,
                    partnership,
                    f"Review {item.organisation.name}'s self-assessment “{item.round.title}”",
                    item.round.due_on,
                    reverse("partnership:review", args=[partnership.slug, item.pk]),
                )
    return sorted(found.values(), key=lambda r: r.sort_key)


# --- The PCC's monitoring view -------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    organisation: Organisation
    authority_type: str
    requirements_open: int
    requirements_overdue: list[Requirement]
    return_status: str
    readiness_label: str
    readiness_score: str
    previous_label: str
    change: str


@dataclass(frozen=True)
class Change:
    at: dt.datetime | dt.date
    what: str


@dataclass
class Monitoring:
    """Where every requirement and self-assessment stands, for every member and CSP."""

    partnership: Partnership
    today: dt.date
    since: dt.date | None
    requirements: list[Requirement]
    members: list[MemberRow]
    round: RoundSummary | None
    changes: list[Change] = field(default_factory=list)

    @property
    def overdue(self) -> list[Requirement]:
        return [r for r in self.requirements if r.is_overdue(self.today)]


def monitoring(partnership: Partnership, *, today: dt.date, since: dt.date | None) -> Monitoring:
    requirements = list(requirements_of(partnership))
    latest_round = partnership.assessment_rounds.order_by("-issued_at", "-pk").first()
    summary = round_summary(latest_round) if latest_round else None
    by_org = {
        row.assessment_return.organisation_id: row for row in (summary.rows if summary else [])
    }
    members = []
    for organisation in members_of(partnership):
        theirs = [
            r
            for r in requirements
            if r.organisation_id == organisation.pk or r.owner_id == organisation.pk
        ]
        open_ = [r for r in theirs if not r.is_closed]
        row = by_org.get(organisation.pk)
        members.append(
            MemberRow(
                organisation=organisation,
                authority_type=authority_type(organisation),
                requirements_open=len(open_),
                requirements_overdue=[r for r in open_ if r.is_overdue(today)],
                return_status=row.assessment_return.get_status_display() if row else "Not sent",
                readiness_label=row.label if row else "",
                readiness_score=row.readiness.shown() if row and row.readiness else "",
                previous_label=row.previous_label if row else "",
                change=row.change if row else "",
            )
        )
    view = Monitoring(
        partnership=partnership,
        today=today,
        since=since,
        requirements=requirements,
        members=members,
        round=summary,
    )
    if since is not None:
        view.changes = changes_since(partnership, since)
    return view


def changes_since(partnership: Partnership, since: dt.date) -> list[Change]:
    """What changed on or after ``since``: statuses, evidence, returns, rounds, engagement."""
    from datetime import datetime, time

    from django.utils import timezone

    start = timezone.make_aware(datetime.combine(since, time.min))
    changes: list[Change] = []
    for requirement in partnership.requirements.filter(status_changed_at__gte=start).select_related(
        "item", "organisation"
    ):
        assert requirement.status_changed_at is not None
        changes.append(
            Change(
                requirement.status_changed_at,
                f"“{requirement}” set to {requirement.get_status_display().lower()}",
            )
        )
    for evidence in Evidence.objects.filter(
        requirement__partnership=partnership, added_at__gte=start
    ).select_related("requirement"):
        changes.append(
            Change(
                evidence.added_at, f"Evidence “{evidence.title}” added to “{evidence.requirement}”"
            )
        )
    for assessment_round in partnership.assessment_rounds.filter(issued_at__gte=start):
        changes.append(
            Change(assessment_round.issued_at, f"Self-assessment “{assessment_round.title}” issued")
        )
    returns = AssessmentReturn.objects.filter(round__partnership=partnership).select_related(
        "organisation", "round"
    )
    for item in returns.filter(submitted_at__gte=start):
        assert item.submitted_at is not None
        changes.append(
            Change(item.submitted_at, f"{item.organisation.name} submitted “{item.round.title}”")
        )
    for item in returns.filter(reviewed_at__gte=start):
        assert item.reviewed_at is not None
        changes.append(
            Change(
                item.reviewed_at,
                f"{item.organisation.name}'s “{item.round.title}” "
                f"{item.get_status_display().lower()}",
            )
        )
    for engagement in Engagement.objects.filter(partnership=partnership, created_at__gte=start):
        changes.append(Change(engagement.created_at, f"Engagement recorded: {engagement}"))
    for definition in partnership.local_definitions.filter(created_at__gte=start):
        changes.append(
            Change(definition.created_at, f"Local definition version {definition.version} recorded")
        )
    for organisation in partnership.organisations.filter(created_at__gte=start):
        changes.append(Change(organisation.created_at, f"{organisation.name} joined"))
    return sorted(changes, key=lambda c: c.at, reverse=True)


def monitoring_tables(view: Monitoring) -> list[Table]:
    """The monitoring view as tables, for the XLSX and ODS exports."""
    today = view.today
    requirement_rows = tuple(
        (
            r.item.title,
            r.organisation.name if r.organisation else "Partnership",
            r.due_on.isoformat(),
            r.owner.name if r.owner else "",
            r.get_status_display(),
            "Overdue" if r.is_overdue(today) else "",
            getattr(r, "evidence_count", r.evidence.count()),
        )
        for r in view.requirements
    )
    member_rows = tuple(
        (
            m.organisation.name,
            m.authority_type,
            m.requirements_open,
            len(m.requirements_overdue),
            "; ".join(str(r) for r in m.requirements_overdue),
            m.return_status,
            m.readiness_label,
            m.readiness_score,
            m.previous_label,
            m.change,
        )
        for m in view.members
    )
    round_title = view.round.round.title if view.round else "no self-assessment issued"
    tables = [
        Table(
            caption=f"Requirements of {view.partnership.name} at {today.isoformat()}",
            columns=(
                Column("Requirement"),
                Column("For"),
                Column("Due"),
                Column("Owner"),
                Column("Status"),
                Column("Overdue"),
                Column("Evidence", numeric=True),
            ),
            rows=requirement_rows,
            sheet_name="Requirements",
        ),
        Table(
            caption=f"Members and CSPs: requirements and self-assessment ({round_title})",
            columns=(
                Column("Organisation"),
                Column("Type"),
                Column("Open requirements", numeric=True),
                Column("Overdue requirements", numeric=True),
                Column("Overdue"),
                Column("Self-assessment"),
                Column("Readiness"),
                Column("Score"),
                Column("Previous readiness"),
                Column("Change"),
            ),
            rows=member_rows,
            sheet_name="Members",
        ),
    ]
    if view.since is not None:
        tables.append(
            Table(
                caption=f"Changes since {view.since.isoformat()}",
                columns=(Column("When"), Column("What")),
                rows=tuple((_when(c.at), c.what) for c in view.changes),
                sheet_name="Changes",
            )
        )
    return tables


def _when(value: dt.datetime | dt.date) -> str:
    from django.utils import timezone

    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def open_actions(assessment_return: AssessmentReturn) -> QuerySet[AnswerAction]:
    return AnswerAction.objects.filter(answer__assessment_return=assessment_return).select_related(
        "answer__question"
    )
