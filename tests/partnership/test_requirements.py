"""The Duty's requirements: due dates, owners, status, recurrence, evidence, overdue items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from svduty.access.models import AuditEvent
from svduty.partnership import actions
from svduty.partnership.frameworks import parse_framework
from svduty.partnership.models import Evidence, Requirement
from tests.partnership.factories import TODAY
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db


def test_first_round_requirements_are_due_on_31_january_2024(world: dict[str, Any]) -> None:
    partnership = world["partnership"]
    strategy = partnership.requirements.get(key="strategy")
    assert strategy.due_on == dt.date(2024, 1, 31)
    assert strategy.is_overdue(TODAY)
    # An annual review first due 31 January 2025 starts at its current cycle, 31 January 2026.
    review = partnership.requirements.get(key="review-strategy")
    assert review.due_on == dt.date(2026, 1, 31)


def test_meeting_a_recurring_requirement_schedules_the_next_round(world: dict[str, Any]) -> None:
    review = world["partnership"].requirements.get(key="review-strategy")
    actions.update_requirement(
        requirement=review,
        status=Requirement.Status.MET,
        owner=review.owner,
        due_on=review.due_on,
        notes="Done",
        by=world["lead"],
    )
    rounds = world["partnership"].requirements.filter(key="review-strategy").order_by("due_on")
    assert [(r.due_on, r.status) for r in rounds] == [
        (dt.date(2026, 1, 31), "met"),
        (dt.date(2027, 1, 31), "not_started"),
    ]
    review.refresh_from_db()
    assert review.status_changed_by == world["lead"]
    assert not review.is_overdue(TODAY)


def test_meeting_a_one_off_requirement_schedules_nothing_more(world: dict[str, Any]) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    actions.update_requirement(
        requirement=strategy,
        status=Requirement.Status.MET,
        owner=None,
        due_on=strategy.due_on,
        notes="",
        by=world["lead"],
    )
    assert world["partnership"].requirements.filter(key="strategy").count() == 1


def test_the_owner_must_be_a_member(world: dict[str, Any]) -> None:
    from tests.factories import OrganisationFactory

    strategy = world["partnership"].requirements.get(key="strategy")
    with pytest.raises(actions.PartnershipInputError, match="not a member"):
        actions.update_requirement(
            requirement=strategy,
            status="in_progress",
            owner=OrganisationFactory(),
            due_on=strategy.due_on,
            notes="",
            by=None,
        )


def test_evidence_is_a_file_or_a_link_never_both(world: dict[str, Any]) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    link = actions.add_evidence(
        requirement=strategy,
        title="Published strategy",
        by=None,
        url="https://example.org/strategy",
    )
    upload = SimpleUploadedFile("Board minutes 12-2023.pdf", b"%PDF-1.4 minutes")
    file = actions.add_evidence(
        requirement=strategy, title="Board minutes", by=world["lead"], file=upload
    )
    assert file.file.name.startswith(f"evidence/testshire/{strategy.pk}/Board_minutes")
    assert file.added_by == world["lead"]
    assert link.url == "https://example.org/strategy"
    with pytest.raises(actions.PartnershipInputError, match="either a file or a link"):
        actions.add_evidence(
            requirement=strategy,
            title="Both",
            by=None,
            url="https://x.org",
            file=SimpleUploadedFile("a.pdf", b"x"),
        )
    with pytest.raises(actions.PartnershipInputError, match="not accepted"):
        actions.add_evidence(
            requirement=strategy,
            title="Page",
            by=None,
            file=SimpleUploadedFile("page.html", b"<script>"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(requirement=strategy, title="Neither")


def test_evidence_files_download_only_for_the_partnership_and_are_audited(
    world: dict[str, Any],
) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    evidence = actions.add_evidence(
        requirement=strategy,
        title="Minutes",
        by=None,
        file=SimpleUploadedFile("minutes.pdf", b"%PDF minutes"),
    )
    url = reverse("partnership:evidence", args=["testshire", evidence.pk])
    client = Client()
    sign_in(client, world["police_officer"])
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF minutes"
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="download", object_id=str(evidence.pk)).exists()
    reader = Client()
    sign_in(reader, world["reader"])  # scrutiny readers see statuses, not working papers
    assert reader.get(url).status_code == 403


def test_the_requirements_page_marks_overdue_items(world: dict[str, Any]) -> None:
    client = Client()
    sign_in(client, world["reader"])
    page = client.get(reverse("partnership:requirements", args=["testshire"])).content.decode()
    assert "Publish the strategy" in page
    assert "Overdue" in page


def test_the_lead_updates_a_requirement_through_the_form(world: dict[str, Any]) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    client = Client()
    sign_in(client, world["lead"])
    response = client.post(
        reverse("partnership:requirement_edit", args=["testshire", strategy.pk]),
        {"status": "met", "owner": world["police"].pk, "due_on": "31/1/2024", "notes": "Published"},
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert (strategy.status, strategy.owner, strategy.notes) == (
        "met",
        world["police"],
        "Published",
    )
    contributor = Client()
    sign_in(contributor, world["police_officer"])
    denied = contributor.post(
        reverse("partnership:requirement_edit", args=["testshire", strategy.pk]),
        {"status": "not_started", "due_on": "31/1/2024"},
    )
    assert denied.status_code == 403


def test_a_partnership_adopts_a_newer_requirements_framework(world: dict[str, Any]) -> None:
    partnership = world["partnership"]
    current = partnership.requirements_framework
    content = dict(current.content)
    content["version"] = current.version + 1
    content["items"] = [
        *content["items"],
        {
            "key": "publish-annual-report",
            "title": "Publish an annual report",
            "first_due": "2027-03-31",
        },
    ]
    import yaml

    newer, _ = actions.load_framework(
        document=parse_framework(yaml.safe_dump(content).encode(), file_name="v2.yaml"), by=None
    )
    added = actions.adopt_requirements_framework(
        partnership=partnership, framework=newer, by=None, today=TODAY
    )
    assert added == 1
    assert partnership.requirements.get(key="publish-annual-report").due_on == dt.date(2027, 3, 31)
    assert partnership.requirements.get(key="strategy").item.framework == newer
