"""Forms of the partnership pages, styled for the GOV.UK Design System."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from svduty.access.models import Organisation, OrganisationKind, User
from svduty.access.roles import Role
from svduty.geography.models import Area, AreaLevel
from svduty.partnership.models import (
    Board,
    BoardSeat,
    Contact,
    Engagement,
    Framework,
    Partnership,
    Requirement,
)
from svduty.web.forms import GovukForm

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"]
DATE_HINT = "For example, 31/1/2025"


def date_field(label: str, *, required: bool = True, help_text: str = DATE_HINT) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input--width-10"}),
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"Enter the {label.lower()} as a real date, for example 31/1/2025",
        },
    )


def member_choices(partnership: Partnership) -> Any:
    return partnership.organisations.order_by("name")


class PartnershipCreateForm(GovukForm):
    """Set up a partnership for a police force area from the loaded ONS lookup."""

    name = forms.CharField(
        label="Name of the partnership",
        max_length=200,
        error_messages={"required": "Enter the name of the partnership"},
    )
    slug = forms.SlugField(
        label="Short name for web addresses",
        max_length=80,
        help_text="Lower-case letters, digits and hyphens, for example west-midlands",
        error_messages={
            "required": "Enter a short name",
            "invalid": "Use only lower-case letters, digits and hyphens",
        },
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "govuk-input--width-20"}),
    )
    police_force_area = forms.ChoiceField(
        label="Police force area",
        help_text="Areas from the ONS lookup loaded into svduty",
        error_messages={"required": "Choose the police force area"},
    )
    local_policing_body_name = forms.CharField(
        label="Name of the local policing body (optional)",
        max_length=200,
        required=False,
        help_text="For example, Office of the Police and Crime Commissioner for Cleveland",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        latest: dict[str, Area] = {}
        for area in Area.objects.filter(level=AreaLevel.PFA).order_by("code", "vintage"):
            latest[area.code] = area
        choices = sorted(
            ((a.code, f"{a.name} ({a.code})") for a in latest.values()), key=lambda c: c[1]
        )
        self.fields["police_force_area"].choices = [("", "Choose an area"), *choices]  # type: ignore[attr-defined]

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if Partnership.objects.filter(slug=slug).exists():
            raise ValidationError("A partnership already uses this short name")
        return slug


class MemberForm(GovukForm):
    """A member organisation: its name, kind and the areas it covers."""

    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the organisation's name"}
    )
    kind = forms.ChoiceField(
        label="Kind of organisation",
        help_text="Police, fire and rescue, health boards, local authorities, youth offending "
        "teams and probation are specified authorities; education, prisons and youth custody are "
        "relevant authorities",
        error_messages={"required": "Choose the kind of organisation"},
    )
    areas = forms.MultipleChoiceField(
        label="Areas it covers",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        partnership: Partnership,
        areas: list[Area],
        allow_csp: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kinds = [
            (v, label)
            for v, label in OrganisationKind.choices
            if allow_csp or v != OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP
        ]
        self.fields["kind"].choices = [("", "Choose a kind"), *kinds]  # type: ignore[attr-defined]
        self.areas_by_pk = {str(a.pk): a for a in areas}
        self.fields["areas"].choices = [  # type: ignore[attr-defined]
            (str(a.pk), f"{a.name} ({a.get_level_display().lower()}, {a.code})") for a in areas
        ]

    def selected_areas(self) -> list[Area]:
        return [self.areas_by_pk[pk] for pk in self.cleaned_data.get("areas", [])]


class ContactForm(GovukForm):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the contact's name"}
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    email = forms.EmailField(
        label="Email address",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": "Enter an email address like name@example.org"},
    )
    phone = forms.CharField(
        label="Telephone",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    is_primary = forms.BooleanField(label="This is the organisation's lead contact", required=False)


GRANTABLE_ROLES = [(r.value, r.label) for r in Role if r != Role.SYSTEM_ADMINISTRATOR]


class PersonForm(GovukForm):
    """Give a person (a new or existing user) a role at a member organisation."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocomplete": "off", "class": "govuk-input--width-20"}
        ),
        error_messages={"required": "Enter a username"},
    )
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address like name@example.org",
        },
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *GRANTABLE_ROLES],
        error_messages={"required": "Choose a role"},
    )
    password = forms.CharField(
        label="First password (for a new user)",
        required=False,
        strip=False,
        help_text="Give it to them privately; at least 12 characters. Leave empty for an "
        "existing user.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username = cleaned.get("username", "")
        password = cleaned.get("password", "")
        exists = User.objects.filter(username=username).exists()
        if username and not exists and not password:
            self.add_error("password", "Enter a first password for the new user")
        if password and exists:
            self.add_error("password", "This user already exists: leave the password empty")
        elif password:
            try:
                validate_password(password, User(username=username, email=cleaned.get("email", "")))
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class BoardForm(GovukForm):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the group's name"}
    )
    kind = forms.ChoiceField(label="Kind of group", choices=Board.Kind.choices)
    remit = forms.CharField(
        label="Remit",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the group is for and what it decides",
    )
    reports_to = forms.ModelChoiceField(
        label="Reports to",
        queryset=Board.objects.none(),
        required=False,
        empty_label="No other group",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reports_to"].queryset = partnership.boards.order_by("name")  # type: ignore[attr-defined]


class SeatForm(GovukForm):
    organisation = forms.ModelChoiceField(
        label="Member",
        queryset=Organisation.objects.none(),
        empty_label="Choose a member",
        error_messages={"required": "Choose a member"},
    )
    role = forms.ChoiceField(label="Role on the group", choices=BoardSeat.Role.choices)
    representative = forms.ModelChoiceField(
        label="Represented by (optional)",
        queryset=Contact.objects.none(),
        required=False,
        empty_label="Not named",
        help_text="One of the member's contacts",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = member_choices(partnership)  # type: ignore[attr-defined]
        self.fields["representative"].queryset = (  # type: ignore[attr-defined]
            Contact.objects.filter(  # type: ignore[attr-defined]
                organisation__partnership=partnership
            )
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        self.fields["representative"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.name}, {c.organisation.name}"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        person, organisation = cleaned.get("representative"), cleaned.get("organisation")
        if (
            person is not None
            and organisation is not None
            and person.organisation_id != organisation.pk
        ):
            self.add_error("representative", f"{person.name} does not work for {organisation}")
        return cleaned


class DefinitionForm(GovukForm):
    text = forms.CharField(
        label="The definition as agreed",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter the text of the definition"},
    )
    agreed_by = forms.CharField(
        label="Agreed by",
        max_length=200,
        required=False,
        help_text="The board or person who agreed it",
    )
    agreed_on = date_field("Date agreed", required=False)
    rule = forms.CharField(
        label="The executable rule (YAML or JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "govuk-!-font-family-monospace"}),
        help_text=(
            "Which records of which sources count as serious violence. Leave empty to use "
            "svduty's default rule. The format is described below the form."
        ),
    )

    def clean_rule(self) -> dict[str, Any]:
        """The rule as data, validated; every problem is listed."""
        import yaml

        from svduty.analysis.definitions import RuleError, validate_rule

        text = self.cleaned_data.get("rule", "").strip()
        if not text:
            return {}
        try:
            data = yaml.safe_load(text)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            # safe_load raises ValueError for a scalar that looks like a date and is not one
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise ValidationError(f"The rule is not valid YAML or JSON{where}") from error
        try:
            rule = validate_rule(data)
        except RuleError as error:
            raise ValidationError([p[:1].upper() + p[1:] for p in error.problems]) from error
        return rule.to_json()


def _listed(text: str) -> list[str]:
    """Codes written one after another, separated by commas, spaces or new lines."""
    return [part for part in re.split(r"[\s,;]+", text) if part]


# The settings' keys as the form's problems name them.
_SETTINGS_WORDS = {
    "selected_offences": "Selected offences",
    "homicide_offences": "Homicide",
    "sharp_object_causes": "Sharp-object cause codes",
}


class MeasureSettingsForm(GovukForm):
    """What the success measures count, as lists of codes (``measures.check_settings``)."""

    selected_codes = forms.CharField(
        label="Selected offences for knife-enabled serious violence: offence codes",
        required=False,
        help_text="Home Office codes as the open data tables print them, such as 5D, 8N, 34B",
    )
    selected_classifications = forms.CharField(
        label="Selected offences: whole classifications",
        required=False,
        help_text="Classification numbers counted with any subdivision, such as 3 or 17",
    )
    homicide_codes = forms.CharField(label="Homicide: offence codes", required=False)
    homicide_classifications = forms.CharField(
        label="Homicide: whole classifications", required=False
    )
    sharp_object_causes = forms.CharField(
        label="Hospital admissions: sharp-object cause codes",
        help_text="ICD-10 categories such as X99, or ranges such as X85-Y09",
        error_messages={"required": "Enter at least one cause code"},
    )
    note = forms.CharField(
        label="Why the settings change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the version, for whoever reads the figures later",
    )

    @staticmethod
    def initial_from(settings: Mapping[str, Any]) -> dict[str, str]:
        """The form's fields from settings in ``MeasureSettings.to_json``'s shape."""
        selected, homicide = settings["selected_offences"], settings["homicide_offences"]
        return {
            "selected_codes": ", ".join(selected.get("offence_codes", [])),
            "selected_classifications": ", ".join(selected.get("offence_classifications", [])),
            "homicide_codes": ", ".join(homicide.get("offence_codes", [])),
            "homicide_classifications": ", ".join(homicide.get("offence_classifications", [])),
            "sharp_object_causes": ", ".join(settings["sharp_object_causes"]),
        }

    def clean(self) -> dict[str, Any]:
        """Checked as ``svduty measure-settings set`` checks a file; every problem is listed."""
        from svduty.analysis.measures import check_settings

        data = super().clean() or {}
        if self.errors:
            return data
        settings = {
            "selected_offences": {
                "offence_codes": _listed(data.get("selected_codes", "")),
                "offence_classifications": _listed(data.get("selected_classifications", "")),
            },
            "homicide_offences": {
                "offence_codes": _listed(data.get("homicide_codes", "")),
                "offence_classifications": _listed(data.get("homicide_classifications", "")),
            },
            "sharp_object_causes": _listed(data.get("sharp_object_causes", "")),
        }
        try:
            check_settings(settings)
        except ValueError as error:
            problems = str(error).split("; ")
            for key, label in _SETTINGS_WORDS.items():
                problems = [label + p[len(key) :] if p.startswith(key) else p for p in problems]
            raise ValidationError([p[:1].upper() + p[1:] for p in problems]) from error
        data["settings"] = settings
        return data


class RequirementForm(GovukForm):
    status = forms.ChoiceField(
        label="Status", choices=Requirement.Status.choices, widget=forms.RadioSelect
    )
    owner = forms.ModelChoiceField(
        label="Owner", queryset=Organisation.objects.none(), required=False, empty_label="No owner"
    )
    due_on = date_field("Due date")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(partnership)  # type: ignore[attr-defined]


class EvidenceForm(GovukForm):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title for the evidence"}
    )
    file = forms.FileField(
        label="File",
        required=False,
        help_text="PDF, Word, OpenDocument, spreadsheet, image or email file",
    )
    url = forms.URLField(
        label="Or a link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="For example, the published strategy's web address",
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
        error_messages={"invalid": "Enter a web address starting https://"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and bool(cleaned.get("file")) == bool(cleaned.get("url")):
            self.add_error("file", "Choose a file or give a link (one, not both)")
        return cleaned


class RoundForm(GovukForm):
    framework = forms.ModelChoiceField(
        label="Questionnaire",
        queryset=Framework.objects.none(),
        empty_label=None,
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example, Readiness self-assessment 2025",
        error_messages={"required": "Enter a title"},
    )
    due_on = date_field("Date answers are due")
    organisations = forms.ModelMultipleChoiceField(
        label="Send it to",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each duty holder and each community safety partnership, unless you choose "
        "otherwise",
        error_messages={"required": "Choose at least one organisation"},
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = Framework.objects.filter(  # type: ignore[attr-defined]
            kind=Framework.Kind.SELF_ASSESSMENT
        ).order_by("slug", "-version")
        self.fields["organisations"].queryset = member_choices(partnership)  # type: ignore[attr-defined]

    def clean_due_on(self) -> dt.date:
        due: dt.date = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise ValidationError("The date answers are due must be today or in the future")
        return due


class AnswerForm(GovukForm):
    rating = forms.TypedChoiceField(
        label="Rating", coerce=int, required=False, widget=forms.RadioSelect, empty_value=None
    )
    commentary = forms.CharField(
        label="Commentary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why you chose this rating: what is in place and what is not",
    )
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Documents or links that show it, for example board minutes or a policy",
    )

    def __init__(self, *args: Any, ratings: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [(r["value"], r["label"]) for r in ratings]  # type: ignore[attr-defined]


class ActionForm(GovukForm):
    description = forms.CharField(label="Action", max_length=500, required=False)
    owner = forms.CharField(
        label="Owner", max_length=200, required=False, help_text="Person or team"
    )
    due_on = date_field("Due date", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("description") and (cleaned.get("owner") or cleaned.get("due_on")):
            self.add_error("description", "Say what the action is, or clear its owner and date")
        return cleaned


ActionFormSet = forms.formset_factory(ActionForm, extra=0, max_num=10, absolute_max=10)


class ReviewForm(GovukForm):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[("accept", "Accept the self-assessment"), ("return", "Return it for changes")],
        error_messages={"required": "Choose whether to accept it or return it"},
    )
    comment = forms.CharField(
        label="Comments for the organisation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you return it: say what should change",
    )

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question_fields = []
        for question in questions:
            name = f"q{question.pk}"
            self.fields[name] = forms.CharField(
                label=f"Comment on “{question.text[:80]}{'…' if len(question.text) > 80 else ''}” "
                "(optional)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.question_fields.append((question, name))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "return" and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say what needs changing when you return it")
        return cleaned

    def answer_comments(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(name, "") for q, name in self.question_fields}


class EngagementForm(GovukForm):
    kind = forms.ChoiceField(
        label="Kind",
        choices=Engagement.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of engagement"},
    )
    audience = forms.ChoiceField(label="Who it was with", choices=Engagement.Audience.choices)
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title"}
    )
    held_on = date_field("Date held")
    participants = forms.CharField(
        label="Who took part",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Organisations, groups and numbers of people; no personal details of the public",
        error_messages={"required": "Say who took part"},
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Members that took part",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outcomes = forms.CharField(
        label="What came out of it",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what came out of it"},
    )
    requirement = forms.ModelChoiceField(
        label="Requirement it informed",
        queryset=Requirement.objects.none(),
        required=False,
        empty_label="None",
    )
    informed = forms.CharField(
        label="Strategy or document it informed", max_length=300, required=False
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = member_choices(partnership)  # type: ignore[attr-defined]
        self.fields["requirement"].queryset = partnership.requirements.select_related(  # type: ignore[attr-defined]
            "item", "organisation"
        ).order_by("due_on", "item__order")


class FrameworkUploadForm(GovukForm):
    file = forms.FileField(
        label="Framework file (YAML)", error_messages={"required": "Choose a framework file"}
    )


class SinceForm(GovukForm):
    since = date_field("Changes since", required=False)
