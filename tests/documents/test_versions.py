"""Document versions: built as background jobs with their provenance, then draft → in review →
approved by a named person → published; publishing refuses internal figures and small counts;
a version rebuilt from its provenance says exactly the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from svduty.access.models import AuditEvent, User
from svduty.access.roles import Role
from svduty.datasets.actions import import_files
from svduty.documents import actions
from svduty.documents.models import FORMATS, DocumentVersion
from svduty.documents.queries import published_documents, published_file_url
from svduty.jobs.models import Job
from svduty.partnership.models import Partnership
from tests.documents.factories import CRIME_HEADER, NORTH_LSOA, small_partnership
from tests.factories import OrganisationFactory, member
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

QUICK_FORMATS = {fmt: FORMATS[fmt] for fmt in ("html", "xlsx")}


@pytest.fixture
def partnership(tmp_path: Path) -> Partnership:
    return small_partnership(tmp_path)


@pytest.fixture
def people(partnership: Partnership) -> dict[str, User]:
    organisation = OrganisationFactory(partnership=partnership, name="Smallshire Council")
    return {
        "analyst": member(Role.ANALYST, organisation, first_name="Ada", last_name="Analyst"),
        "lead": member(Role.PARTNERSHIP_LEAD, organisation, first_name="Lee", last_name="Lead"),
        "reader": member(Role.SCRUTINY_READER, organisation),
    }


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write HTML and XLSX only: the workflow does not depend on the formats."""
    monkeypatch.setattr("svduty.documents.actions.FORMATS", QUICK_FORMATS)


def _built(
    partnership: Partnership, by: User, *, public: bool = True, **kw: Any
) -> DocumentVersion:
    version = actions.prepare_version(
        partnership=partnership,
        kind=kw.pop("kind", "sna-summary"),
        year="2023/24",
        public=public,
        by=by,
        **kw,
    )
    job = actions.start_build(version=version, by=by)
    version.refresh_from_db()
    assert job.pk == version.build_job_id
    return version


def _approved(version: DocumentVersion, people: dict[str, User]) -> DocumentVersion:
    actions.submit_for_review(version=version, by=people["analyst"])
    return actions.approve(version=version, by=people["lead"])


def test_a_version_is_built_in_the_background_with_every_format_and_its_provenance(
    partnership: Partnership, people: dict[str, User]
) -> None:
    version = _built(partnership, people["analyst"])
    job = Job.objects.get(pk=version.build_job_id)
    assert (job.kind, job.status, job.progress) == ("document-build", "succeeded", 1.0)
    assert sorted(version.files) == sorted(FORMATS)
    for fmt in FORMATS:
        path = version.file_path(fmt)
        assert path is not None
        assert path.exists()
        assert Path(settings.FILES_DIR) in path.parents
    assert version.number == 1
    assert len(version.content_hash) == 64
    provenance = version.provenance
    assert provenance["definition_version"] == "smallshire-v1/home-office-default-1"
    assert len(provenance["imports"]) == 1
    assert provenance["disclosure_policy"].startswith("counts 1–7 shown as *")
    assert provenance["built_at"]
    assert version.controlled_counts  # what the publishing check reads
    assert AuditEvent.objects.filter(action="build", object_id=str(version.pk)).exists()


