"""Forms of the decision-record pages."""

from __future__ import annotations

from typing import Any

from django import forms

from svduty.decisions.models import DecisionRecord
from svduty.funding.fields import DateInput, MoneyField
from svduty.web.forms import GovukForm


class RequestForm(GovukForm):
    """The request: what the decision maker is asked to decide, and its implications."""

    reference = forms.CharField(max_length=40, help_text="For example, DN50-24")
    title = forms.CharField(max_length=300)
    requested_by_name = forms.CharField(
        max_length=200, required=False, label="Author", help_text="Name and job role"
    )
    background = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    decision_sought = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Decision sought"
    )
    amount = MoneyField(required=False, label="Amount (if any)")
    financial_implications = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    legal_implications = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    equality_implications = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    is_commercially_sensitive = forms.BooleanField(
        required=False, label="Contains commercially sensitive information"
    )
    confidential_information = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Part 2: confidential information (never published)",
    )
    report = forms.FileField(required=False, label="The report")
    report_is_exempt = forms.BooleanField(
        required=False, label="The report is exempt from publication"
    )
    report_exemption_reason = forms.CharField(
        max_length=300, required=False, label="Why the report is exempt"
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["reference"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("report_is_exempt") and not data.get("report_exemption_reason", "").strip():
            self.add_error("report_exemption_reason", "Say why the report is exempt")
        if data.get("confidential_information", "").strip() and not data.get(
            "is_commercially_sensitive"
        ):
            self.add_error(
                "is_commercially_sensitive",
                "Mark the record commercially sensitive to keep a confidential part",
            )
        return data


class OfficerApprovalForm(GovukForm):
    officer_role = forms.ChoiceField(
        choices=DecisionRecord.OfficerRole.choices, widget=forms.RadioSelect, label="Your role"
    )
    is_advice_confirmed = forms.BooleanField(
        label="I confirm that financial, legal and equality advice was taken and is reflected "
        "in this request",
    )
    comments = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReturnForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Why the request is returned"
    )


class DecisionForm(GovukForm):
    outcome = forms.ChoiceField(
        choices=DecisionRecord.Outcome.choices, widget=forms.RadioSelect, label="Decision"
    )
    reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Reasons for the decision"
    )
    has_interest = forms.TypedChoiceField(
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Do you have any personal or prejudicial interest in this matter?",
    )
    interest_details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="The interest"
    )
    dispensation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Dispensation under which you still decide",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("has_interest") is True:
            if not data.get("interest_details", "").strip():
                self.add_error("interest_details", "Describe the interest")
            if not data.get("dispensation", "").strip():
                self.add_error(
                    "dispensation",
                    "Give the dispensation, or leave the decision to someone without an interest",
                )
        return data


class PublicationForm(GovukForm):
    choice = forms.ChoiceField(
        choices=[("publish", "Publish now"), ("defer", "Defer publication")],
        widget=forms.RadioSelect,
        label="Publication",
    )
    deferred_until = forms.DateField(
        required=False, widget=DateInput(), label="Publish on", help_text="Deferral only"
    )
    deferral_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Reasons for deferral",
        help_text="Deferral only",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") == "defer":
            if not data.get("deferred_until"):
                self.add_error("deferred_until", "Give the date it will be published")
            if not data.get("deferral_reason", "").strip():
                self.add_error("deferral_reason", "Give the reasons publication is deferred")
        return data


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    year = forms.CharField(required=False, label="Financial year")
