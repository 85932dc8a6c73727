"""Forms of the funding pages, including the public application form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q

from svduty.access.models import Organisation, User
from svduty.decisions.models import DecisionRecord
from svduty.funding.fields import DateInput, FinancialYearField, MoneyField
from svduty.funding.models import QUARTERS, CostType, FundedPost, Grant, Intervention
from svduty.partnership.models import Partnership
from svduty.strategy.models import Priority
from svduty.web.forms import GovukForm


def _priorities(partnership: Partnership) -> Any:
    return Priority.objects.filter(strategy__partnership=partnership).select_related("strategy")


def _open_decisions(partnership: Partnership) -> Any:
    return DecisionRecord.objects.filter(partnership=partnership).exclude(
        status=DecisionRecord.Status.DECIDED
    )


class GrantForm(GovukForm):
    financial_year = FinancialYearField(label="Financial year", help_text="For example, 2022/23")
    funder = forms.CharField(max_length=200, initial="Home Office")
    programme = forms.CharField(max_length=200, initial="Serious Violence Duty")
    labour_amount = MoneyField(label="Labour costs", help_text="Staff and officer time, in pounds")
    non_labour_amount = MoneyField(
        label="Non-labour costs", help_text="Interventions, training and commissioned work"
    )
    recipient = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label="Paid to",
        help_text="Usually the PCC's office",
    )
    source = forms.CharField(
        max_length=500,
        required=False,
        label="Where it is published",
        help_text="The allocation's published source, e.g. a web address",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = partnership.organisations.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("labour_amount", "non_labour_amount"):
            if name in data and data[name] is None:
                self.add_error(name, "Enter the amount, £0 if none")
        return data


class AgreementForm(GovukForm):
    agreement_reference = forms.CharField(
        max_length=100, required=False, label="Agreement reference"
    )
    agreement_signed_on = forms.DateField(required=False, label="Date signed", widget=DateInput())
    conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, label="Conditions of the grant"
    )
    agreement = forms.FileField(required=False, label="The signed agreement")


class ProfileForm(GovukForm):
    """Planned spend for each quarter and line."""

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        existing = {(p.quarter, p.cost_type): p.planned_amount for p in grant.profile.all()}
        for quarter, label in QUARTERS:
            for cost_type in CostType:
                name = f"q{quarter}_{cost_type.value}"
                self.fields[name] = MoneyField(
                    label=f"{label}: {cost_type.label.lower()}",
                    initial=existing.get((quarter, cost_type.value)),
                )
                self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-10"

    def planned(self) -> dict[tuple[int, str], Any]:
        return {
            (quarter, cost_type.value): self.cleaned_data[f"q{quarter}_{cost_type.value}"]
            for quarter, _ in QUARTERS
            for cost_type in CostType
        }


class SpendForm(GovukForm):
    cost_type = forms.ChoiceField(
        choices=CostType.choices, widget=forms.RadioSelect, label="Grant line"
    )
    paid_on = forms.DateField(label="Date paid", widget=DateInput())
    amount = MoneyField(allow_negative=True, help_text="Negative for a refund or credit note")
    supplier_name = forms.CharField(max_length=200, label="Paid to")
    is_supplier_individual = forms.BooleanField(
        required=False, label="Paid to an individual (their name is never published)"
    )
    is_payroll = forms.BooleanField(required=False, label="Staff pay (not published as spend)")
    expense_type = forms.CharField(max_length=200, required=False)
    description = forms.CharField(max_length=300, required=False)
    transaction_reference = forms.CharField(
        max_length=100, required=False, label="Transaction number"
    )


class ClaimForm(GovukForm):
    quarter = forms.TypedChoiceField(choices=QUARTERS, coerce=int)
    labour_amount = MoneyField(label="Labour claimed")
    non_labour_amount = MoneyField(label="Non-labour claimed")
    submitted_on = forms.DateField(label="Date submitted", widget=DateInput())
    reference = forms.CharField(max_length=100, required=False)


class ReturnForm(GovukForm):
    quarter = forms.TypedChoiceField(choices=QUARTERS, coerce=int)
    submitted_on = forms.DateField(label="Date submitted", widget=DateInput())
    narrative = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label="What the grant delivered this quarter"
    )


class _FundedWorkForm(GovukForm):
    grant = forms.ModelChoiceField(queryset=Grant.objects.none())
    priority = forms.ModelChoiceField(
        queryset=Priority.objects.none(), required=False, label="Strategy priority"
    )
    decision = forms.ModelChoiceField(
        queryset=DecisionRecord.objects.none(),
        required=False,
        label="Decision record",
        help_text="The request that will approve it (one not yet decided)",
    )
    start_on = forms.DateField(label="Start date", widget=DateInput())
    end_on = forms.DateField(label="End date", widget=DateInput())
    budget = MoneyField()

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grant"].queryset = partnership.grants.all()  # type: ignore[attr-defined]
        self.fields["priority"].queryset = _priorities(partnership)  # type: ignore[attr-defined]
        self.fields["decision"].queryset = _open_decisions(partnership)  # type: ignore[attr-defined]
        if "employer" in self.fields:
            self.fields["employer"].queryset = partnership.organisations.all()  # type: ignore[attr-defined]
        if "provider" in self.fields:
            self.fields["provider"].queryset = partnership.organisations.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_on") and data.get("end_on") and data["end_on"] < data["start_on"]:
            self.add_error("end_on", "The end date must be on or after the start date")
        if "budget" in data and data["budget"] is None:
            self.add_error("budget", "Enter the budget")
        return data


class PostForm(_FundedWorkForm):
    title = forms.CharField(max_length=200, help_text="For example, data analyst")
    employer = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    employer_other = forms.CharField(
        max_length=200, required=False, label="Or an employer without an account"
    )
    fte = forms.DecimalField(
        label="Full-time equivalent",
        min_value=Decimal("0.01"),
        max_value=Decimal(99),
        decimal_places=2,
        initial="1.00",
    )
    field_order = [
        "title",
        "employer",
        "employer_other",
        "fte",
        "grant",
        "priority",
        "decision",
        "start_on",
        "end_on",
        "budget",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("employer") and not data.get("employer_other", "").strip():
            self.add_error("employer", "Choose the employer or name it")
        return data


class InterventionForm(_FundedWorkForm):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    provider_name = forms.CharField(
        max_length=200, required=False, label="Or a provider without an account"
    )
    provider_charity_number = forms.CharField(
        max_length=20, required=False, label="Provider's charity number"
    )
    provider_company_number = forms.CharField(
        max_length=20, required=False, label="Provider's company number"
    )
    cohort = forms.CharField(max_length=300, help_text="Who it is for")
    area = forms.CharField(max_length=200, help_text="Where it is delivered")
    area_code = forms.CharField(max_length=12, required=False, label="ONS area code")
    evidence_rating = forms.ChoiceField(choices=Intervention.EvidenceRating.choices)
    evaluation_status = forms.ChoiceField(choices=Intervention.EvaluationStatus.choices)
    field_order = [
        "name",
        "description",
        "provider",
        "provider_name",
        "provider_charity_number",
        "provider_company_number",
        "cohort",
        "area",
        "area_code",
        "grant",
        "priority",
        "decision",
        "start_on",
        "end_on",
        "budget",
        "evidence_rating",
        "evaluation_status",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("provider") and not data.get("provider_name", "").strip():
            self.add_error("provider", "Choose the provider or name it")
        return data


class LinkDecisionForm(GovukForm):
    decision = forms.ModelChoiceField(
        queryset=DecisionRecord.objects.none(), label="Decision record"
    )
    posts = forms.ModelMultipleChoiceField(
        queryset=FundedPost.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interventions = forms.ModelMultipleChoiceField(
        queryset=Intervention.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = _open_decisions(partnership)  # type: ignore[attr-defined]
        undecided = ~Q(decision__status="decided")
        self.fields["posts"].queryset = partnership.funded_posts.filter(undecided)  # type: ignore[attr-defined]
        self.fields["interventions"].queryset = partnership.interventions.filter(undecided)  # type: ignore[attr-defined]


class InterventionReturnForm(GovukForm):
    financial_year = FinancialYearField(label="Financial year")
    quarter = forms.TypedChoiceField(choices=QUARTERS, coerce=int)
    participants = forms.IntegerField(min_value=0, required=False, label="People who took part")
    outputs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Outputs", help_text="What was delivered"
    )
    outcomes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Outcomes",
        help_text="What changed as a result",
    )


class CallForm(GovukForm):
    reference = forms.CharField(max_length=40, help_text="For example, EOI-2024-01")
    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), label="What the call is for"
    )
    eligibility = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Who may apply"
    )
    total_budget = MoneyField(label="Total budget")
    max_award = MoneyField(label="Largest award", required=False)
    opens_at = forms.DateTimeField(label="Opens", help_text="For example, 2024-05-01 09:00")
    closes_at = forms.DateTimeField(label="Closes", help_text="For example, 2024-06-14 17:00")
    grant = forms.ModelChoiceField(queryset=Grant.objects.none(), required=False)
    priority = forms.ModelChoiceField(
        queryset=Priority.objects.none(), required=False, label="Strategy priority"
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grant"].queryset = partnership.grants.all()  # type: ignore[attr-defined]
        self.fields["priority"].queryset = _priorities(partnership)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", "The call must close after it opens")
        if "total_budget" in data and data["total_budget"] is None:
            self.add_error("total_budget", "Enter the total budget")
        return data


class AssessorForm(GovukForm):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Assessor")

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates  # type: ignore[attr-defined]


class AssessmentForm(GovukForm):
    has_conflict = forms.TypedChoiceField(
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Do you have a conflict of interest with this applicant?",
        help_text="For example, you work for, advise or are related to someone at the applicant",
    )
    conflict_details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Describe the conflict"
    )
    score = forms.IntegerField(
        min_value=0,
        max_value=10,
        required=False,
        label="Score from 0 to 10",
        help_text="Leave empty if conflicted",
    )
    comments = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("has_conflict") is True and not data.get("conflict_details", "").strip():
            self.add_error("conflict_details", "Describe the conflict of interest")
        if data.get("has_conflict") is False and data.get("score") is None:
            self.add_error("score", "Give a score from 0 to 10")
        return data


class AwardForm(GovukForm):
    grant = forms.ModelChoiceField(queryset=Grant.objects.none())
    amount = MoneyField(label="Amount awarded")
    start_on = forms.DateField(label="Start date", widget=DateInput())
    end_on = forms.DateField(label="End date", widget=DateInput())
    priority = forms.ModelChoiceField(
        queryset=Priority.objects.none(), required=False, label="Strategy priority"
    )
    decision = forms.ModelChoiceField(
        queryset=DecisionRecord.objects.none(), required=False, label="Decision record"
    )
    evidence_rating = forms.ChoiceField(choices=Intervention.EvidenceRating.choices)

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grant"].queryset = partnership.grants.all()  # type: ignore[attr-defined]
        self.fields["priority"].queryset = _priorities(partnership)  # type: ignore[attr-defined]
        self.fields["decision"].queryset = _open_decisions(partnership)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_on") and data.get("end_on") and data["end_on"] < data["start_on"]:
            self.add_error("end_on", "The end date must be on or after the start date")
        if "amount" in data and data["amount"] is None:
            self.add_error("amount", "Enter the amount awarded")
        return data


class ApplicationForm(GovukForm):
    """The public expression-of-interest form (no account needed)."""

    organisation_name = forms.CharField(max_length=200, label="Organisation name")
    charity_number = forms.CharField(
        max_length=20, required=False, label="Charity number (if you have one)"
    )
    company_number = forms.CharField(
        max_length=20, required=False, label="Company number (if you have one)"
    )
    contact_name = forms.CharField(max_length=200, label="Your name")
    contact_email = forms.EmailField(label="Your email address")
    project_title = forms.CharField(max_length=200, label="Name of the pilot")
    proposal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label="What you would do, and why it would work",
        max_length=5000,
    )
    cohort = forms.CharField(max_length=300, label="Who it is for")
    area = forms.CharField(max_length=200, label="Where you would deliver it")
    amount_requested = MoneyField(label="Amount you are asking for")
    # Spam protection (svduty.funding.spam): hidden from people, filled by robots.
    website = forms.CharField(required=False, label="Leave this empty")
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_amount_requested(self) -> Any:
        amount = self.cleaned_data.get("amount_requested")
        if amount is None or amount <= 0:
            raise forms.ValidationError("Enter the amount you are asking for")
        return amount
