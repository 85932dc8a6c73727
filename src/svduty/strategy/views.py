"""Strategy pages: versions and priorities, needs-assessment findings, each year's activity plan
with its actions and progress updates, and the guided annual review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from svduty.access import audit
from svduty.access.decorators import permission_required
from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.decisions.documents import FORMATS, FormatUnavailable, available_formats, render_bytes
from svduty.funding.fields import sentence
from svduty.partnership.models import Partnership
from svduty.strategy import actions, forms, queries
from svduty.strategy.documents import annual_review_document
from svduty.strategy.models import (
    COHORT_LABELS,
    MEASURES,
    Action,
    ActionStatus,
    ActivityPlan,
    AnnualReview,
    Strategy,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _get(
    request: HttpRequest, queryset: models.QuerySet[Any], pk: int, permission: Permission
) -> Any:
    item = get_object_or_404(queryset, pk=pk)
    if not has_permission(_user(request), permission, partnership=item.partnership):
        raise Http404
    return item


def _partnership(request: HttpRequest, slug: str, permission: Permission) -> Partnership:
    item = get_object_or_404(Partnership, slug=slug)
    if not has_permission(_user(request), permission, partnership=item):
        raise Http404
    return item


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
        "strategy/form_page.html",
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


def _can_edit(request: HttpRequest, partnership: Partnership) -> bool:
    return has_permission(_user(request), Permission.STRATEGY_EDIT, partnership=partnership)


@permission_required(Permission.STRATEGY_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    partnerships = queries.partnerships_with(_user(request), Permission.STRATEGY_VIEW)
    if len(partnerships) == 1:
        return HttpResponseRedirect(reverse("strategy:partnership", args=[partnerships[0].slug]))
    return render(request, "strategy/index.html", {"partnerships": partnerships})


@permission_required(Permission.STRATEGY_VIEW)
def partnership(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.STRATEGY_VIEW)
    return render(
        request,
        "strategy/partnership.html",
        {
            "partnership": item,
            "current": queries.current_strategy(item),
            "strategies": item.strategies.all(),
            "can_edit": _can_edit(request, item),
        },
    )


@permission_required(Permission.STRATEGY_EDIT)
def strategy_new(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.STRATEGY_EDIT)
    form = forms.StrategyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        strategy = actions.create_strategy(partnership=item, by=_user(request), **form.cleaned_data)
        messages.success(request, f"Strategy version {strategy.version} is drafted.")
        return HttpResponseRedirect(reverse("strategy:strategy_detail", args=[strategy.pk]))
    return _form_page(
        request,
        form=form,
        title="Draft a new strategy version",
        submit="Save draft",
        caption=item.name,
        back=reverse("strategy:partnership", args=[item.slug]),
    )


@permission_required(Permission.STRATEGY_VIEW)
def strategy_detail(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = _get(
        request,
        Strategy.objects.select_related("partnership"),
        strategy_id,
        Permission.STRATEGY_VIEW,
    )
    return render(
        request,
        "strategy/strategy_detail.html",
        {
            "strategy": strategy,
            "priorities": strategy.priorities.all(),
            "plans": strategy.plans.all(),
            "reviews": strategy.reviews.all(),
            "can_edit": _can_edit(request, strategy.partnership),
        },
    )


@permission_required(Permission.STRATEGY_EDIT)
def priority_add(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = _get(request, Strategy.objects.all(), strategy_id, Permission.STRATEGY_EDIT)
    form = forms.PriorityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_priority(strategy=strategy, by=_user(request), **form.cleaned_data)
        except actions.StrategyError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("strategy:strategy_detail", args=[strategy.pk]))
    return _form_page(
        request,
        form=form,
        title="Add a priority",
        submit="Add priority",
        caption=str(strategy),
        back=reverse("strategy:strategy_detail", args=[strategy.pk]),
    )


@permission_required(Permission.STRATEGY_EDIT)
def strategy_approve(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = _get(request, Strategy.objects.all(), strategy_id, Permission.STRATEGY_EDIT)
    form = forms.ApproveStrategyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.approve_strategy(strategy=strategy, by=_user(request), **form.cleaned_data)
        except actions.StrategyError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, "The strategy's approval is recorded.")
            return HttpResponseRedirect(reverse("strategy:strategy_detail", args=[strategy.pk]))
    return _form_page(
        request,
        form=form,
        title="Record the strategy's approval",
        submit="Record approval",
        caption=str(strategy),
        back=reverse("strategy:strategy_detail", args=[strategy.pk]),
    )


@permission_required(Permission.STRATEGY_EDIT)
def strategy_publish(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = _get(request, Strategy.objects.all(), strategy_id, Permission.STRATEGY_EDIT)
    form = forms.PublishStrategyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.publish_strategy(strategy=strategy, by=_user(request), **form.cleaned_data)
        except actions.StrategyError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, "The strategy is recorded as published.")
            return HttpResponseRedirect(reverse("strategy:strategy_detail", args=[strategy.pk]))
    return _form_page(
        request,
        form=form,
        title="Record the published strategy",
        submit="Record publication",
        caption=str(strategy),
        multipart=True,
        back=reverse("strategy:strategy_detail", args=[strategy.pk]),
    )


@permission_required(Permission.STRATEGY_EDIT)
def plan_new(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = _get(request, Strategy.objects.all(), strategy_id, Permission.STRATEGY_EDIT)
    form = forms.PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = actions.create_plan(strategy=strategy, by=_user(request), **form.cleaned_data)
        except actions.StrategyError as exc:
            form.add_error("year", sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("strategy:plan_detail", args=[plan.pk]))
    return _form_page(
        request,
        form=form,
        title="Start a year's activity plan",
        submit="Create plan",
        caption=str(strategy),
        back=reverse("strategy:strategy_detail", args=[strategy.pk]),
    )


@permission_required(Permission.STRATEGY_VIEW)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _get(
        request,
        ActivityPlan.objects.select_related("strategy__partnership"),
        plan_id,
        Permission.STRATEGY_VIEW,
    )
    plan_actions = list(queries.plan_actions(plan))
    counts = queries.status_counts(plan_actions)
    return render(
        request,
        "strategy/plan_detail.html",
        {
            "plan": plan,
            "actions": plan_actions,
            "counts": [(s.label, counts[s.value], s.value) for s in ActionStatus],
            "can_edit": _can_edit(request, plan.partnership),
        },
    )


@permission_required(Permission.STRATEGY_EDIT)
def action_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _get(
        request,
        ActivityPlan.objects.select_related("strategy__partnership"),
        plan_id,
        Permission.STRATEGY_EDIT,
    )
    form = forms.ActionForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["findings"] = list(data["findings"])
        try:
            action = actions.add_action(plan=plan, by=_user(request), **data)
        except actions.StrategyError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("strategy:action_detail", args=[action.pk]))
    return _form_page(
        request,
        form=form,
        title="Add an action",
        submit="Add action",
        caption=f"Activity plan {plan.year}",
        back=reverse("strategy:plan_detail", args=[plan.pk]),
    )


def _may_report(request: HttpRequest, action: Action) -> bool:
    """Partnership leads report on any action; contributors on those their organisation leads."""
    user = _user(request)
    return has_permission(user, Permission.STRATEGY_EDIT, partnership=action.partnership) or (
        has_permission(user, Permission.ACTION_PROGRESS_OWN, organisation=action.lead_organisation)
    )


@permission_required(Permission.STRATEGY_VIEW)
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _get(
        request,
        Action.objects.select_related(
            "plan__strategy__partnership", "priority", "lead_organisation"
        ),
        action_id,
        Permission.STRATEGY_VIEW,
    )
    return render(
        request,
        "strategy/action_detail.html",
        {
            "action": action,
            "updates": action.updates.select_related("created_by", "organisation"),
            "findings": action.findings.all(),
            "may_report": _may_report(request, action),
            "can_edit": _can_edit(request, action.partnership),
        },
    )


def _action_values(action: Action) -> dict[str, Any]:
    return {
        "reference": action.reference,
        "title": action.title,
        "description": action.description,
        "priority": action.priority,
        "lead_organisation": action.lead_organisation,
        "owner": action.owner,
        "start_on": action.start_on,
        "due_on": action.due_on,
        "measures": action.measures,
        "findings": list(action.findings.all()),
    }


@permission_required(Permission.STRATEGY_EDIT)
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _get(
        request,
        Action.objects.select_related("plan__strategy__partnership"),
        action_id,
        Permission.STRATEGY_EDIT,
    )
    form = forms.ActionForm(request.POST or None, plan=action.plan, initial=_action_values(action))
    form.guard_edit(form.initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["findings"] = list(data["findings"])
        with transaction.atomic():
            if form.still_unchanged(action, _action_values):
                try:
                    actions.update_action(action=action, by=_user(request), **data)
                except actions.StrategyError as exc:
                    form.add_error(None, sentence(str(exc)))
                else:
                    return HttpResponseRedirect(reverse("strategy:action_detail", args=[action.pk]))
    return _form_page(
        request,
        form=form,
        title=f"Change action {action.reference}",
        submit="Save",
        caption=f"Activity plan {action.plan.year}",
        back=reverse("strategy:action_detail", args=[action.pk]),
    )


@permission_required(Permission.STRATEGY_VIEW)
def action_progress(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _get(
        request,
        Action.objects.select_related("plan__strategy__partnership", "lead_organisation"),
        action_id,
        Permission.STRATEGY_VIEW,
    )
    if not _may_report(request, action):
        raise Http404
    form = forms.ProgressForm(request.POST or None, initial={"status": action.status})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        own = (
            action.lead_organisation
            if has_permission(
                _user(request),
                Permission.ACTION_PROGRESS_OWN,
                organisation=action.lead_organisation,
            )
            else None
        )
        actions.report_progress(
            action=action,
            status=data["status"],
            text=data["text"],
            reported_on=data["reported_on"],
            organisation=own,
            by=_user(request),
        )
        messages.success(request, "Your update is recorded.")
        return HttpResponseRedirect(reverse("strategy:action_detail", args=[action.pk]))
    return _form_page(
        request,
        form=form,
        title="Report progress",
        submit="Send update",
        caption=f"{action.reference} {action.title}",
        back=reverse("strategy:action_detail", args=[action.pk]),
    )


@permission_required(Permission.STRATEGY_VIEW)
def findings(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.STRATEGY_VIEW)
    return render(
        request,
        "strategy/findings.html",
        {
            "partnership": item,
            "findings": item.needs_findings.prefetch_related("actions"),
            "can_edit": _can_edit(request, item),
        },
    )


@permission_required(Permission.STRATEGY_EDIT)
def finding_add(request: HttpRequest, partnership: str) -> HttpResponse:
    item = _partnership(request, partnership, Permission.STRATEGY_EDIT)
    form = forms.FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if item.needs_findings.filter(
            assessment_year=data["assessment_year"], reference=data["reference"].strip()
        ).exists():
            form.add_error("reference", "That reference is already used for this year")
        else:
            actions.record_finding(partnership=item, by=_user(request), **data)
            return HttpResponseRedirect(reverse("strategy:findings", args=[item.slug]))
    return _form_page(
        request,
        form=form,
        title="Record a needs-assessment finding",
        submit="Record finding",
        caption=item.name,
        back=reverse("strategy:findings", args=[item.slug]),
    )


# --- the annual review -------------------------------------------------------------------------


@permission_required(Permission.STRATEGY_EDIT)
def review_start(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = _get(request, Strategy.objects.all(), strategy_id, Permission.STRATEGY_EDIT)
    form = forms.ReviewStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        existing = strategy.reviews.filter(year=year).first()
        if existing is not None:
            return HttpResponseRedirect(reverse("strategy:review", args=[existing.pk]))
        try:
            review = actions.start_review(strategy=strategy, year=year, by=_user(request))
        except actions.StrategyError as exc:
            form.add_error("year", sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("strategy:review", args=[review.pk]))
    return _form_page(
        request,
        form=form,
        title="Start the annual review",
        submit="Start",
        caption=str(strategy),
        intro="The review gathers the year's progress, the latest success "
        "measures and the refreshed needs assessment, then records what the "
        "partnership concludes.",
        back=reverse("strategy:strategy_detail", args=[strategy.pk]),
    )


def _review(request: HttpRequest, review_id: int, permission: Permission) -> AnnualReview:
    return _get(
        request, AnnualReview.objects.select_related("strategy__partnership"), review_id, permission
    )


@permission_required(Permission.STRATEGY_VIEW)
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    item = _review(request, review_id, Permission.STRATEGY_VIEW)
    steps = [
        ("Gather the year's progress", "strategy:review_progress", bool(item.progress)),
        ("Record the latest success measures", "strategy:review_measures", bool(item.measures)),
        ("Take in the refreshed needs assessment", "strategy:review_needs", bool(item.findings)),
        (
            "Conclude the review",
            "strategy:review_conclusions",
            item.status == AnnualReview.Status.COMPLETE,
        ),
    ]
    counts = item.progress.get("counts", {}) if item.progress else {}
    return render(
        request,
        "strategy/review.html",
        {
            "review": item,
            "steps": steps,
            "counts": [(s.label, counts.get(s.value, 0)) for s in ActionStatus],
            "measure_rows": [
                {
                    **m,
                    "measure_label": MEASURES.get(m["measure"], m["measure"]),
                    "cohort_label": COHORT_LABELS.get(m["cohort"], m["cohort"]),
                }
                for m in item.measures
            ],
            "can_edit": _can_edit(request, item.partnership)
            and item.status == AnnualReview.Status.DRAFT,
            "formats": available_formats(),
        },
    )


@permission_required(Permission.STRATEGY_EDIT)
def review_progress(request: HttpRequest, review_id: int) -> HttpResponse:
    item = _review(request, review_id, Permission.STRATEGY_EDIT)
    if request.method == "POST":
        try:
            actions.gather_progress(review=item, by=_user(request))
        except actions.StrategyError as exc:
            messages.error(request, sentence(str(exc)))
        return HttpResponseRedirect(reverse("strategy:review", args=[item.pk]))
    return render(
        request,
        "strategy/review_progress.html",
        {
            "review": item,
            "snapshot": queries.progress_snapshot(strategy=item.strategy, year=item.year),
        },
    )


@permission_required(Permission.STRATEGY_EDIT)
def review_measures(request: HttpRequest, review_id: int) -> HttpResponse:
    item = _review(request, review_id, Permission.STRATEGY_EDIT)
    initial: dict[str, Any] = {"baseline_year": item.baseline_year}
    known = {
        (m["measure"], m["cohort"]): (m["baseline_count"], m["current_count"])
        for m in item.measures
    }
    if not known:
        known = queries.measures_from_analysis(
            partnership=item.partnership, baseline_year=item.baseline_year, year=item.year
        )
    for (measure, cohort), (baseline, current) in known.items():
        initial[f"{measure}__{cohort}__baseline"] = baseline
        initial[f"{measure}__{cohort}__current"] = current
    form = forms.ReviewMeasuresForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_review_measures(
                review=item,
                by=_user(request),
                baseline_year=form.cleaned_data["baseline_year"],
                counts=form.counts(),
            )
        except actions.StrategyError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("strategy:review", args=[item.pk]))
    return _form_page(
        request,
        form=form,
        title="The latest success measures",
        submit="Save",
        caption=f"Annual review {item.year}",
        intro=f"Counts for {item.year} and the baseline year, for the partnership "
        "as a whole, from the success-measures report.",
        back=reverse("strategy:review", args=[item.pk]),
    )


@permission_required(Permission.STRATEGY_EDIT)
def review_needs(request: HttpRequest, review_id: int) -> HttpResponse:
    item = _review(request, review_id, Permission.STRATEGY_EDIT)
    form = forms.ReviewNeedsForm(
        request.POST or None, initial={"assessment_year": item.assessment_year or item.year}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.gather_needs_assessment(review=item, by=_user(request), **form.cleaned_data)
        except actions.StrategyError as exc:
            form.add_error("assessment_year", sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("strategy:review", args=[item.pk]))
    return _form_page(
        request,
        form=form,
        title="The refreshed needs assessment",
        submit="Take in",
        caption=f"Annual review {item.year}",
        intro="The findings recorded for that year's strategic needs assessment "
        "are copied into the review.",
        back=reverse("strategy:review", args=[item.pk]),
    )


@permission_required(Permission.STRATEGY_EDIT)
def review_conclusions(request: HttpRequest, review_id: int) -> HttpResponse:
    item = _review(request, review_id, Permission.STRATEGY_EDIT)
    form = forms.ReviewConclusionsForm(
        request.POST or None,
        initial={"conclusions": item.conclusions, "changes_to_strategy": item.changes_to_strategy},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.complete_review(review=item, by=_user(request), **form.cleaned_data)
        except actions.StrategyError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, "The annual review is complete.")
            return HttpResponseRedirect(reverse("strategy:review", args=[item.pk]))
    return _form_page(
        request,
        form=form,
        title="Conclude the review",
        submit="Complete review",
        caption=f"Annual review {item.year}",
        back=reverse("strategy:review", args=[item.pk]),
    )


@permission_required(Permission.STRATEGY_VIEW)
def review_document(request: HttpRequest, review_id: int, fmt: str) -> HttpResponse:
    item = _review(request, review_id, Permission.STRATEGY_VIEW)
    if fmt not in FORMATS:
        raise Http404
    try:
        content = render_bytes(annual_review_document(item), fmt)
    except FormatUnavailable as exc:
        raise Http404("This format is not available here") from exc
    audit.record(
        action="download",
        summary=f"Downloaded the {item.year} annual review ({fmt.upper()})",
        obj=item,
    )
    response = HttpResponse(content, content_type=FORMATS[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="annual-review-{item.year.replace("/", "-")}.{fmt}"'
    )
    return response
