"""Partnership pages: set-up, members, the partnership model, the local definition, requirements
and evidence, self-assessment, engagement, the PCC's monitoring view and reminders.

Each view declares its permission; object-level access is checked against the partnership in the
URL (404 for anything outside what the user may see).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from svduty.access import actions as access_actions
from svduty.access import audit
from svduty.access.decorators import login_required, permission_required
from svduty.access.models import AuditEvent, Organisation, OrganisationKind, User
from svduty.access.permissions import Permission, has_permission
from svduty.access.roles import Role
from svduty.partnership import actions, forms, queries, spreadsheets
from svduty.partnership.frameworks import (
    DEFAULT_REQUIREMENTS_SLUG,
    FrameworkError,
    parse_framework,
)
from svduty.partnership.models import (
    Answer,
    AssessmentReturn,
    AssessmentRound,
    Board,
    BoardSeat,
    Engagement,
    Evidence,
    Framework,
    LocalDefinition,
    Partnership,
    Question,
    Requirement,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _partnership(request: HttpRequest, slug: str, permission: Permission) -> Partnership:
    """The partnership in the URL, if the user holds ``permission`` for it; 404 otherwise."""
    partnership = get_object_or_404(
        Partnership.objects.select_related("police_force_area", "lead_organisation"), slug=slug
    )
    if not has_permission(_user(request), permission, partnership=partnership):
        raise Http404
    return partnership


def _may(request: HttpRequest, permission: Permission, partnership: Partnership) -> bool:
    return has_permission(_user(request), permission, partnership=partnership)


def _member(partnership: Partnership, organisation_id: int) -> Organisation:
    return get_object_or_404(Organisation, pk=organisation_id, partnership=partnership)


def _today() -> dt.date:
    return timezone.localdate()


# --- Partnerships --------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The partnerships the user belongs to."""
    return render(
        request,
        "partnership/index.html",
        {
            "partnerships": queries.partnerships_of(_user(request)),
            "may_create": has_permission(_user(request), Permission.PARTNERSHIP_CREATE),
        },
    )


@permission_required(Permission.PARTNERSHIP_CREATE)
def create(request: HttpRequest) -> HttpResponse:
    """Set up a partnership for a police force area from the loaded ONS lookup."""
    form = forms.PartnershipCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partnership = actions.create_partnership(
                slug=form.cleaned_data["slug"],
                name=form.cleaned_data["name"],
                pfa_code=form.cleaned_data["police_force_area"],
                by=_user(request),
                local_policing_body_name=form.cleaned_data["local_policing_body_name"],
            )
        except actions.PartnershipInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{partnership.name} is set up with its community safety "
                "partnerships. Add its members next.",
            )
            return HttpResponseRedirect(reverse("partnership:members", args=[partnership.slug]))
    return render(request, "partnership/create.html", {"form": form})


@permission_required(Permission.PARTNERSHIP_VIEW)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    today = _today()
    requirements = list(queries.requirements_of(partnership))
    return render(
        request,
        "partnership/detail.html",
        {
            "partnership": partnership,
            "member_counts": queries.member_counts(partnership),
            "definition": queries.current_definition(partnership),
            "overdue": [r for r in requirements if r.is_overdue(today)],
            "open_count": sum(1 for r in requirements if not r.is_closed),
            "boards": partnership.boards.all(),
            "may_monitor": _may(request, Permission.MONITORING_VIEW, partnership),
        },
    )


# --- Members -------------------------------------------------------------------------------


