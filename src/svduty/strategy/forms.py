"""Forms of the strategy pages."""

from __future__ import annotations

from typing import Any

from django import forms

from svduty.access.models import Organisation
from svduty.funding.fields import DateInput, FinancialYearField
from svduty.strategy.models import (
    COHORT_LABELS,
    MEASURE_COHORTS,
    MEASURES,
    ActionStatus,
    NeedsFinding,
    Priority,
)
from svduty.web.forms import GovukForm


class StrategyForm(GovukForm):
    title = forms.CharField(max_length=200)
    first_year = FinancialYearField(label="First financial year", help_text="For example, 2024/25")
    horizon_years = forms.IntegerField(
        label="Years it covers",
        min_value=1,
        max_value=10,
        initial=5,
        help_text="The strategy's horizon; five years is usual",
    )
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


class PriorityForm(GovukForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ApproveStrategyForm(GovukForm):
    approved_on = forms.DateField(label="Date approved", widget=DateInput())
    approved_by_body = forms.CharField(
        label="Approved by", max_length=200, help_text="The board or meeting that approved it"
    )


class PublishStrategyForm(GovukForm):
    published_on = forms.DateField(label="Date published", widget=DateInput())
    document_url = forms.URLField(
        label="Web address of the published strategy", required=False, assume_scheme="https"
    )
    document = forms.FileField(label="The published document", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("document_url") and not data.get("document"):
            raise forms.ValidationError("Give the web address of the strategy or upload it")
        return data


class PlanForm(GovukForm):
    year = FinancialYearField(label="Financial year", help_text="For example, 2024/25")


class FindingForm(GovukForm):
    assessment_year = FinancialYearField(
        label="Needs assessment year",
        help_text="The financial year of the assessment, e.g. 2024/25",
    )
    reference = forms.CharField(max_length=20, help_text="For example, F3")
    title = forms.CharField(max_length=200, label="Finding")
    detail = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ActionForm(GovukForm):
    reference = forms.CharField(max_length=20, help_text="For example, 2.3")
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    priority = forms.ModelChoiceField(queryset=Priority.objects.none())
    lead_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Lead organisation"
    )
    owner = forms.CharField(max_length=200, help_text="The named officer responsible")
    start_on = forms.DateField(label="Start date", widget=DateInput())
    due_on = forms.DateField(label="Due date", widget=DateInput())
    measures = forms.MultipleChoiceField(
        choices=list(MEASURES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Success measures it aims to move",
    )
    findings = forms.ModelMultipleChoiceField(
        queryset=NeedsFinding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Needs-assessment findings that justify it",
    )

    def __init__(self, *args: Any, plan: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partnership = plan.strategy.partnership
        self.fields["priority"].queryset = plan.strategy.priorities.all()  # type: ignore[attr-defined]
        self.fields["lead_organisation"].queryset = partnership.organisations.all()  # type: ignore[attr-defined]
        self.fields["findings"].queryset = partnership.needs_findings.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_on") and data.get("due_on") and data["due_on"] < data["start_on"]:
            self.add_error("due_on", "The due date must be on or after the start date")
        return data


class ProgressForm(GovukForm):
    status = forms.ChoiceField(
        choices=ActionStatus.choices, widget=forms.RadioSelect, label="Status (RAG)"
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Progress since the last update"
    )
    reported_on = forms.DateField(label="Date of this update", widget=DateInput(), required=False)


class ReviewStartForm(GovukForm):
    year = FinancialYearField(label="Financial year reviewed", help_text="For example, 2024/25")


class ReviewMeasuresForm(GovukForm):
    """Baseline and current counts of every success measure and cohort."""

    baseline_year = FinancialYearField(label="Baseline year", initial="2019/20")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for measure, cohorts in MEASURE_COHORTS.items():
            for cohort in cohorts:
                label = f"{MEASURES[measure]}, {COHORT_LABELS[cohort].lower()}"
                self.fields[f"{measure}__{cohort}__baseline"] = forms.IntegerField(
                    min_value=0, label=f"{label}: baseline count"
                )
                self.fields[f"{measure}__{cohort}__current"] = forms.IntegerField(
                    min_value=0, label=f"{label}: count this year"
                )
                # Added after GovukFormMixin styled the declared fields, so styled here.
                for suffix in ("baseline", "current"):
                    widget = self.fields[f"{measure}__{cohort}__{suffix}"].widget
                    widget.attrs["class"] = "govuk-input govuk-input--width-5"

    def counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        data = self.cleaned_data
        return {
            (measure, cohort): (
                data[f"{measure}__{cohort}__baseline"],
                data[f"{measure}__{cohort}__current"],
            )
            for measure, cohorts in MEASURE_COHORTS.items()
            for cohort in cohorts
        }


class ReviewNeedsForm(GovukForm):
    assessment_year = FinancialYearField(
        label="Year of the refreshed needs assessment", help_text="For example, 2024/25"
    )


class ReviewConclusionsForm(GovukForm):
    conclusions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label="What the partnership concludes"
    )
    changes_to_strategy = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Changes to the strategy or next year's plan",
    )
