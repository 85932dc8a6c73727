"""Records of the partnership app for the permission walk's world
(tests/web/test_permission_walk.py): private ones carry the walk's marker."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from svduty.access.models import Organisation
from svduty.partnership import actions
from svduty.partnership.models import Board, BoardSeat, Engagement, Framework, Partnership


def walk_values(
    partnership: Partnership, organisation: Organisation, marker: str
) -> dict[str, str]:
    """Create the records and return the URL values that reach them."""
    frameworks = {f.kind: f for f in actions.load_default_frameworks(by=None)}
    partnership.requirements_framework = frameworks[Framework.Kind.REQUIREMENTS]
    partnership.save(update_fields=["requirements_framework"])
    actions.schedule_requirements(partnership=partnership, by=None)
    requirement = partnership.requirements.order_by("pk").first()
    assert requirement is not None
    evidence = actions.add_evidence(
        requirement=requirement,
        title=f"E {marker}",
        by=None,
        file=SimpleUploadedFile("minutes.pdf", b"%PDF " + marker.encode()),
    )
    actions.add_contact(
        organisation=organisation, name=f"C {marker}", by=None, email="contact@example.org"
    )
    board = Board.objects.create(
        partnership=partnership, name="Strategic board", kind=Board.Kind.STRATEGIC_BOARD
    )
    seat = BoardSeat.objects.create(board=board, organisation=organisation)
    engagement = Engagement.objects.create(
        partnership=partnership,
        kind=Engagement.Kind.CONSULTATION,
        audience=Engagement.Audience.PRISONS,
        title="Prison consultation",
        held_on=dt.date(2026, 1, 1),
        participants="Governors",
        outcomes="Release planning",
    )
    questionnaire = frameworks[Framework.Kind.SELF_ASSESSMENT]
    issued = actions.issue_self_assessment(
        partnership=partnership,
        framework=questionnaire,
        title="Readiness",
        due_on=dt.date(2030, 1, 31),
        organisations=[organisation],
        by=None,
    )
    draft = issued.returns.get()
    question = questionnaire.questions.order_by("order").first()
    assert question is not None
    actions.save_answer(
        assessment_return=draft,
        question=question,
        rating=1,
        commentary=f"A {marker}",
        evidence="",
        actions=[],
        by=None,
    )
    values = {
        "organisation_id": organisation.pk,
        "board_id": board.pk,
        "seat_id": seat.pk,
        "requirement_id": requirement.pk,
        "evidence_id": evidence.pk,
        "engagement_id": engagement.pk,
        "round_id": issued.pk,
        "return_id": draft.pk,
        "question_id": question.pk,
        "framework_id": questionnaire.pk,
    }
    return {key: str(value) for key, value in values.items()}
