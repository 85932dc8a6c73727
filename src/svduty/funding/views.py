"""Funding pages: grants received, what the money pays for, calls for proposals; and the public
pages (grants given, open-data downloads, open calls and the application form)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.core import signing
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from svduty.access import audit
from svduty.access.decorators import permission_required, public
from svduty.access.middleware import client_ip
from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.decisions.views import stored_file
from svduty.funding import actions, forms, opendata, queries, spam
from svduty.funding.fields import sentence
from svduty.funding.models import (
    Application,
    Call,
    CallAssessor,
    Grant,
    Intervention,
)
from svduty.partnership.models import Partnership

M = TypeVar("M", bound=models.Model)


def _partnership(request: HttpRequest, slug: str, permission: Permission) -> Partnership:
    partnership = get_object_or_404(Partnership, slug=slug)
    if not has_permission(request.user, permission, partnership=partnership):  # type: ignore[arg-type]
        raise Http404
    return partnership


def _object(
    request: HttpRequest, queryset: models.QuerySet[M], pk: int, permission: Permission
) -> M:
    item = get_object_or_404(queryset, pk=pk)
    if not has_permission(request.user, permission, partnership=item.partnership):  # type: ignore[arg-type, attr-defined]
        raise Http404
    return item


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _form_page(
    request: HttpRequest,
    *,
    form: Any,
    title: str,
    back: str,
    submit: str,
    caption: str = "",
    intro: str = "",
    multipart: bool = False,
) -> HttpResponse:
    return render(
        request,
        "funding/form_page.html",
        {
            "form": form,
            "title": title,
            "back": back,
            "submit": submit,
            "caption": caption,
            "intro": intro,
            "multipart": multipart,
        },
    )


# --- overview ----------------------------------------------------------------------------------


@permission_required(Permission.FUNDING_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    partnerships = [
        p
        for p in Partnership.objects.all()
        if has_permission(_user(request), Permission.FUNDING_VIEW, partnership=p)
    ]
    if len(partnerships) == 1:
        return HttpResponseRedirect(reverse("funding:partnership", args=[partnerships[0].slug]))
    return render(request, "funding/index.html", {"partnerships": partnerships})


@permission_required(Permission.FUNDING_VIEW)
def partnership(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.FUNDING_VIEW)
    user = _user(request)
    grants = list(item.grants.all())
    positions = [queries.grant_position(g) for g in grants]
    return render(
        request,
        "funding/partnership.html",
        {
            "partnership": item,
            "positions": positions,
            "totals": queries.totals_by_year(item),
            "posts": item.funded_posts.select_related("grant", "employer", "decision", "priority"),
            "interventions": item.interventions.select_related("grant", "provider", "decision"),
            "calls": item.calls.all(),
            "can_edit": has_permission(user, Permission.FUNDING_EDIT, partnership=item),
            "can_manage_calls": has_permission(user, Permission.CALLS_MANAGE, partnership=item),
        },
    )


# --- grants received ---------------------------------------------------------------------------


@permission_required(Permission.FUNDING_EDIT)
def grant_new(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.FUNDING_EDIT)
    form = forms.GrantForm(request.POST or None, partnership=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = actions.record_grant(partnership=item, by=_user(request), **data)
        except actions.FundingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Recorded {grant}.")
            return HttpResponseRedirect(reverse("funding:grant_detail", args=[grant.pk]))
    return _form_page(
        request,
        form=form,
        title="Record a grant received",
        submit="Record grant",
        back=reverse("funding:partnership", args=[item.slug]),
        caption=item.name,
    )


@permission_required(Permission.FUNDING_VIEW)
def grant_detail(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _object(
        request, Grant.objects.select_related("partnership"), grant_id, Permission.FUNDING_VIEW
    )
    return render(
        request,
        "funding/grant_detail.html",
        {
            "grant": grant,
            "position": queries.grant_position(grant),
            "spend": grant.spend.select_related("post", "intervention"),
            "claims": grant.claims.all(),
            "returns": grant.returns.all(),
            "posts": grant.posts.select_related("employer", "decision"),
            "interventions": grant.interventions.select_related("provider", "decision"),
            "can_edit": has_permission(
                _user(request), Permission.FUNDING_EDIT, partnership=grant.partnership
            ),
        },
    )


def _agreement_values(grant: Grant) -> dict[str, Any]:
    return {
        "agreement_reference": grant.agreement_reference,
        "agreement_signed_on": grant.agreement_signed_on,
        "conditions": grant.conditions,
    }


@permission_required(Permission.FUNDING_EDIT)
def grant_agreement(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _object(request, Grant.objects.all(), grant_id, Permission.FUNDING_EDIT)
    form = forms.AgreementForm(
        request.POST or None, request.FILES or None, initial=_agreement_values(grant)
    )
    form.guard_edit(form.initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if form.still_unchanged(grant, _agreement_values):
                actions.update_grant_agreement(grant=grant, by=_user(request), **form.cleaned_data)
                messages.success(request, "The grant agreement is recorded.")
                return HttpResponseRedirect(reverse("funding:grant_detail", args=[grant.pk]))
    return _form_page(
        request,
        form=form,
        title="Grant agreement and conditions",
        submit="Save",
        caption=str(grant),
        multipart=True,
        back=reverse("funding:grant_detail", args=[grant.pk]),
    )


@permission_required(Permission.FUNDING_VIEW)
def grant_agreement_file(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _object(request, Grant.objects.all(), grant_id, Permission.FUNDING_VIEW)
    if not grant.agreement:
        raise Http404
    audit.record(action="download", summary=f"Downloaded the agreement of {grant}", obj=grant)
    return stored_file(grant.agreement)


@permission_required(Permission.FUNDING_EDIT)
def grant_profile(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _object(request, Grant.objects.all(), grant_id, Permission.FUNDING_EDIT)
    form = forms.ProfileForm(request.POST or None, grant=grant)
    if request.method == "POST" and form.is_valid():
        planned = form.planned()
        missing = [k for k, v in planned.items() if v is None]
        if missing:
            form.add_error(None, "Enter an amount for every quarter, £0 if none")
        else:
            try:
                actions.set_spend_profile(grant=grant, planned=planned, by=_user(request))
            except actions.FundingError as exc:
                form.add_error(None, sentence(str(exc)))
            else:
                messages.success(request, "The spend profile is saved.")
                return HttpResponseRedirect(reverse("funding:grant_detail", args=[grant.pk]))
    return _form_page(
        request,
        form=form,
        title="Spend profile",
        submit="Save profile",
        caption=str(grant),
        intro="Plan the spend of each line by quarter. Each line must add up to its allocation: "
        "underspend cannot be carried into the next year.",
        back=reverse("funding:grant_detail", args=[grant.pk]),
    )


@permission_required(Permission.FUNDING_EDIT)
def spend_add(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _object(request, Grant.objects.all(), grant_id, Permission.FUNDING_EDIT)
    form = forms.SpendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_spend(grant=grant, by=_user(request), **form.cleaned_data)
        except actions.FundingError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, "The spend is recorded.")
            return HttpResponseRedirect(reverse("funding:grant_detail", args=[grant.pk]))
    return _form_page(
        request,
        form=form,
        title="Record spend",
        submit="Record spend",
        caption=str(grant),
        back=reverse("funding:grant_detail", args=[grant.pk]),
    )


@permission_required(Permission.FUNDING_EDIT)
def claim_add(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _object(request, Grant.objects.all(), grant_id, Permission.FUNDING_EDIT)
    form = forms.ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["labour_amount"] is None or data["non_labour_amount"] is None:
            form.add_error(None, "Enter both amounts, £0 if none")
        else:
            try:
                actions.record_claim(grant=grant, by=_user(request), **data)
            except actions.FundingError as exc:
                form.add_error(None, sentence(str(exc)))
            else:
                messages.success(request, "The claim is recorded.")
                return HttpResponseRedirect(reverse("funding:grant_detail", args=[grant.pk]))
    return _form_page(
        request,
        form=form,
        title="Record a claim",
        submit="Record claim",
        caption=str(grant),
        back=reverse("funding:grant_detail", args=[grant.pk]),
    )


@permission_required(Permission.FUNDING_EDIT)
def return_add(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _object(request, Grant.objects.all(), grant_id, Permission.FUNDING_EDIT)
    form = forms.ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.record_monitoring_return(grant=grant, by=_user(request), **form.cleaned_data)
        messages.success(request, "The monitoring return is recorded.")
        return HttpResponseRedirect(reverse("funding:grant_detail", args=[grant.pk]))
    return _form_page(
        request,
        form=form,
        title="Record a monitoring return",
        submit="Record return",
        caption=str(grant),
        back=reverse("funding:grant_detail", args=[grant.pk]),
    )


# --- posts and interventions -------------------------------------------------------------------


@permission_required(Permission.FUNDING_EDIT)
def post_new(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.FUNDING_EDIT)
    form = forms.PostForm(request.POST or None, partnership=item)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_post(by=_user(request), **form.cleaned_data)
        except actions.FundingError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, "The post is proposed; its decision record funds it.")
            return HttpResponseRedirect(reverse("funding:partnership", args=[item.slug]))
    return _form_page(
        request,
        form=form,
        title="Propose a funded post",
        submit="Save post",
        caption=item.name,
        back=reverse("funding:partnership", args=[item.slug]),
    )


@permission_required(Permission.FUNDING_EDIT)
def intervention_new(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.FUNDING_EDIT)
    form = forms.InterventionForm(request.POST or None, partnership=item)
    if request.method == "POST" and form.is_valid():
        try:
            intervention = actions.create_intervention(by=_user(request), **form.cleaned_data)
        except actions.FundingError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, "The intervention is proposed; its decision record funds it.")
            return HttpResponseRedirect(
                reverse("funding:intervention_detail", args=[intervention.pk])
            )
    return _form_page(
        request,
        form=form,
        title="Propose an intervention",
        submit="Save intervention",
        caption=item.name,
        back=reverse("funding:partnership", args=[item.slug]),
    )


@permission_required(Permission.FUNDING_VIEW)
def intervention_detail(request: HttpRequest, intervention_id: int) -> HttpResponse:
    item = _object(
        request,
        Intervention.objects.select_related(
            "grant", "provider", "decision", "priority", "application"
        ),
        intervention_id,
        Permission.FUNDING_VIEW,
    )
    return render(
        request,
        "funding/intervention_detail.html",
        {
            "intervention": item,
            "returns": item.returns.all(),
            "spend": item.spend.all(),
            "can_edit": has_permission(
                _user(request), Permission.FUNDING_EDIT, partnership=item.partnership
            ),
        },
    )


@permission_required(Permission.FUNDING_EDIT)
def intervention_return(request: HttpRequest, intervention_id: int) -> HttpResponse:
    item = _object(request, Intervention.objects.all(), intervention_id, Permission.FUNDING_EDIT)
    form = forms.InterventionReturnForm(
        request.POST or None, initial={"financial_year": item.grant.financial_year}
    )
    if request.method == "POST" and form.is_valid():
        actions.record_intervention_return(
            intervention=item, by=_user(request), **form.cleaned_data
        )
        messages.success(request, "The quarter's outputs are recorded.")
        return HttpResponseRedirect(reverse("funding:intervention_detail", args=[item.pk]))
    return _form_page(
        request,
        form=form,
        title="Quarterly outputs and outcomes",
        submit="Record",
        caption=str(item),
        back=reverse("funding:intervention_detail", args=[item.pk]),
    )


@permission_required(Permission.FUNDING_EDIT)
def link_decision(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.FUNDING_EDIT)
    form = forms.LinkDecisionForm(request.POST or None, partnership=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.link_to_decision(
                decision=data["decision"],
                posts=list(data["posts"]),
                interventions=list(data["interventions"]),
                by=_user(request),
            )
        except actions.FundingError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, f"Put to decision {data['decision'].reference}.")
            return HttpResponseRedirect(reverse("funding:partnership", args=[item.slug]))
    return _form_page(
        request,
        form=form,
        title="Put funded work to a decision",
        submit="Save",
        caption=item.name,
        intro="Approving the decision funds the posts and interventions chosen.",
        back=reverse("funding:partnership", args=[item.slug]),
    )


# --- calls for proposals -----------------------------------------------------------------------


@permission_required(Permission.CALLS_MANAGE)
def call_new(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.CALLS_MANAGE)
    form = forms.CallForm(request.POST or None, partnership=item)
    if request.method == "POST" and form.is_valid():
        try:
            call = actions.create_call(partnership=item, by=_user(request), **form.cleaned_data)
        except actions.FundingError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("funding:call_detail", args=[call.pk]))
    return _form_page(
        request,
        form=form,
        title="Draft a call for proposals",
        submit="Save call",
        caption=item.name,
        back=reverse("funding:partnership", args=[item.slug]),
    )


def _assessor_candidates(call: Call) -> Any:
    members = User.objects.filter(
        memberships__organisation__partnership=call.partnership, memberships__is_active=True
    ).distinct()
    return User.objects.filter(
        pk__in=[
            u.pk
            for u in members
            if has_permission(u, Permission.APPLICATIONS_ASSESS, partnership=call.partnership)
        ]
    ).exclude(pk__in=call.assessors.values("user"))


@permission_required(Permission.CALLS_MANAGE)
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _object(
        request,
        Call.objects.select_related("partnership", "grant"),
        call_id,
        Permission.CALLS_MANAGE,
    )
    return render(
        request,
        "funding/call_detail.html",
        {
            "call": call,
            "is_open": call.is_open(),
            "rows": queries.application_scores(call),
            "assessors": call.assessors.select_related("user"),
            "assessor_form": forms.AssessorForm(candidates=_assessor_candidates(call)),
        },
    )


@permission_required(Permission.CALLS_MANAGE)
@require_POST
def call_publish(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _object(request, Call.objects.all(), call_id, Permission.CALLS_MANAGE)
    try:
        actions.publish_call(call=call, by=_user(request))
    except actions.FundingError as exc:
        messages.error(request, sentence(str(exc)))
    else:
        messages.success(request, "The call is published on the public site.")
    return HttpResponseRedirect(reverse("funding:call_detail", args=[call.pk]))


@permission_required(Permission.CALLS_MANAGE)
@require_POST
def call_assessor_add(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _object(request, Call.objects.all(), call_id, Permission.CALLS_MANAGE)
    form = forms.AssessorForm(request.POST, candidates=_assessor_candidates(call))
    if form.is_valid():
        try:
            actions.name_assessor(call=call, user=form.cleaned_data["user"], by=_user(request))
        except actions.FundingError as exc:
            messages.error(request, sentence(str(exc)))
    else:
        messages.error(request, "Choose a member of the partnership who can assess")
    return HttpResponseRedirect(reverse("funding:call_detail", args=[call.pk]))


@permission_required(Permission.CALLS_MANAGE)
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _object(
        request,
        Application.objects.select_related("call__partnership"),
        application_id,
        Permission.CALLS_MANAGE,
    )
    form = forms.AwardForm(
        partnership=application.partnership,
        initial={
            "amount": application.amount_requested,
            "grant": application.call.grant,
            "priority": application.call.priority,
        },
    )
    return render(
        request,
        "funding/application_detail.html",
        {
            "application": application,
            "assessments": application.assessments.select_related("assessor"),
            "award_form": form,
            "call_is_open": application.call.is_open(),
        },
    )


@permission_required(Permission.CALLS_MANAGE)
def application_award(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _object(
        request,
        Application.objects.select_related("call__partnership"),
        application_id,
        Permission.CALLS_MANAGE,
    )
    form = forms.AwardForm(
        request.POST or None,
        partnership=application.partnership,
        initial={"amount": application.amount_requested},
    )
    if request.method == "POST" and form.is_valid():
        try:
            intervention = actions.award_application(
                application=application, by=_user(request), **form.cleaned_data
            )
        except actions.FundingError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, f"Awarded: intervention {intervention.reference} proposed.")
            return HttpResponseRedirect(
                reverse("funding:intervention_detail", args=[intervention.pk])
            )
    return _form_page(
        request,
        form=form,
        title="Award",
        submit="Award",
        caption=str(application),
        back=reverse("funding:application_detail", args=[application.pk]),
    )


@permission_required(Permission.CALLS_MANAGE)
@require_POST
def application_decline(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _object(
        request,
        Application.objects.select_related("call__partnership"),
        application_id,
        Permission.CALLS_MANAGE,
    )
    try:
        actions.decline_application(application=application, by=_user(request))
    except actions.FundingError as exc:
        messages.error(request, sentence(str(exc)))
    return HttpResponseRedirect(reverse("funding:call_detail", args=[application.call_id]))


@permission_required(Permission.APPLICATIONS_ASSESS)
def assess_list(request: HttpRequest) -> HttpResponse:
    """The calls the signed-in user is named to assess, and where their assessments stand."""
    user = _user(request)
    named = CallAssessor.objects.filter(user=user).select_related("call__partnership")
    calls = []
    for entry in named:
        call = entry.call
        if not has_permission(user, Permission.APPLICATIONS_ASSESS, partnership=call.partnership):
            continue
        done = set(
            call.applications.filter(assessments__assessor=user).values_list("pk", flat=True)
        )
        calls.append(
            {
                "call": call,
                "is_open": call.is_open(),
                "applications": [(a, a.pk in done) for a in call.applications.all()],
            }
        )
    return render(request, "funding/assess_list.html", {"calls": calls})


@permission_required(Permission.APPLICATIONS_ASSESS)
def assess(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _object(
        request,
        Application.objects.select_related("call__partnership"),
        application_id,
        Permission.APPLICATIONS_ASSESS,
    )
    user = _user(request)
    if not application.call.assessors.filter(user=user).exists():
        raise Http404
    existing = application.assessments.filter(assessor=user).first()
    form = forms.AssessmentForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            actions.assess_application(application=application, by=user, **form.cleaned_data)
        except actions.FundingError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, f"Your assessment of {application.reference} is recorded.")
            return HttpResponseRedirect(reverse("funding:assess_list"))
    return render(
        request,
        "funding/assess.html",
        {
            "application": application,
            "form": form,
            "existing": existing,
            "call_is_open": application.call.is_open(),
        },
    )


# --- public pages ------------------------------------------------------------------------------


@public
def published_grants(request: HttpRequest, partnership: str) -> HttpResponse:
    """Grants received and the funded work they pay for, with the open-data downloads."""
    item = get_object_or_404(Partnership, slug=partnership)
    return render(
        request,
        "funding/published_grants.html",
        {
            "partnership": item,
            "totals": queries.totals_by_year(item),
            "posts": queries.funded_posts(item).order_by("grant__financial_year", "title"),
            "interventions": queries.funded_interventions(item).order_by(
                "grant__financial_year", "reference"
            ),
            "calls": queries.open_calls(item),
            "has_grants_given": bool(opendata.grants_given(item)),
        },
    )


@public
def published_360giving(request: HttpRequest, partnership: str) -> HttpResponse:
    item = get_object_or_404(Partnership, slug=partnership)
    package = opendata.package_360giving(item)
    if not package["grants"]:
        raise Http404("No grants have been given yet")
    audit.record(action="download", summary="Downloaded grants given (360Giving JSON)", obj=item)
    response = HttpResponse(opendata.dumps_exact(package), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{item.slug}-grants-360giving.json"'
    return response


@public
def published_spend(request: HttpRequest, partnership: str) -> HttpResponse:
    item = get_object_or_404(Partnership, slug=partnership)
    audit.record(action="download", summary="Downloaded spend over £500 (CSV)", obj=item)
    response = HttpResponse(opendata.spend_csv(item), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{item.slug}-spend-over-500.csv"'
    return response


def _public_call(partnership: str, open_call_id: int) -> Call:
    call = get_object_or_404(
        Call.objects.select_related("partnership"), pk=open_call_id, partnership__slug=partnership
    )
    if not call.is_published:
        raise Http404
    return call


@public
def published_call(request: HttpRequest, partnership: str, open_call_id: int) -> HttpResponse:
    call = _public_call(partnership, open_call_id)
    return render(request, "funding/published_call.html", {"call": call, "is_open": call.is_open()})


@public
def published_apply(request: HttpRequest, partnership: str, open_call_id: int) -> HttpResponse:
    """The public expression-of-interest form, protected by a honeypot, a signed timestamp and
    a limit per address."""
    call = _public_call(partnership, open_call_id)
    if not call.is_open():
        return render(request, "funding/published_call.html", {"call": call, "is_open": False})
    form = forms.ApplicationForm(
        request.POST or None, initial={spam.TOKEN_FIELD: spam.issue_token()}
    )
    status = 200
    if request.method == "POST":
        if spam.rate_limited(client_ip(request)):
            return render(
                request, "funding/published_rate_limited.html", {"call": call}, status=429
            )
        if request.POST.get(spam.HONEYPOT_FIELD):
            # A robot filled the field people cannot see: say nothing, keep nothing.
            return HttpResponseRedirect(
                reverse("funding:published_applied", args=[call.partnership.slug, call.pk])
            )
        problem = spam.token_problem(request.POST.get(spam.TOKEN_FIELD, ""))
        if problem is not None:
            resubmitted = request.POST.copy()
            resubmitted[spam.TOKEN_FIELD] = spam.issue_token()
            form = forms.ApplicationForm(resubmitted)
            form.is_valid()
            form.add_error(
                None,
                "We could not accept the form yet. Check your answers, wait a "
                "few seconds and send it again.",
            )
            status = 400
        elif form.is_valid():
            data = {
                k: v
                for k, v in form.cleaned_data.items()
                if k not in {spam.HONEYPOT_FIELD, spam.TOKEN_FIELD}
            }
            try:
                application = actions.submit_application(call=call, **data)
            except actions.FundingError as exc:
                form.add_error(None, sentence(str(exc)))
                status = 400
            else:
                receipt = signing.dumps(application.reference, salt="svduty.funding.applied")
                url = reverse("funding:published_applied", args=[call.partnership.slug, call.pk])
                return HttpResponseRedirect(f"{url}?receipt={receipt}")
        else:
            status = 400
    return render(
        request, "funding/published_apply.html", {"call": call, "form": form}, status=status
    )


@public
def published_applied(request: HttpRequest, partnership: str, open_call_id: int) -> HttpResponse:
    call = _public_call(partnership, open_call_id)
    reference = ""
    try:
        reference = signing.loads(
            request.GET.get("receipt", ""), salt="svduty.funding.applied", max_age=3600
        )
    except signing.BadSignature:
        reference = ""
    return render(
        request,
        "funding/published_applied.html",
        {"call": call, "reference": reference, "now": timezone.now()},
    )
