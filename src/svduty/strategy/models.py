"""The strategy: its versions and priorities, each year's activity plan and its actions, progress
updates, the needs-assessment findings that justify actions, and the annual review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from svduty.funding.periods import start_year, years_from

# Success measures an action can aim to move (contracts.md section 3), with their cohorts.
MEASURES: dict[str, str] = {
    "knife_enabled_serious_violence": "Knife-enabled serious violence (police recorded)",
    "homicide": "Homicide (police recorded)",
    "hospital_admissions_sharp_object": "Hospital admissions for assault by a sharp object",
}
MEASURE_COHORTS: dict[str, tuple[str, ...]] = {
    "knife_enabled_serious_violence": ("all_ages", "under_25"),
    "homicide": ("all_ages", "under_25", "under_25_knife"),
    "hospital_admissions_sharp_object": ("all_ages", "under_25"),
}
COHORT_LABELS = {
    "all_ages": "All ages",
    "under_25": "Under 25",
    "under_25_knife": "Under 25, involving a knife",
}


def _user_fk(related_name: str = "+") -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
    )


class Strategy(models.Model):
    """One version of the partnership's strategy (the Duty's strategy, reviewed every year).

    A version covers a horizon of financial years (five by default) and moves from draft to
    approved (by the partnership's board) to published (its document made public).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="strategies"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    first_year = models.CharField(max_length=7, help_text="first financial year, e.g. 2024/25")
    horizon_years = models.PositiveSmallIntegerField(default=5)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    approved_on = models.DateField(null=True, blank=True)
    approved_by_body = models.CharField(
        max_length=200, blank=True, help_text="the board or meeting that approved it"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = _user_fk()
    published_on = models.DateField(null=True, blank=True)
    document_url = models.URLField(blank=True, help_text="where the published strategy is")
    document = models.FileField(upload_to="strategy/", blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["partnership", "-version"]
        verbose_name_plural = "strategies"
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "version"], name="one_strategy_per_version"
            ),
            models.CheckConstraint(
                name="strategy_horizon_one_to_ten_years",
                condition=Q(horizon_years__gte=1, horizon_years__lte=10),
            ),
            models.CheckConstraint(
                name="strategy_approval_recorded",
                condition=Q(status="draft")
                | (Q(approved_on__isnull=False) & Q(approved_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="strategy_publication_recorded",
                condition=~Q(status="published")
                | (Q(published_on__isnull=False) & Q(published_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def years(self) -> list[str]:
        """The financial years the strategy covers."""
        return years_from(self.first_year, self.horizon_years)

    @property
    def last_year(self) -> str:
        return self.years[-1]

    def covers(self, year: str) -> bool:
        return 0 <= start_year(year) - start_year(self.first_year) < self.horizon_years


class Priority(models.Model):
    """One of the strategy's priorities, e.g. "Prevent knife-carrying by young people"."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="priorities")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["strategy", "number"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="one_priority_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.strategy.partnership


class NeedsFinding(models.Model):
    """A finding of one year's strategic needs assessment that actions respond to."""

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="needs_findings"
    )
    assessment_year = models.CharField(max_length=7, help_text="financial year of the assessment")
    reference = models.CharField(max_length=20, help_text="e.g. F3")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["partnership", "-assessment_year", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "assessment_year", "reference"],
                name="one_finding_per_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.assessment_year}): {self.title}"


class ActivityPlan(models.Model):
    """The actions the partnership will take in one financial year of a strategy."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="plans")
    year = models.CharField(max_length=7)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["strategy", "year"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "year"], name="one_plan_per_year")
        ]

    def __str__(self) -> str:
        return f"Activity plan {self.year}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.strategy.partnership


class ActionStatus(models.TextChoices):
    """Where an action stands: RAG (red, amber, green) while it runs."""

    NOT_STARTED = "not_started", "Not started"
    GREEN = "green", "Green: on track"
    AMBER = "amber", "Amber: at risk"
    RED = "red", "Red: off track"
    COMPLETE = "complete", "Complete"


class Action(models.Model):
    """One action of a year's activity plan: who leads it, by when, and why."""

    plan = models.ForeignKey(ActivityPlan, on_delete=models.CASCADE, related_name="actions")
    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="actions")
    reference = models.CharField(max_length=20, help_text="e.g. 2.3")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    lead_organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.RESTRICT, related_name="strategy_actions"
    )
    owner = models.CharField(max_length=200, help_text="the named officer responsible")
    start_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    measures = models.JSONField(
        default=list, blank=True, help_text="ids of the success measures it aims to move"
    )
    findings = models.ManyToManyField(NeedsFinding, blank=True, related_name="actions")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["plan", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "reference"], name="one_action_per_reference"),
            models.CheckConstraint(
                name="action_due_after_start", condition=Q(due_on__gte=models.F("start_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.plan.strategy.partnership

    @property
    def measure_labels(self) -> list[str]:
        return [MEASURES.get(m, m) for m in self.measures]


class ProgressUpdate(models.Model):
    """A contributor's report on an action: its RAG status then and what happened."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    reported_on = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices)
    text = models.TextField()
    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["action", "-reported_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.action.reference} {self.reported_on}: {self.get_status_display()}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.action.partnership


class AnnualReview(models.Model):
    """The yearly review of the strategy: progress, the latest measures and the refreshed needs
    assessment gathered into one record (and a document), with the partnership's conclusions.

    ``progress``, ``measures`` and ``findings`` are snapshots taken when the review is gathered,
    so the record keeps what the partnership saw even if the sources later change.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "In progress"
        COMPLETE = "complete", "Complete"

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="reviews")
    year = models.CharField(max_length=7, help_text="the financial year reviewed")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    baseline_year = models.CharField(max_length=7, default="2019/20")
    progress = models.JSONField(default=dict, blank=True)
    measures = models.JSONField(default=list, blank=True)
    assessment_year = models.CharField(max_length=7, blank=True)
    findings = models.JSONField(default=list, blank=True)
    conclusions = models.TextField(blank=True)
    changes_to_strategy = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = _user_fk()

    class Meta:
        ordering = ["strategy", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "year"], name="one_review_per_year"),
            models.CheckConstraint(
                name="review_completion_recorded",
                condition=Q(status="draft") | Q(completed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Annual review {self.year}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.strategy.partnership
