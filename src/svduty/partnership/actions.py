"""Writes to the partnership: each one transaction, with an explicit actor and an audit event.

Emails go out only after the transaction commits (``transaction.on_commit``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from svduty.access import audit
from svduty.access.models import (
    SPECIFIED_KINDS,
    AuditEvent,
    Organisation,
    OrganisationKind,
    User,
)
from svduty.geography.models import Area, AreaLevel
from svduty.partnership import notifications, schedule
from svduty.partnership.frameworks import (
    DEFAULT_REQUIREMENTS_SLUG,
    FrameworkDocument,
    FrameworkError,
    read_framework,
    shipped_framework_files,
)
from svduty.partnership.models import (
    Answer,
    AnswerAction,
    AssessmentReturn,
    AssessmentRound,
    Board,
    BoardSeat,
    Contact,
    Coverage,
    Engagement,
    Evidence,
    Framework,
    LocalDefinition,
    Partnership,
    Question,
    Requirement,
    RequirementItem,
)

# Slugs that would collide with the partnership app's own URLs (/partnership/<slug>/).
RESERVED_SLUGS = frozenset({"new", "frameworks", "reminders"})


class PartnershipInputError(ValueError):
    """Input refused: the message says what is wrong and how to put it right."""


def _actor(by: User | None) -> User | None:
    return by if by is not None and by.is_authenticated else None


def _unique_organisation_slug(base: str) -> str:
    base = slugify(base)[:70] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- Setting up a partnership --------------------------------------------------------------


def police_force_area(code: str) -> Area | None:
    """The newest loaded vintage of a police force area, or None if it is not loaded."""
    return Area.objects.filter(level=AreaLevel.PFA, code=code.strip()).order_by("-vintage").first()


def csps_of(pfa: Area) -> list[Area]:
    """The community safety partnerships the lookup places in a police force area."""
    return list(
        Area.objects.filter(level=AreaLevel.CSP, parent_links__parent=pfa)
        .distinct()
        .order_by("name")
    )


def districts_of(csps: Iterable[Area]) -> list[Area]:
    """The local authority districts the lookup places in the given CSPs."""
    return list(
        Area.objects.filter(level=AreaLevel.LAD, parent_links__parent__in=list(csps))
        .distinct()
        .order_by("name")
    )


def latest_framework(*, kind: str, slug: str | None = None) -> Framework | None:
    """The highest version of a framework (of the default slug for requirements)."""
    frameworks = Framework.objects.filter(kind=kind)
    if slug:
        frameworks = frameworks.filter(slug=slug)
    return frameworks.order_by("-version", "-loaded_at").first()


@transaction.atomic
def create_partnership(
    *,
    slug: str,
    name: str,
    pfa_code: str,
    by: User | None,
    local_policing_body_name: str = "",
    is_demo: bool = False,
    today: dt.date | None = None,
) -> Partnership:
    """A partnership for a police force area, from the ONS lookup already loaded.

    It gets the local policing body (its lead) and one community safety partnership organisation
    per CSP in the force area, a strategic board chaired by the local policing body, a board for
    each CSP, and the Duty's requirements scheduled from the newest requirements framework.
    """
    slug = slug.strip()
    if slugify(slug) != slug or not slug:
        raise PartnershipInputError(
            f"{slug!r} is not a usable slug: use lower-case letters, digits and hyphens"
        )
    if slug in RESERVED_SLUGS:
        raise PartnershipInputError(f"the slug {slug!r} is reserved; choose another")
    if Partnership.objects.filter(slug=slug).exists():
        raise PartnershipInputError(f"a partnership with the slug {slug!r} already exists")
    if not name.strip():
        raise PartnershipInputError("give the partnership a name")
    pfa = police_force_area(pfa_code)
    if pfa is None:
        raise PartnershipInputError(
            f"police force area {pfa_code!r} is not loaded: load the ONS lookup first "
            "(svduty import ons-lookup FILE)"
        )
    csps = csps_of(pfa)
    if not csps:
        raise PartnershipInputError(
            f"police force area {pfa.code} {pfa.name} has no community safety partnerships in the "
            "loaded lookup: load the ONS district → CSP → police force area lookup"
        )
    actor = _actor(by)
    partnership = Partnership.objects.create(
        slug=slug,
        name=name.strip(),
        police_force_area=pfa,
        is_demo=is_demo,
        requirements_framework=latest_framework(
            kind=Framework.Kind.REQUIREMENTS, slug=DEFAULT_REQUIREMENTS_SLUG
        ),
    )
    lead = Organisation.objects.create(
        name=local_policing_body_name.strip() or f"{pfa.name} local policing body",
        slug=_unique_organisation_slug(f"{slug}-local-policing-body"),
        kind=OrganisationKind.LOCAL_POLICING_BODY,
        partnership=partnership,
    )
    Coverage.objects.create(organisation=lead, area=pfa)
    partnership.lead_organisation = lead
    partnership.save(update_fields=["lead_organisation"])
    strategic = Board.objects.create(
        partnership=partnership,
        name="Strategic partnership board",
        kind=Board.Kind.STRATEGIC_BOARD,
        remit="Agrees the partnership model, the local definition, the needs assessment and the "
        "strategy, and oversees delivery.",
    )
    BoardSeat.objects.create(board=strategic, organisation=lead, role=BoardSeat.Role.CHAIR)
    for csp in csps:
        organisation = Organisation.objects.create(
            name=f"{csp.name} Community Safety Partnership",
            slug=_unique_organisation_slug(f"{slug}-csp-{csp.name}"),
            kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP,
            partnership=partnership,
            csp_code=csp.code,
        )
        Coverage.objects.create(organisation=organisation, area=csp)
        board = Board.objects.create(
            partnership=partnership,
            name=organisation.name,
            kind=Board.Kind.COMMUNITY_SAFETY_PARTNERSHIP,
            organisation=organisation,
            reports_to=strategic,
        )
        BoardSeat.objects.create(board=board, organisation=organisation)
        BoardSeat.objects.create(board=strategic, organisation=organisation)
    schedule_requirements(partnership=partnership, by=actor, today=today)
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Set up partnership {partnership.name} for {pfa.code} {pfa.name} with "
        f"{len(csps)} community safety partnership{'s' if len(csps) != 1 else ''}",
        obj=partnership,
        by=actor,
    )
    return partnership


def _check_areas(partnership: Partnership, areas: Sequence[Area]) -> None:
    allowed = {a.pk for a in areas_of_partnership(partnership)}
    outside = [a for a in areas if a.pk not in allowed]
    if outside:
        raise PartnershipInputError(
            f"{outside[0].code} {outside[0].name} is not in the partnership's police force area"
        )


def areas_of_partnership(partnership: Partnership) -> list[Area]:
    """The force area, its CSPs and their districts: the areas a member may cover."""
    pfa = partnership.police_force_area
    csps = csps_of(pfa)
    return [pfa, *csps, *districts_of(csps)]


@transaction.atomic
def add_member_organisation(
    *,
    partnership: Partnership,
    name: str,
    kind: str,
    areas: Sequence[Area],
    by: User | None,
    today: dt.date | None = None,
) -> Organisation:
    """A member organisation of the partnership (a specified or relevant authority, or other)."""
    if not name.strip():
        raise PartnershipInputError("give the organisation a name")
    if kind not in OrganisationKind.values:
        raise PartnershipInputError(f"{kind!r} is not a kind of organisation")
    if kind == OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP:
        raise PartnershipInputError(
            "community safety partnerships come from the ONS lookup when the partnership is set up"
        )
    if partnership.organisations.filter(name__iexact=name.strip()).exists():
        raise PartnershipInputError(f"the partnership already has a member called {name.strip()}")
    _check_areas(partnership, areas)
    organisation = Organisation.objects.create(
        name=name.strip(),
        slug=_unique_organisation_slug(f"{partnership.slug}-{name}"),
        kind=kind,
        partnership=partnership,
    )
    for area in areas:
        Coverage.objects.create(organisation=organisation, area=area)
    schedule_requirements(partnership=partnership, by=by, today=today)
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Added {organisation.name} ({organisation.get_kind_display()}) to "
        f"{partnership.name}",
        obj=organisation,
        by=_actor(by),
    )
    return organisation


@transaction.atomic
def update_member_organisation(
    *, organisation: Organisation, name: str, kind: str, areas: Sequence[Area], by: User | None
) -> Organisation:
    """Change a member's name, kind or the areas it covers (a CSP keeps its kind)."""
    partnership = organisation.partnership
    if partnership is None:
        raise PartnershipInputError("the organisation is not a member of a partnership")
    if not name.strip():
        raise PartnershipInputError("give the organisation a name")
    is_csp = organisation.kind == OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP
    if is_csp and kind != organisation.kind:
        raise PartnershipInputError("a community safety partnership stays one")
    if not is_csp and kind == OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP:
        raise PartnershipInputError(
            "community safety partnerships come from the ONS lookup when the partnership is set up"
        )
    _check_areas(partnership, areas)
    organisation.name = name.strip()
    organisation.kind = kind
    organisation.save(update_fields=["name", "kind"])
    wanted = {a.pk for a in areas}
    organisation.coverage.exclude(area_id__in=wanted).delete()
    have = set(organisation.coverage.values_list("area_id", flat=True))
    for area in areas:
        if area.pk not in have:
            Coverage.objects.create(organisation=organisation, area=area)
    schedule_requirements(partnership=partnership, by=by)
    return organisation


