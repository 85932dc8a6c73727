"""The needs-assessment pages: stored tables as charts beside data tables, exact or public by role,
locality profiles, hotspots and audited, formula-safe downloads."""

from __future__ import annotations

import csv
import io
import json
import sys
import types
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

import svduty.analysis
from svduty.access.models import AuditEvent
from svduty.access.roles import Role
from svduty.analysis.results import Assessment, ChartHint, Provenance, ResultColumn, ResultTable
from svduty.geography.models import Area, AreaLevel, AreaLink
from tests.factories import OrganisationFactory, member
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

CSP = "E22000101"


def _monthly(public: bool) -> ResultTable:
    return ResultTable(
        key="trends.monthly.police_crime",
        title="Serious violence by month",
        columns=(
            ResultColumn("month", "Month", "month"),
            ResultColumn("count", "Records", "count"),
        ),
        rows=(("2023-04", 15 if public else 13), ("2023-05", "*" if public else 4)),
        source_tables=("police_crime",),
        notes=("Counted by recorded date.",),
        chart=ChartHint(kind="line", x="month", y="count"),
        public=public,
    )


def _places() -> ResultTable:
    return ResultTable(
        key="places.lsoa.police_crime",
        title="Serious violence by LSOA",
        columns=(ResultColumn("lsoa", "LSOA", "text"), ResultColumn("count", "Records", "count")),
        rows=(('=HYPERLINK("http://x")', 21), ("Riverside 001A", 9)),
        source_tables=("police_crime",),
        chart=ChartHint(kind="bar", x="lsoa", y="count"),
    )


def _hotspots() -> ResultTable:
    return ResultTable(
        key="places.hotspots",
        title="Hotspots of serious violence (Getis-Ord Gi*)",
        columns=(
            ResultColumn("cell_id", "Grid cell", "code"),
            ResultColumn("count", "Records", "count"),
            ResultColumn("z", "Gi* z-score", "number"),
            ResultColumn("class", "Classification", "text"),
        ),
        rows=(
            ("250m-E530000-N180000", 40, 5.1, "Hot spot (99% confidence)"),
            ("250m-E530250-N180000", 2, -0.2, "Not significant"),
        ),
        source_tables=("police_crime",),
        chart=ChartHint(kind="map", x="cell_id", y="z", colour="class"),
    )


def _comparison() -> ResultTable:
    return ResultTable(
        key="comparison.police_crime",
        title="Riverside beside the partnership and the other CSPs",
        columns=(
            ResultColumn("area_name", "Area", "text"),
            ResultColumn("count", "Records", "count"),
        ),
        rows=(("Riverside", 30), ("Hillside", 50)),
        source_tables=("police_crime",),
        chart=ChartHint(kind="bar", x="area_name", y="count"),
    )


