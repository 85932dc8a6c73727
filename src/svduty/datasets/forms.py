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

    def __init__(self, *args: object, kinds: list[str], **kwargs: object) -> None:
        """``kinds``: those the user may upload (``queries.uploadable_kinds``), the only ones
        offered."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, KIND_LABELS[k]) for k in KIND_TABLE if k in kinds]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError("The file must be a CSV, ODS, XLSX or ZIP file")
        if upload.size > settings.MAX_UPLOAD_BYTES:
            limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file must be smaller than {limit} MB")
        return upload


class MappingForm(GovukForm):
    """A mapping, pasted or uploaded as YAML; every problem with it is listed."""

    partnership = forms.ChoiceField(label="Partnership")
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Letters, digits, dots, hyphens or underscores, such as force-extract. "
        "Saving under a name already used adds a new version.",
        error_messages={"required": "Enter a name for the mapping"},
    )
    target_format = forms.ChoiceField(
        label="The format it produces",
        choices=[
            (k, KIND_LABELS[k])
            for k in ("police-crime", "hospital-admissions", "ae-assaults", "ambulance-assaults")
            + ("aggregate-counts",)
        ],
    )
    definition = forms.CharField(
        label="The mapping (YAML)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text="Column renames, value maps, date formats and constants; see the example.",
    )
    file = forms.FileField(
        label="Or upload it as a YAML file",
        required=False,
        help_text="A .yaml or .yml file, instead of pasting",
    )

    def __init__(
        self, *args: object, partnerships: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["partnership"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = partnerships
        if len(partnerships) == 1:
            field.initial = partnerships[0][0]

    def clean(self) -> dict[str, object]:
        from svduty.datasets.mappings import check_name, definition_problems

        data = super().clean() or {}
        upload = data.get("file")
        text = str(data.get("definition") or "")
        if upload is not None:
            raw = upload.read(256 * 1024 + 1)  # type: ignore[attr-defined]
            if len(raw) > 256 * 1024:
                self.add_error("file", "The mapping file must be smaller than 256 KB")
                return data
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The mapping file must be UTF-8 text")
                return data
        if not text.strip():
            self.add_error("definition", "Paste the mapping, or upload it as a YAML file")
            return data
        data["definition"] = text
        name = str(data.get("name") or "")
        if name and (problem := check_name(name)):
            self.add_error("name", problem[0].upper() + problem[1:])
        target = data.get("target_format")
        if target:
            for problem in definition_problems(text=text, target_format=str(target)):
                self.add_error("definition", problem)
        return data


class MappedUploadForm(GovukForm):
    """A partner's export to import through a saved mapping."""

    file = forms.FileField(
        label="Upload a file",
        help_text="CSV, XLSX or ODS, laid out as the mapping expects",
        error_messages={"required": "Select a file to upload"},
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".tsv", ".xlsx", ".ods")):
            raise forms.ValidationError("The file must be a CSV, XLSX or ODS file")
        if upload.size > settings.MAX_UPLOAD_BYTES:
            limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file must be smaller than {limit} MB")
        return upload
