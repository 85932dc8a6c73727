"""The strategy: versions, priorities, plans, actions with their measures and findings, progress
from contributors, and the guided annual review."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from svduty.access.roles import Role
from svduty.strategy import actions, queries
from svduty.strategy.actions import StrategyError
from svduty.strategy.documents import annual_review_document
from svduty.strategy.models import ActionStatus, AnnualReview, Strategy
from tests.factories import OrganisationFactory, member
from tests.funding.factories import people
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db


def _strategy(p):  # type: ignore[no-untyped-def]
    strategy = actions.create_strategy(
        partnership=p.partnership, title="Preventing violence", first_year="2024-25", by=p.lead
    )
    priority = actions.add_priority(strategy=strategy, title="Young people", by=p.lead)
    return strategy, priority


def _action(p, plan, priority, **extra):  # type: ignore[no-untyped-def]
    fields = {
        "reference": "1.1",
        "title": "Knife-crime education",
        "lead_organisation": p.council,
        "owner": "Education lead",
        "start_on": date(2024, 4, 1),
        "due_on": date(2025, 3, 31),
        **extra,
    }
    return actions.add_action(plan=plan, priority=priority, by=p.lead, **fields)


def test_a_strategy_covers_five_financial_years_from_its_first() -> None:
    p = people()
    strategy, _ = _strategy(p)
    assert strategy.version == 1
    assert strategy.years == ["2024/25", "2025/26", "2026/27", "2027/28", "2028/29"]
    with pytest.raises(StrategyError, match="outside the strategy's years"):
        actions.create_plan(strategy=strategy, year="2029/30", by=p.lead)
    assert actions.create_plan(strategy=strategy, year="2028/29", by=p.lead).year == "2028/29"


def test_approving_a_new_version_supersedes_the_one_in_force() -> None:
    p = people()
    first, _ = _strategy(p)
    with pytest.raises(StrategyError, match="only an approved strategy"):
        actions.publish_strategy(
            strategy=first,
            published_on=date(2024, 2, 1),
            document_url="https://example.org/s",
            by=p.lead,
        )
    actions.approve_strategy(
        strategy=first, approved_on=date(2024, 1, 25), approved_by_body="Board", by=p.lead
    )
    actions.publish_strategy(
        strategy=first,
        published_on=date(2024, 2, 1),
        document_url="https://example.org/s",
        by=p.lead,
    )
    second, _ = _strategy(p)
    assert second.version == 2
    assert queries.current_strategy(p.partnership) == first
    actions.approve_strategy(
        strategy=second, approved_on=date(2025, 5, 1), approved_by_body="Board", by=p.lead
    )
    first.refresh_from_db()
    assert first.status == Strategy.Status.SUPERSEDED
    assert queries.current_strategy(p.partnership) == second


def test_a_strategy_without_priorities_cannot_be_approved() -> None:
    p = people()
    strategy = actions.create_strategy(
        partnership=p.partnership, title="Empty", first_year="2024/25", by=p.lead
    )
    with pytest.raises(StrategyError, match="at least one priority"):
        actions.approve_strategy(
            strategy=strategy, approved_on=date(2024, 1, 1), approved_by_body="Board", by=p.lead
        )


def test_an_action_links_the_measures_it_aims_to_move_and_the_findings_behind_it() -> None:
    p = people()
    strategy, priority = _strategy(p)
    plan = actions.create_plan(strategy=strategy, year="2024/25", by=p.lead)
    finding = actions.record_finding(
        partnership=p.partnership,
        assessment_year="2023/24",
        reference="F1",
        title="Knife crime among 15 to 24s",
        by=p.lead,
    )
    action = _action(
        p, plan, priority, measures=["knife_enabled_serious_violence"], findings=[finding]
    )
    assert list(action.findings.all()) == [finding]
    assert action.measure_labels == ["Knife-enabled serious violence (police recorded)"]
    assert queries.actions_for_measure(strategy, "knife_enabled_serious_violence") == [action]
    assert queries.actions_for_measure(strategy, "homicide") == []


@pytest.mark.parametrize("problem", ["measure", "lead", "finding", "dates"])
def test_an_action_with_a_broken_link_is_refused(problem: str) -> None:
    p = people()
    other = people()
    strategy, priority = _strategy(p)
    plan = actions.create_plan(strategy=strategy, year="2024/25", by=p.lead)
    extra = {
        "measure": {"measures": ["happiness"]},
        "lead": {"lead_organisation": other.council},
        "finding": {
            "findings": [
                actions.record_finding(
                    partnership=other.partnership,
                    assessment_year="2023/24",
                    reference="F1",
                    title="Elsewhere",
                    by=other.lead,
                )
            ]
        },
        "dates": {"due_on": date(2024, 3, 31)},
    }[problem]
    with pytest.raises(StrategyError):
        _action(p, plan, priority, **extra)


def test_progress_updates_set_the_actions_rag_status() -> None:
    p = people()
    strategy, priority = _strategy(p)
    action = _action(p, actions.create_plan(strategy=strategy, year="2024/25", by=p.lead), priority)
    actions.report_progress(
        action=action,
        status="amber",
        text="Two schools delayed",
        reported_on=date(2024, 9, 30),
        organisation=p.council,
        by=p.contributor,
    )
    assert action.status == ActionStatus.AMBER
    actions.report_progress(
        action=action,
        status="complete",
        text="All done",
        reported_on=date(2025, 3, 28),
        by=p.contributor,
    )
    snapshot = queries.progress_snapshot(strategy=strategy, year="2024/25")
    assert snapshot["counts"]["complete"] == 1
    assert snapshot["actions"][0]["latest_update"] == "All done"


def test_contributors_report_progress_only_on_actions_their_organisation_leads() -> None:
    p = people()
    strategy, priority = _strategy(p)
    plan = actions.create_plan(strategy=strategy, year="2024/25", by=p.lead)
    ours = _action(p, plan, priority)
    theirs = _action(
        p,
        plan,
        priority,
        reference="1.2",
        lead_organisation=OrganisationFactory(partnership=p.partnership),
    )
    client = Client()
    sign_in(client, p.contributor)
    answer = {"status": "green", "text": "On track"}
    response = client.post(reverse("strategy:action_progress", args=[ours.pk]), answer)
    assert response.status_code == 302
    assert (
        client.post(reverse("strategy:action_progress", args=[theirs.pk]), answer).status_code
        == 404
    )
    update = ours.updates.get()
    assert update.organisation == p.council
    assert update.created_by == p.contributor
    reader = Client()
    sign_in(reader, member(Role.SCRUTINY_READER, p.lpb))
    assert reader.get(reverse("strategy:action_detail", args=[ours.pk])).status_code == 403


def test_the_annual_review_gathers_progress_measures_and_the_needs_assessment() -> None:
    p = people()
    strategy, priority = _strategy(p)
    plan = actions.create_plan(strategy=strategy, year="2024/25", by=p.lead)
    finding = actions.record_finding(
        partnership=p.partnership,
        assessment_year="2024/25",
        reference="F1",
        title="Knife crime fell",
        by=p.lead,
    )
    _action(p, plan, priority, findings=[finding])
    review = actions.start_review(strategy=strategy, year="2024/25", by=p.lead)
    assert review.progress["counts"]["not_started"] == 1
    with pytest.raises(StrategyError, match="success measures, needs assessment"):
        actions.complete_review(
            review=review, conclusions="Good year", changes_to_strategy="", by=p.lead
        )
    actions.record_review_measures(
        review=review,
        baseline_year="2019/20",
        counts={
            ("knife_enabled_serious_violence", "all_ages"): (864, 810),
            ("homicide", "under_25_knife"): (0, 2),
        },
        by=p.lead,
    )
    assert review.measures[0] == {
        "measure": "knife_enabled_serious_violence",
        "cohort": "all_ages",
        "baseline_count": 864,
        "current_count": 810,
        "volume_change": -54,
        "percent_change": "-6.3",
    }
    assert review.measures[1]["percent_change"] is None
    with pytest.raises(StrategyError, match="no findings"):
        actions.gather_needs_assessment(review=review, assessment_year="2023/24", by=p.lead)
    actions.gather_needs_assessment(review=review, assessment_year="2024/25", by=p.lead)
    assert review.findings == [
        {"reference": "F1", "title": "Knife crime fell", "detail": "", "actions": ["1.1"]}
    ]
    actions.complete_review(
        review=review, conclusions="A good year.", changes_to_strategy="", by=p.lead
    )
    assert review.status == AnnualReview.Status.COMPLETE
    with pytest.raises(StrategyError, match="complete"):
        actions.gather_progress(review=review, by=p.lead)
    document = annual_review_document(review)
    assert [s.heading for s in document.sections] == [
        "About this review",
        "Progress on the activity plan",
        "Success measures",
        "Needs assessment 2024/25",
        "Conclusions",
    ]
    measures_table = next(t for t in document.tables() if t.caption.startswith("Success"))
    assert measures_table.rows[0][2:] == (864, 810, -54, "-6.3")


def test_the_review_pages_walk_through_each_step() -> None:
    p = people()
    strategy, _priority = _strategy(p)
    actions.create_plan(strategy=strategy, year="2024/25", by=p.lead)
    actions.record_finding(
        partnership=p.partnership,
        assessment_year="2024/25",
        reference="F1",
        title="Finding",
        by=p.lead,
    )
    client = Client()
    sign_in(client, p.lead)
    response = client.post(
        reverse("strategy:review_start", args=[strategy.pk]), {"year": "2024/25"}
    )
    review = AnnualReview.objects.get()
    assert response["Location"] == reverse("strategy:review", args=[review.pk])
    client.post(reverse("strategy:review_progress", args=[review.pk]))
    from svduty.strategy.models import MEASURE_COHORTS

    counts = {"baseline_year": "2019/20"}
    for measure, cohorts in MEASURE_COHORTS.items():
        for cohort in cohorts:
            counts[f"{measure}__{cohort}__baseline"] = "10"
            counts[f"{measure}__{cohort}__current"] = "8"
    assert (
        client.post(reverse("strategy:review_measures", args=[review.pk]), counts).status_code
        == 302
    )
    assert (
        client.post(
            reverse("strategy:review_needs", args=[review.pk]), {"assessment_year": "2024/25"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("strategy:review_conclusions", args=[review.pk]),
            {"conclusions": "Steady progress."},
        ).status_code
        == 302
    )
    review.refresh_from_db()
    assert review.status == AnnualReview.Status.COMPLETE
    assert len(review.measures) == 7
    page = client.get(reverse("strategy:review_document", args=[review.pk, "html"]))
    assert "Steady progress." in page.content.decode()


@pytest.mark.parametrize(("fmt", "magic"), [("pdf", b"%PDF"), ("docx", b"PK"), ("odt", b"PK")])
def test_the_annual_review_renders_as_pdf_docx_and_odt(tmp_path, fmt: str, magic: bytes) -> None:  # type: ignore[no-untyped-def]
    from svduty.decisions.documents import available_formats, write_document

    if fmt not in available_formats():
        pytest.skip("svduty.documents.render is not installed yet")
    p = people()
    strategy, _ = _strategy(p)
    review = actions.start_review(strategy=strategy, year="2024/25", by=p.lead)
    written = write_document(annual_review_document(review), tmp_path / f"review.{fmt}")
    assert written.read_bytes().startswith(magic)
