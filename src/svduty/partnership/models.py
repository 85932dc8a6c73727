"""The partnership, its members and model, its local definition, the Duty's requirements and
evidence, self-assessments, engagement with relevant authorities and communities.

Members are ``access.Organisation`` rows whose ``partnership`` is set; what they cover and who to
contact there lives here. Frameworks (the requirements and the self-assessment questionnaire) are
data shipped with svduty and loaded by an administrator (``svduty.partnership.frameworks``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models


class Partnership(models.Model):
    """The specified authorities of one police force area working together under the Duty."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    police_force_area = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="partnerships"
    )
    is_demo = models.BooleanField(default=False, help_text="synthetic data: bannered on every page")
    created_at = models.DateTimeField(auto_now_add=True)
    lead_organisation = models.ForeignKey(
        "access.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="the body leading the partnership: the local policing body or its VRU",
    )
    requirements_framework = models.ForeignKey(
        "partnership.Framework",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the version of the Duty's requirements the partnership follows",
    )
    csp_aliases = models.JSONField(
        default=dict,
        blank=True,
        help_text="reviewed aliases of CSP names (as the Home Office tables write them) → "
        'ONS CSP codes, e.g. {"Northern Devon": "E22000363"}',
    )
    disclosure_policy = models.JSONField(
        default=dict,
        blank=True,
        help_text="changes to the default disclosure-control policy (contracts.md section 4): "
        "threshold, rounding; only stricter than the default",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalDefinition(models.Model):
    """One agreed version of the partnership's local definition of serious violence.

    ``rule`` is the executable form (see ``svduty.analysis.definitions``); a change makes a new
    version, and every figure records the version it used.
    """

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="local_definitions"
    )
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="the definition as agreed")
    rule = models.JSONField(default=dict)
    agreed_by = models.CharField(max_length=200, blank=True, help_text="board or person")
    agreed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "version"], name="one_definition_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partnership.slug} local definition v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.partnership.slug}-v{self.version}"


# --- Members: the areas they cover and their contacts ----------------------------------------


class Coverage(models.Model):
    """A member organisation covers (acts for) an area: a district, a CSP or the force area."""

    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.CASCADE, related_name="coverage"
    )
    area = models.ForeignKey("geography.Area", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["organisation", "area__level", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "area"], name="one_coverage_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} covers {self.area}"

    @property
    def partnership(self) -> Partnership | None:
        return self.organisation.partnership


class Contact(models.Model):
    """A named person to contact at a member organisation (not necessarily a user of svduty)."""

    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False, help_text="the organisation's lead contact")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "-is_primary", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def partnership(self) -> Partnership | None:
        return self.organisation.partnership


# --- The partnership model: boards and groups, and who sits on each --------------------------


class Board(models.Model):
    """A board or group of the partnership model: the strategic board, a delivery group, a CSP."""

    class Kind(models.TextChoices):
        STRATEGIC_BOARD = "strategic_board", "Strategic partnership board"
        IMPLEMENTATION_GROUP = "implementation_group", "Implementation or delivery group"
        COMMUNITY_SAFETY_PARTNERSHIP = (
            "community_safety_partnership",
            "Community safety partnership",
        )
        TASK_AND_FINISH_GROUP = "task_and_finish_group", "Task and finish group"
        OTHER = "other", "Other group"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    organisation = models.ForeignKey(
        "access.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="for a community safety partnership: its organisation in svduty",
    )
    remit = models.TextField(blank=True, help_text="what the group is for and what it decides")
    reports_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reporting_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "name"], name="one_board_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class BoardSeat(models.Model):
    """A member organisation sits on a board, optionally represented by a named contact."""

    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"
        ADVISER = "adviser", "Adviser or observer"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="seats")
    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.CASCADE, related_name="board_seats"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    representative = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="board_seats"
    )

    class Meta:
        ordering = ["board", "role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "organisation"], name="one_seat_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.board} ({self.get_role_display()})"

    @property
    def partnership(self) -> Partnership:
        return self.board.partnership


# --- Frameworks: the Duty's requirements and the self-assessment questionnaire ---------------


class Framework(models.Model):
    """One version of a framework file loaded from YAML (``svduty frameworks load``)."""

    class Kind(models.TextChoices):
        REQUIREMENTS = "requirements", "The Duty's requirements"
        SELF_ASSESSMENT = "self_assessment", "Self-assessment questionnaire"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    slug = models.SlugField(max_length=80)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="where the content was drawn from")
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    content = models.JSONField(help_text="the validated file, as loaded")
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="one_framework_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def ratings(self) -> list[dict[str, Any]]:
        """The rating scale of a self-assessment, lowest first."""
        return list(self.content.get("ratings", []))

    def rating_label(self, value: int | None) -> str:
        for rating in self.ratings:
            if rating["value"] == value:
                return str(rating["label"])
        return ""


class RequirementItem(models.Model):
    """One requirement of a requirements framework, e.g. "publish the strategy"."""

    class Scope(models.TextChoices):
        PARTNERSHIP = "partnership", "The partnership as a whole"
        EACH_CSP = "each_csp", "Each community safety partnership"
        EACH_SPECIFIED_AUTHORITY = "each_specified_authority", "Each specified authority"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    reference = models.CharField(max_length=300, blank=True, help_text="statute or guidance")
    scope = models.CharField(max_length=30, choices=Scope.choices, default=Scope.PARTNERSHIP)
    first_due_on = models.DateField()
    recurs_every_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="empty for a one-off requirement"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "key"], name="one_item_per_key")
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of a self-assessment questionnaire."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=80)
    section = models.CharField(max_length=200)
    text = models.TextField()
    guidance = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "key"], name="one_question_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.framework.slug} v{self.framework.version}: {self.key}"


