"""Decision-record pages: drafting, statutory officer approval, decision, publication; and the
public pages of published records (searchable, by year, with their report unless exempt)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from svduty.access import audit
from svduty.access.decorators import permission_required, public
from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.decisions import actions, forms, queries
from svduty.decisions.documents import (
    FORMATS,
    FormatUnavailable,
    available_formats,
    decision_record_document,
    render_bytes,
)
from svduty.decisions.models import DecisionRecord
from svduty.funding.fields import sentence
from svduty.funding.periods import long_date, parse_financial_year
from svduty.partnership.models import Partnership


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def stored_file(field: Any) -> HttpResponse:
    """A stored file (an uploaded report or agreement) as a download."""
    import mimetypes

    name = field.name.rsplit("/", 1)[-1]
    with field.open("rb") as handle:
        content = handle.read()
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _record(request: HttpRequest, record_id: int, permission: Permission) -> DecisionRecord:
    record = get_object_or_404(DecisionRecord.objects.select_related("partnership"), pk=record_id)
    if not has_permission(_user(request), permission, partnership=record.partnership):
        raise Http404
    return record


def _form_page(
    request: HttpRequest,
    *,
    form: Any,
    title: str,
    record: DecisionRecord | None,
    submit: str,
    back: str,
    caption: str = "",
    intro: str = "",
    multipart: bool = False,
    warning: bool = False,
) -> HttpResponse:
    return render(
        request,
        "decisions/form_page.html",
        {
            "form": form,
            "title": title,
            "record": record,
            "submit": submit,
            "back": back,
            "caption": caption,
            "intro": intro,
            "multipart": multipart,
            "warning": warning,
        },
    )


@permission_required(Permission.DECISIONS_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """Decision records of the user's partnerships, with what is waiting for whom."""
    user = _user(request)
    sections = []
    for partnership in Partnership.objects.all():
        if not has_permission(user, Permission.DECISIONS_VIEW, partnership=partnership):
            continue
        sections.append(
            {
                "partnership": partnership,
                "records": queries.records_for(partnership),
                "awaiting_publication": queries.awaiting_publication(partnership),
                "can_edit": has_permission(
                    user, Permission.DECISIONS_EDIT, partnership=partnership
                ),
            }
        )
    return render(request, "decisions/index.html", {"sections": sections})


@permission_required(Permission.DECISIONS_EDIT)
def create(request: HttpRequest, partnership: str) -> HttpResponse:
    item = get_object_or_404(Partnership, slug=partnership)
    if not has_permission(_user(request), Permission.DECISIONS_EDIT, partnership=item):
        raise Http404
    form = forms.RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.get("report") is None:
            data.pop("report", None)
        try:
            record = actions.create_request(partnership=item, by=_user(request), **data)
        except actions.DecisionError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, f"Request {record.reference} is drafted.")
            return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))
    return _form_page(
        request,
        form=form,
        title="Draft a decision request",
        record=None,
        submit="Save draft",
        back=reverse("decisions:index"),
        caption=item.name,
        multipart=True,
    )


@permission_required(Permission.DECISIONS_VIEW)
def detail(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_VIEW)
    user = _user(request)
    partnership = record.partnership
    status = DecisionRecord.Status
    can = {
        "edit": record.status == status.DRAFT
        and has_permission(user, Permission.DECISIONS_EDIT, partnership=partnership),
        "approve": record.status == status.SUBMITTED
        and has_permission(user, Permission.DECISIONS_APPROVE, partnership=partnership),
        "decide": record.status == status.OFFICER_APPROVED
        and has_permission(user, Permission.DECISIONS_DECIDE, partnership=partnership),
        "publish": record.status == status.DECIDED
        and record.published_at is None
        and has_permission(user, Permission.DECISIONS_PUBLISH, partnership=partnership),
    }
    return render(
        request,
        "decisions/detail.html",
        {
            "record": record,
            "can": can,
            "posts": record.funded_posts.select_related("grant", "employer"),
            "interventions": record.interventions.select_related("grant", "provider"),
            "formats": available_formats(),
            "is_public": record.is_public(),
        },
    )


def _request_values(record: DecisionRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in actions.EDITABLE_FIELDS if name != "report"}


@permission_required(Permission.DECISIONS_EDIT)
def edit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_EDIT)
    if record.status != DecisionRecord.Status.DRAFT:
        messages.error(request, "Only a draft request can be changed.")
        return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))
    form = forms.RequestForm(
        request.POST or None, request.FILES or None, initial=_request_values(record), editing=True
    )
    form.guard_edit(form.initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.get("report") is None:
            data.pop("report", None)
        with transaction.atomic():
            if form.still_unchanged(record, _request_values):
                try:
                    actions.update_request(record=record, by=_user(request), **data)
                except actions.DecisionError as exc:
                    form.add_error(None, sentence(str(exc)))
                else:
                    messages.success(request, "The request is saved.")
                    return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))
    return _form_page(
        request,
        form=form,
        title=f"Change request {record.reference}",
        record=record,
        submit="Save",
        multipart=True,
        back=reverse("decisions:detail", args=[record.pk]),
    )


@permission_required(Permission.DECISIONS_EDIT)
@require_POST
def submit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_EDIT)
    try:
        actions.submit_request(record=record, by=_user(request))
    except actions.DecisionError as exc:
        messages.error(request, sentence(str(exc)))
    else:
        messages.success(request, "Submitted to the statutory officers.")
    return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))


