"""A form base class that gives Django widgets the GOV.UK Design System's classes and ARIA links."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.db import models, transaction

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


EDIT_STATE_FIELD = "edit_state"
EDIT_CONFLICT_MESSAGE = (
    "Someone else saved changes to this record after you opened this page, so your changes have "
    "not been saved. Your changes are still in the form: open the record in another tab to see "
    "theirs, then save again if yours should replace them."
)


def _plain(value: Any) -> Any:
    """A JSON-able form of a field value: records by primary key, files by name."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, dt.date | dt.datetime | dt.time | Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "url"):  # a stored file
        return value.name
    return value


def edit_state_token(state: Mapping[str, Any]) -> str:
    """A short hash of a record's editable values: it changes when any of them does."""
    text = json.dumps({k: _plain(v) for k, v in state.items()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_Record = TypeVar("_Record", bound=models.Model)


class EditConflictMixin:
    """Optimistic concurrency for edit forms: two people editing one record cannot silently
    overwrite each other.

    A view calls ``form.guard_edit(values)`` with the record's editable values as they are now
    (the ``initial`` it builds from the record). The form carries a hash of them in a hidden field;
    when it comes back, the hash of the record's values *now* must match the one submitted, else
    the form is invalid with ``EDIT_CONFLICT_MESSAGE``. The hidden field is then refreshed, so
    saving again deliberately replaces the other person's changes. A submission without the field
    (an older page, a script) is not checked.

    Validation alone leaves a window: someone else may save between ``is_valid()`` and the save.
    So the view saves inside ``transaction.atomic()`` after ``form.still_unchanged(record,
    values_of)``, which locks the record's row (``SELECT … FOR UPDATE``; SQLite's transactions
    here begin IMMEDIATE, so they are serialised anyway), reloads it and checks again. Every guarded
    save of a record takes the same lock, so two of them cannot interleave.
    """

    fields: dict[str, forms.Field]
    data: Any
    _edit_state: str | None = None

    def guard_edit(self, values: Mapping[str, Any]) -> None:
        self._edit_state = edit_state_token(values)
        self.fields[EDIT_STATE_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.initial[EDIT_STATE_FIELD] = self._edit_state  # type: ignore[attr-defined]

    def edit_conflict(self) -> bool:
        """Whether the record changed since the submitted form was shown."""
        if self._edit_state is None or not getattr(self, "is_bound", False):
            return False
        key = self.add_prefix(EDIT_STATE_FIELD)  # type: ignore[attr-defined]
        submitted = self.data.get(key, "")
        if not submitted or submitted == self._edit_state:
            return False
        self.data = self.data.copy()
        self.data[key] = self._edit_state
        return True

    def still_unchanged(
        self, record: _Record, values_of: Callable[[_Record], Mapping[str, Any]]
    ) -> bool:
        """Lock ``record``'s row, reload it and check again that it is as the form was shown.

        Call it inside ``transaction.atomic()``, after ``is_valid()`` and just before saving, in
        the same transaction as the save: the lock is held until it commits. ``values_of`` gives
        the editable values of a record (what ``guard_edit`` was given). Returns False, with the
        conflict added to the form's errors, when someone else's save came first.
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("still_unchanged() locks the row: call it in transaction.atomic()")
        manager = type(record)._default_manager
        record.refresh_from_db(from_queryset=manager.select_for_update())
        if self._edit_state is None:
            return True
        self._edit_state = edit_state_token(values_of(record))
        if self.edit_conflict():
            self.add_error(None, EDIT_CONFLICT_MESSAGE)  # type: ignore[attr-defined]
            return False
        return True

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        cleaned = getattr(self, "cleaned_data", None)
        if cleaned is not None:
            cleaned.pop(EDIT_STATE_FIELD, None)  # not a value of the record
        if self.edit_conflict():
            self.add_error(None, EDIT_CONFLICT_MESSAGE)  # type: ignore[attr-defined]


class GovukFormMixin(EditConflictMixin):
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
