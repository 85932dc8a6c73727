"""The upload form."""

from __future__ import annotations

from django import forms
from django.conf import settings

from svduty.datasets.stored import KIND_TABLE
from svduty.web.forms import GovukForm

KIND_LABELS = {
    "police-uk-street": "police.uk street-level crime (CSV or monthly archive zip)",
    "police-uk-stop-search": "police.uk stop and search (CSV)",
    "ho-csp-tables": "Home Office police recorded crime, CSP tables (CSV or ODS)",
    "police-crime": "Police record-level crime extract (canonical CSV)",
    "hospital-admissions": "Hospital admissions, episode level (canonical CSV)",
    "ae-assaults": "A&E assault attendances, ISTV (canonical CSV)",
    "ambulance-assaults": "Ambulance assault call-outs (canonical CSV)",
    "aggregate-counts": "Aggregate counts or area indicators (canonical CSV)",
}
ALLOWED_SUFFIXES = (".csv", ".zip", ".ods", ".xlsx", ".tab", ".txt")


class UploadForm(GovukForm):
    kind = forms.ChoiceField(
        label="What kind of data is it?",
        choices=[(k, KIND_LABELS[k]) for k in KIND_TABLE],
        error_messages={"required": "Select what kind of data the file holds"},
    )
    file = forms.FileField(
        label="Upload a file",
        help_text="CSV, ODS, XLSX or a police.uk zip archive",
        error_messages={"required": "Select a file to upload"},
    )
    year = forms.CharField(
        label="Financial year (only for tables without a year column)",
        required=False,
        help_text="For example 2023/24",
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError("The file must be a CSV, ODS, XLSX or ZIP file")
        if upload.size > settings.MAX_UPLOAD_BYTES:
            limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file must be smaller than {limit} MB")
        return upload