@transaction.atomic
def add_contact(
    *,
    organisation: Organisation,
    name: str,
    by: User | None,
    job_title: str = "",
    email: str = "",
    phone: str = "",
    is_primary: bool = False,
) -> Contact:
    """A named contact at a member organisation; a new primary contact replaces the old one."""
    if not name.strip():
        raise PartnershipInputError("give the contact's name")
    if is_primary:
        for old in organisation.contacts.filter(is_primary=True):
            old.is_primary = False
            old.save(update_fields=["is_primary"])
    return Contact.objects.create(
        organisation=organisation,
        name=name.strip(),
        job_title=job_title.strip(),
        email=email.strip(),
        phone=phone.strip(),
        is_primary=is_primary,
        created_by=_actor(by),
    )


@transaction.atomic
def add_board(
    *,
    partnership: Partnership,
    name: str,
    kind: str,
    by: User | None,
    remit: str = "",
    reports_to: Board | None = None,
) -> Board:
    """A board or group of the partnership model."""
    if partnership.boards.filter(name__iexact=name.strip()).exists():
        raise PartnershipInputError(f"the partnership already has a group called {name.strip()}")
    if reports_to is not None and reports_to.partnership_id != partnership.pk:
        raise PartnershipInputError("a group reports to a group of the same partnership")
    board = Board.objects.create(
        partnership=partnership,
        name=name.strip(),
        kind=kind,
        remit=remit.strip(),
        reports_to=reports_to,
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Added {board.name} to the partnership model of {partnership.name}",
        obj=board,
        by=_actor(by),
    )
    return board