@permission_required(Permission.PARTNERSHIP_VIEW)
def members(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    return render(
        request,
        "partnership/members.html",
        {
            "partnership": partnership,
            "groups": queries.members_by_type(partnership),
            "may_manage": _may(request, Permission.MEMBERS_MANAGE, partnership),
        },
    )


@permission_required(Permission.MEMBERS_MANAGE)
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.MEMBERS_MANAGE)
    form = forms.MemberForm(
        request.POST or None,
        partnership=partnership,
        areas=actions.areas_of_partnership(partnership),
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation = actions.add_member_organisation(
                partnership=partnership,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                areas=form.selected_areas(),
                by=_user(request),
            )
        except actions.PartnershipInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{organisation.name} is now a member.")
            return HttpResponseRedirect(
                reverse("partnership:member", args=[partnership.slug, organisation.pk])
            )
    return render(
        request,
        "partnership/member_form.html",
        {"partnership": partnership, "form": form, "title": "Add a member"},
    )


@permission_required(Permission.PARTNERSHIP_VIEW)
def member(request: HttpRequest, slug: str, organisation_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    organisation = _member(partnership, organisation_id)
    may_manage = _may(request, Permission.MEMBERS_MANAGE, partnership)
    return render(
        request,
        "partnership/member.html",
        {
            "partnership": partnership,
            "organisation": organisation,
            "authority_type": queries.authority_type(organisation),
            "coverage": organisation.coverage.select_related("area"),
            "contacts": organisation.contacts.all()
            if _may(request, Permission.PARTNERSHIP_INTERNAL_VIEW, partnership)
            else None,
            "people": organisation.memberships.filter(is_active=True).select_related("user")
            if may_manage
            else None,
            "seats": organisation.board_seats.select_related("board"),
            "may_manage": may_manage,
        },
    )


def _member_values(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "kind": organisation.kind,
        "areas": [str(pk) for pk in organisation.coverage.values_list("area_id", flat=True)],
    }


@permission_required(Permission.MEMBERS_MANAGE)
def member_edit(request: HttpRequest, slug: str, organisation_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.MEMBERS_MANAGE)
    organisation = _member(partnership, organisation_id)
    form = forms.MemberForm(
        request.POST or None,
        initial=_member_values(organisation),
        partnership=partnership,
        areas=actions.areas_of_partnership(partnership),
        allow_csp=organisation.kind == OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP,
    )
    form.guard_edit(form.initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if form.still_unchanged(organisation, _member_values):
                try:
                    actions.update_member_organisation(
                        organisation=organisation,
                        name=form.cleaned_data["name"],
                        kind=form.cleaned_data["kind"],
                        areas=form.selected_areas(),
                        by=_user(request),
                    )
                except actions.PartnershipInputError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, f"{organisation.name} is updated.")
                    return HttpResponseRedirect(
                        reverse("partnership:member", args=[partnership.slug, organisation.pk])
                    )
    return render(
        request,
        "partnership/member_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": f"Change {organisation.name}",
            "organisation": organisation,
        },
    )


@permission_required(Permission.MEMBERS_MANAGE)
def contact_add(request: HttpRequest, slug: str, organisation_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.MEMBERS_MANAGE)
    organisation = _member(partnership, organisation_id)
    form = forms.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.add_contact(organisation=organisation, by=_user(request), **form.cleaned_data)
        messages.success(request, f"{form.cleaned_data['name']} is added as a contact.")
        return HttpResponseRedirect(
            reverse("partnership:member", args=[partnership.slug, organisation.pk])
        )
    return render(
        request,
        "partnership/simple_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": f"Add a contact at {organisation.name}",
            "back": reverse("partnership:member", args=[partnership.slug, organisation.pk]),
            "button": "Add contact",
        },
    )


@permission_required(Permission.MEMBERS_MANAGE)
def person_add(request: HttpRequest, slug: str, organisation_id: int) -> HttpResponse:
    """Give a person a role (contributor, analyst…) at a member organisation."""
    partnership = _partnership(request, slug, Permission.MEMBERS_MANAGE)
    organisation = _member(partnership, organisation_id)
    form = forms.PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        access_actions.add_member(
            organisation=organisation,
            username=data["username"],
            email=data["email"],
            role=Role(data["role"]),
            password=data["password"] or None,
            first_name=data["first_name"],
            last_name=data["last_name"],
        )
        messages.success(
            request,
            f"{data['username']} is now a {Role(data['role']).label.lower()} "
            f"at {organisation.name}.",
        )
        return HttpResponseRedirect(
            reverse("partnership:member", args=[partnership.slug, organisation.pk])
        )
    return render(
        request,
        "partnership/simple_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": f"Add a person at {organisation.name}",
            "back": reverse("partnership:member", args=[partnership.slug, organisation.pk]),
            "button": "Add person",
        },
    )


# --- The partnership model -----------------------------------------------------------------


@permission_required(Permission.PARTNERSHIP_VIEW)
def boards(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    return render(
        request,
        "partnership/boards.html",
        {
            "partnership": partnership,
            "boards": partnership.boards.prefetch_related("seats__organisation").select_related(
                "reports_to"
            ),
            "may_manage": _may(request, Permission.PARTNERSHIP_MANAGE, partnership),
        },
    )


@permission_required(Permission.PARTNERSHIP_MANAGE)
def board_add(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_MANAGE)
    form = forms.BoardForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        try:
            board = actions.add_board(
                partnership=partnership, by=_user(request), **form.cleaned_data
            )
        except actions.PartnershipInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{board.name} is added to the partnership model.")
            return HttpResponseRedirect(
                reverse("partnership:board", args=[partnership.slug, board.pk])
            )
    return render(
        request,
        "partnership/simple_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": "Add a board or group",
            "back": reverse("partnership:boards", args=[partnership.slug]),
            "button": "Add group",
        },
    )


