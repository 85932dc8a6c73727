"""Grant funding (domain.md section 7): grants received with their spend profile, actual spend,
claims and monitoring returns; the posts and interventions the money pays for; calls for proposals
with their applications and assessments.

Money is ``DecimalField(max_digits=12, decimal_places=2)``: exact pounds and pence.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def _user_fk() -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


def _money(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class CostType(models.TextChoices):
    """The Home Office grant's two lines (domain.md 7)."""

    LABOUR = "labour", "Labour"
    NON_LABOUR = "non_labour", "Non-labour"


QUARTERS = [
    (1, "Q1 (April–June)"),
    (2, "Q2 (July–September)"),
    (3, "Q3 (October–December)"),
    (4, "Q4 (January–March)"),
]


class Grant(models.Model):
    """A grant received for one financial year, e.g. the Home Office Serious Violence Duty grant,
    split into labour and non-labour costs. Underspend cannot be carried into another year."""

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="grants"
    )
    funder = models.CharField(max_length=200, default="Home Office")
    programme = models.CharField(max_length=200, default="Serious Violence Duty")
    financial_year = models.CharField(max_length=7)
    labour_amount = _money()
    non_labour_amount = _money()
    recipient = models.ForeignKey(
        "access.Organisation",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="grants_received",
        help_text="the body the grant is paid to",
    )
    agreement_reference = models.CharField(max_length=100, blank=True)
    agreement_signed_on = models.DateField(null=True, blank=True)
    conditions = models.TextField(blank=True, help_text="the grant's conditions")
    agreement = models.FileField(upload_to="funding/agreements/", blank=True)
    source = models.CharField(
        max_length=500, blank=True, help_text="where the allocation is published"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["partnership", "-financial_year", "funder"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "funder", "programme", "financial_year"],
                name="one_grant_per_funder_programme_year",
            ),
            models.CheckConstraint(
                name="grant_amounts_not_negative",
                condition=Q(labour_amount__gte=0) & Q(non_labour_amount__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder} {self.programme} {self.financial_year}"

    @property
    def total_amount(self) -> Decimal:
        return self.labour_amount + self.non_labour_amount

    def amount_for(self, cost_type: str) -> Decimal:
        return self.labour_amount if cost_type == CostType.LABOUR else self.non_labour_amount


class SpendProfileLine(models.Model):
    """Planned spend of one cost type in one quarter of the grant's year."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="profile")
    quarter = models.PositiveSmallIntegerField(choices=QUARTERS)
    cost_type = models.CharField(max_length=12, choices=CostType.choices)
    planned_amount = _money()

    class Meta:
        ordering = ["grant", "quarter", "cost_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "quarter", "cost_type"], name="one_profile_line_per_quarter"
            ),
            models.CheckConstraint(
                name="profile_quarter_1_to_4", condition=Q(quarter__gte=1, quarter__lte=4)
            ),
            models.CheckConstraint(name="profile_not_negative", condition=Q(planned_amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.grant} Q{self.quarter} {self.get_cost_type_display()}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.grant.partnership


class Spend(models.Model):
    """One payment charged to a grant (actual spend). Payments over £500 are published."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="spend")
    cost_type = models.CharField(max_length=12, choices=CostType.choices)
    paid_on = models.DateField()
    amount = _money(help_text="negative for a refund or credit note")
    supplier_name = models.CharField(max_length=200)
    is_supplier_individual = models.BooleanField(
        default=False, help_text="a person: their name is never published"
    )
    is_payroll = models.BooleanField(
        default=False, help_text="staff pay, which is not a payment to a supplier"
    )
    expense_type = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=300, blank=True)
    transaction_reference = models.CharField(max_length=100, blank=True)
    post = models.ForeignKey(
        "FundedPost", on_delete=models.SET_NULL, null=True, blank=True, related_name="spend"
    )
    intervention = models.ForeignKey(
        "Intervention", on_delete=models.SET_NULL, null=True, blank=True, related_name="spend"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["grant", "paid_on", "pk"]
        verbose_name_plural = "spend"
        constraints = [
            models.CheckConstraint(name="spend_not_zero", condition=~Q(amount=0)),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.supplier_name} {self.amount}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.grant.partnership


class Claim(models.Model):
    """A quarterly claim to the funder for spend incurred."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        PAID = "paid", "Paid"

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="claims")
    quarter = models.PositiveSmallIntegerField(choices=QUARTERS)
    labour_amount = _money()
    non_labour_amount = _money()
    submitted_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    paid_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["grant", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "quarter"], name="one_claim_per_quarter"),
            models.CheckConstraint(
                name="claim_paid_has_date", condition=~Q(status="paid") | Q(paid_on__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.grant} Q{self.quarter}"

    @property
    def total_amount(self) -> Decimal:
        return self.labour_amount + self.non_labour_amount

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.grant.partnership


class MonitoringReturn(models.Model):
    """A quarterly monitoring return to the funder: what the grant delivered."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="returns")
    quarter = models.PositiveSmallIntegerField(choices=QUARTERS)
    submitted_on = models.DateField()
    narrative = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["grant", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "quarter"], name="one_return_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"Monitoring return {self.grant} Q{self.quarter}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.grant.partnership


class FundingStatus(models.TextChoices):
    """Where funded work stands; it follows the approving decision."""

    PROPOSED = "proposed", "Proposed: awaiting decision"
    FUNDED = "funded", "Funded"
    NOT_FUNDED = "not_funded", "Not funded"


def _funding_status(decision: object | None) -> FundingStatus:
    if decision is None or getattr(decision, "status", "") != "decided":
        return FundingStatus.PROPOSED
    if getattr(decision, "outcome", "") == "approved":
        return FundingStatus.FUNDED
    return FundingStatus.NOT_FUNDED


class FundedPost(models.Model):
    """A post the grant pays for, e.g. a data analyst or a partnership officer."""

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="funded_posts"
    )
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="posts")
    cost_type = models.CharField(max_length=12, choices=CostType.choices, default=CostType.LABOUR)
    title = models.CharField(max_length=200)
    employer = models.ForeignKey(
        "access.Organisation", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    employer_other = models.CharField(
        max_length=200, blank=True, help_text="employer without an account in svduty"
    )
    fte = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.00"))
    start_on = models.DateField()
    end_on = models.DateField()
    budget = _money()
    priority = models.ForeignKey(
        "strategy.Priority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funded_posts",
    )
    decision = models.ForeignKey(
        "decisions.DecisionRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funded_posts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["partnership", "grant", "title"]
        constraints = [
            models.CheckConstraint(
                name="post_ends_after_start", condition=Q(end_on__gte=models.F("start_on"))
            ),
            models.CheckConstraint(name="post_budget_not_negative", condition=Q(budget__gte=0)),
            models.CheckConstraint(name="post_fte_positive", condition=Q(fte__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.grant.financial_year})"

    @property
    def employer_name(self) -> str:
        return self.employer.name if self.employer else self.employer_other

    @property
    def funding_status(self) -> FundingStatus:
        return _funding_status(self.decision)


class Intervention(models.Model):
    """Work the grant pays a provider to deliver for a cohort in an area."""

    class EvidenceRating(models.TextChoices):
        NONE = "none", "No evidence yet"
        EMERGING = "emerging", "Emerging: promising early signs"
        MODERATE = "moderate", "Moderate: some good-quality studies"
        STRONG = "strong", "Strong: consistent good-quality studies"

    class EvaluationStatus(models.TextChoices):
        NOT_PLANNED = "not_planned", "Not planned"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETE = "complete", "Complete"

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="interventions"
    )
    reference = models.CharField(max_length=40, help_text="e.g. INT-24-03")
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="interventions")
    cost_type = models.CharField(
        max_length=12, choices=CostType.choices, default=CostType.NON_LABOUR
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    provider = models.ForeignKey(
        "access.Organisation", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    provider_name = models.CharField(
        max_length=200, blank=True, help_text="provider without an account in svduty"
    )
    provider_charity_number = models.CharField(max_length=20, blank=True)
    provider_company_number = models.CharField(max_length=20, blank=True)
    cohort = models.CharField(max_length=300, help_text="who it is for")
    area = models.CharField(max_length=200, help_text="where it is delivered")
    area_code = models.CharField(max_length=12, blank=True, help_text="ONS code, if one area")
    start_on = models.DateField()
    end_on = models.DateField()
    budget = _money()
    evidence_rating = models.CharField(
        max_length=12, choices=EvidenceRating.choices, default=EvidenceRating.NONE
    )
    evaluation_status = models.CharField(
        max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.NOT_PLANNED
    )
    priority = models.ForeignKey(
        "strategy.Priority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interventions",
    )
    decision = models.ForeignKey(
        "decisions.DecisionRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interventions",
    )
    application = models.OneToOneField(
        "Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intervention",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["partnership", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="one_intervention_per_reference"
            ),
            models.CheckConstraint(
                name="intervention_ends_after_start", condition=Q(end_on__gte=models.F("start_on"))
            ),
            models.CheckConstraint(
                name="intervention_budget_not_negative", condition=Q(budget__gte=0)
            ),
            models.CheckConstraint(
                name="intervention_has_a_provider",
                condition=Q(provider__isnull=False) | ~Q(provider_name=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def provider_display(self) -> str:
        return self.provider.name if self.provider else self.provider_name

    @property
    def funding_status(self) -> FundingStatus:
        return _funding_status(self.decision)


class InterventionReturn(models.Model):
    """An intervention's quarterly outputs and outcomes."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="returns")
    financial_year = models.CharField(max_length=7)
    quarter = models.PositiveSmallIntegerField(choices=QUARTERS)
    participants = models.PositiveIntegerField(
        null=True, blank=True, help_text="people who took part"
    )
    outputs = models.TextField(help_text="what was delivered")
    outcomes = models.TextField(blank=True, help_text="what changed as a result")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["intervention", "financial_year", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "financial_year", "quarter"],
                name="one_intervention_return_per_quarter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervention.reference} {self.financial_year} Q{self.quarter}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.intervention.partnership


class Call(models.Model):
    """A call for proposals: an expression-of-interest round for pilot interventions."""

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="calls"
    )
    reference = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="what the call is for")
    eligibility = models.TextField(blank=True, help_text="who may apply")
    grant = models.ForeignKey(
        Grant, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    priority = models.ForeignKey(
        "strategy.Priority", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total_budget = _money()
    max_award = _money(null=True, blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()

    class Meta:
        ordering = ["partnership", "-opens_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="one_call_per_reference"
            ),
            models.CheckConstraint(
                name="call_closes_after_opening", condition=Q(closes_at__gt=models.F("opens_at"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def is_open(self, now: object | None = None) -> bool:
        now = now or timezone.now()
        return self.is_published and self.opens_at <= now < self.closes_at  # type: ignore[operator]


class Application(models.Model):
    """An expression of interest in a call, from any organisation (an account is not needed)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        AWARDED = "awarded", "Awarded"
        DECLINED = "declined", "Not successful"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="applications")
    reference = models.CharField(max_length=40)
    organisation_name = models.CharField(max_length=200)
    charity_number = models.CharField(max_length=20, blank=True)
    company_number = models.CharField(max_length=20, blank=True)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    project_title = models.CharField(max_length=200)
    proposal = models.TextField()
    cohort = models.CharField(max_length=300)
    area = models.CharField(max_length=200)
    amount_requested = _money()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = _user_fk()

    class Meta:
        ordering = ["call", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["call", "reference"], name="one_application_reference"),
            models.CheckConstraint(
                name="application_amount_positive", condition=Q(amount_requested__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.project_title} ({self.organisation_name})"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.call.partnership


class CallAssessor(models.Model):
    """A person named to score a call's applications."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assessors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = _user_fk()

    class Meta:
        ordering = ["call", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="one_assessor_per_call"),
        ]

    def __str__(self) -> str:
        return f"{self.user} assesses {self.call.reference}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.call.partnership


class Assessment(models.Model):
    """A named assessor's conflict declaration and, without a conflict, their score."""

    MAX_SCORE = 10

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assessor_name = models.CharField(max_length=200, help_text="kept if the user goes")
    has_conflict = models.BooleanField()
    conflict_details = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comments = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "assessor"], name="one_assessment_per_assessor"
            ),
            models.CheckConstraint(
                name="assessment_conflict_means_no_score",
                condition=(Q(has_conflict=True) & Q(score__isnull=True) & ~Q(conflict_details=""))
                | (Q(has_conflict=False) & Q(score__isnull=False) & Q(score__lte=10)),
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.application.reference} by {self.assessor}"

    @property
    def partnership(self):  # type: ignore[no-untyped-def]
        return self.application.call.partnership