@transaction.atomic
def seat_on_board(
    *,
    board: Board,
    organisation: Organisation,
    role: str,
    by: User | None,
    representative: Contact | None = None,
) -> BoardSeat:
    """Give a member a seat on a board (or change its role or representative)."""
    if organisation.partnership_id != board.partnership_id:
        raise PartnershipInputError(f"{organisation} is not a member of this partnership")
    if representative is not None and representative.organisation_id != organisation.pk:
        raise PartnershipInputError(f"{representative.name} does not work for {organisation}")
    seat, _ = BoardSeat.objects.update_or_create(
        board=board,
        organisation=organisation,
        defaults={"role": role, "representative": representative},
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Seated {organisation} on {board} as {seat.get_role_display().lower()}",
        obj=seat,
        by=_actor(by),
    )
    return seat


@transaction.atomic
def remove_board_seat(*, seat: BoardSeat, by: User | None) -> None:
    """Take a member off a board."""
    summary = f"Took {seat.organisation} off {seat.board}"
    board = seat.board
    seat.delete()
    audit.record(action=AuditEvent.Action.ACTION, summary=summary, obj=board, by=_actor(by))


# --- The local definition ------------------------------------------------------------------


@transaction.atomic
def record_local_definition(
    *,
    partnership: Partnership,
    text: str,
    agreed_by: str,
    agreed_on: dt.date | None,
    by: User | None,
    rule: dict[str, Any] | None = None,
) -> LocalDefinition:
    """A new version of the local definition, as agreed. Earlier versions are kept unchanged.

    The executable rule is the analysis's business: it starts empty unless given.
    """
    if not text.strip():
        raise PartnershipInputError("give the text of the definition as agreed")
    latest = partnership.local_definitions.order_by("-version").first()
    definition = LocalDefinition.objects.create(
        partnership=partnership,
        version=(latest.version + 1) if latest else 1,
        text=text.strip(),
        agreed_by=agreed_by.strip(),
        agreed_on=agreed_on,
        rule=rule or {},
        created_by=_actor(by),
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Recorded version {definition.version} "
        f"of the local definition of {partnership.name}",
        obj=definition,
        by=_actor(by),
    )
    from svduty.analysis.jobs import schedule_refresh

    schedule_refresh(partnership)
    return definition


# --- Frameworks ----------------------------------------------------------------------------


@transaction.atomic
def load_framework(*, document: FrameworkDocument, by: User | None) -> tuple[Framework, bool]:
    """Store a checked framework file; returns it and whether it was new.

    Loading the same file again changes nothing; a different file with a version already loaded
    is refused (``FrameworkError``): a changed framework needs a new version number.
    """
    existing = Framework.objects.filter(slug=document.slug, version=document.version).first()
    if existing is not None:
        if existing.sha256 == document.sha256 or existing.content == document.content:
            return existing, False
        raise FrameworkError(
            document.file_name,
            f"version {document.version} of {document.slug} is already loaded with different "
            "content; give the changed framework a new version number",
        )
    if Framework.objects.filter(slug=document.slug).exclude(kind=document.kind).exists():
        raise FrameworkError(
            document.file_name,
            f"{document.slug} is already loaded as a different kind of framework",
        )
    framework = Framework.objects.create(loaded_by=_actor(by), **document.framework_fields())
    for row in document.item_rows():
        RequirementItem.objects.create(framework=framework, **row)
    for row in document.question_rows():
        Question.objects.create(framework=framework, **row)
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Loaded framework {framework.slug} "
        f"version {framework.version} from {document.file_name}",
        obj=framework,
        by=_actor(by),
    )
    return framework, True