@permission_required(Permission.PARTNERSHIP_VIEW)
def board(request: HttpRequest, slug: str, board_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    item = get_object_or_404(Board, pk=board_id, partnership=partnership)
    may_manage = _may(request, Permission.PARTNERSHIP_MANAGE, partnership)
    form = forms.SeatForm(request.POST or None, partnership=partnership)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.seat_on_board(board=item, by=_user(request), **form.cleaned_data)
            except actions.PartnershipInputError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{form.cleaned_data['organisation']} has a seat.")
                return HttpResponseRedirect(
                    reverse("partnership:board", args=[partnership.slug, item.pk])
                )
    return render(
        request,
        "partnership/board.html",
        {
            "partnership": partnership,
            "board": item,
            "form": form if may_manage else None,
            "seats": item.seats.select_related("organisation", "representative"),
            "show_people": _may(request, Permission.PARTNERSHIP_INTERNAL_VIEW, partnership),
        },
    )


@permission_required(Permission.PARTNERSHIP_MANAGE)
@require_POST
def seat_remove(request: HttpRequest, slug: str, seat_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_MANAGE)
    seat = get_object_or_404(BoardSeat, pk=seat_id, board__partnership=partnership)
    board_id = seat.board_id
    actions.remove_board_seat(seat=seat, by=_user(request))
    messages.success(request, "The seat is removed.")
    return HttpResponseRedirect(reverse("partnership:board", args=[partnership.slug, board_id]))


# --- The local definition ------------------------------------------------------------------


@permission_required(Permission.PARTNERSHIP_VIEW)
def definition(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    versions = list(partnership.local_definitions.select_related("created_by"))
    return render(
        request,
        "partnership/definition.html",
        {
            "partnership": partnership,
            "versions": [(d, _plain_english(d)) for d in versions],
            "may_manage": _may(request, Permission.DEFINITIONS_EDIT, partnership),
            "may_compare": len(versions) > 1
            and _may(request, Permission.PARTNERSHIP_INTERNAL_VIEW, partnership),
        },
    )


def _plain_english(definition: LocalDefinition) -> str:
    """A version's rule in words, or why there is none."""
    from svduty.analysis.definitions import RuleError, describe, validate_rule

    if not definition.rule:
        return "No executable rule is attached: figures use svduty's default rule."
    try:
        return describe(validate_rule(definition.rule))
    except RuleError as error:
        return f"The attached rule is not valid: {'; '.join(error.problems)}"


@permission_required(Permission.DEFINITIONS_EDIT)
def definition_add(request: HttpRequest, slug: str) -> HttpResponse:
    import yaml

    from svduty.analysis.queries import current_rule

    partnership = _partnership(request, slug, Permission.DEFINITIONS_EDIT)
    rule, current = current_rule(partnership)
    initial = {"rule": yaml.safe_dump(rule.to_json(), sort_keys=False, allow_unicode=True)}
    if current:
        initial["text"] = current.text
    form = forms.DefinitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = actions.record_local_definition(
            partnership=partnership, by=_user(request), **form.cleaned_data
        )
        messages.success(request, f"Version {version.version} of the local definition is recorded.")
        return HttpResponseRedirect(reverse("partnership:definition", args=[partnership.slug]))
    return render(
        request,
        "partnership/definition_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": "Record a new version of the local definition",
            "back": reverse("partnership:definition", args=[partnership.slug]),
            "button": "Record this version",
            "intro": "Earlier versions are kept unchanged. Figures record the version they used.",
        },
    )


@permission_required(Permission.PARTNERSHIP_INTERNAL_VIEW)
def definition_compare(request: HttpRequest, slug: str) -> HttpResponse:
    from svduty.analysis.queries import compare_definitions

    partnership = _partnership(request, slug, Permission.PARTNERSHIP_INTERNAL_VIEW)
    versions = list(partnership.local_definitions.order_by("version"))
    if len(versions) < 2:
        raise Http404("There is only one version of the local definition")
    by_number: dict[int | None, LocalDefinition] = {d.version: d for d in versions}
    first = by_number.get(_int(request.GET.get("first")), versions[-2])
    second = by_number.get(_int(request.GET.get("second")), versions[-1])
    comparison = compare_definitions(partnership, first, second)
    return render(
        request,
        "partnership/definition_compare.html",
        {
            "partnership": partnership,
            "versions": versions,
            "sides": [comparison["first"], comparison["second"]],
            **comparison,
        },
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- The success measures' settings --------------------------------------------------------


@permission_required(Permission.PARTNERSHIP_VIEW)
def measure_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """What the success measures count now, and every version of it (read-only)."""
    from svduty.analysis.measures import MeasureSettings, describe_settings
    from svduty.analysis.queries import measure_settings_of

    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    versions = list(partnership.measure_settings.select_related("created_by", "partnership"))
    current = measure_settings_of(partnership)
    return render(
        request,
        "partnership/measure_settings.html",
        {
            "partnership": partnership,
            "current": current,
            "current_text": describe_settings(current),
            "is_default": not versions,
            "versions": [
                (v, describe_settings(MeasureSettings.from_json({**v.spec, "version": v.label})))
                for v in versions
            ],
            "may_manage": _may(request, Permission.DEFINITIONS_EDIT, partnership),
        },
    )


@permission_required(Permission.DEFINITIONS_EDIT)
def measure_settings_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a new version of the settings, starting from the current ones."""
    from svduty.analysis.actions import set_measure_settings
    from svduty.analysis.queries import measure_settings_of

    partnership = _partnership(request, slug, Permission.DEFINITIONS_EDIT)
    initial = forms.MeasureSettingsForm.initial_from(measure_settings_of(partnership).to_json())
    form = forms.MeasureSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved, created = set_measure_settings(
            partnership=partnership,
            settings=form.cleaned_data["settings"],
            note=form.cleaned_data["note"],
            by=_user(request),
        )
        if created and saved is not None:
            messages.success(request, f"Version {saved.version} of the settings is recorded.")
        else:
            messages.info(request, "Nothing changed: these settings count the same as before.")
        return HttpResponseRedirect(reverse("partnership:measure_settings", args=[slug]))
    return render(
        request,
        "partnership/simple_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": "Change what the success measures count",
            "back": reverse("partnership:measure_settings", args=[slug]),
            "button": "Record this version",
            "intro": "Separate codes with commas or spaces. Earlier versions are kept unchanged; "
            "every figure records the version it used, and stored assessments are recomputed.",
        },
    )


# --- Requirements and evidence -------------------------------------------------------------


@permission_required(Permission.PARTNERSHIP_VIEW)
def requirements(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    current = partnership.requirements_framework
    newer = actions.latest_framework(
        kind=Framework.Kind.REQUIREMENTS,
        slug=current.slug if current else DEFAULT_REQUIREMENTS_SLUG,
    )
    if newer is not None and current is not None and newer.version <= current.version:
        newer = None
    rows = list(queries.requirements_of(partnership))
    today = _today()
    return render(
        request,
        "partnership/requirements.html",
        {
            "partnership": partnership,
            "open": [r for r in rows if not r.is_closed],
            "closed": [r for r in rows if r.is_closed],
            "today": today,
            "framework": current,
            "newer": newer,
            "may_manage": _may(request, Permission.REQUIREMENTS_MANAGE, partnership),
        },
    )


@permission_required(Permission.REQUIREMENTS_MANAGE)
@require_POST
def adopt_framework(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.REQUIREMENTS_MANAGE)
    framework = get_object_or_404(
        Framework, pk=request.POST.get("framework"), kind=Framework.Kind.REQUIREMENTS
    )
    added = actions.adopt_requirements_framework(
        partnership=partnership, framework=framework, by=_user(request)
    )
    messages.success(
        request,
        f"The partnership follows {framework} now; {added} new "
        f"requirement{'s' if added != 1 else ''} scheduled.",
    )
    return HttpResponseRedirect(reverse("partnership:requirements", args=[partnership.slug]))


def _requirement(partnership: Partnership, requirement_id: int) -> Requirement:
    return get_object_or_404(
        Requirement.objects.select_related("item", "owner", "organisation"),
        pk=requirement_id,
        partnership=partnership,
    )


@permission_required(Permission.PARTNERSHIP_VIEW)
def requirement(request: HttpRequest, slug: str, requirement_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    item = _requirement(partnership, requirement_id)
    return render(
        request,
        "partnership/requirement.html",
        {
            "partnership": partnership,
            "requirement": item,
            "today": _today(),
            "evidence": item.evidence.select_related("added_by"),
            "show_evidence": _may(request, Permission.PARTNERSHIP_INTERNAL_VIEW, partnership),
            "engagements": item.engagements.all(),
            "history": partnership.requirements.filter(key=item.key, organisation=item.organisation)
            .exclude(pk=item.pk)
            .order_by("-due_on"),
            "may_manage": _may(request, Permission.REQUIREMENTS_MANAGE, partnership),
        },
    )


def _requirement_values(item: Requirement) -> dict[str, Any]:
    return {"status": item.status, "owner": item.owner, "due_on": item.due_on, "notes": item.notes}


@permission_required(Permission.REQUIREMENTS_MANAGE)
def requirement_edit(request: HttpRequest, slug: str, requirement_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.REQUIREMENTS_MANAGE)
    item = _requirement(partnership, requirement_id)
    form = forms.RequirementForm(
        request.POST or None, partnership=partnership, initial=_requirement_values(item)
    )
    form.guard_edit(form.initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if form.still_unchanged(item, _requirement_values):
                try:
                    actions.update_requirement(
                        requirement=item, by=_user(request), **form.cleaned_data
                    )
                except actions.PartnershipInputError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, f"“{item.item.title}” is updated.")
                    return HttpResponseRedirect(
                        reverse("partnership:requirement", args=[partnership.slug, item.pk])
                    )
    return render(
        request,
        "partnership/requirement_form.html",
        {"partnership": partnership, "requirement": item, "form": form},
    )


@permission_required(Permission.REQUIREMENTS_MANAGE)
def evidence_add(request: HttpRequest, slug: str, requirement_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.REQUIREMENTS_MANAGE)
    item = _requirement(partnership, requirement_id)
    form = forms.EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_evidence(
                requirement=item,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
                url=form.cleaned_data["url"],
                by=_user(request),
            )
        except actions.PartnershipInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The evidence is added.")
            return HttpResponseRedirect(
                reverse("partnership:requirement", args=[partnership.slug, item.pk])
            )
    return render(
        request,
        "partnership/simple_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": f"Add evidence: {item}",
            "back": reverse("partnership:requirement", args=[partnership.slug, item.pk]),
            "button": "Add evidence",
            "multipart": True,
        },
    )


@permission_required(Permission.PARTNERSHIP_INTERNAL_VIEW)
def evidence_download(request: HttpRequest, slug: str, evidence_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_INTERNAL_VIEW)
    evidence = get_object_or_404(Evidence, pk=evidence_id, requirement__partnership=partnership)
    if not evidence.file:
        raise Http404
    audit.record(
        action=AuditEvent.Action.DOWNLOAD,
        summary=f"Downloaded evidence “{evidence.title}”",
        obj=evidence,
    )
    name = (evidence.file.name or "evidence").rsplit("/", 1)[-1]
    # Read whole (evidence is a document of a few MB at most): nothing is left open if the
    # response is never consumed.
    with evidence.file.open("rb") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


# --- Self-assessment -----------------------------------------------------------------------


@permission_required(Permission.PARTNERSHIP_VIEW)
def assessments(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    user = _user(request)
    rounds = list(partnership.assessment_rounds.select_related("framework"))
    own = [
        r
        for r in AssessmentReturn.objects.filter(round__partnership=partnership)
        .select_related("round", "organisation")
        .order_by("-round__issued_at")
        if queries.may_edit_return(user, r)
    ]
    return render(
        request,
        "partnership/assessments.html",
        {
            "partnership": partnership,
            "rounds": rounds,
            "own_returns": own,
            "may_issue": _may(request, Permission.ASSESSMENTS_MANAGE, partnership),
            "today": _today(),
        },
    )


@permission_required(Permission.ASSESSMENTS_MANAGE)
def assessment_issue(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.ASSESSMENTS_MANAGE)
    initial = {
        "organisations": list(queries.self_assessment_recipients(partnership)),
        "framework": actions.latest_framework(kind=Framework.Kind.SELF_ASSESSMENT),
    }
    form = forms.RoundForm(request.POST or None, partnership=partnership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            issued = actions.issue_self_assessment(
                partnership=partnership, by=_user(request), **form.cleaned_data
            )
        except actions.AssessmentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"“{issued.title}” is sent to {issued.returns.count()} organisations."
            )
            return HttpResponseRedirect(
                reverse("partnership:assessment", args=[partnership.slug, issued.pk])
            )
    return render(
        request,
        "partnership/simple_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": "Issue a self-assessment",
            "back": reverse("partnership:assessments", args=[partnership.slug]),
            "button": "Issue self-assessment",
            "intro": "Each organisation answers for itself. Its contributors are emailed.",
        },
    )


@permission_required(Permission.PARTNERSHIP_VIEW)
def assessment(request: HttpRequest, slug: str, round_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    item = get_object_or_404(
        AssessmentRound.objects.select_related("framework"), pk=round_id, partnership=partnership
    )
    sees_all = _may(request, Permission.RETURNS_VIEW_ALL, partnership)
    return render(
        request,
        "partnership/assessment.html",
        {
            "partnership": partnership,
            "round": item,
            "summary": queries.round_summary(item) if sees_all else None,
            "own_returns": queries.returns_visible_to(_user(request), item) if not sees_all else [],
            "may_review": _may(request, Permission.RETURNS_REVIEW, partnership),
        },
    )


def _return(request: HttpRequest, slug: str, return_id: int) -> AssessmentReturn:
    """A return the user may see the answers of (its organisation, or a reviewer once sent)."""
    item = get_object_or_404(
        AssessmentReturn.objects.select_related(
            "round__framework", "round__partnership", "organisation"
        ),
        pk=return_id,
        round__partnership__slug=slug,
    )
    if not queries.may_view_answers(_user(request), item):
        raise Http404
    return item


def _sections(item: AssessmentReturn) -> list[tuple[str, list[dict[str, Any]]]]:
    framework = item.round.framework
    answers = {a.question_id: a for a in item.answers.prefetch_related("actions")}
    before = queries.previous_ratings(item)
    sections: list[tuple[str, list[dict[str, Any]]]] = []
    for question in framework.questions.all():
        answer = answers.get(question.pk)
        entry = {
            "question": question,
            "answer": answer,
            "rating_label": framework.rating_label(answer.rating) if answer else "",
            "previous": before.get(question.key),
            "previous_label": framework.rating_label(before.get(question.key))
            if question.key in before
            else "",
        }
        if not sections or sections[-1][0] != question.section:
            sections.append((question.section, []))
        sections[-1][1].append(entry)
    return sections


@login_required
def return_detail(request: HttpRequest, slug: str, return_id: int) -> HttpResponse:
    item = _return(request, slug, return_id)
    may_edit = queries.may_edit_return(_user(request), item) and item.is_editable
    score = queries.return_readiness(item)
    return render(
        request,
        "partnership/return.html",
        {
            "partnership": item.round.partnership,
            "return": item,
            "sections": _sections(item),
            "may_edit": may_edit,
            "unanswered": len(actions.unanswered_questions(item)),
            "readiness": score,
            "readiness_label": item.round.framework.rating_label(score.level) if score else "",
            "may_review": item.status == AssessmentReturn.Status.SUBMITTED
            and _may(request, Permission.RETURNS_REVIEW, item.round.partnership),
        },
    )


@login_required
def answer(request: HttpRequest, slug: str, return_id: int, question_id: int) -> HttpResponse:
    item = _return(request, slug, return_id)
    if not queries.may_edit_return(_user(request), item):
        raise Http404
    framework = item.round.framework
    question = get_object_or_404(Question, pk=question_id, framework=framework)
    back = reverse("partnership:return", args=[slug, item.pk])
    if not item.is_editable:
        messages.info(
            request,
            f"This self-assessment is {item.get_status_display().lower()}: "
            "it cannot be changed now.",
        )
        return HttpResponseRedirect(back)
    existing = Answer.objects.filter(assessment_return=item, question=question).first()
    initial = (
        {
            "rating": existing.rating,
            "commentary": existing.commentary,
            "evidence": existing.evidence,
        }
        if existing
        else None
    )
    action_initial = [
        {"description": a.description, "owner": a.owner, "due_on": a.due_on}
        for a in (existing.actions.all() if existing else [])
    ] + [{}, {}]
    form = forms.AnswerForm(request.POST or None, initial=initial, ratings=framework.ratings)
    formset = forms.ActionFormSet(request.POST or None, initial=action_initial, prefix="actions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            actions.save_answer(
                assessment_return=item,
                question=question,
                by=_user(request),
                rating=form.cleaned_data["rating"],
                commentary=form.cleaned_data["commentary"],
                evidence=form.cleaned_data["evidence"],
                actions=[
                    actions.ActionInput(
                        description=f.cleaned_data.get("description", ""),
                        owner=f.cleaned_data.get("owner", ""),
                        due_on=f.cleaned_data.get("due_on"),
                    )
                    for f in formset.forms
                    if f.cleaned_data
                ],
            )
        except actions.AssessmentError as exc:
            form.add_error(None, str(exc))
        else:
            following = framework.questions.filter(order__gt=question.order).first()
            messages.success(request, "Your answer is saved as a draft.")
            if following is not None and "continue" in request.POST:
                return HttpResponseRedirect(
                    reverse("partnership:answer", args=[slug, item.pk, following.pk])
                )
            return HttpResponseRedirect(back)
    position = list(framework.questions.values_list("pk", flat=True)).index(question.pk) + 1
    return render(
        request,
        "partnership/answer.html",
        {
            "partnership": item.round.partnership,
            "return": item,
            "question": question,
            "form": form,
            "formset": formset,
            "ratings": framework.ratings,
            "back": back,
            "position": position,
            "total": framework.questions.count(),
            "review_comment": existing.review_comment if existing else "",
        },
    )


@login_required
@require_POST
def return_submit(request: HttpRequest, slug: str, return_id: int) -> HttpResponse:
    item = _return(request, slug, return_id)
    if not queries.may_edit_return(_user(request), item):
        raise Http404
    try:
        actions.submit_return(assessment_return=item, by=_user(request))
    except actions.AssessmentError as exc:
        messages.error(request, f"You cannot submit it yet: {exc}.")
    else:
        messages.success(request, "Your self-assessment is submitted to the partnership lead.")
    return HttpResponseRedirect(reverse("partnership:return", args=[slug, item.pk]))


@permission_required(Permission.RETURNS_REVIEW)
def review(request: HttpRequest, slug: str, return_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.RETURNS_REVIEW)
    item = get_object_or_404(
        AssessmentReturn.objects.select_related("round__framework", "organisation"),
        pk=return_id,
        round__partnership=partnership,
    )
    if not item.is_submitted:
        raise Http404  # drafts are the organisation's own until submitted
    questions = list(item.round.framework.questions.all())
    form = None
    if item.status == AssessmentReturn.Status.SUBMITTED:
        form = forms.ReviewForm(request.POST or None, questions=questions)
        if request.method == "POST" and form.is_valid():
            try:
                actions.review_return(
                    assessment_return=item,
                    accept=form.cleaned_data["decision"] == "accept",
                    comment=form.cleaned_data["comment"],
                    answer_comments=form.answer_comments(),
                    by=_user(request),
                )
            except actions.AssessmentError as exc:
                form.add_error(None, str(exc))
            else:
                item.refresh_from_db()
                messages.success(
                    request,
                    f"{item.organisation.name}'s self-assessment is "
                    f"{item.get_status_display().lower()}.",
                )
                return HttpResponseRedirect(
                    reverse("partnership:assessment", args=[slug, item.round_id])
                )
    elif request.method == "POST":
        messages.info(request, "This self-assessment has already been reviewed.")
    score = queries.return_readiness(item)
    sections = _sections(item)
    fields = {q.pk: form[name] for q, name in form.question_fields} if form else {}
    for _, entries in sections:
        for entry in entries:
            entry["comment_field"] = fields.get(entry["question"].pk)
    return render(
        request,
        "partnership/review.html",
        {
            "partnership": partnership,
            "return": item,
            "sections": sections,
            "form": form,
            "readiness": score,
            "readiness_label": item.round.framework.rating_label(score.level) if score else "",
        },
    )


# --- Engagement ----------------------------------------------------------------------------


@permission_required(Permission.PARTNERSHIP_VIEW)
def engagements(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    return render(
        request,
        "partnership/engagements.html",
        {
            "partnership": partnership,
            "engagements": partnership.engagements.select_related("requirement__item"),
            "may_manage": _may(request, Permission.ENGAGEMENT_MANAGE, partnership),
        },
    )


def _engagement_values(engagement: Engagement) -> dict[str, Any]:
    values = {name: getattr(engagement, name) for name in actions.ENGAGEMENT_FIELDS}
    return values | {
        "organisations": list(engagement.organisations.all()),
        "requirement": engagement.requirement,
    }


def _engagement_form(
    request: HttpRequest, partnership: Partnership, engagement: Engagement | None
) -> HttpResponse:
    initial = _engagement_values(engagement) if engagement is not None else None
    form = forms.EngagementForm(request.POST or None, partnership=partnership, initial=initial)
    if engagement is not None:
        form.guard_edit(form.initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with transaction.atomic():
            if engagement is None or form.still_unchanged(engagement, _engagement_values):
                try:
                    saved = actions.record_engagement(
                        partnership=partnership,
                        by=_user(request),
                        engagement=engagement,
                        organisations=list(data.pop("organisations")),
                        requirement=data.pop("requirement"),
                        **data,
                    )
                except actions.PartnershipInputError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, f"“{saved.title}” is recorded.")
                    return HttpResponseRedirect(
                        reverse("partnership:engagement", args=[partnership.slug, saved.pk])
                    )
    return render(
        request,
        "partnership/simple_form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": f"Change {engagement.title}" if engagement else "Record an engagement",
            "back": reverse("partnership:engagements", args=[partnership.slug]),
            "button": "Save",
            "intro": "A consultation of relevant authorities, or a co-production event with "
            "schools and colleges, prisons, young people or community and voluntary organisations.",
        },
    )


@permission_required(Permission.ENGAGEMENT_MANAGE)
def engagement_add(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.ENGAGEMENT_MANAGE)
    return _engagement_form(request, partnership, None)


@permission_required(Permission.ENGAGEMENT_MANAGE)
def engagement_edit(request: HttpRequest, slug: str, engagement_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.ENGAGEMENT_MANAGE)
    item = get_object_or_404(Engagement, pk=engagement_id, partnership=partnership)
    return _engagement_form(request, partnership, item)


@permission_required(Permission.PARTNERSHIP_VIEW)
def engagement(request: HttpRequest, slug: str, engagement_id: int) -> HttpResponse:
    partnership = _partnership(request, slug, Permission.PARTNERSHIP_VIEW)
    item = get_object_or_404(
        Engagement.objects.select_related("requirement__item"),
        pk=engagement_id,
        partnership=partnership,
    )
    return render(
        request,
        "partnership/engagement.html",
        {
            "partnership": partnership,
            "engagement": item,
            "organisations": item.organisations.all(),
            "may_manage": _may(request, Permission.ENGAGEMENT_MANAGE, partnership),
        },
    )


# --- Monitoring ----------------------------------------------------------------------------


def _monitoring(request: HttpRequest, slug: str) -> tuple[queries.Monitoring, forms.SinceForm]:
    partnership = _partnership(request, slug, Permission.MONITORING_VIEW)
    form = forms.SinceForm(request.GET or None)
    since = form.cleaned_data.get("since") if form.is_bound and form.is_valid() else None
    return queries.monitoring(partnership, today=_today(), since=since), form


@permission_required(Permission.MONITORING_VIEW)
def monitoring(request: HttpRequest, slug: str) -> HttpResponse:
    view, form = _monitoring(request, slug)
    return render(
        request,
        "partnership/monitoring.html",
        {
            "partnership": view.partnership,
            "view": view,
            "form": form,
            "query": request.GET.urlencode(),
        },
    )


def _export(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    view, _ = _monitoring(request, slug)
    tables = queries.monitoring_tables(view)
    if extension == "xlsx":
        body = spreadsheets.to_xlsx(tables)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = spreadsheets.to_ods(tables)
        content_type = "application/vnd.oasis.opendocument.spreadsheet"
    name = f"{view.partnership.slug}-monitoring-{view.today.isoformat()}.{extension}"
    audit.record(
        action=AuditEvent.Action.EXPORT,
        summary=f"Exported the monitoring view of {view.partnership.name} as {extension.upper()}",
        obj=view.partnership,
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_required(Permission.MONITORING_VIEW)
def monitoring_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    return _export(request, slug, "xlsx")


@permission_required(Permission.MONITORING_VIEW)
def monitoring_ods(request: HttpRequest, slug: str) -> HttpResponse:
    return _export(request, slug, "ods")


# --- Reminders -----------------------------------------------------------------------------


@login_required
def reminders(request: HttpRequest) -> HttpResponse:
    today = _today()
    items = queries.reminders_for(_user(request), today=today)
    return render(
        request,
        "partnership/reminders.html",
        {
            "overdue": [r for r in items if r.is_overdue],
            "upcoming": [r for r in items if not r.is_overdue],
            "days": queries.UPCOMING_DAYS,
        },
    )


# --- Frameworks ----------------------------------------------------------------------------


@permission_required(Permission.FRAMEWORKS_MANAGE)
def frameworks(request: HttpRequest) -> HttpResponse:
    form = forms.FrameworkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = parse_framework(upload.read(), file_name=upload.name)
            framework, created = actions.load_framework(document=document, by=_user(request))
        except FrameworkError as exc:
            form.add_error("file", str(exc))
        else:
            if created:
                messages.success(request, f"{framework} is loaded.")
            else:
                messages.info(request, f"{framework} was already loaded: nothing changed.")
            return HttpResponseRedirect(reverse("partnership:frameworks"))
    return render(
        request,
        "partnership/frameworks.html",
        {
            "frameworks": Framework.objects.all(),
            "form": form,
        },
    )


@permission_required(Permission.FRAMEWORKS_MANAGE)
def framework(request: HttpRequest, framework_id: int) -> HttpResponse:
    item = get_object_or_404(Framework, pk=framework_id)
    return render(
        request,
        "partnership/framework.html",
        {
            "framework": item,
            "items": item.items.all(),
            "questions": item.questions.all(),
        },
    )
