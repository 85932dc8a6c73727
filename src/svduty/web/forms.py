"""A form base class that gives Django widgets the GOV.UK Design System's classes and ARIA links."""

from __future__ import annotations

from typing import Any

from django import forms

_CLASSES: dict[type[forms.Widget], str] = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
}


class GovukFormMixin:
    """Adds govuk-* classes, error modifiers and aria-describedby (hint, error) to every widget."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = next((c for t, c in _CLASSES.items() if isinstance(widget, t)), "govuk-input")
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in getattr(self, "errors", {}):
            if name in self.fields:
                widget = self.fields[name].widget
                suffix = {
                    "govuk-input": "govuk-input--error",
                    "govuk-select": "govuk-select--error",
                    "govuk-textarea": "govuk-textarea--error",
                    "govuk-file-upload": "govuk-file-upload--error",
                }
                classes = widget.attrs.get("class", "").split()
                extra = [suffix[c] for c in classes if c in suffix]
                widget.attrs["class"] = " ".join(classes + extra)
                described = widget.attrs.get("aria-describedby", "")
                widget.attrs["aria-describedby"] = f"{described} id_{name}-error".strip()


class GovukForm(GovukFormMixin, forms.Form):
    """A plain form styled for the GOV.UK Design System."""


class GovukModelForm(GovukFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A model form styled for the GOV.UK Design System."""