def load_default_frameworks(*, by: User | None) -> list[Framework]:
    """The frameworks shipped with svduty (the data migration loads them too)."""
    return [load_framework(document=read_framework(p), by=by)[0] for p in shipped_framework_files()]


# --- The Duty's requirements ---------------------------------------------------------------


def _targets(partnership: Partnership, item: RequirementItem) -> list[Organisation | None]:
    if item.scope == RequirementItem.Scope.EACH_CSP:
        return list(
            partnership.organisations.filter(kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP)
        )
    if item.scope == RequirementItem.Scope.EACH_SPECIFIED_AUTHORITY:
        return list(partnership.organisations.filter(kind__in=list(SPECIFIED_KINDS)))
    return [None]


@transaction.atomic
def schedule_requirements(
    *, partnership: Partnership, by: User | None, today: dt.date | None = None
) -> int:
    """Make sure every requirement of the partnership's framework has an occurrence.

    A one-off requirement is due on its first due date, even if that has passed. A recurring one
    starts at its latest due date on or before ``today`` (or its first, if that is still to come);
    later occurrences are added as each one is met. Returns how many were added.
    """
    framework = partnership.requirements_framework
    if framework is None:
        return 0
    today = today or timezone.localdate()
    added = 0
    for item in framework.items.all():
        for target in _targets(partnership, item):
            existing = Requirement.objects.filter(
                partnership=partnership, key=item.key, organisation=target
            )
            if existing.exists():
                continue
            Requirement.objects.create(
                partnership=partnership,
                item=item,
                key=item.key,
                organisation=target,
                due_on=schedule.current_due_date(
                    first_due=item.first_due_on, every_months=item.recurs_every_months, today=today
                ),
                owner=target or partnership.lead_organisation,
            )
            added += 1
    if added:
        audit.record(
            action=AuditEvent.Action.ACTION,
            summary=f"Scheduled {added} requirement"
            f"{'s' if added != 1 else ''} for {partnership.name}",
            obj=partnership,
            by=_actor(by),
        )
    return added


@transaction.atomic
def adopt_requirements_framework(
    *, partnership: Partnership, framework: Framework, by: User | None, today: dt.date | None = None
) -> int:
    """Follow another version of the requirements: open requirements take the new wording."""
    if framework.kind != Framework.Kind.REQUIREMENTS:
        raise PartnershipInputError(f"{framework} is not a requirements framework")
    partnership.requirements_framework = framework
    partnership.save(update_fields=["requirements_framework"])
    items = {item.key: item for item in framework.items.all()}
    for requirement in partnership.requirements.exclude(status__in=Requirement.CLOSED):
        if requirement.key in items:
            requirement.item = items[requirement.key]
            requirement.save(update_fields=["item"])
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"{partnership.name} adopted {framework.slug} version {framework.version}",
        obj=partnership,
        by=_actor(by),
    )
    return schedule_requirements(partnership=partnership, by=by, today=today)


@transaction.atomic
def update_requirement(
    *,
    requirement: Requirement,
    status: str,
    owner: Organisation | None,
    due_on: dt.date,
    notes: str,
    by: User | None,
) -> Requirement:
    """Change a requirement's status, owner, due date or notes.

    Closing (met or not applicable) a recurring requirement adds its next occurrence.
    """
    if status not in Requirement.Status.values:
        raise PartnershipInputError(f"{status!r} is not a status")
    if owner is not None and owner.partnership_id != requirement.partnership_id:
        raise PartnershipInputError(f"{owner} is not a member of this partnership")
    changed_status = status != requirement.status
    requirement.status = status
    requirement.owner = owner
    requirement.due_on = due_on
    requirement.notes = notes.strip()
    if changed_status:
        requirement.status_changed_at = timezone.now()
        requirement.status_changed_by = _actor(by)
    requirement.save()
    if changed_status:
        audit.record(
            action=AuditEvent.Action.ACTION,
            summary=f"Set “{requirement}” to {requirement.get_status_display().lower()}",
            obj=requirement,
            by=_actor(by),
        )
    item = requirement.item
    if requirement.is_closed and item.recurs_every_months:
        next_due = schedule.next_due_date(
            first_due=item.first_due_on,
            every_months=item.recurs_every_months,
            after=requirement.due_on,
        )
        current = requirement.partnership.requirements_framework
        next_item = (current.items.filter(key=requirement.key).first() if current else None) or item
        Requirement.objects.get_or_create(
            partnership=requirement.partnership,
            key=requirement.key,
            organisation=requirement.organisation,
            due_on=next_due,
            defaults={"item": next_item, "owner": requirement.owner},
        )
    return requirement


MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
EVIDENCE_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".docx",
        ".doc",
        ".odt",
        ".xlsx",
        ".xls",
        ".ods",
        ".pptx",
        ".odp",
        ".csv",
        ".txt",
        ".png",
        ".jpg",
        ".jpeg",
        ".msg",
        ".eml",
        ".zip",
    }
)


