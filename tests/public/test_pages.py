"""The public site: the partnership page, the performance dashboard and its downloads, the Atom
feeds, and the refusal of anything that fails the publishing checks."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from svduty.access.models import AuditEvent
from svduty.analysis.results import ResultColumn, ResultTable
from svduty.decisions.models import DecisionRecord
from svduty.documents.models import DocumentVersion
from svduty.funding.models import Call
from svduty.partnership.models import LocalDefinition, Partnership
from svduty.public import queries
from svduty.strategy.models import Strategy
from tests.public.factories import crimes, partnership_with_csps, write_import

pytestmark = pytest.mark.django_db

NORTH, SOUTH = "E22000901", "E22000902"
# Knife-enabled woundings: 15 in 2019/20 (12 in Northtown, 3 in Southville); 41 in 2023/24
# (30 in Northtown, 9 in Southville, 2 with no location).
CRIMES = {
    (NORTH, "2019-05"): 12,
    (SOUTH, "2019-06"): 3,
    (None, "2023-05"): 2,
    (NORTH, "2023-06"): 30,
    (SOUTH, "2023-07"): 9,
}
ATOM = "{http://www.w3.org/2005/Atom}"


class Tables(HTMLParser):
    """Every table of a page: rows of cell texts, the header row first."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[dict[str, str | None]] = []
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id") or str(len(self.tables)), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in {"td", "th"} and self._table is not None:
            self._cell = []
        elif tag == "link":
            self.links.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._table is not None and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(content: bytes) -> Tables:
    parser = Tables()
    parser.feed(content.decode())
    return parser


@pytest.fixture
def partnership() -> Partnership:
    item = partnership_with_csps(slug="northshire", name="Northshire partnership")
    write_import(item, "police-crime", crimes(CRIMES))
    return item


# --- The dashboard ------------------------------------------------------------------------------


def test_the_dashboard_shows_the_success_measures_disclosure_controlled(
    partnership: Partnership,
) -> None:
    page = parse(Client().get("/public/northshire/dashboard/").content)
    measures = page.tables["figure-measures-success"]
    assert measures[0] == [
        "Measure", "Cohort", "Area", "2019/20", "2023/24", "Change (%)", "Rate 2019/20",
        "Rate 2023/24",
    ]  # fmt: skip
    knife = [r for r in measures if r[0].startswith("Knife") and r[1] == "All ages"]
    # 15 → 15 and 41 → 40 for the partnership; Northtown's 12 is hidden with Southville's 3 (or
    # 3 could be worked out from the partnership's 15), Southville's 9 with the 2 of no location.
    assert [r[2:5] for r in knife] == [
        [partnership.police_force_area.name, "15", "40"],
        ["Northtown", "*", "30"],
        ["Southville", "*", "*"],
    ]


def test_the_dashboard_shows_trends_and_places_with_small_counts_hidden(
    partnership: Partnership,
) -> None:
    page = parse(Client().get("/public/northshire/dashboard/").content)
    yearly = page.tables["figure-trends-financial-year-police-crime"]
    # Months covered are the months with data (May and June 2019; May to July 2023); the years
    # with none have no figure, not 0.
    assert yearly == [
        ["Financial year", "Number", "Months covered", "Note"],
        ["2019/20", "15", "2", ""],
        ["2020/21", "", "0", "No data"],
        ["2021/22", "", "0", "No data"],
        ["2022/23", "", "0", "No data"],
        ["2023/24", "40", "3", ""],
    ]
    monthly = page.tables["figure-trends-monthly-police-crime"]
    assert monthly[1][:2] == ["2019-05", "10"]
    assert monthly[2][:2] == ["2019-06", "*"]
    assert monthly[3] == ["2019-07", "", "", "No data"]  # nothing imported: no figure, not 0
    places = page.tables["figure-places-csp-police-crime"]
    assert places == [
        ["Code", "Area", "Number", "Share (%)", "Population", "Rate per 1,000 people"],
        [NORTH, "Northtown", "30", "75.0", "150,000", "0.2"],
        [SOUTH, "Southville", "*", "*", "150,000", "*"],
        ["", "Location unknown", "*", "*", "", ""],
        ["", "Outside the partnership's CSPs", "0", "0.0", "", ""],
        [partnership.police_force_area.code, "Total", "40", "100.0", "300,000", "0.1"],
    ]


def test_notes_that_would_give_an_exact_small_count_are_not_shown(
    partnership: Partnership,
) -> None:
    content = Client().get("/public/northshire/dashboard/").content.decode()
    assert "had no location" not in content
    assert "Counts from 1 to 7 are shown as *" in content


