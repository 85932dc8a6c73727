"""Reads of the documents app, shared by its pages and the public site."""

from __future__ import annotations

from django.db.models import QuerySet

from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.documents.models import FORMATS, DocumentVersion
from svduty.partnership.models import Partnership


def versions_of(partnership: Partnership) -> QuerySet[DocumentVersion]:
    """Every version of every document of the partnership, newest first within each."""
    return DocumentVersion.objects.filter(partnership=partnership).select_related("partnership")


def partnerships_for(user: User, permission: Permission) -> list[Partnership]:
    """The partnerships for which the user holds ``permission``."""
    return [
        p
        for p in Partnership.objects.order_by("name")
        if has_permission(user, permission, partnership=p)
    ]


def published_documents(partnership: Partnership) -> QuerySet[DocumentVersion]:
    """What the public site shows: the published version of each document, most recently
    updated first. Each has ``published_at`` (first published), ``updated_at`` (this version
    published), ``files`` (format → name, sha256, size) and ``file_path(fmt)``. The large
    ``provenance`` and ``controlled_counts`` are loaded only if read."""
    return (
        DocumentVersion.objects.filter(
            partnership=partnership, status=DocumentVersion.Status.PUBLISHED, public=True
        )
        .select_related("partnership")
        .defer("provenance", "controlled_counts")
        .order_by("-updated_at", "kind", "area_code")
    )


def published_version(partnership: Partnership, version_id: int) -> DocumentVersion | None:
    return published_documents(partnership).filter(pk=version_id).first()


def content_type(fmt: str) -> str:
    return FORMATS[fmt]


def published_file_url(version: DocumentVersion, fmt: str) -> str:
    """The public address of a published version's file in ``fmt`` (html, pdf, docx, odt,
    xlsx, ods), downloadable without signing in."""
    from django.urls import reverse

    return reverse("documents:published_file", args=[version.partnership.slug, version.pk, fmt])
