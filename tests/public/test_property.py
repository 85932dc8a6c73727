"""Property: whatever small counts the partner data holds, no public page or download shows a
controlled count from 1 to 7, and every controlled count shown is 0, * or a multiple of 5.

Data is hand-built Parquet in the analytic store (police-recorded crimes and hospital
admissions, by CSP and month, some with no location); every page of the public site and every
download linked from the dashboard is fetched and parsed: the cells of count columns of every HTML
table (marked by their column heading's ``data-kind``), and the count columns of every CSV and
JSON download (named by the JSON's column kinds). Charts are left out here (they are drawn from
the same checked tables and only slow the test down).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svduty.public import figures
from tests.public.factories import admissions, crimes, partnership_with_csps, write_import

pytestmark = pytest.mark.django_db

PLACES = ["E22000901", "E22000902", None]
MONTHS = ["2019-04", "2019-09", "2020-01", "2021-07", "2023-04", "2023-10", "2024-02"]
NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?$")
_serial = itertools.count()

counts_strategy = st.dictionaries(
    st.tuples(st.sampled_from(PLACES), st.sampled_from(MONTHS)),
    st.one_of(st.integers(1, 7), st.integers(0, 25)),
    min_size=1,
    max_size=8,
).filter(lambda c: any(1 <= n <= 7 for n in c.values()))


class CountCells(HTMLParser):
    """The texts of the cells under headings marked ``data-kind="count"``, and every link."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.links: list[str] = []
        self._kinds: list[str | None] = []
        self._column = -1
        self._in_head = False
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "table":
            self._kinds = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._column = -1
        elif tag == "th" and self._in_head:
            self._kinds.append(found.get("data-kind"))
        elif tag in {"td", "th"}:
            self._column += 1
            if self._column < len(self._kinds) and self._kinds[self._column] == "count":
                self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in {"td", "th"} and self._text is not None:
            self.cells.append("".join(self._text).strip())
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def assert_published(value: object, where: str) -> None:
    """A controlled count as published: 0, the symbol, or a multiple of 5 above 7."""
    if value in ("*", "", None):
        return
    if isinstance(value, str):
        assert NUMBER.match(value), (where, value)
        value = float(value.replace(",", ""))
    assert isinstance(value, int | float), (where, value)
    assert not 1 <= value <= 7, (where, value)
    assert value % 5 == 0, (where, value)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(police=counts_strategy, hospital=counts_strategy)
def test_no_public_page_or_download_shows_a_controlled_count_from_1_to_7(
    police: dict[tuple[str | None, str], int],
    hospital: dict[tuple[str | None, str], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(figures, "chart_image", lambda table: None)
    slug = f"smallcounts-{next(_serial)}"
    partnership = partnership_with_csps(slug=slug)
    write_import(partnership, "police-crime", crimes(police))
    write_import(partnership, "hospital-admissions", admissions(hospital))
    client = Client()
    downloads: set[str] = set()
    checked = 0
    for path in ["/public/", f"/public/{slug}/", f"/public/{slug}/dashboard/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        page = CountCells()
        page.feed(response.content.decode())
        for cell in page.cells:
            assert_published(cell, path)
        checked += len(page.cells)
        downloads |= {link for link in page.links if link.startswith(f"/public/{slug}/data/")}
    assert checked > 0
    assert {f"/public/{slug}/data/members.csv", f"/public/{slug}/data/members.json"} <= downloads
    for link in sorted(d for d in downloads if d.endswith(".json")):
        data = client.get(link).json()
        counts = [c["name"] for c in data["columns"] if c["kind"] == "count"]
        for row in data["rows"]:
            for name in counts:
                assert_published(row[name], f"{link} {name}")
        rows = list(csv.reader(io.StringIO(client.get(link[:-5] + ".csv").content.decode())))
        assert rows[0] == [c["label"] for c in data["columns"]]
        indexes = [i for i, c in enumerate(data["columns"]) if c["kind"] == "count"]
        for row in rows[1:]:
            for i in indexes:
                assert_published(row[i], f"{link[:-5]}.csv column {i}")
    feed = client.get(f"/public/{slug}/feed.atom")
    assert feed.status_code == 200