class FakeStore:
    """Stands in for ``svduty.analysis.store``: records each request, returns a fixed assessment."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.empty = False

    def stored_assessment(
        self,
        partnership: Any,
        *,
        area: str,
        period: str,
        public: bool,
        compute_if_missing: bool,
        stale_ok: bool = False,
    ) -> Assessment | None:
        assert compute_if_missing is False  # pages never compute
        assert stale_ok  # until a refresh has run, the newest stored result
        self.calls.append({"area": area, "period": period, "public": public})
        if self.empty:
            return None
        sections: dict[str, list[ResultTable]] = {
            "trends": [_monthly(public)],
            "places": [_places() if not public else replace(_places(), public=True), _hotspots()],
        }
        if area == CSP:
            sections["comparison"] = [_comparison()]
        provenance = Provenance(
            partnership=partnership.slug,
            area_code=area,
            area_name="Riverside" if area == CSP else "Test force",
            period=period,
            definition_version="v3",
            imports=("imp-1",),
            built_at="2026-12-01T10:00:00+00:00",
        )
        return Assessment(provenance=provenance, sections=sections)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStore:
    fake = FakeStore()
    module = types.ModuleType("svduty.analysis.store")
    module.stored_assessment = fake.stored_assessment  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "svduty.analysis.store", module)
    monkeypatch.setattr(svduty.analysis, "store", module, raising=False)
    monkeypatch.setattr("svduty.analysis.views._default_year", lambda partnership: "2023/24")
    return fake


@pytest.fixture
def world() -> dict[str, Any]:
    organisation = OrganisationFactory()
    partnership = organisation.partnership
    csp = Area.objects.create(code=CSP, name="Riverside", level=AreaLevel.CSP, vintage=2024)
    AreaLink.objects.create(child=csp, parent=partnership.police_force_area)
    return {"organisation": organisation, "partnership": partnership}


def _client(world: dict[str, Any], role: Role) -> Client:
    client = Client()
    sign_in(client, member(role, world["organisation"]))
    return client


class _Tables(HTMLParser):
    """Collects each <table>'s caption and the scope of its header cells."""

    def __init__(self) -> None:
        super().__init__()
        self.captions: list[str] = []
        self.scopes: list[str | None] = []
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "caption":
            self._in_caption = True
            self.captions.append("")
        if tag == "th":
            self.scopes.append(dict(attrs).get("scope"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.captions[-1] += data


def test_an_analyst_sees_each_table_as_a_chart_beside_its_exact_data(
    world: dict[str, Any], store: FakeStore
) -> None:
    slug = world["partnership"].slug
    response = _client(world, Role.ANALYST).get(f"/analysis/{slug}/trends/?period=2023/24")
    assert response.status_code == 200
    page = response.content.decode()
    assert store.calls[-1]["public"] is False
    assert store.calls[-1]["period"] == "2023/24"
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'role="img"' in page
    parser = _Tables()
    parser.feed(page)
    assert parser.captions == ["Serious violence by month"]
    assert set(parser.scopes) == {"col", "row"}
    assert ">13<" in page
    assert ">4<" in page
    assert "Counted by recorded date." in page
    assert "Exact figures for internal use" in page
    assert "data-availability ledger" in page
    assert f"/analysis/{slug}/download/trends.monthly.police_crime.csv?" in page


def test_a_long_trend_table_shows_every_month_its_chart_draws(
    world: dict[str, Any], store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = [f"{2018 + m // 12}-{m % 12 + 1:02d}" for m in range(84)]  # 2018-01 to 2024-12
    long = replace(_monthly(False), rows=tuple((month, 10 + m) for m, month in enumerate(months)))
    monkeypatch.setattr(sys.modules[__name__], "_monthly", lambda public: long)
    slug = world["partnership"].slug
    page = _client(world, Role.ANALYST).get(f"/analysis/{slug}/trends/?period=2023/24")
    html = page.content.decode()
    assert ">2024-12<" in html  # the latest months, which a cut at 50 rows left out
    assert "first 50 rows" not in html


def test_a_scrutiny_reader_sees_the_public_version(world: dict[str, Any], store: FakeStore) -> None:
    slug = world["partnership"].slug
    response = _client(world, Role.SCRUTINY_READER).get(f"/analysis/{slug}/trends/")
    assert response.status_code == 200
    assert store.calls[-1]["public"] is True
    page = response.content.decode()
    assert ">15<" in page
    assert ">*<" in page
    assert ">13<" not in page
    assert "rounded to the nearest 5" in page


def test_a_member_of_another_partnership_cannot_read_the_pages(
    world: dict[str, Any], store: FakeStore
) -> None:
    client = Client()
    sign_in(client, member(Role.ANALYST))
    slug = world["partnership"].slug
    assert client.get(f"/analysis/{slug}/trends/").status_code == 404
    assert (
        client.get(f"/analysis/{slug}/download/trends.monthly.police_crime.csv").status_code == 404
    )
    assert store.calls == []


def test_the_overview_says_when_no_assessment_is_stored(
    world: dict[str, Any], store: FakeStore
) -> None:
    store.empty = True
    slug = world["partnership"].slug
    response = _client(world, Role.PARTNERSHIP_LEAD).get(f"/analysis/{slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "has not been built" in page
    assert f"/analysis/{slug}/localities/{CSP}/" in page
    assert f"/analysis/{slug}/hotspots/" in page


def test_the_index_goes_straight_to_the_users_only_partnership(world: dict[str, Any]) -> None:
    response = _client(world, Role.CONTRIBUTOR).get("/analysis/")
    assert response.status_code == 302
    assert response["Location"] == f"/analysis/{world['partnership'].slug}/"


def test_csv_downloads_are_audited_and_safe_from_formula_injection(
    world: dict[str, Any], store: FakeStore
) -> None:
    slug = world["partnership"].slug
    client = _client(world, Role.ANALYST)
    response = client.get(f"/analysis/{slug}/download/places.lsoa.police_crime.csv?period=2023/24")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["lsoa", "count"], ['\'=HYPERLINK("http://x")', "21"], ["Riverside 001A", "9"]]
    event = AuditEvent.objects.get(action="download")
    assert event.partnership_slug == slug
    assert "places.lsoa.police_crime" in event.summary
    assert "exact figures" in event.summary


def test_json_downloads_carry_the_table_and_its_provenance(
    world: dict[str, Any], store: FakeStore
) -> None:
    slug = world["partnership"].slug
    client = _client(world, Role.SCRUTINY_READER)
    response = client.get(f"/analysis/{slug}/download/trends.monthly.police_crime.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["table"]["rows"] == [["2023-04", 15], ["2023-05", "*"]]
    assert data["provenance"]["definition_version"] == "v3"
    assert AuditEvent.objects.filter(action="download").count() == 1


def test_unknown_tables_and_formats_are_not_found(world: dict[str, Any], store: FakeStore) -> None:
    slug = world["partnership"].slug
    client = _client(world, Role.ANALYST)
    assert client.get(f"/analysis/{slug}/download/no.such.table.csv").status_code == 404
    assert (
        client.get(f"/analysis/{slug}/download/trends.monthly.police_crime.xml").status_code == 404
    )
    assert client.get(f"/analysis/{slug}/no_such_section/").status_code == 404
    assert not AuditEvent.objects.filter(action="download").exists()


def test_a_locality_profile_puts_the_comparison_first(
    world: dict[str, Any], store: FakeStore
) -> None:
    slug = world["partnership"].slug
    client = _client(world, Role.ANALYST)
    response = client.get(f"/analysis/{slug}/localities/{CSP}/")
    assert response.status_code == 200
    assert store.calls[-1]["area"] == CSP
    parser = _Tables()
    parser.feed(response.content.decode())
    assert parser.captions[0] == "Riverside beside the partnership and the other CSPs"
    assert "Hotspots of serious violence (Getis-Ord Gi*)" not in parser.captions
    assert client.get(f"/analysis/{slug}/localities/E22999999/").status_code == 404


def test_the_hotspots_page_shows_the_map_and_the_cells(
    world: dict[str, Any], store: FakeStore
) -> None:
    slug = world["partnership"].slug
    response = _client(world, Role.ANALYST).get(f"/analysis/{slug}/hotspots/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "250m-E530000-N180000" in page
    assert "Hot spot (99% confidence)" in page
    assert page.count("<svg") == 1
    assert "false discovery rate" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_section_page_with_charts_and_tables_has_no_axe_violations(
    live_server: Any, page: Any, store: FakeStore
) -> None:
    from tests.factories import PASSWORD
    from tests.functional.conftest import axe_violations

    organisation = OrganisationFactory()
    analyst = member(Role.ANALYST, organisation)
    slug = organisation.partnership.slug
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/analysis/{slug}/places/?period=2023/24")
    assert page.get_by_role("heading", level=1).inner_text() == "Places"
    assert page.get_by_role("img", name="Serious violence by LSOA").count() == 1
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/analysis/{slug}/hotspots/?period=2023/24")
    assert page.get_by_role("img", name="Hotspots of serious violence (Getis-Ord Gi*)").count() == 1
    assert axe_violations(page) == []


def test_an_analyst_can_ask_for_a_missing_year_to_be_built_in_the_background(
    world: dict[str, Any], store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.empty = True
    scheduled: list[dict[str, Any]] = []
    monkeypatch.setattr(
        "svduty.analysis.jobs.schedule_refresh",
        lambda partnership, *, period, by: scheduled.append(
            {"slug": partnership.slug, "period": period}
        ),
    )
    slug = world["partnership"].slug
    analyst = _client(world, Role.ANALYST)
    page = analyst.get(f"/analysis/{slug}/?period=2021/22").content.decode()
    assert "Build the needs assessment for 2021/22" in page
    assert store.calls[-1] == {
        "area": world["partnership"].police_force_area.code,
        "period": "2021/22",
        "public": False,
    }
    response = analyst.post(f"/analysis/{slug}/build/?period=2021/22")
    assert response.status_code == 302
    assert scheduled == [{"slug": slug, "period": "2021/22"}]
    assert AuditEvent.objects.filter(action="analysis-refresh").count() == 1
    reader = _client(world, Role.SCRUTINY_READER)
    assert "Build the needs assessment" not in reader.get(f"/analysis/{slug}/").content.decode()
    assert reader.post(f"/analysis/{slug}/build/?period=2021/22").status_code == 403
    assert len(scheduled) == 1


def test_with_the_real_store_a_partnership_without_results_gets_a_page_not_a_computation(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = pytest.importorskip("svduty.analysis.store")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a page must not compute the assessment")

    monkeypatch.setattr(store, "build_assessment", refuse)
    monkeypatch.setattr("svduty.analysis.views._default_year", lambda partnership: "2023/24")
    slug = world["partnership"].slug
    response = _client(world, Role.ANALYST).get(f"/analysis/{slug}/trends/")
    assert response.status_code == 200
    assert "has not been built" in response.content.decode()
