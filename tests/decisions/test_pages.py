"""Decision-record pages: each role's step through the web, and the public pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from svduty.decisions.models import DecisionRecord
from tests.funding.factories import REQUEST_TEXT, people, record
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    sign_in(client, user)
    return client


def test_a_record_is_drafted_approved_decided_and_published_through_the_pages() -> None:
    p = people()
    lead = _client(p.lead)
    response = lead.post(
        reverse("decisions:create", args=[p.partnership.slug]),
        {"reference": "DN50-24", "title": "Youth workers", "amount": "£25,000", **REQUEST_TEXT},
    )
    assert response.status_code == 302, response.content
    item = DecisionRecord.objects.get()
    assert str(item.amount) == "25000.00"
    lead.post(reverse("decisions:submit", args=[item.pk]))
    officer = _client(p.officer)
    response = officer.post(
        reverse("decisions:officer_approval", args=[item.pk]),
        {"officer_role": "chief_executive", "is_advice_confirmed": "on"},
    )
    assert response.status_code == 302
    maker = _client(p.decision_maker)
    response = maker.post(
        reverse("decisions:decide", args=[item.pk]),
        {"outcome": "approved", "reasons": "Good value", "has_interest": "no"},
    )
    assert response.status_code == 302
    public_url = reverse("decisions:published_detail", args=[p.partnership.slug, item.pk])
    assert Client().get(public_url).status_code == 404
    response = officer.post(reverse("decisions:publication", args=[item.pk]), {"choice": "publish"})
    assert response.status_code == 302
    page = Client().get(public_url)
    assert page.status_code == 200
    assert "Youth workers" in page.content.decode()
    listing = Client().get(reverse("decisions:published_index", args=[p.partnership.slug]))
    assert "DN50-24" in listing.content.decode()


def test_roles_without_the_step_are_refused_by_the_pages() -> None:
    p = people()
    item = record(p, stage="officer_approved")
    url = reverse("decisions:decide", args=[item.pk])
    decision = {"outcome": "approved", "reasons": "Good", "has_interest": "no"}
    for user in (p.lead, p.officer, p.contributor, p.scrutiny):
        assert _client(user).post(url, decision).status_code == 403
    item.refresh_from_db()
    assert item.status == DecisionRecord.Status.OFFICER_APPROVED


def test_a_decision_maker_sees_only_the_step_that_is_theirs() -> None:
    p = people()
    item = record(p, stage="officer_approved")
    page = _client(p.decision_maker).get(reverse("decisions:detail", args=[item.pk]))
    text = page.content.decode()
    assert "Take the decision" in text
    assert "Approve as statutory officer" not in text
    assert "Publish or defer" not in text


def test_deferral_through_the_page_needs_a_date_and_reasons() -> None:
    p = people()
    item = record(p, stage="decided")
    officer = _client(p.officer)
    url = reverse("decisions:publication", args=[item.pk])
    response = officer.post(url, {"choice": "defer"})
    assert response.status_code == 200
    assert "Give the date it will be published" in response.content.decode()
    until = timezone.localdate() + timedelta(days=10)
    response = officer.post(
        url,
        {
            "choice": "defer",
            "deferred_until": until.isoformat(),
            "deferral_reason": "Contract under negotiation",
        },
    )
    assert response.status_code == 302
    public_url = reverse("decisions:published_detail", args=[p.partnership.slug, item.pk])
    assert Client().get(public_url).status_code == 404
    DecisionRecord.objects.filter(pk=item.pk).update(deferred_until=timezone.localdate())
    assert Client().get(public_url).status_code == 200


def test_the_public_never_sees_the_confidential_part_or_an_exempt_report() -> None:
    p = people()
    item = record(
        p,
        stage="published",
        is_commercially_sensitive=True,
        confidential_information="Unit price £41.17 an hour",
        report_is_exempt=True,
        report_exemption_reason="Commercial interests",
    )
    item.report.save("report.txt", ContentFile(b"secret report"), save=True)
    slug = p.partnership.slug
    page = Client().get(reverse("decisions:published_detail", args=[slug, item.pk]))
    text = page.content.decode()
    assert "£41.17" not in text
    assert "exempt from publication: Commercial interests" in text
    report_url = reverse("decisions:published_report", args=[slug, item.pk])
    assert Client().get(report_url).status_code == 404
    document = Client().get(reverse("decisions:published_document", args=[slug, item.pk, "html"]))
    assert document.status_code == 200
    assert "£41.17" not in document.content.decode()
    internal = _client(p.officer).get(reverse("decisions:document", args=[item.pk, "html"]))
    assert "£41.17" in internal.content.decode()


def test_a_published_report_can_be_downloaded_by_anyone() -> None:
    p = people()
    item = record(p, stage="published")
    item.report.save("report.txt", ContentFile(b"The report"), save=True)
    response = Client().get(
        reverse("decisions:published_report", args=[p.partnership.slug, item.pk])
    )
    assert response.status_code == 200
    assert response.content == b"The report"


def test_a_record_of_one_partnership_is_not_found_under_another() -> None:
    p, other = people(), people()
    item = record(p, stage="published")
    url = reverse("decisions:published_detail", args=[other.partnership.slug, item.pk])
    assert Client().get(url).status_code == 404
    internal_url = reverse("decisions:detail", args=[item.pk])
    assert _client(other.officer).get(internal_url).status_code == 404
