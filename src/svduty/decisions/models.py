"""PCC decision records (domain.md 6.2): the request, the statutory officer's approval, the
decision with a declaration of interests, and publication or its recorded deferral.

There is no statutory format; the fields follow real records (reference, background, the decision
sought, implications, officer sign-off, declaration, publication) and the local-authority analogue
(the decision, its date and reasons, any declared conflict and any dispensation).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from svduty.funding.periods import financial_year_of


def _user_fk() -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


class DecisionRecordQuerySet(models.QuerySet["DecisionRecord"]):
    def public(self, today: date | None = None) -> QuerySet[DecisionRecord]:
        """Records the public may read: decided, and published or past their deferral date."""
        today = today or timezone.localdate()
        return self.filter(status=DecisionRecord.Status.DECIDED).filter(
            Q(published_at__isnull=False) | Q(deferred_until__lte=today)
        )


class DecisionRecord(models.Model):
    """One decision of the local policing body, from request to publication."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft request"
        SUBMITTED = "submitted", "Awaiting statutory officer approval"
        OFFICER_APPROVED = "officer_approved", "Awaiting decision"
        DECIDED = "decided", "Decided"

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        NOT_APPROVED = "not_approved", "Not approved"

    class OfficerRole(models.TextChoices):
        CHIEF_EXECUTIVE = "chief_executive", "Chief executive (monitoring officer)"
        CHIEF_FINANCE_OFFICER = "chief_finance_officer", "Chief finance officer"

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="decision_records"
    )
    reference = models.CharField(max_length=40, help_text="e.g. DN50-24")
    title = models.CharField(max_length=300)
    requested_by_name = models.CharField(
        max_length=200, blank=True, help_text="author of the request and their job role"
    )
    background = models.TextField()
    decision_sought = models.TextField(help_text="the decision the decision maker is asked for")
    financial_implications = models.TextField(blank=True)
    legal_implications = models.TextField(blank=True)
    equality_implications = models.TextField(blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    is_commercially_sensitive = models.BooleanField(
        default=False, help_text="contains commercially sensitive information (kept in part 2)"
    )
    confidential_information = models.TextField(blank=True, help_text="part 2: never published")
    report = models.FileField(upload_to="decisions/reports/", blank=True)
    report_is_exempt = models.BooleanField(default=False)
    report_exemption_reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user_fk()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = _user_fk()
    # Statutory officer approval: advice was taken.
    officer_approved_at = models.DateTimeField(null=True, blank=True)
    officer_approved_by = _user_fk()
    officer_name = models.CharField(max_length=200, blank=True)
    officer_role = models.CharField(max_length=30, choices=OfficerRole.choices, blank=True)
    is_advice_confirmed = models.BooleanField(default=False)
    officer_comments = models.TextField(blank=True)
    # The decision.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    reasons = models.TextField(blank=True)
    has_interest = models.BooleanField(default=False)
    interest_details = models.TextField(blank=True)
    dispensation = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = _user_fk()
    decision_maker_name = models.CharField(max_length=200, blank=True)
    # Publication, or its deferral.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = _user_fk()
    deferred_until = models.DateField(null=True, blank=True)
    deferral_reason = models.TextField(blank=True)
    deferred_at = models.DateTimeField(null=True, blank=True)
    deferred_by = _user_fk()

    objects = DecisionRecordQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="one_decision_record_per_reference"
            ),
            models.CheckConstraint(
                name="decision_officer_approval_recorded",
                condition=Q(status__in=["draft", "submitted"])
                | (Q(officer_approved_at__isnull=False) & Q(is_advice_confirmed=True)),
            ),
            models.CheckConstraint(
                name="decision_outcome_recorded",
                condition=(Q(status="decided") & Q(decided_at__isnull=False) & ~Q(outcome=""))
                | (~Q(status="decided") & Q(decided_at__isnull=True) & Q(outcome="")),
            ),
            models.CheckConstraint(
                name="decision_interest_declared_with_dispensation",
                condition=Q(has_interest=False) | (~Q(interest_details="") & ~Q(dispensation="")),
            ),
            models.CheckConstraint(
                name="decision_published_only_when_decided",
                condition=Q(published_at__isnull=True) | Q(status="decided"),
            ),
            models.CheckConstraint(
                name="decision_deferral_has_reason_and_date",
                condition=(Q(deferred_until__isnull=True) & Q(deferral_reason=""))
                | (Q(deferred_until__isnull=False) & ~Q(deferral_reason="") & Q(status="decided")),
            ),
            models.CheckConstraint(
                name="decision_report_exemption_has_reason",
                condition=Q(report_is_exempt=False) | ~Q(report_exemption_reason=""),
            ),
            models.CheckConstraint(
                name="decision_part_two_only_when_sensitive",
                condition=Q(is_commercially_sensitive=True) | Q(confidential_information=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def is_public(self, today: date | None = None) -> bool:
        """Whether the public may read this record now."""
        today = today or timezone.localdate()
        return self.status == self.Status.DECIDED and (
            self.published_at is not None
            or (self.deferred_until is not None and self.deferred_until <= today)
        )

    @property
    def publication_date(self) -> date | None:
        """When the record became (or becomes) public."""
        if self.published_at is not None:
            return timezone.localtime(self.published_at).date()
        return self.deferred_until

    @property
    def financial_year(self) -> str:
        """The financial year of the decision (or of the request, before it is decided)."""
        moment = self.decided_at or self.created_at or timezone.now()
        return financial_year_of(timezone.localtime(moment).date())

    @property
    def officer_role_label(self) -> str:
        return self.get_officer_role_display() if self.officer_role else ""

    @property
    def is_approved(self) -> bool:
        return self.outcome == self.Outcome.APPROVED

    @property
    def awaiting_publication(self) -> bool:
        """Decided, not published and no deferral recorded: publish as soon as practicable."""
        return (
            self.status == self.Status.DECIDED
            and self.published_at is None
            and self.deferred_until is None
        )

    @property
    def show_report(self) -> bool:
        return bool(self.report) and not self.report_is_exempt
