"""Two people editing one record do not silently overwrite each other (optimistic concurrency).

Two signed-in browsers open the same edit form; the first saves; the second's save is refused
with a clear message and the first person's values are kept; saving again, having been told,
replaces them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from svduty.partnership import actions
from svduty.partnership.models import Engagement
from svduty.web.forms import EDIT_CONFLICT_MESSAGE, GovukForm, edit_state_token
from tests.partnership.conftest import world  # noqa: F401  (the fixture)
from tests.web.helpers import sign_in

CONFLICT = "Someone else saved changes to this record after you opened this page"


def _token(page: str) -> str:
    found = re.search(r'name="edit_state" value="([0-9a-f]+)"', page)
    assert found, "the edit form carries no edit_state field"
    return found.group(1)


def _two_editors(user: Any, url: str) -> tuple[Client, str, Client, str]:
    first, second = Client(), Client()
    sign_in(first, user)
    sign_in(second, user)
    return (
        first,
        _token(first.get(url).content.decode()),
        second,
        _token(second.get(url).content.decode()),
    )


@pytest.mark.django_db
def test_a_stale_requirement_form_is_refused_and_keeps_the_other_persons_change(
    world: dict[str, Any],  # noqa: F811
) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    url = reverse("partnership:requirement_edit", args=["testshire", strategy.pk])
    first, first_token, second, second_token = _two_editors(world["lead"], url)
    assert first_token == second_token
    data = {"status": "met", "owner": world["police"].pk, "due_on": "31/1/2024"}

    saved = first.post(url, data | {"notes": "Published in January", "edit_state": first_token})
    refused = second.post(url, data | {"notes": "Draft only", "edit_state": second_token})

    assert saved.status_code == 302
    assert refused.status_code == 200
    page = refused.content.decode()
    assert CONFLICT in page
    assert "Draft only" in page  # their own change is still in the form
    strategy.refresh_from_db()
    assert strategy.notes == "Published in January"
    # Told, the second person saves again on purpose: the refreshed form goes through.
    again = second.post(url, data | {"notes": "Draft only", "edit_state": _token(page)})
    assert again.status_code == 302
    strategy.refresh_from_db()
    assert strategy.notes == "Draft only"


@pytest.mark.django_db
def test_a_stale_engagement_form_is_refused(world: dict[str, Any]) -> None:  # noqa: F811
    engagement = actions.record_engagement(
        partnership=world["partnership"],
        by=world["lead"],
        organisations=[world["council"]],
        kind=Engagement.Kind.CONSULTATION,
        audience=Engagement.Audience.SCHOOLS_AND_COLLEGES,
        title="Heads' forum",
        held_on=dt.date(2026, 10, 14),
        participants="12 head teachers",
        outcomes="Exclusions data",
    )
    url = reverse("partnership:engagement_edit", args=["testshire", engagement.pk])
    first, first_token, second, second_token = _two_editors(world["lead"], url)
    data = {
        "kind": "consultation",
        "audience": "schools_and_colleges",
        "held_on": "14/10/2026",
        "participants": "12 head teachers",
        "organisations": [world["council"].pk],
        "outcomes": "Exclusions data",
        "requirement": "",
        "informed": "",
    }

    assert first.post(url, data | {"title": "Heads' forum (autumn)", "edit_state": first_token})[
        "Location"
    ]
    refused = second.post(url, data | {"title": "Head teachers", "edit_state": second_token})

    assert refused.status_code == 200
    assert CONFLICT in refused.content.decode()
    engagement.refresh_from_db()
    assert engagement.title == "Heads' forum (autumn)"


@pytest.mark.django_db
def test_a_form_submitted_without_the_field_is_not_checked(
    world: dict[str, Any],  # noqa: F811
) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    client = Client()
    sign_in(client, world["lead"])
    response = client.post(
        reverse("partnership:requirement_edit", args=["testshire", strategy.pk]),
        {"status": "met", "owner": world["police"].pk, "due_on": "31/1/2024", "notes": "x"},
    )
    assert response.status_code == 302


class _Form(GovukForm):
    pass


def test_the_guard_compares_the_record_now_with_what_was_shown() -> None:
    shown = {"title": "A", "due_on": dt.date(2026, 1, 1)}
    now = {"title": "B", "due_on": dt.date(2026, 1, 1)}
    unchanged = _Form({"edit_state": edit_state_token(shown)})
    unchanged.guard_edit(shown)
    assert unchanged.is_valid()
    assert "edit_state" not in unchanged.cleaned_data
    changed = _Form({"edit_state": edit_state_token(shown)})
    changed.guard_edit(now)
    assert not changed.is_valid()
    assert changed.non_field_errors() == [EDIT_CONFLICT_MESSAGE]
    assert changed.data["edit_state"] == edit_state_token(now)


@pytest.mark.django_db
def test_a_stale_decision_request_form_is_refused() -> None:
    from svduty.decisions.models import DecisionRecord
    from tests.funding.factories import REQUEST_TEXT, people, record

    p = people()
    item = record(p, stage="draft")
    url = reverse("decisions:edit", args=[item.pk])
    first, first_token, second, second_token = _two_editors(p.lead, url)
    data = {"reference": "DN50-24", "amount": "£25,000", **REQUEST_TEXT}

    saved = first.post(url, data | {"title": "Youth workers", "edit_state": first_token})
    refused = second.post(url, data | {"title": "Analysts", "edit_state": second_token})

    assert saved.status_code == 302, saved.content.decode()
    assert refused.status_code == 200
    assert CONFLICT in refused.content.decode()
    assert DecisionRecord.objects.get(pk=item.pk).title == "Youth workers"


# --- The window between the check and the save ----------------------------------------------
# Validation compares the record with what the form showed; the save comes a moment later. A save
# by someone else landing in that moment must not be overwritten: the view locks the row, reloads
# it and checks again in the transaction that saves (``EditConflictMixin.still_unchanged``).


def _requirement_post(people: dict[str, Any], notes: str, token: str) -> dict[str, Any]:
    return {
        "status": "met",
        "owner": people["police"].pk,
        "due_on": "31/1/2024",
        "notes": notes,
        "edit_state": token,
    }


@pytest.mark.django_db
def test_a_save_landing_between_the_check_and_the_save_is_not_overwritten(
    world: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from svduty.partnership import forms
    from svduty.partnership.models import Requirement

    strategy = world["partnership"].requirements.get(key="strategy")
    url = reverse("partnership:requirement_edit", args=["testshire", strategy.pk])
    client = Client()
    sign_in(client, world["lead"])
    token = _token(client.get(url).content.decode())
    validated = forms.RequirementForm.is_valid

    def someone_else_saves_just_after_the_check(form: Any) -> bool:
        valid = validated(form)
        # The other person's save commits after this form passed its check, before it saves.
        Requirement.objects.filter(pk=strategy.pk).update(notes="Theirs, saved in between")
        return valid

    monkeypatch.setattr(forms.RequirementForm, "is_valid", someone_else_saves_just_after_the_check)

    refused = client.post(url, _requirement_post(world, "Mine", token))

    assert refused.status_code == 200
    page = refused.content.decode()
    assert CONFLICT in page
    assert "Mine" in page  # kept in the form
    strategy.refresh_from_db()
    assert strategy.notes == "Theirs, saved in between"
    # The refreshed form carries the state now, so saving again (told) goes through.
    monkeypatch.setattr(forms.RequirementForm, "is_valid", validated)
    again = client.post(url, _requirement_post(world, "Mine", _token(page)))
    assert again.status_code == 302
    strategy.refresh_from_db()
    assert strategy.notes == "Mine"


def test_the_recheck_must_run_inside_the_saving_transaction() -> None:
    form = _Form({})
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        form.still_unchanged(Engagement(pk=1), lambda record: {})


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_wait_for_the_row_lock_and_the_second_is_refused(
    world: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real concurrency (PostgreSQL): the first save holds the row lock until it commits; the
    second, validated against the same page, waits for it, then sees the change and is refused."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole transactions)")
    strategy = world["partnership"].requirements.get(key="strategy")
    url = reverse("partnership:requirement_edit", args=["testshire", strategy.pk])
    first, first_token, second, second_token = _two_editors(world["lead"], url)
    update = actions.update_requirement
    first_is_saving = threading.Event()
    let_first_commit = threading.Event()

    def slow_first_save(**kwargs: Any) -> Any:
        saved = update(**kwargs)
        if kwargs.get("notes") == "First":
            first_is_saving.set()
            assert let_first_commit.wait(timeout=30)
        return saved

    monkeypatch.setattr(actions, "update_requirement", slow_first_save)
    responses: dict[str, Any] = {}

    def post(name: str, client: Client, token: str) -> None:
        try:
            responses[name] = client.post(url, _requirement_post(world, name, token))
        finally:
            connections.close_all()

    one = threading.Thread(target=post, args=("First", first, first_token))
    one.start()
    assert first_is_saving.wait(timeout=30)
    two = threading.Thread(target=post, args=("Second", second, second_token))
    two.start()
    two.join(timeout=1.5)
    assert two.is_alive(), "the second save did not wait for the first one's row lock"
    let_first_commit.set()
    one.join(timeout=30)
    two.join(timeout=30)

    assert responses["First"].status_code == 302
    assert responses["Second"].status_code == 200
    assert CONFLICT in responses["Second"].content.decode()
    strategy.refresh_from_db()
    assert strategy.notes == "First"
