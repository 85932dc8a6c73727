"""Forms of the documents app."""

from __future__ import annotations

from typing import Any

from django import forms

from svduty.analysis import periods
from svduty.documents.builders import KINDS
from svduty.web.forms import GovukForm


def _financial_year(value: str) -> str:
    try:
        return periods.parse_financial_year(value)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


class NewVersionForm(GovukForm):
    kind = forms.ChoiceField(label="Document", choices=[(k.name, k.label) for k in KINDS.values()])
    year = forms.CharField(label="Financial year", help_text="For example, 2023/24", max_length=9)
    baseline_year = forms.CharField(
        label="Baseline financial year", initial="2019/20", max_length=9
    )
    area_code = forms.ChoiceField(
        label="Community safety partnership",
        required=False,
        help_text="Only for a locality profile",
    )
    audience = forms.ChoiceField(
        label="Version",
        choices=[
            ("internal", "Internal: exact figures, never published"),
            ("public", "Public: disclosure-controlled, can be published"),
        ],
        widget=forms.RadioSelect,
        initial="public",
    )

    def __init__(self, *args: Any, csps: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [("", "Not a locality profile")] + [  # type: ignore[attr-defined]
            (code, f"{name} ({code})") for code, name in csps.items()
        ]

    def clean_year(self) -> str:
        return _financial_year(self.cleaned_data["year"])

    def clean_baseline_year(self) -> str:
        return _financial_year(self.cleaned_data["baseline_year"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = KINDS.get(data.get("kind", ""))
        if kind is not None and kind.needs_area and not data.get("area_code"):
            self.add_error("area_code", "Choose the community safety partnership to profile")
        if kind is not None and not kind.needs_area and data.get("area_code"):
            self.add_error("area_code", "Only a locality profile is for one partnership area")
        return data


class CommentaryForm(GovukForm):
    commentary = forms.CharField(
        label="Commentary",
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        help_text="What the figures mean. Leave a blank line between paragraphs.",
    )
    recommendations = forms.CharField(
        label="Recommendations",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="One recommendation a line.",
    )


class ReturnForm(GovukForm):
    reason = forms.CharField(
        label="Why is it being returned?", widget=forms.Textarea(attrs={"rows": 4})
    )