@transaction.atomic
def add_evidence(
    *,
    requirement: Requirement,
    title: str,
    by: User | None,
    file: UploadedFile | None = None,
    url: str = "",
) -> Evidence:
    """A file or a link as evidence for a requirement (exactly one of the two)."""
    from pathlib import PurePath

    from django.conf import settings

    if not title.strip():
        raise PartnershipInputError("give the evidence a title")
    if (file is None) == (not url.strip()):
        raise PartnershipInputError("give either a file or a link, not both")
    if file is not None:
        extension = PurePath(file.name or "").suffix.lower()
        if extension not in EVIDENCE_EXTENSIONS:
            raise PartnershipInputError(
                f"files of type {extension or '(none)'} are not accepted as evidence; use one of "
                + ", ".join(sorted(EVIDENCE_EXTENSIONS))
            )
        limit = min(MAX_EVIDENCE_BYTES, getattr(settings, "MAX_UPLOAD_BYTES", MAX_EVIDENCE_BYTES))
        if file.size is not None and file.size > limit:
            raise PartnershipInputError(f"the file is larger than {limit // (1024 * 1024)} MB")
    evidence = Evidence(
        requirement=requirement, title=title.strip(), url=url.strip(), added_by=_actor(by)
    )
    if file is not None:
        evidence.file.save(file.name or "evidence", file, save=False)
    evidence.save()
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Added evidence “{evidence.title}” to “{requirement}”",
        obj=evidence,
        by=_actor(by),
    )
    return evidence


# --- Self-assessment -----------------------------------------------------------------------


class AssessmentError(ValueError):
    """A self-assessment step refused: the message says why."""


@transaction.atomic
def issue_self_assessment(
    *,
    partnership: Partnership,
    framework: Framework,
    title: str,
    due_on: dt.date,
    organisations: Sequence[Organisation],
    by: User | None,
) -> AssessmentRound:
    """Send a self-assessment to member organisations: each gets a return to answer."""
    if framework.kind != Framework.Kind.SELF_ASSESSMENT:
        raise AssessmentError(f"{framework} is not a self-assessment questionnaire")
    if not organisations:
        raise AssessmentError("choose at least one organisation to send it to")
    strangers = [o for o in organisations if o.partnership_id != partnership.pk]
    if strangers:
        raise AssessmentError(f"{strangers[0]} is not a member of {partnership.name}")
    if partnership.assessment_rounds.filter(title__iexact=title.strip()).exists():
        raise AssessmentError(f"there is already a self-assessment called {title.strip()}")
    assessment_round = AssessmentRound.objects.create(
        partnership=partnership,
        framework=framework,
        title=title.strip(),
        due_on=due_on,
        issued_by=_actor(by),
    )
    for organisation in organisations:
        AssessmentReturn.objects.create(round=assessment_round, organisation=organisation)
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Issued self-assessment "
        f"“{assessment_round.title}” to {len(organisations)} organisations",
        obj=assessment_round,
        by=_actor(by),
    )
    transaction.on_commit(lambda: notifications.round_issued(assessment_round))
    return assessment_round


@dataclass(frozen=True)
class ActionInput:
    """An improvement action as typed into an answer."""

    description: str
    owner: str = ""
    due_on: dt.date | None = None


def _editable(assessment_return: AssessmentReturn) -> None:
    if not assessment_return.is_editable:
        raise AssessmentError(
            f"this return is {assessment_return.get_status_display().lower()} and cannot be changed"
        )


@transaction.atomic
def save_answer(
    *,
    assessment_return: AssessmentReturn,
    question: Question,
    rating: int | None,
    commentary: str,
    evidence: str,
    actions: Sequence[ActionInput],
    by: User | None,
) -> Answer:
    """Save (as a draft) an organisation's answer to one question, replacing its actions."""
    assessment_return = AssessmentReturn.objects.select_for_update().get(pk=assessment_return.pk)
    _editable(assessment_return)
    framework = assessment_return.round.framework
    if question.framework_id != framework.pk:
        raise AssessmentError("that question is not part of this self-assessment")
    if rating is not None and rating not in {r["value"] for r in framework.ratings}:
        raise AssessmentError(f"{rating} is not a rating on this questionnaire's scale")
    answer, _ = Answer.objects.get_or_create(assessment_return=assessment_return, question=question)
    answer.rating = rating
    answer.commentary = commentary.strip()
    answer.evidence = evidence.strip()
    answer.updated_by = _actor(by)
    answer.save()
    answer.actions.all().delete()
    for action in actions:
        if action.description.strip():
            AnswerAction.objects.create(
                answer=answer,
                description=action.description.strip(),
                owner=action.owner.strip(),
                due_on=action.due_on,
            )
    if assessment_return.status == AssessmentReturn.Status.NOT_STARTED:
        assessment_return.status = AssessmentReturn.Status.DRAFT
        assessment_return.save(update_fields=["status", "updated_at"])
    return answer


