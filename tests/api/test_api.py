"""The JSON API: public figures under disclosure control, tokens, imports, uploads and audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from svduty.access.models import AuditEvent
from svduty.access.roles import Role
from svduty.api.models import ApiToken
from svduty.datasets.models import DataSource
from tests.api.conftest import bearer, token_for
from tests.factories import member

pytestmark = pytest.mark.django_db

MEASURES = "/api/partnerships/testshire/measures?baseline_year=2019/20&year=2023/24"


def _knife_row(body: dict[str, Any], area: str = "X23990001") -> dict[str, Any]:
    (row,) = [
        r
        for r in body["rows"]
        if r["measure"] == "knife_enabled_serious_violence"
        and r["cohort"] == "all_ages"
        and r["area_code"] == area
    ]
    return row


def test_anyone_can_list_the_partnerships(world: dict[str, Any]) -> None:
    response = Client().get("/api/partnerships")
    assert response.status_code == 200
    assert {
        "slug": "testshire",
        "name": "Testshire",
        "is_demo": False,
        "police_force_area": {"code": "X23990001", "name": "Testshire"},
    } in response.json()


def test_anonymous_measures_are_disclosure_controlled(world: dict[str, Any]) -> None:
    response = Client().get(MEASURES)
    assert response.status_code == 200
    body = response.json()
    assert body["public"] is True
    row = _knife_row(body)
    # 3 is a small number (suppressed); 12 rounds to 10; the change uses a suppressed count.
    assert (row["baseline_count"], row["current_count"]) == ("*", 10)
    assert row["percent_change"] in {"*", None}


def test_a_read_token_of_an_analyst_gets_exact_figures(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    body = Client().get(MEASURES, **bearer(secret)).json()
    row = _knife_row(body)
    assert body["public"] is False
    assert (row["baseline_count"], row["current_count"], row["volume_change"]) == (3, 12, 9)
    assert row["percent_change"] == 300.0


def test_a_read_token_can_still_ask_for_the_public_figures(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    body = Client().get(MEASURES + "&public=true", **bearer(secret)).json()
    assert body["public"] is True
    assert _knife_row(body)["baseline_count"] == "*"


def test_a_scrutiny_readers_token_sees_only_the_published_figures(world: dict[str, Any]) -> None:
    user = world["users"][Role.SCRUTINY_READER]
    secret = token_for(user, world["org"], Role.SCRUTINY_READER, ["read"])
    body = Client().get(MEASURES, **bearer(secret)).json()
    assert body["public"] is True


def test_an_import_only_token_sees_only_the_published_figures(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import"])
    assert Client().get(MEASURES, **bearer(secret)).json()["public"] is True


def test_a_token_of_another_partnership_gets_only_published_figures(world: dict[str, Any]) -> None:
    secret = token_for(world["outsider"], world["elsewhere"], Role.ANALYST, ["read"])
    body = Client().get(MEASURES, **bearer(secret)).json()
    assert body["public"] is True
    assert _knife_row(body)["baseline_count"] == "*"


def test_a_bad_year_or_area_is_a_400_not_a_server_error(world: dict[str, Any]) -> None:
    client = Client()
    assert client.get(MEASURES.replace("2023/24", "2023/99")).status_code == 400
    assert client.get(MEASURES + "&area=E99999999").status_code == 400
    assert client.get("/api/partnerships/nowhere/measures?year=2023/24").status_code == 404


def test_an_invalid_token_is_refused_even_on_public_endpoints(world: dict[str, Any]) -> None:
    response = Client().get("/api/partnerships", HTTP_AUTHORIZATION="Bearer svd_nonsense")
    assert response.status_code == 401


def test_expired_and_revoked_tokens_stop_working(world: dict[str, Any]) -> None:
    from svduty.api.actions import revoke_token

    analyst = world["users"][Role.ANALYST]
    expired = token_for(analyst, world["org"], Role.ANALYST, ["read"])
    ApiToken.objects.filter(created_by=analyst).update(expires_at=timezone.now() - timedelta(1))
    revoked = token_for(analyst, world["org"], Role.ANALYST, ["read"])
    revoke_token(token=ApiToken.objects.get(prefix=revoked.split("_")[1]), by=analyst)
    for secret in (expired, revoked):
        assert Client().get("/api/imports", **bearer(secret)).status_code == 401


def test_a_token_stops_working_when_its_creator_loses_the_role(world: dict[str, Any]) -> None:
    analyst = world["users"][Role.ANALYST]
    secret = token_for(analyst, world["org"], Role.ANALYST, ["read"])
    assert Client().get("/api/imports", **bearer(secret)).status_code == 200
    analyst.memberships.update(is_active=False)
    assert Client().get("/api/imports", **bearer(secret)).status_code == 401


def test_only_the_hash_of_a_token_is_stored(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    token = ApiToken.objects.get()
    assert secret not in {token.token_hash, token.prefix, token.name}
    assert secret.startswith(f"svd_{token.prefix}_")
    assert not any(secret in str(e.changes) + e.summary for e in AuditEvent.objects.all())


def test_tokens_cannot_act_as_a_system_administrator(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="cannot act with the role"):
        token_for(
            world["users"][Role.SYSTEM_ADMINISTRATOR],
            world["org"],
            Role.SYSTEM_ADMINISTRATOR,
            ["read"],
        )


def test_a_token_needs_its_creator_to_hold_the_role_there(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="does not hold the role"):
        token_for(world["users"][Role.CONTRIBUTOR], world["org"], Role.ANALYST, ["read"])


def test_a_read_token_lists_and_shows_the_imports_its_organisation_may_see(
    world: dict[str, Any],
) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    client = Client()
    listed = client.get("/api/imports", **bearer(secret)).json()
    assert [i["id"] for i in listed] == [str(world["import"].pk)]
    assert "findings" not in listed[0]
    report = client.get(f"/api/imports/{world['import'].pk}", **bearer(secret)).json()
    assert report["rows"] == {"read": 15, "stored": 15, "quarantined": 0, "rejected": 0}
    assert set(report) == {
        "id",
        "kind",
        "partnership",
        "status",
        "replaces",
        "files",
        "rows",
        "breakdown",
        "findings",
    }


def test_a_contributor_of_another_organisation_sees_none_of_its_imports(
    world: dict[str, Any],
) -> None:
    contributor = member(Role.CONTRIBUTOR, world["other_org"])
    secret = token_for(contributor, world["other_org"], Role.CONTRIBUTOR, ["read"])
    client = Client()
    assert client.get("/api/imports", **bearer(secret)).json() == []
    response = client.get(f"/api/imports/{world['import'].pk}", **bearer(secret))
    assert response.status_code == 404


def test_an_import_only_token_cannot_read_import_reports(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import"])
    assert Client().get("/api/imports", **bearer(secret)).status_code == 403


def test_an_import_token_uploads_a_file_and_gets_the_import_report(
    world: dict[str, Any], tmp_path: Any
) -> None:
    source = DataSource.objects.create(
        partnership=world["partnership"],
        kind="ambulance-assaults",
        name="Call-outs to assaults",
        supplier=world["org"],
    )
    secret = token_for(world["users"][Role.CONTRIBUTOR], world["org"], Role.CONTRIBUTOR, ["import"])
    path = tmp_path / "more.csv"
    path.write_text(
        "incident_ref,call_datetime,incident_type,lsoa_code\nA1,2023-05-01 10:00,Assault,\n"
    )
    with path.open("rb") as handle:
        response = Client().post(
            "/api/imports", {"kind": "ambulance-assaults", "file": handle}, **bearer(secret)
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "succeeded"
    report = body["import_report"]
    assert (report["kind"], report["status"], report["partnership"]) == (
        "ambulance-assaults",
        "completed",
        "testshire",
    )
    assert report["rows"]["stored"] == 1
    # The job can be followed, and the import belongs to the token's organisation.
    followed = Client().get(body["url"], **bearer(secret))
    assert followed.status_code == 200
    assert followed.json()["import_report"]["id"] == report["id"]
    from svduty.datasets.models import Import

    record = Import.objects.get(pk=report["id"])
    assert record.organisation == world["org"]
    assert record.created_by == world["users"][Role.CONTRIBUTOR]
    assert record.source == source  # imported under the source's sharing basis and policy


def _post(secret: str, tmp_path: Any, kind: str) -> Any:
    path = tmp_path / "upload.csv"
    path.write_text(
        "incident_ref,call_datetime,incident_type,lsoa_code\nA1,2023-05-01 10:00,Assault,\n"
    )
    with path.open("rb") as handle:
        return Client().post("/api/imports", {"kind": kind, "file": handle}, **bearer(secret))


def test_a_contributors_token_is_refused_another_organisations_kind_and_it_is_audited(
    world: dict[str, Any], tmp_path: Any
) -> None:
    from svduty.datasets.models import Import
    from svduty.jobs.models import Job

    # The council supplies the partnership's ambulance data; the police contributor does not.
    DataSource.objects.create(
        partnership=world["partnership"],
        kind="ambulance-assaults",
        name="Call-outs to assaults",
        supplier=world["other_org"],
    )
    contributor = world["users"][Role.CONTRIBUTOR]
    secret = token_for(contributor, world["org"], Role.CONTRIBUTOR, ["import"])
    imports_before = Import.objects.count()
    for kind in ("ambulance-assaults", "hospital-admissions"):
        response = _post(secret, tmp_path, kind)
        assert response.status_code == 403, response.content
        assert "Testshire police does not supply" in response.json()["detail"]
    assert Import.objects.count() == imports_before
    assert not Job.objects.filter(kind="import").exists()
    refusals = AuditEvent.objects.filter(summary__startswith="Refused an upload")
    assert sorted(e.changes["kind"] for e in refusals) == [
        "ambulance-assaults",
        "hospital-admissions",
    ]
    assert {(e.actor, e.partnership_slug, e.changes["organisation"]) for e in refusals} == {
        (contributor, "testshire", "testshire-police")
    }


def test_an_analysts_token_still_uploads_any_kind(world: dict[str, Any], tmp_path: Any) -> None:
    DataSource.objects.create(
        partnership=world["partnership"],
        kind="ambulance-assaults",
        name="Call-outs to assaults",
        supplier=world["other_org"],
    )
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import"])
    response = _post(secret, tmp_path, "ambulance-assaults")
    assert response.status_code == 202, response.content
    assert response.json()["import_report"]["status"] == "completed"
    assert not AuditEvent.objects.filter(summary__startswith="Refused an upload").exists()


def test_a_read_only_token_cannot_upload(world: dict[str, Any], tmp_path: Any) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with path.open("rb") as handle:
        response = Client().post(
            "/api/imports", {"kind": "ambulance-assaults", "file": handle}, **bearer(secret)
        )
    assert response.status_code == 403


def test_a_scrutiny_readers_import_token_is_refused(world: dict[str, Any], tmp_path: Any) -> None:
    user = world["users"][Role.SCRUTINY_READER]
    secret = token_for(user, world["org"], Role.SCRUTINY_READER, ["import"])
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with path.open("rb") as handle:
        response = Client().post(
            "/api/imports", {"kind": "ambulance-assaults", "file": handle}, **bearer(secret)
        )
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["page.html", "script.js", "run.exe", "noextension"])
def test_uploads_of_other_types_are_refused(
    world: dict[str, Any], tmp_path: Any, name: str
) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import"])
    path = tmp_path / name
    path.write_text("<script>alert(1)</script>")
    with path.open("rb") as handle:
        response = Client().post(
            "/api/imports", {"kind": "police-crime", "file": handle}, **bearer(secret)
        )
    assert response.status_code == 415


@override_settings(MAX_UPLOAD_BYTES=1024)
def test_uploads_over_the_size_limit_are_refused(world: dict[str, Any], tmp_path: Any) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import"])
    path = tmp_path / "big.csv"
    path.write_text("a\n" + "1\n" * 2000)
    with path.open("rb") as handle:
        response = Client().post(
            "/api/imports", {"kind": "police-crime", "file": handle}, **bearer(secret)
        )
    assert response.status_code == 413


@override_settings(MAX_UPLOAD_BYTES=1024)
def test_a_request_body_far_over_the_limit_is_refused_before_it_is_read(
    world: dict[str, Any],
) -> None:
    response = Client().generic(
        "POST", "/api/imports", b"x" * (2 * 1024 * 1024), content_type="text/plain"
    )
    assert response.status_code == 413


def test_api_responses_are_json_and_never_sniffed_as_html(world: dict[str, Any]) -> None:
    response = Client().get("/api/partnerships/%3Cscript%3E/measures?year=2023/24")
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"


@override_settings(SVDUTY_API_ANON_RATE="3/min")
def test_anonymous_calls_are_rate_limited_per_address(world: dict[str, Any]) -> None:
    client = Client()
    codes = [client.get("/api/partnerships").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another address has its own allowance; a forged X-Forwarded-For does not buy one.
    forged = client.get("/api/partnerships", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert forged.status_code == 429
    assert client.get("/api/partnerships", REMOTE_ADDR="10.0.0.2").status_code == 200


@override_settings(SVDUTY_API_TOKEN_RATE="2/min", SVDUTY_API_ANON_RATE="1/min")
def test_token_calls_have_their_own_allowance(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    client = Client()
    assert client.get("/api/partnerships").status_code == 200
    codes = [client.get("/api/partnerships", **bearer(secret)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@override_settings(SVDUTY_API_FAILED_AUTH_RATE="3/min")
def test_repeated_bad_tokens_from_one_address_are_cut_off(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    client = Client()
    for _ in range(3):
        assert client.get("/api/imports").status_code == 401  # no token offered: not counted
    for _ in range(3):
        assert client.get("/api/imports", HTTP_AUTHORIZATION="Bearer svd_wrong").status_code == 401
    assert client.get("/api/imports", **bearer(secret)).status_code == 429


def test_every_call_is_audited_with_the_token_and_its_creator(world: dict[str, Any]) -> None:
    analyst = world["users"][Role.ANALYST]
    secret = token_for(analyst, world["org"], Role.ANALYST, ["read"])
    token = ApiToken.objects.get()
    before = AuditEvent.objects.count()
    Client().get(f"/api/imports/{world['import'].pk}", **bearer(secret))
    Client().get("/api/partnerships")
    Client().get("/api/imports", HTTP_AUTHORIZATION="Bearer svd_wrong")
    events = list(AuditEvent.objects.order_by("id"))[before:]
    assert [(e.action, e.actor) for e in events] == [
        ("download", analyst),
        ("download", None),
        ("login_failed", None),
    ]
    assert events[0].changes["api_token"] == token.prefix
    assert events[0].partnership_slug == "testshire"
    assert events[0].path == f"/api/imports/{world['import'].pk}"
    assert "200" in events[0].summary


def test_the_openapi_document_is_served_and_there_is_no_cdn_docs_page(
    world: dict[str, Any],
) -> None:
    client = Client()
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/partnerships/{slug}/measures" in document["paths"]
    assert client.get("/api/docs").status_code == 404
    assert b"cdn" not in client.get("/api/openapi.json").content.lower()


def test_the_token_endpoint_describes_the_calling_token(world: dict[str, Any]) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import", "read"])
    body = Client().get("/api/token", **bearer(secret)).json()
    assert (body["organisation"], body["partnership"], body["role"], body["scopes"]) == (
        "testshire-police",
        "testshire",
        "analyst",
        ["import", "read"],
    )


def test_post_with_a_token_needs_no_csrf_token(world: dict[str, Any], tmp_path: Any) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import"])
    path = tmp_path / "x.csv"
    path.write_text("incident_ref,call_datetime,incident_type\nA1,2023-05-01 10:00,Assault\n")
    client = Client(enforce_csrf_checks=True)
    with path.open("rb") as handle:
        response = client.post(
            "/api/imports", {"kind": "ambulance-assaults", "file": handle}, **bearer(secret)
        )
    assert response.status_code == 202


def test_a_signed_in_session_alone_does_not_authenticate_the_api(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["users"][Role.ANALYST])
    assert client.get("/api/imports").status_code == 401


def test_the_stored_assessment_is_public_for_all_and_exact_for_a_read_token(
    world: dict[str, Any],
) -> None:
    from svduty.analysis.store import refresh

    url = "/api/partnerships/testshire/assessment?period=2023/24"
    assert Client().get(url).status_code == 404  # not computed yet: never computed on demand
    refresh(world["partnership"], period="2023/24")
    public = Client().get(url).json()
    assert public["provenance"]["disclosure_policy"]
    assert all(t["public"] for tables in public["sections"].values() for t in tables)
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["read"])
    exact = Client().get(url, **bearer(secret)).json()
    assert exact["provenance"]["disclosure_policy"] is None
    assert Client().get(url + "&area=X22990001").status_code == 200
    assert Client().get(url + "&area=E99999999").status_code == 400
    assert Client().get(url.replace("2023/24", "2023/99")).status_code == 400


def test_public_measures_follow_a_rollback_despite_the_cache(world: dict[str, Any]) -> None:
    from svduty.datasets.actions import rollback_import

    assert _knife_row(Client().get(MEASURES).json())["current_count"] == 10
    rollback_import(record=world["import"], by=None)
    # The only police-crime import rolled back: no data at all, so no figure (not 0).
    assert _knife_row(Client().get(MEASURES).json())["current_count"] is None


def test_an_upload_is_audited_with_its_job(world: dict[str, Any], tmp_path: Any) -> None:
    secret = token_for(world["users"][Role.ANALYST], world["org"], Role.ANALYST, ["import"])
    path = tmp_path / "x.csv"
    path.write_text("incident_ref,call_datetime,incident_type\nA1,2023-05-01 10:00,Assault\n")
    with path.open("rb") as handle:
        body = (
            Client()
            .post("/api/imports", {"kind": "ambulance-assaults", "file": handle}, **bearer(secret))
            .json()
        )
    event = AuditEvent.objects.get(path="/api/imports", summary__startswith="API POST")
    assert event.changes["job"] == body["id"]
    assert event.actor == world["users"][Role.ANALYST]
    # The import itself is attributed to the token's creator too.
    imported = AuditEvent.objects.filter(object_id=body["import_report"]["id"], action="action")
    assert {e.actor for e in imported} == {world["users"][Role.ANALYST]}
