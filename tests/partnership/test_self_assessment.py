"""Self-assessment: the lead issues it, each organisation answers for itself, the lead reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from svduty.partnership import actions, queries
from svduty.partnership.models import AssessmentReturn, AssessmentRound, Framework
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db
DUE = dt.date(2027, 1, 31)


def questionnaire() -> Framework:
    framework = actions.latest_framework(kind=Framework.Kind.SELF_ASSESSMENT)
    assert framework is not None
    return framework


def issue(world: dict[str, Any], title: str = "Readiness 2026") -> AssessmentRound:
    partnership = world["partnership"]
    return actions.issue_self_assessment(
        partnership=partnership,
        framework=questionnaire(),
        title=title,
        due_on=DUE,
        organisations=list(queries.self_assessment_recipients(partnership)),
        by=world["lead"],
    )


def answer_all(item: AssessmentReturn, rating: int, by: Any) -> None:
    for question in item.round.framework.questions.all():
        actions.save_answer(
            assessment_return=item,
            question=question,
            rating=rating,
            commentary=f"Rated {rating}",
            evidence="",
            actions=[],
            by=by,
        )


def test_a_self_assessment_goes_to_each_duty_holder_and_each_csp(world: dict[str, Any]) -> None:
    issued = issue(world)
    names = sorted(issued.returns.values_list("organisation__name", flat=True))
    assert names == [
        "Ashby Council",
        "North Testshire Community Safety Partnership",
        "South Testshire Community Safety Partnership",
        "Testshire Police",
    ]
    assert all(r.status == "not_started" for r in issued.returns.all())


def test_contributors_are_emailed_when_it_is_issued(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["council@example.org", "officer@example.org"]
    assert "Readiness 2026" in mail.outbox[0].subject


def test_an_answer_is_a_draft_with_actions_until_submitted(world: dict[str, Any]) -> None:
    issued = issue(world)
    police = issued.returns.get(organisation=world["police"])
    question = issued.framework.questions.first()
    answer = actions.save_answer(
        assessment_return=police,
        question=question,
        rating=2,
        commentary="Named lead",
        evidence="Board minutes",
        by=world["police_officer"],
        actions=[
            actions.ActionInput("Agree terms of reference", "Supt Greenwood", dt.date(2027, 3, 31)),
            actions.ActionInput(""),
        ],
    )
    police.refresh_from_db()
    assert police.status == "draft"
    assert [(a.description, a.owner) for a in answer.actions.all()] == [
        ("Agree terms of reference", "Supt Greenwood")
    ]
    with pytest.raises(actions.AssessmentError, match="no rating yet"):
        actions.submit_return(assessment_return=police, by=world["police_officer"])
    with pytest.raises(actions.AssessmentError, match="not a rating"):
        actions.save_answer(
            assessment_return=police,
            question=question,
            rating=9,
            commentary="",
            evidence="",
            actions=[],
            by=None,
        )


def test_a_submitted_return_is_locked_until_the_lead_returns_it(world: dict[str, Any]) -> None:
    issued = issue(world)
    police = issued.returns.get(organisation=world["police"])
    answer_all(police, 3, world["police_officer"])
    actions.submit_return(assessment_return=police, by=world["police_officer"])
    question = issued.framework.questions.first()
    with pytest.raises(actions.AssessmentError, match="submitted and cannot be changed"):
        actions.save_answer(
            assessment_return=police,
            question=question,
            rating=1,
            commentary="",
            evidence="",
            actions=[],
            by=None,
        )
    with pytest.raises(actions.AssessmentError, match="say what needs changing"):
        actions.review_return(assessment_return=police, accept=False, comment="", by=world["lead"])
    actions.review_return(
        assessment_return=police,
        accept=False,
        comment="More evidence please",
        answer_comments={question.pk: "Which board?"},
        by=world["lead"],
    )
    police.refresh_from_db()
    assert police.status == "returned"
    assert police.answers.get(question=question).review_comment == "Which board?"
    actions.save_answer(
        assessment_return=police,
        question=question,
        rating=3,
        commentary="The strategic board",
        evidence="",
        actions=[],
        by=None,
    )
    actions.submit_return(assessment_return=police, by=world["police_officer"])
    actions.review_return(assessment_return=police, accept=True, comment="", by=world["lead"])
    police.refresh_from_db()
    assert (police.status, police.reviewed_by) == ("accepted", world["lead"])


def test_readiness_per_organisation_and_partnership_against_the_previous_round(
    world: dict[str, Any],
) -> None:
    first = issue(world, "Readiness 2025")
    answer_all(first.returns.get(organisation=world["police"]), 1, None)
    actions.submit_return(
        assessment_return=first.returns.get(organisation=world["police"]), by=None
    )
    second = issue(world, "Readiness 2026")
    police = second.returns.get(organisation=world["police"])
    council = second.returns.get(organisation=world["council"])
    answer_all(police, 3, None)
    answer_all(council, 4, None)
    actions.submit_return(assessment_return=police, by=None)
    actions.submit_return(assessment_return=council, by=None)
    summary = queries.round_summary(second)
    rows = {r.assessment_return.organisation.name: r for r in summary.rows}
    assert rows["Testshire Police"].label == "Established"
    assert rows["Testshire Police"].previous_label == "Planning"
    assert rows["Testshire Police"].change == "up"
    assert rows["Ashby Council"].label == "Mature, demonstrating best practice"
    assert rows["Ashby Council"].previous is None
    assert rows["North Testshire Community Safety Partnership"].readiness is None  # not submitted
    # Partnership: the mean of 3 and 4 over the two that submitted, rounded down to Established.
    assert summary.partnership is not None
    assert (summary.partnership.shown(), summary.partnership_label) == ("3.5", "Established")
    assert summary.submitted == 2
    assert summary.previous_partnership_label == "Planning"
    assert summary.change == "up"


def test_a_contributor_answers_for_their_own_organisation_through_the_web(
    world: dict[str, Any],
) -> None:
    issued = issue(world)
    police = issued.returns.get(organisation=world["police"])
    question = issued.framework.questions.first()
    client = Client()
    sign_in(client, world["police_officer"])
    url = reverse("partnership:answer", args=["testshire", police.pk, question.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Not started" in page.content.decode()
    response = client.post(
        url,
        {
            "rating": "2",
            "commentary": "Our superintendent attends",
            "evidence": "Minutes",
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Name a deputy",
            "actions-0-owner": "Chief Inspector",
            "actions-0-due_on": "31/3/2027",
            "actions-1-description": "",
            "continue": "1",
        },
    )
    assert response.status_code == 302
    answer = police.answers.get(question=question)
    assert (answer.rating, answer.commentary) == (2, "Our superintendent attends")
    assert answer.actions.get().due_on == dt.date(2027, 3, 31)
    following = issued.framework.questions.all()[1]
    assert response["Location"].endswith(f"/questions/{following.pk}/")


def test_nobody_else_sees_an_organisation_s_answers(world: dict[str, Any]) -> None:
    issued = issue(world)
    police = issued.returns.get(organisation=world["police"])
    answer_all(police, 2, world["police_officer"])
    question = issued.framework.questions.first()
    return_url = reverse("partnership:return", args=["testshire", police.pk])
    answer_url = reverse("partnership:answer", args=["testshire", police.pk, question.pk])
    council = Client()
    sign_in(council, world["council_officer"])
    assert council.get(return_url).status_code == 404
    assert council.get(answer_url).status_code == 404
    assert council.post(answer_url, {"rating": "0"}).status_code == 404
    assert (
        "Rated 2"
        not in council.get(
            reverse("partnership:assessment", args=["testshire", issued.pk])
        ).content.decode()
    )
    lead = Client()
    sign_in(lead, world["lead"])
    assert lead.get(return_url).status_code == 404  # a draft stays the organisation's own
    actions.submit_return(assessment_return=police, by=world["police_officer"])
    assert "Rated 2" in lead.get(return_url).content.decode()
    assert lead.get(answer_url).status_code == 404  # the lead reviews; only the member answers
    reader = Client()
    sign_in(reader, world["reader"])
    assert reader.get(return_url).status_code == 404


def test_the_lead_returns_a_return_through_the_review_page(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    issued = issue(world)
    police = issued.returns.get(organisation=world["police"])
    answer_all(police, 2, world["police_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_return(assessment_return=police, by=world["police_officer"])
    assert [m.to for m in mail.outbox][-1] == ["lead@example.org"]
    client = Client()
    sign_in(client, world["lead"])
    url = reverse("partnership:review", args=["testshire", police.pk])
    assert client.post(url, {"decision": "return", "comment": ""}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "return", "comment": "Add the minutes"})
    assert response.status_code == 302
    police.refresh_from_db()
    assert (police.status, police.review_comment) == ("returned", "Add the minutes")
    assert mail.outbox[-1].to == ["officer@example.org"]
    assert "Add the minutes" in mail.outbox[-1].body


def test_submitting_through_the_web_reports_unanswered_questions(world: dict[str, Any]) -> None:
    issued = issue(world)
    police = issued.returns.get(organisation=world["police"])
    client = Client()
    sign_in(client, world["police_officer"])
    response = client.post(
        reverse("partnership:return_submit", args=["testshire", police.pk]), follow=True
    )
    assert "You cannot submit it yet" in response.content.decode()
    police.refresh_from_db()
    assert police.status == "not_started"