def unanswered_questions(assessment_return: AssessmentReturn) -> list[Question]:
    """Questions of the return's questionnaire without a rating yet."""
    rated = set(
        assessment_return.answers.filter(rating__isnull=False).values_list("question_id", flat=True)
    )
    return [q for q in assessment_return.round.framework.questions.all() if q.pk not in rated]


@transaction.atomic
def submit_return(*, assessment_return: AssessmentReturn, by: User | None) -> AssessmentReturn:
    """Submit a return to the partnership lead: every question needs a rating."""
    assessment_return = AssessmentReturn.objects.select_for_update().get(pk=assessment_return.pk)
    _editable(assessment_return)
    missing = unanswered_questions(assessment_return)
    if missing:
        raise AssessmentError(
            f"{len(missing)} question{'s have' if len(missing) != 1 else ' has'} no rating yet, "
            f"starting with: {missing[0].text}"
        )
    assessment_return.status = AssessmentReturn.Status.SUBMITTED
    assessment_return.submitted_at = timezone.now()
    assessment_return.submitted_by = _actor(by)
    assessment_return.save()
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Submitted “{assessment_return}”",
        obj=assessment_return,
        by=_actor(by),
    )
    transaction.on_commit(lambda: notifications.return_submitted(assessment_return))
    return assessment_return


@transaction.atomic
def review_return(
    *,
    assessment_return: AssessmentReturn,
    accept: bool,
    comment: str,
    by: User | None,
    answer_comments: dict[int, str] | None = None,
) -> AssessmentReturn:
    """The lead accepts a submitted return, or returns it for changes with comments."""
    assessment_return = AssessmentReturn.objects.select_for_update().get(pk=assessment_return.pk)
    if assessment_return.status != AssessmentReturn.Status.SUBMITTED:
        raise AssessmentError("only a submitted return can be reviewed")
    if not accept and not comment.strip():
        raise AssessmentError("say what needs changing when returning it")
    for answer in assessment_return.answers.all():
        if answer_comments and answer.question_id in answer_comments:
            answer.review_comment = answer_comments[answer.question_id].strip()
            answer.save(update_fields=["review_comment", "updated_at"])
    assessment_return.status = (
        AssessmentReturn.Status.ACCEPTED if accept else AssessmentReturn.Status.RETURNED
    )
    assessment_return.review_comment = comment.strip()
    assessment_return.reviewed_at = timezone.now()
    assessment_return.reviewed_by = _actor(by)
    assessment_return.save()
    verb = "Accepted" if accept else "Returned for changes"
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"{verb} “{assessment_return}”",
        obj=assessment_return,
        by=_actor(by),
    )
    transaction.on_commit(lambda: notifications.return_reviewed(assessment_return))
    return assessment_return


# --- Engagement ----------------------------------------------------------------------------


ENGAGEMENT_FIELDS = ("kind", "audience", "title", "held_on", "participants", "outcomes", "informed")


@transaction.atomic
def record_engagement(
    *,
    partnership: Partnership,
    by: User | None,
    organisations: Sequence[Organisation] = (),
    requirement: Requirement | None = None,
    engagement: Engagement | None = None,
    **fields: Any,
) -> Engagement:
    """Record (or, given ``engagement``, correct) a consultation or co-production event."""
    unknown = set(fields) - set(ENGAGEMENT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    if requirement is not None and requirement.partnership_id != partnership.pk:
        raise PartnershipInputError("the requirement belongs to another partnership")
    if any(o.partnership_id != partnership.pk for o in organisations):
        raise PartnershipInputError("every organisation taking part must be a member")
    created = engagement is None
    if engagement is None:
        engagement = Engagement(partnership=partnership, created_by=_actor(by))
    elif engagement.partnership_id != partnership.pk:
        raise PartnershipInputError("the engagement belongs to another partnership")
    for name, value in fields.items():
        setattr(engagement, name, value.strip() if isinstance(value, str) else value)
    engagement.requirement = requirement
    engagement.save()
    engagement.organisations.set(organisations)
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"{'Recorded' if created else 'Changed'} engagement “{engagement}”",
        obj=engagement,
        by=_actor(by),
    )
    return engagement


# --- Reminders -----------------------------------------------------------------------------


def send_reminders(*, today: dt.date | None = None, horizon_days: int = 30) -> int:
    """Email every active user with an email address their overdue and upcoming items.

    Returns the number of emails sent (through Django's email backend; the console by default).
    """
    from svduty.partnership.queries import reminders_for

    today = today or timezone.localdate()
    sent = 0
    for user in User.objects.filter(is_active=True).exclude(email="").order_by("username"):
        reminders = reminders_for(user, today=today, horizon_days=horizon_days)
        if reminders and notifications.reminders(user, reminders, today=today):
            sent += 1
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Sent reminder emails to {sent} user{'s' if sent != 1 else ''}",
    )
    return sent