def test_each_figures_csv_is_exactly_the_table_shown(partnership: Partnership) -> None:
    client = Client()
    page = parse(client.get("/public/northshire/dashboard/").content)
    for key in [
        "measures.success",
        "trends.financial_year.police_crime",
        "trends.monthly.police_crime",
        "places.csp.police_crime",
    ]:
        response = client.get(f"/public/northshire/data/{key}.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        shown = page.tables["figure-" + key.replace(".", "-").replace("_", "-")]
        # The page groups thousands and gives rates three significant figures below 1.
        normalised = [[re.sub(r"(?<=\d),(?=\d{3})", "", c) for c in r] for r in shown[1:]]
        assert rows[0] == shown[0], key
        for got, expected in zip(rows[1:], normalised, strict=True):
            for a, b in zip(got, expected, strict=True):
                assert a == b or float(a) == float(b), (key, got, expected)


def test_a_figures_json_holds_its_columns_and_rows_as_published(partnership: Partnership) -> None:
    response = Client().get("/public/northshire/data/places.csp.police_crime.json")
    data = response.json()
    assert data["key"] == "places.csp.police_crime"
    assert data["disclosure_controlled"] is True
    assert [c["name"] for c in data["columns"]] == [
        "area_code", "area_name", "count", "share", "population", "rate",
    ]  # fmt: skip
    assert [c["kind"] for c in data["columns"]][2] == "count"
    assert data["rows"][0] == {
        "area_code": NORTH, "area_name": "Northtown", "count": 30, "share": 75.0,
        "population": 150000, "rate": 0.2,
    }  # fmt: skip
    assert data["rows"][1]["count"] == "*"
    assert not any("had no location" in note for note in data["notes"])


def test_downloads_are_audited(partnership: Partnership) -> None:
    Client().get("/public/northshire/data/members.csv")
    event = AuditEvent.objects.filter(action="download").latest("pk")
    assert event.partnership_slug == "northshire"
    assert "members.csv" in event.summary
    assert event.actor is None


def test_an_unknown_figure_is_not_found(partnership: Partnership) -> None:
    assert Client().get("/public/northshire/data/people.age.police_crime.csv").status_code == 404


def test_cells_that_a_spreadsheet_would_run_are_quoted_in_csv(partnership: Partnership) -> None:
    partnership.organisations.create(name="=HYPERLINK(1)", slug="evil", kind="other")
    text = Client().get("/public/northshire/data/members.csv").content.decode()
    assert "'=HYPERLINK(1)" in text


def _unsafe_table() -> ResultTable:
    return ResultTable(
        key="trends.financial_year.police_crime",
        title="Leaky",
        columns=(ResultColumn("year", "Year", "year"), ResultColumn("count", "Number", "count")),
        rows=(("2023/24", 3),),
        source_tables=("police_crime",),
        public=True,
    )


def test_a_dashboard_whose_figures_fail_the_checks_is_refused_and_shows_none_of_them(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    def leaky(item: Partnership) -> queries.Dashboard:
        return queries.Dashboard(partnership=item, year="2023/24", yearly=[_unsafe_table()])

    monkeypatch.setattr(queries, "dashboard", leaky)
    response = Client().get("/public/northshire/dashboard/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "These figures cannot be shown" in content
    assert "Leaky" not in content
    assert "2023/24" not in content
    event = AuditEvent.objects.filter(action="publication_refused").latest("pk")
    assert "trends.financial_year.police_crime" in event.summary


def test_a_download_that_fails_the_checks_is_refused(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        queries,
        "public_tables",
        lambda item: {"trends.financial_year.police_crime": _unsafe_table()},
    )
    for fmt in ("csv", "json"):
        response = Client().get(f"/public/northshire/data/trends.financial_year.police_crime.{fmt}")
        assert response.status_code == 500
        assert b"2023/24" not in response.content
    assert not AuditEvent.objects.filter(action="download").exists()


def test_figures_from_police_uk_are_shown_as_published(partnership: Partnership) -> None:
    write_import(
        partnership,
        "police-uk-street",
        [
            {"crime_type": "Robbery", "month": "2023-06", "financial_year": "2023/24",
             "csp_code": NORTH, "lsoa_code": "E01009001"}
            for _ in range(3)
        ],
    )  # fmt: skip
    data = Client().get("/public/northshire/data/trends.financial_year.police_uk_street.json")
    assert data.json()["disclosure_controlled"] is False
    assert {"year": "2023/24", "count": 3, "months": 1, "note": None} in data.json()["rows"]


def test_a_partnership_without_data_has_a_dashboard_saying_so() -> None:
    partnership_with_csps(slug="empty")
    response = Client().get("/public/empty/dashboard/")
    assert response.status_code == 200
    assert "No figures have been published yet." in response.content.decode()


# --- The partnership page -----------------------------------------------------------------------


def _published_document(partnership: Partnership, **kwargs: Any) -> DocumentVersion:
    now = timezone.now()
    fields: dict[str, Any] = {
        "partnership": partnership,
        "kind": "sna-summary",
        "area_code": partnership.police_force_area.code,
        "area_name": "Northshire",
        "year": "2023/24",
        "public": True,
        "number": 1,
        "status": DocumentVersion.Status.PUBLISHED,
        "approved_by_name": "A. Lead",
        "approved_at": now,
        "published_at": now,
        "updated_at": now,
        "content_hash": "0" * 64,
    }
    fields.update(kwargs)
    version = DocumentVersion.objects.create(**fields)
    body = b"<!DOCTYPE html><html lang='en'><title>Summary</title><p>Published</p></html>"
    folder = version.folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / version.file_name("html")).write_bytes(body)
    version.files = {
        "html": {
            "name": version.file_name("html"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "size": len(body),
        }
    }
    version.save(update_fields=["files"])
    return version


def _strategy(partnership: Partnership, version: int, published_on: date | None) -> Strategy:
    now = timezone.now()
    return Strategy.objects.create(
        partnership=partnership,
        version=version,
        title="Safer Northshire",
        first_year="2024/25",
        status=Strategy.Status.PUBLISHED if published_on else Strategy.Status.DRAFT,
        approved_on=published_on,
        approved_at=now if published_on else None,
        published_on=published_on,
        published_at=now if published_on else None,
        document_url="https://example.org/strategy.pdf" if published_on else "",
    )


def test_the_partnership_page_lists_members_and_the_local_definition(
    partnership: Partnership,
) -> None:
    LocalDefinition.objects.create(
        partnership=partnership, version=2, text="Violence with a weapon.", agreed_by="The board"
    )
    content = Client().get("/public/northshire/").content.decode()
    assert "Specified authorities" in content
    assert "Northtown Council" in content
    assert "The Police" in content
    assert "Violence with a weapon." in content
    assert "version 2" in content


def test_the_published_strategy_shows_when_first_published_and_last_updated(
    partnership: Partnership,
) -> None:
    _strategy(partnership, 1, date(2024, 1, 31))
    _strategy(partnership, 2, date(2025, 2, 14))
    _strategy(partnership, 3, None)  # a draft: not public
    page = Client().get("/public/northshire/").content.decode()
    assert "(version 2, 2024/25 to 2028/29)" in page
    assert "version 3" not in page
    published = page.index("Published on")
    assert "31 January 2024" in page[published : published + 200]
    updated = page.index("Last updated")
    assert "14 February 2025" in page[updated : updated + 200]


def test_published_documents_are_listed_with_their_dates_and_files(
    partnership: Partnership,
) -> None:
    first = timezone.make_aware(datetime(2024, 6, 3, 10))
    _published_document(partnership, published_at=first, updated_at=first + timedelta(days=40))
    DocumentVersion.objects.create(
        partnership=partnership,
        kind="sna",
        area_code="X",
        area_name="Draftshire",
        year="2023/24",
        number=1,
    )
    client = Client()
    page = parse(client.get("/public/northshire/").content)
    documents = next(t for t in page.tables.values() if t[0][0] == "Document")
    assert documents[1][:3] == [
        "Strategic needs assessment: executive summary: Northshire, 2023/24",
        "3 June 2024",
        "13 July 2024",
    ]
    assert "Draftshire" not in str(page.tables)
    link = client.get("/public/northshire/").content.decode()
    assert "/documents/published/northshire/" in link


def test_a_published_strategy_document_can_be_downloaded_and_is_audited(
    partnership: Partnership,
) -> None:
    strategy = _strategy(partnership, 1, date(2024, 1, 31))
    strategy.document.save("strategy.txt", ContentFile(b"Our strategy"), save=True)
    client = Client()
    assert (
        f"/public/northshire/strategy/{strategy.pk}/document/"
        in client.get("/public/northshire/").content.decode()
    )
    response = client.get(f"/public/northshire/strategy/{strategy.pk}/document/")
    assert response.content == b"Our strategy"
    assert AuditEvent.objects.filter(action="download", object_id=str(strategy.pk)).exists()
    draft = _strategy(partnership, 2, None)
    draft.document.save("draft.txt", ContentFile(b"Draft"), save=True)
    assert client.get(f"/public/northshire/strategy/{draft.pk}/document/").status_code == 404


# --- Feeds --------------------------------------------------------------------------------------


def _everything_published(partnership: Partnership) -> None:
    now = timezone.now()
    _published_document(partnership, published_at=now - timedelta(days=3), updated_at=now)
    DecisionRecord.objects.create(
        partnership=partnership,
        reference="DN9-24",
        title="Knife crime pilot",
        background="Background",
        decision_sought="Approve",
        status=DecisionRecord.Status.DECIDED,
        officer_approved_at=now,
        is_advice_confirmed=True,
        officer_name="Officer",
        officer_role="chief_executive",
        outcome="approved",
        reasons="Value",
        decided_at=now - timedelta(days=2),
        decision_maker_name="Commissioner",
        published_at=now - timedelta(days=2),
    )
    DecisionRecord.objects.create(
        partnership=partnership,
        reference="DN10-24",
        title="Unpublished",
        background="Background",
        decision_sought="Approve",
    )
    _strategy(partnership, 1, date(2024, 1, 31))
    Call.objects.create(
        partnership=partnership,
        reference="EOI-7",
        title="Youth work",
        summary="Grants for youth work",
        total_budget=Decimal("1000.00"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        published_at=now - timedelta(days=1),
    )


def test_the_partnership_feed_is_atom_of_everything_published(partnership: Partnership) -> None:
    _everything_published(partnership)
    response = Client().get("/public/northshire/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(  # noqa: S314 - our own feed
        response.content
    )
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
    assert sorted(entries) == [
        "Decision: DN9-24: Knife crime pilot",
        "Document: Strategic needs assessment: executive summary: Northshire, 2023/24",
        "Funding: Call for proposals EOI-7: Youth work",
        "Strategy: Safer Northshire (version 1)",
    ]
    document = entries[
        "Document: Strategic needs assessment: executive summary: Northshire, 2023/24"
    ]
    assert document.findtext(f"{ATOM}published") < document.findtext(f"{ATOM}updated")  # type: ignore[operator]
    decision = entries["Decision: DN9-24: Knife crime pilot"]
    link = decision.find(f"{ATOM}link")
    assert link is not None
    record = DecisionRecord.objects.get(reference="DN9-24")
    assert link.get("href") == f"http://testserver/decisions/published/northshire/{record.pk}/"
    strategy = entries["Strategy: Safer Northshire (version 1)"]
    assert strategy.findtext(f"{ATOM}published", "").startswith("2024-01-31")


def test_the_site_feed_holds_every_partnerships_items(partnership: Partnership) -> None:
    _everything_published(partnership)
    other = partnership_with_csps(slug="southshire")
    _strategy(other, 1, date(2024, 5, 1))
    feed = ET.fromstring(  # noqa: S314 - our own feed
        Client().get("/public/feed.atom").content
    )
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert len(titles) == 5
    assert titles.count("Strategy: Safer Northshire (version 1)") == 2


@pytest.mark.parametrize(
    ("path", "feed"),
    [
        ("/public/", "/public/feed.atom"),
        ("/public/northshire/", "/public/northshire/feed.atom"),
        ("/public/northshire/dashboard/", "/public/northshire/feed.atom"),
    ],
)
def test_pages_link_their_feed_in_the_head(partnership: Partnership, path: str, feed: str) -> None:
    links = parse(Client().get(path).content).links
    assert {"rel": "alternate", "type": "application/atom+xml"}.items() <= next(
        link for link in links if link.get("rel") == "alternate"
    ).items()
    assert any(link.get("href") == feed for link in links)


def test_the_places_figure_is_drawn_as_a_map_of_the_csps(partnership: Partnership) -> None:
    content = Client().get("/public/northshire/dashboard/").content.decode()
    images = re.findall(
        r'<img class="svduty-chart" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]*)"', content
    )
    maps = [alt for alt in images if alt.startswith("Map of")]
    assert len(maps) == 1
    assert "Northtown" in maps[0]
    assert "Location unknown" not in maps[0]


def test_the_dashboard_says_when_its_figures_were_last_updated(partnership: Partnership) -> None:
    from svduty.datasets.models import Import

    Import.objects.filter(partnership=partnership).update(
        completed_at=timezone.make_aware(datetime(2024, 11, 5, 12))
    )
    content = Client().get("/public/northshire/dashboard/").content.decode()
    assert "Figures last updated on 5 November 2024" in content