def test_versions_are_numbered_within_their_document_and_carry_the_analysts_words_forward(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    first = _built(partnership, people["analyst"])
    actions.edit_commentary(
        version=first, commentary="Knife crime rose.", recommendations="Fund A\nFund B",
        by=people["analyst"],
    )  # fmt: skip
    second = actions.prepare_version(
        partnership=partnership, kind="sna-summary", year="2023/24", public=True, by=None
    )
    assert second.number == 2
    assert (second.commentary, second.recommendations) == ("Knife crime rose.", "Fund A\nFund B")
    other = actions.prepare_version(
        partnership=partnership, kind="sna", year="2023/24", public=True, by=None
    )
    assert other.number == 1


def test_commentary_is_kept_with_the_version_and_printed_after_a_rebuild(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    version = _built(partnership, people["analyst"])
    actions.edit_commentary(
        version=version,
        commentary="Violence fell in Northtown.",
        recommendations="Extend the youth outreach service",
        by=people["analyst"],
    )
    with pytest.raises(actions.DocumentError, match="build the document"):
        actions.submit_for_review(version=version, by=people["analyst"])
    actions.start_build(version=version, by=people["analyst"])
    version.refresh_from_db()
    html = version.file_path("html").read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "Violence fell in Northtown." in html
    assert "Extend the youth outreach service" in html


def test_a_draft_cannot_be_approved_or_published(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    version = _built(partnership, people["analyst"])
    with pytest.raises(actions.DocumentError, match="only a version in review can be approved"):
        actions.approve(version=version, by=people["lead"])
    with pytest.raises(actions.DocumentError, match="only an approved version can be published"):
        actions.publish(version=version, by=people["lead"])
    version.refresh_from_db()
    assert version.status == "draft"


def test_the_approver_is_a_named_person_other_than_who_submitted_it(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    version = _built(partnership, people["lead"])
    actions.submit_for_review(version=version, by=people["lead"])
    with pytest.raises(actions.DocumentError, match="someone other than who submitted it"):
        actions.approve(version=version, by=people["lead"])
    with pytest.raises(actions.DocumentError, match="permission"):
        actions.approve(version=version, by=people["analyst"])
    other_lead = member(Role.PARTNERSHIP_LEAD, people["lead"].memberships.first().organisation,
                        first_name="Pat", last_name="Patel")  # fmt: skip
    actions.approve(version=version, by=other_lead)
    version.refresh_from_db()
    assert (version.status, version.approved_by, version.approved_by_name) == (
        "approved",
        other_lead,
        "Pat Patel",
    )
    assert version.approved_at is not None


def test_only_a_public_version_can_be_published(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    version = _approved(_built(partnership, people["analyst"], public=False), people)
    with pytest.raises(actions.DocumentError, match="only a public"):
        actions.publish(version=version, by=people["lead"])


def test_publishing_refuses_a_controlled_count_from_1_to_7_with_the_reason(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    version = _approved(_built(partnership, people["analyst"]), people)
    # As if the public build had let a small count through.
    version.controlled_counts = [*version.controlled_counts, ["Crimes by CSP → Southtown", 3]]
    version.save(update_fields=["controlled_counts"])
    refused = r"small counts would be published: .*Southtown: 3"
    with pytest.raises(actions.DocumentError, match=refused):
        actions.publish(version=version, by=people["lead"])
    version.refresh_from_db()
    assert version.status == "approved"


def test_publishing_refuses_files_changed_after_they_were_built(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    version = _approved(_built(partnership, people["analyst"]), people)
    path = version.file_path("html")
    assert path is not None
    path.write_text("<p>changed</p>", encoding="utf-8")
    with pytest.raises(actions.DocumentError, match="HTML file changed"):
        actions.publish(version=version, by=people["lead"])


def test_a_published_version_records_when_and_a_later_one_replaces_it(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    first = actions.publish(
        version=_approved(_built(partnership, people["analyst"]), people), by=people["lead"]
    )
    assert first.published_at is not None
    assert first.updated_at == first.published_at
    assert list(published_documents(partnership)) == [first]
    second = actions.publish(
        version=_approved(_built(partnership, people["analyst"]), people), by=people["lead"]
    )
    first.refresh_from_db()
    assert first.status == "superseded"
    assert second.published_at == first.published_at  # first published
    assert second.updated_at is not None
    assert second.updated_at > second.published_at
    assert list(published_documents(partnership)) == [second]


def test_a_rebuild_from_the_provenance_gives_the_same_content_hash(
    partnership: Partnership, people: dict[str, User], tmp_path: Path, quick: None
) -> None:
    version = _built(partnership, people["analyst"], kind="sna")
    _, again = actions.rebuild(version)
    assert again == version.content_hash
    assert actions.explain_rebuild(version) == {
        "same": True,
        "content_hash": version.content_hash,
        "changes": [],
    }
    later = tmp_path / "later.csv"
    later.write_text(f"{CRIME_HEADER}\nL1,2023-09-01,,8N,,Y,,,30,F,,{NORTH_LSOA},,,\n")
    import_files(partnership=partnership, kind="police-crime", paths=[later], by=None)
    explained = actions.explain_rebuild(version)
    assert explained["same"] is False
    assert explained["changes"] == ["the partnership's live imports have changed"]
    client = Client()
    sign_in(client, people["analyst"])
    response = client.post(reverse("documents:check", args=[version.pk]), follow=True)
    assert "would differ: the partnership&#x27;s live imports have changed" in (
        response.content.decode()
    )


# --- Pages --------------------------------------------------------------------------------------


def test_the_pages_take_a_document_from_creation_to_the_public_download(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    analyst, lead = Client(), Client()
    sign_in(analyst, people["analyst"])
    sign_in(lead, people["lead"])
    response = analyst.post(
        reverse("documents:create", args=[partnership.slug]),
        {"kind": "sna-summary", "year": "2023/24", "baseline_year": "2019/20",
         "area_code": "", "audience": "public"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    version = DocumentVersion.objects.get()
    page = analyst.get(response["Location"]).content.decode()
    assert version.file_name("html") in page
    assert 'http-equiv="refresh"' not in page  # built already (the test queue runs jobs at once)
    download = analyst.get(reverse("documents:download", args=[version.pk, "html"]))
    assert download.status_code == 200
    assert AuditEvent.objects.filter(action="download", object_id=str(version.pk)).exists()
    assert analyst.post(reverse("documents:submit", args=[version.pk])).status_code == 302
    assert lead.post(reverse("documents:approve", args=[version.pk])).status_code == 302
    public_url = published_file_url(version, "html")
    assert Client().get(public_url).status_code == 404  # approved, not yet published
    assert lead.post(reverse("documents:publish", args=[version.pk])).status_code == 302
    version.refresh_from_db()
    assert (version.status, version.approved_by_name) == ("published", "Lee Lead")
    assert b"Strategic needs assessment" in Client().get(public_url).content


def test_the_page_shows_a_builds_progress_and_refreshes_itself_until_it_is_done(
    partnership: Partnership, people: dict[str, User]
) -> None:
    version = actions.prepare_version(
        partnership=partnership, kind="sna", year="2023/24", by=people["analyst"]
    )
    job = Job.objects.create(
        kind="document-build", status="running", progress=0.4, message="wrote PDF",
        created_by=people["analyst"],
    )  # fmt: skip
    version.build_job = job
    version.save(update_fields=["build_job"])
    client = Client()
    sign_in(client, people["analyst"])
    page = client.get(reverse("documents:detail", args=[version.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "40% wrote PDF" in page


def test_an_analyst_cannot_approve_or_publish_and_a_reader_cannot_see_drafts(
    partnership: Partnership, people: dict[str, User], quick: None
) -> None:
    version = _built(partnership, people["analyst"])
    actions.submit_for_review(version=version, by=people["analyst"])
    analyst, reader = Client(), Client()
    sign_in(analyst, people["analyst"])
    sign_in(reader, people["reader"])
    assert analyst.post(reverse("documents:approve", args=[version.pk])).status_code == 403
    assert reader.get(reverse("documents:detail", args=[version.pk])).status_code == 403
    version.refresh_from_db()
    assert version.status == "in_review"


def test_the_form_suggests_the_latest_year_and_a_locality_profile_needs_a_csp(
    partnership: Partnership, people: dict[str, User]
) -> None:
    client = Client()
    sign_in(client, people["analyst"])
    url = reverse("documents:create", args=[partnership.slug])
    assert 'value="2023/24"' in client.get(url).content.decode()
    response = client.post(
        url,
        {"kind": "locality-profile", "year": "2023/24", "baseline_year": "2019/20",
         "area_code": "", "audience": "public"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Choose the community safety partnership to profile" in response.content.decode()
    assert not DocumentVersion.objects.exists()