# --- The demo --------------------------------------------------------------------------------


_DEMO_PEOPLE = (
    ("Asha Greenwood", "Superintendent, partnerships"),
    ("Tom Hollis", "Group manager, prevention"),
    ("Priya Natarajan", "Director of population health"),
    ("Gareth Lewin", "Head of community safety"),
    ("Maya Okafor", "Head of youth justice"),
    ("Declan Shaw", "Head of probation delivery unit"),
    ("Ruth Fairbairn", "Education safeguarding lead"),
    ("Sam Kettering", "Head of reducing reoffending"),
)


@transaction.atomic
def add_demo_members(*, partnership: Partnership, by: User | None) -> list[Organisation]:
    """Fictional specified and relevant authorities, with contacts, for the demo partnership.

    Names follow the force area's name; a council per district. Contacts have invented names,
    ``example.org`` addresses and Ofcom's drama telephone numbers (01632 960xxx), so none is real.
    """
    pfa = partnership.police_force_area
    districts = districts_of(csps_of(pfa))
    plan: list[tuple[str, str, list[Area]]] = [
        (f"{pfa.name} Police", OrganisationKind.POLICE, [pfa]),
        (f"{pfa.name} Fire and Rescue Service", OrganisationKind.FIRE_AND_RESCUE, [pfa]),
        (f"{pfa.name} Integrated Care Board", OrganisationKind.HEALTH_BOARD, [pfa]),
        *[(f"{d.name} Council", OrganisationKind.LOCAL_AUTHORITY, [d]) for d in districts],
        (f"{pfa.name} Youth Justice Service", OrganisationKind.YOUTH_OFFENDING_TEAM, [pfa]),
        (f"Probation Service, {pfa.name}", OrganisationKind.PROBATION, [pfa]),
        (f"{pfa.name} Schools and Colleges Partnership", OrganisationKind.EDUCATION, [pfa]),
        (f"HM Prison {pfa.name}", OrganisationKind.PRISON, [pfa]),
    ]
    strategic = partnership.boards.filter(kind=Board.Kind.STRATEGIC_BOARD).first()
    members = []
    for n, (name, kind, areas) in enumerate(plan):
        organisation = partnership.organisations.filter(name=name).first()
        if organisation is None:
            organisation = add_member_organisation(
                partnership=partnership, name=name, kind=kind, areas=areas, by=by
            )
            person, job_title = _DEMO_PEOPLE[n % len(_DEMO_PEOPLE)]
            add_contact(
                organisation=organisation,
                name=person,
                job_title=job_title,
                by=by,
                email=f"{slugify(person).replace('-', '.')}@example.org",
                phone=f"01632 960{n:03d}",
                is_primary=True,
            )
            if strategic is not None and kind in SPECIFIED_KINDS:
                seat_on_board(
                    board=strategic,
                    organisation=organisation,
                    by=by,
                    role=BoardSeat.Role.MEMBER,
                    representative=organisation.contacts.first(),
                )
        members.append(organisation)
    return members