@permission_required(Permission.DECISIONS_APPROVE)
def officer_approval(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_APPROVE)
    form = forms.OfficerApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.approve_as_officer(record=record, by=_user(request), **form.cleaned_data)
        except actions.DecisionError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(
                request, f"{record.reference} is approved and goes to the decision maker."
            )
            return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))
    return _form_page(
        request,
        form=form,
        title="Statutory officer approval",
        record=record,
        submit="Approve",
        caption=str(record),
        back=reverse("decisions:detail", args=[record.pk]),
    )


@permission_required(Permission.DECISIONS_APPROVE)
def officer_return(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_APPROVE)
    form = forms.ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.return_to_draft(record=record, by=_user(request), **form.cleaned_data)
        except actions.DecisionError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(request, f"{record.reference} is returned to its author.")
            return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))
    return _form_page(
        request,
        form=form,
        title="Return the request",
        record=record,
        submit="Return to draft",
        caption=str(record),
        warning=True,
        back=reverse("decisions:detail", args=[record.pk]),
    )


@permission_required(Permission.DECISIONS_DECIDE)
def decide(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_DECIDE)
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decide(record=record, by=_user(request), **form.cleaned_data)
        except actions.DecisionError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            messages.success(
                request, f"Decision {record.reference}: {record.get_outcome_display().lower()}."
            )
            return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))
    return _form_page(
        request,
        form=form,
        title="Decision",
        record=record,
        submit="Sign decision",
        caption=str(record),
        back=reverse("decisions:detail", args=[record.pk]),
    )


@permission_required(Permission.DECISIONS_PUBLISH)
def publication(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_PUBLISH)
    form = forms.PublicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["choice"] == "publish":
                actions.publish(record=record, by=_user(request))
                messages.success(request, f"{record.reference} is published.")
            else:
                actions.defer_publication(
                    record=record,
                    until=data["deferred_until"],
                    reason=data["deferral_reason"],
                    by=_user(request),
                )
                messages.success(
                    request,
                    f"Publication of {record.reference} is deferred until "
                    f"{long_date(data['deferred_until'])}.",
                )
        except actions.DecisionError as exc:
            form.add_error(None, sentence(str(exc)))
        else:
            return HttpResponseRedirect(reverse("decisions:detail", args=[record.pk]))
    return _form_page(
        request,
        form=form,
        title="Publication",
        record=record,
        submit="Confirm",
        caption=str(record),
        back=reverse("decisions:detail", args=[record.pk]),
        intro="Publish the record as soon as practicable. Defer it only for a reason you record, "
        "and give the date it will be published: it appears on the public site by itself then.",
    )


def _document_response(record: DecisionRecord, fmt: str, *, public: bool) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    try:
        content = render_bytes(decision_record_document(record, public=public), fmt)
    except FormatUnavailable as exc:
        raise Http404("This format is not available here") from exc
    response = HttpResponse(content, content_type=FORMATS[fmt])
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in record.reference)
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="decision-{safe}.{fmt}"'
    return response


@permission_required(Permission.DECISIONS_VIEW)
def document(request: HttpRequest, record_id: int, fmt: str) -> HttpResponse:
    """The full record (with any confidential part 2) as a document."""
    record = _record(request, record_id, Permission.DECISIONS_VIEW)
    response = _document_response(record, fmt, public=False)
    audit.record(
        action="download",
        summary=f"Downloaded decision record {record.reference} ({fmt.upper()})",
        obj=record,
    )
    return response


@permission_required(Permission.DECISIONS_VIEW)
def report(request: HttpRequest, record_id: int) -> HttpResponse:
    record = _record(request, record_id, Permission.DECISIONS_VIEW)
    if not record.report:
        raise Http404
    audit.record(
        action="download", summary=f"Downloaded the report of {record.reference}", obj=record
    )
    return stored_file(record.report)


# --- public pages ------------------------------------------------------------------------------


def _public_record(partnership: str, published_id: int) -> DecisionRecord:
    record = get_object_or_404(
        DecisionRecord.objects.select_related("partnership"),
        pk=published_id,
        partnership__slug=partnership,
    )
    if not record.is_public():
        raise Http404
    return record


@public
def published_index(request: HttpRequest, partnership: str) -> HttpResponse:
    """Published decision records: search and filter by financial year."""
    item = get_object_or_404(Partnership, slug=partnership)
    form = forms.SearchForm(request.GET or None)
    query = request.GET.get("q", "").strip()[:200]
    year = request.GET.get("year", "").strip()
    try:
        year = parse_financial_year(year) if year else ""
    except ValueError:
        year = ""
    return render(
        request,
        "decisions/published_index.html",
        {
            "partnership": item,
            "form": form,
            "query": query,
            "year": year,
            "years": queries.public_years(item),
            "records": queries.public_records(item, query=query, year=year),
        },
    )


@public
def published_detail(request: HttpRequest, partnership: str, published_id: int) -> HttpResponse:
    record = _public_record(partnership, published_id)
    return render(
        request,
        "decisions/published_detail.html",
        {
            "record": record,
            "formats": available_formats(),
            "posts": record.funded_posts.select_related("grant", "employer"),
            "interventions": record.interventions.select_related("grant", "provider"),
        },
    )


@public
def published_document(
    request: HttpRequest, partnership: str, published_id: int, fmt: str
) -> HttpResponse:
    record = _public_record(partnership, published_id)
    response = _document_response(record, fmt, public=True)
    audit.record(
        action="download",
        summary=f"Downloaded published decision record {record.reference} ({fmt.upper()})",
        obj=record,
    )
    return response


@public
def published_report(request: HttpRequest, partnership: str, published_id: int) -> HttpResponse:
    record = _public_record(partnership, published_id)
    if not record.show_report:
        raise Http404
    audit.record(
        action="download",
        summary=f"Downloaded the published report of {record.reference}",
        obj=record,
    )
    return stored_file(record.report)