# --- The Duty's requirements for one partnership, with their evidence ------------------------


class Requirement(models.Model):
    """One occurrence of a framework requirement for a partnership (or for one of its members).

    A recurring requirement (an annual review) gets its next occurrence when this one is met.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        MET = "met", "Met"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    CLOSED = (Status.MET, Status.NOT_APPLICABLE)

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="requirements"
    )
    item = models.ForeignKey(RequirementItem, on_delete=models.PROTECT, related_name="occurrences")
    key = models.SlugField(max_length=80, help_text="the item's key, stable across versions")
    organisation = models.ForeignKey(
        "access.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="requirements_for",
        help_text="for requirements on each CSP or authority: the one this is for",
    )
    due_on = models.DateField()
    owner = models.ForeignKey(
        "access.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requirements_owned",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    notes = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "due_on", "item__order", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "key", "due_on"],
                condition=models.Q(organisation__isnull=True),
                name="one_partnership_requirement_per_due_date",
            ),
            models.UniqueConstraint(
                fields=["partnership", "key", "organisation", "due_on"],
                condition=models.Q(organisation__isnull=False),
                name="one_member_requirement_per_due_date",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" — {self.organisation}" if self.organisation_id else ""
        return f"{self.item.title}{suffix} (due {self.due_on:%d %B %Y})"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return not self.is_closed and self.due_on < (today or dt.date.today())


def evidence_path(instance: Evidence, filename: str) -> str:
    """Evidence files live under FILES_DIR/evidence/<partnership>/<requirement>/."""
    from django.utils.text import get_valid_filename

    requirement = instance.requirement
    return (
        f"evidence/{requirement.partnership.slug}/{requirement.pk}/{get_valid_filename(filename)}"
    )


class Evidence(models.Model):
    """A file or a link showing that a requirement is met or in hand."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=evidence_path, blank=True, max_length=300)
    url = models.URLField(blank=True, max_length=500)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["requirement", "-added_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                name="evidence_is_a_file_or_a_link",
                condition=(models.Q(file="") & ~models.Q(url=""))
                | (~models.Q(file="") & models.Q(url="")),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def partnership(self) -> Partnership:
        return self.requirement.partnership


# --- Self-assessment ------------------------------------------------------------------------


class AssessmentRound(models.Model):
    """A self-assessment the partnership lead issued to members on one date."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="assessment_rounds"
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="rounds")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["partnership", "-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "title"], name="one_round_per_title")
        ]

    def __str__(self) -> str:
        return self.title


class AssessmentReturn(models.Model):
    """One organisation's answers to one round: drafted, submitted, reviewed."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        ACCEPTED = "accepted", "Accepted"

    EDITABLE = (Status.NOT_STARTED, Status.DRAFT, Status.RETURNED)
    SUBMITTED_STATES = (Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED)

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="returns")
    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.CASCADE, related_name="assessment_returns"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="one_return_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.round} — {self.organisation}"

    @property
    def partnership(self) -> Partnership:
        return self.round.partnership

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_submitted(self) -> bool:
        return self.status in self.SUBMITTED_STATES


class Answer(models.Model):
    """An organisation's answer to one question: a rating, commentary and evidence."""

    assessment_return = models.ForeignKey(
        AssessmentReturn, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    commentary = models.TextField(blank=True)
    evidence = models.TextField(blank=True, help_text="documents or links that show it")
    review_comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["assessment_return", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment_return", "question"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        # Deliberately without the commentary: this string reaches the audit trail's summaries.
        return f"answer to {self.question.key} for {self.assessment_return.organisation}"

    @property
    def partnership(self) -> Partnership:
        return self.assessment_return.round.partnership


class AnswerAction(models.Model):
    """An improvement action an organisation commits to in answering a question."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.CharField(max_length=200, blank=True, help_text="person or team")
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["answer", "due_on", "id"]

    def __str__(self) -> str:
        return f"action on {self.answer}"

    @property
    def partnership(self) -> Partnership:
        return self.answer.partnership


# --- Engagement -----------------------------------------------------------------------------


class Engagement(models.Model):
    """A consultation of relevant authorities or a co-production event, and what came of it."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "Consultation of relevant authorities"
        CO_PRODUCTION = "co_production", "Co-production event"

    class Audience(models.TextChoices):
        SCHOOLS_AND_COLLEGES = "schools_and_colleges", "Schools and colleges"
        PRISONS = "prisons", "Prisons"
        YOUTH_CUSTODY = "youth_custody", "Youth custody"
        COMMUNITY_AND_VOLUNTARY = "community_and_voluntary", "Community and voluntary organisations"
        YOUNG_PEOPLE = "young_people", "Young people"
        RESIDENTS = "residents", "Residents and communities"
        OTHER = "other", "Other"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="engagements"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    audience = models.CharField(max_length=30, choices=Audience.choices)
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    participants = models.TextField(help_text="who took part")
    organisations = models.ManyToManyField(
        "access.Organisation", blank=True, related_name="engagements"
    )
    outcomes = models.TextField(help_text="what came out of it")
    requirement = models.ForeignKey(
        Requirement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagements",
        help_text="the requirement it informed",
    )
    informed = models.CharField(
        max_length=300, blank=True, help_text="the strategy or document it informed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["partnership", "-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d %B %Y})"