@transaction.atomic
def add_demo_progress(
    *, partnership: Partnership, by: User | None, today: dt.date | None = None
) -> None:
    """A fictional record of the demo partnership's work so far (after ``add_demo_members``).

    An agreed local definition; the first round of requirements met with evidence links; two
    engagement entries; and two self-assessment rounds (all returns of the first accepted, half of
    the second submitted), with ratings that rise a little between them. Deterministic.
    """
    today = today or timezone.localdate()
    if partnership.local_definitions.exists():
        return  # already added
    record_local_definition(
        partnership=partnership,
        by=by,
        agreed_by="Strategic partnership board",
        agreed_on=dt.date(2023, 12, 12),
        text="Serious violence is any violence or exploitation that causes, or could cause, "
        "serious harm, including homicide, violence with injury and knife and weapon offences, "
        "robbery, domestic abuse, sexual offences and the criminal exploitation of children and "
        "young people, with a focus on public places and on people under 25.",
    )
    met_first = (
        "partnership-model",
        "local-definition",
        "strategic-needs-assessment",
        "strategy",
        "consult-relevant-authorities",
    )
    for requirement in partnership.requirements.filter(key__in=met_first).order_by("due_on"):
        add_evidence(
            requirement=requirement,
            by=by,
            title=f"{requirement.item.title}: record",
            url=f"https://example.org/{partnership.slug}/{requirement.key}",
        )
        update_requirement(
            requirement=requirement,
            status=Requirement.Status.MET,
            owner=requirement.owner,
            due_on=requirement.due_on,
            notes="Agreed at the strategic partnership board.",
            by=by,
        )
    for requirement in partnership.requirements.filter(
        key="review-needs-assessment", status=Requirement.Status.NOT_STARTED
    ):
        update_requirement(
            requirement=requirement,
            status=Requirement.Status.IN_PROGRESS,
            owner=requirement.owner,
            due_on=requirement.due_on,
            notes="Data requested from partners.",
            by=by,
        )
    relevant = list(
        partnership.organisations.filter(
            kind__in=[OrganisationKind.EDUCATION, OrganisationKind.PRISON]
        )
    )
    consult = partnership.requirements.filter(key="consult-relevant-authorities").first()
    record_engagement(
        partnership=partnership,
        by=by,
        organisations=relevant,
        requirement=consult,
        kind=Engagement.Kind.CONSULTATION,
        audience=Engagement.Audience.SCHOOLS_AND_COLLEGES,
        title="Consultation on the draft strategy",
        held_on=dt.date(2023, 11, 8),
        participants="Head teachers' forum, the further education college, the prison's "
        "reducing reoffending lead",
        outcomes="Asked for earlier sharing of exclusions data and "
        "for release plans to include safe accommodation.",
        informed="Strategy 2024–2027",
    )
    record_engagement(
        partnership=partnership,
        by=by,
        kind=Engagement.Kind.CO_PRODUCTION,
        audience=Engagement.Audience.YOUNG_PEOPLE,
        title="Youth panel on safer town centres",
        held_on=dt.date(2024, 6, 20),
        participants="Youth council (11 young people aged 14–19)",
        outcomes="Late-night transport and lighting on routes home became strategy actions.",
        informed="Strategy 2024–2027, annual review",
    )
    framework = latest_framework(kind=Framework.Kind.SELF_ASSESSMENT)
    if framework is None:
        return
    from svduty.partnership.queries import self_assessment_recipients

    recipients = list(self_assessment_recipients(partnership))
    questions = list(framework.questions.all())
    for n, (title, uplift) in enumerate(
        (("Readiness self-assessment 2025", 0), ("Readiness self-assessment 2026", 1))
    ):
        issued = issue_self_assessment(
            partnership=partnership,
            framework=framework,
            title=title,
            due_on=today + dt.timedelta(days=30 * (n + 1)),
            organisations=recipients,
            by=by,
        )
        for m, item in enumerate(issued.returns.order_by("organisation__name")):
            if n == 1 and m % 2:
                continue  # half the second round is still to come
            for question in questions:
                rating = min(4, m % 3 + question.order % 2 + uplift)
                save_answer(
                    assessment_return=item,
                    question=question,
                    rating=rating,
                    commentary="In place for most teams; see the board minutes.",
                    evidence="Strategic board minutes",
                    actions=[],
                    by=by,
                )
            submit_return(assessment_return=item, by=by)
            if n == 0:
                review_return(assessment_return=item, accept=True, comment="Thank you.", by=by)


@transaction.atomic
def set_disclosure_policy(
    *, partnership: Partnership, settings: dict[str, Any], by: User | None
) -> None:
    """Change the partnership's disclosure-control policy (stricter than the default only).

    Public results are rebuilt under the new policy; the change is audited.
    """
    from svduty.analysis.disclosure import DisclosureError, policy_from, policy_label
    from svduty.analysis.jobs import schedule_refresh

    try:
        policy = policy_from(settings)
    except DisclosureError as error:
        raise PartnershipInputError(str(error)) from error
    partnership.disclosure_policy = dict(settings)
    partnership.save(update_fields=["disclosure_policy"])
    audit.record(
        action=AuditEvent.Action.UPDATE,
        summary=f"Disclosure policy of {partnership.name} set to {policy_label(policy)}",
        obj=partnership,
        by=_actor(by),
    )
    schedule_refresh(partnership)


def set_csp_aliases(
    *, partnership: Partnership, add: dict[str, str], remove: Sequence[str], by: User | None
) -> dict[str, str]:
    """Add or remove reviewed CSP name aliases (name → ONS CSP code); audited.

    An alias must name a loaded CSP code; the aliases are the list the Home Office tables' CSP
    names are matched through after the loaded CSP names (``geography_for``).
    """
    aliases = dict(partnership.csp_aliases or {})
    known = set(Area.objects.filter(level=AreaLevel.CSP).values_list("code", flat=True))
    problems = [
        f"{name!r}: {code!r} is not a loaded CSP code"
        for name, code in add.items()
        if code not in known
    ]
    problems += [f"{name!r} is not an alias of {partnership.slug}" for name in remove
                 if name not in aliases]  # fmt: skip
    if problems:
        raise PartnershipInputError("; ".join(problems))
    for name in remove:
        del aliases[name]
    aliases.update(add)
    partnership.csp_aliases = dict(sorted(aliases.items()))
    partnership.save(update_fields=["csp_aliases"])
    changes = [f"{name} → {code}" for name, code in add.items()] + [
        f"{name} removed" for name in remove
    ]
    audit.record(
        action=AuditEvent.Action.UPDATE,
        summary=f"CSP aliases of {partnership.name}: {'; '.join(changes)}",
        obj=partnership,
        by=_actor(by),
    )
    return dict(partnership.csp_aliases)
