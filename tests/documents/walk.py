"""Records of the documents app for the permission walk's world
(tests/web/test_permission_walk.py): a published public version whose commentary carries the
walk's marker (shown only to those who may see the version) and whose file does not."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from svduty.access.models import Organisation
from svduty.documents.models import DocumentVersion
from svduty.partnership.models import Partnership


def walk_values(
    partnership: Partnership, organisation: Organisation, marker: str
) -> dict[str, str]:
    """Create the records and return the URL values that reach them."""
    pfa = partnership.police_force_area
    now = timezone.now()
    version = DocumentVersion.objects.create(
        partnership=partnership,
        kind="sna-summary",
        area_code=pfa.code,
        area_name=pfa.name,
        year="2023/24",
        public=True,
        number=1,
        status=DocumentVersion.Status.PUBLISHED,
        commentary=f"Commentary {marker}",
        content_hash="0" * 64,
        approved_by_name="A. Lead",
        approved_at=now,
        published_at=now,
        updated_at=now,
    )
    body = b"<!DOCTYPE html><html lang='en'><title>Summary</title><p>Published</p></html>"
    name = version.file_name("html")
    folder = version.folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(body)
    version.files = {
        "html": {"name": name, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    }
    version.save(update_fields=["files"])
    return {"version_id": str(version.pk)}
