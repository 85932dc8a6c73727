"""The form for creating an API token."""

from __future__ import annotations

from typing import Any

from django import forms

from svduty.access.models import Membership
from svduty.api.models import Scope
from svduty.web.forms import GovukForm

LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("180", "180 days"), ("365", "1 year")]


class TokenForm(GovukForm):
    name = forms.CharField(
        label="What is the token for?",
        max_length=100,
        help_text="For example: monthly return from the council's case system",
        error_messages={"required": "Say what the token is for"},
    )
    membership = forms.TypedChoiceField(
        label="Act as",
        coerce=int,
        help_text="The token can do what this role can do for this organisation, and no more",
        error_messages={"required": "Select the role the token acts with"},
    )
    scopes = forms.MultipleChoiceField(
        label="What may it do?",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one thing the token may do"},
    )
    lifetime = forms.TypedChoiceField(
        label="Expires after",
        choices=LIFETIMES,
        coerce=int,
        initial="90",
        error_messages={"required": "Select when the token expires"},
    )

    def __init__(self, *args: Any, memberships: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.get_role_display()} at {m.organisation}") for m in memberships
        ]
