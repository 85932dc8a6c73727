"""Pages of the documents app: versions of each document, building them (a background job whose
progress the page shows without JavaScript), commentary, review, approval, publication and
downloads; and the public download of published versions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from svduty.access import audit
from svduty.access.decorators import permission_required, public
from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.analysis.queries import csp_areas_of, latest_year_with_data
from svduty.documents import actions, forms, queries
from svduty.documents.models import FORMATS, DocumentVersion
from svduty.partnership.models import Partnership


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _version(request: HttpRequest, version_id: int, permission: Permission) -> DocumentVersion:
    version = get_object_or_404(
        DocumentVersion.objects.select_related("partnership", "build_job"), pk=version_id
    )
    if not has_permission(_user(request), permission, partnership=version.partnership):
        raise Http404
    return version


def _detail(version: DocumentVersion) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("documents:detail", args=[version.pk]))


@permission_required(Permission.DOCUMENTS_EDIT)
def index(request: HttpRequest) -> HttpResponse:
    sections = [
        {"partnership": p, "versions": queries.versions_of(p)}
        for p in queries.partnerships_for(_user(request), Permission.DOCUMENTS_EDIT)
    ]
    return render(request, "documents/index.html", {"sections": sections})


@permission_required(Permission.DOCUMENTS_EDIT)
def create(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = get_object_or_404(Partnership, slug=slug)
    user = _user(request)
    if not has_permission(user, Permission.DOCUMENTS_EDIT, partnership=partnership):
        raise Http404
    form = forms.NewVersionForm(
        request.POST or None,
        csps=csp_areas_of(partnership),
        initial={"year": latest_year_with_data(partnership) or ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = actions.prepare_version(
                partnership=partnership,
                kind=data["kind"],
                year=data["year"],
                baseline_year=data["baseline_year"],
                area_code=data["area_code"] or None,
                public=data["audience"] == "public",
                by=user,
            )
            actions.start_build(version=version, by=user)
        except actions.DocumentError as exc:
            form.add_error(None, str(exc))
        else:
            return _detail(version)
    return render(request, "documents/create.html", {"form": form, "partnership": partnership})


@permission_required(Permission.DOCUMENTS_EDIT)
def detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENTS_EDIT)
    user = _user(request)
    job = version.build_job
    building = job is not None and not job.is_finished
    files = [
        {
            "fmt": fmt,
            "name": version.files[fmt]["name"],
            "size": version.files[fmt]["size"],
            "url": reverse("documents:download", args=[version.pk, fmt]),
        }
        for fmt in FORMATS
        if fmt in version.files and version.content_hash and not building
    ]
    may = {
        "edit": version.is_editable,
        "approve": has_permission(
            user, Permission.DOCUMENT_APPROVE, partnership=version.partnership
        ),
        "publish": has_permission(
            user, Permission.DOCUMENT_PUBLISH, partnership=version.partnership
        ),
    }
    return render(
        request,
        "documents/detail.html",
        {
            "version": version,
            "job": job,
            "building": building,
            "files": files,
            "may": may,
            "return_form": forms.ReturnForm(),
            "others": queries.versions_of(version.partnership)
            .filter(kind=version.kind, area_code=version.area_code, year=version.year)
            .exclude(pk=version.pk),
        },
    )


@permission_required(Permission.DOCUMENTS_EDIT)
def edit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENTS_EDIT)
    if not version.is_editable:
        messages.error(request, "Only a draft can be edited: prepare a new version instead.")
        return _detail(version)
    initial = {"commentary": version.commentary, "recommendations": version.recommendations}
    form = forms.CommentaryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_commentary(version=version, by=_user(request), **form.cleaned_data)
            actions.start_build(version=version, by=_user(request))
        except actions.DocumentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Saved. The document is being built again.")
            return _detail(version)
    return render(request, "documents/edit.html", {"form": form, "version": version})


def _step(request: HttpRequest, version: DocumentVersion, done: str, step: object) -> HttpResponse:
    try:
        step()  # type: ignore[operator]
    except actions.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _detail(version)


@permission_required(Permission.DOCUMENTS_EDIT)
@require_POST
def build(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENTS_EDIT)
    return _step(
        request,
        version,
        "The document is being built.",
        lambda: actions.start_build(version=version, by=_user(request)),
    )


@permission_required(Permission.DOCUMENTS_EDIT)
@require_POST
def submit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENTS_EDIT)
    return _step(
        request,
        version,
        "Submitted for review.",
        lambda: actions.submit_for_review(version=version, by=_user(request)),
    )


@permission_required(Permission.DOCUMENT_APPROVE)
@require_POST
def return_to_draft(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENT_APPROVE)
    form = forms.ReturnForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _step(
        request,
        version,
        "Returned to draft.",
        lambda: actions.return_to_draft(version=version, reason=reason, by=_user(request)),
    )


@permission_required(Permission.DOCUMENT_APPROVE)
@require_POST
def approve(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENT_APPROVE)
    return _step(
        request, version, "Approved.", lambda: actions.approve(version=version, by=_user(request))
    )


@permission_required(Permission.DOCUMENT_PUBLISH)
@require_POST
def publish(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENT_PUBLISH)
    return _step(
        request, version, "Published.", lambda: actions.publish(version=version, by=_user(request))
    )


@permission_required(Permission.DOCUMENTS_EDIT)
@require_POST
def check(request: HttpRequest, version_id: int) -> HttpResponse:
    """Rebuild the version from what it recorded and say whether it says the same."""
    version = _version(request, version_id, Permission.DOCUMENTS_EDIT)
    if not version.content_hash:
        messages.error(request, "The version has not been built yet.")
        return _detail(version)
    try:
        result = actions.explain_rebuild(version)
    except actions.DocumentError as exc:
        messages.error(request, str(exc))
        return _detail(version)
    if result["same"]:
        messages.success(request, "Rebuilt from its record, the document says exactly the same.")
    else:
        why = "; ".join(result["changes"]) or "the figures it reads have changed"
        messages.error(request, f"Rebuilt today, the document would differ: {why}.")
    return _detail(version)


def _file(version: DocumentVersion, fmt: str) -> HttpResponse:
    path = version.file_path(fmt) if fmt in FORMATS else None
    if path is None or not path.exists() or not version.content_hash:
        raise Http404
    response = HttpResponse(path.read_bytes(), content_type=queries.content_type(fmt))
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{path.name}"'
    return response


@permission_required(Permission.DOCUMENTS_EDIT)
def download(request: HttpRequest, version_id: int, fmt: str) -> HttpResponse:
    version = _version(request, version_id, Permission.DOCUMENTS_EDIT)
    response = _file(version, fmt)
    audit.record(action="download", summary=f"Downloaded {version} as {fmt.upper()}", obj=version)
    return response


@public
def published_file(
    request: HttpRequest, partnership: str, version_id: int, fmt: str
) -> HttpResponse:
    """A published document's file, for anyone."""
    item = get_object_or_404(Partnership, slug=partnership)
    version = queries.published_version(item, version_id)
    if version is None:
        raise Http404
    response = _file(version, fmt)
    audit.record(
        action="download", summary=f"Downloaded published {version} as {fmt.upper()}", obj=version
    )
    return response
