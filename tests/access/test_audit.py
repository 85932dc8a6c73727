"""The audit trail: every change and sign-in recorded; records cannot be changed or deleted."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from svduty.access.models import AuditEvent, Organisation
from svduty.access.roles import Role
from tests.factories import PASSWORD, OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_creating_changing_and_deleting_a_model_is_audited() -> None:
    organisation = OrganisationFactory(name="Wexmoor Council")
    organisation.name = "Wexmoor Borough Council"
    organisation.save()
    organisation_id = str(organisation.pk)
    organisation.delete()
    actions = list(
        AuditEvent.objects.filter(object_type="access.Organisation", object_id=organisation_id)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    update = AuditEvent.objects.get(action="update", object_id=organisation_id)
    assert update.changes["name"] == ["Wexmoor Council", "Wexmoor Borough Council"]


def test_a_change_is_recorded_against_what_the_database_held_when_it_was_saved() -> None:
    organisation = OrganisationFactory(name="Wexmoor Council")
    loaded = Organisation.objects.get(pk=organisation.pk)
    Organisation.objects.filter(pk=organisation.pk).update(name="Wexmoor District Council")
    loaded.name = "Wexmoor Borough Council"
    loaded.save()
    update = AuditEvent.objects.get(action="update", object_id=str(organisation.pk))
    assert update.changes["name"] == ["Wexmoor District Council", "Wexmoor Borough Council"]


def test_saving_an_unchanged_record_records_nothing() -> None:
    organisation = OrganisationFactory(name="Wexmoor Council")
    Organisation.objects.get(pk=organisation.pk).save()
    assert not AuditEvent.objects.filter(action="update", object_id=str(organisation.pk)).exists()


def test_password_hashes_never_reach_the_audit_trail() -> None:
    user = UserFactory()
    event = AuditEvent.objects.filter(object_type="access.User", object_id=str(user.pk)).first()
    assert event is not None
    assert event.changes["after"]["password"] == "(hidden)"


def test_audit_events_cannot_be_edited_or_deleted() -> None:
    OrganisationFactory()
    event = AuditEvent.objects.first()
    assert event is not None
    event.summary = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(summary="tampered")


def test_sign_in_success_and_failure_are_audited_with_the_address(client: Client) -> None:
    user = member(Role.ANALYST)
    client.post(
        reverse("access:login"),
        {"username": user.username, "password": "wrong"},
        REMOTE_ADDR="10.1.2.3",
    )
    client.post(
        reverse("access:login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    failed = AuditEvent.objects.get(action="login_failed")
    assert user.username in failed.summary
    assert failed.ip_address == "10.1.2.3"
    login = AuditEvent.objects.get(action="login")
    assert login.actor == user


def test_changes_made_through_a_request_record_who_made_them(client: Client) -> None:
    analyst = member(Role.ANALYST)
    client.force_login(analyst)
    client.post(reverse("access:logout"))
    event = AuditEvent.objects.get(action="logout")
    assert event.actor_name == analyst.username


def test_an_administrator_can_search_the_audit_trail(client: Client) -> None:
    admin = member(Role.SYSTEM_ADMINISTRATOR)
    Organisation.objects.create(
        name="Findable Fire Service", slug="findable", kind="fire_and_rescue"
    )
    from tests.web.helpers import sign_in

    sign_in(client, admin)
    response = client.get(reverse("access:audit"), {"q": "Findable"})
    assert response.status_code == 200
    assert b"Findable Fire Service" in response.content
    response = client.get(reverse("access:audit"), {"q": "no-such-thing-anywhere"})
    assert b"Findable Fire Service" not in response.content


def test_the_database_itself_refuses_to_change_or_delete_audit_events() -> None:
    from django.db import DatabaseError, connection, transaction

    from tests.conftest import ensure_audit_triggers

    ensure_audit_triggers()
    OrganisationFactory()
    event_id = AuditEvent.objects.values_list("id", flat=True).first()
    table = AuditEvent._meta.db_table
    for statement in (
        f"UPDATE {table} SET summary = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event_id])


def test_deleting_a_user_keeps_their_audit_events_and_name() -> None:
    user = UserFactory(username="leaver")
    OrganisationFactory()
    from svduty.access import audit

    audit.record(action="export", summary="exported a table", by=user)
    user.delete()
    event = AuditEvent.objects.get(action="export")
    assert event.actor_name == "leaver"
