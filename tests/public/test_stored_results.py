"""The dashboard reads the needs assessment's public stored results where the analysis engine
has stored them (``svduty.analysis.store.stored_assessment``, never computing them on a public
request); a stand-in gives the results here, so these tests show the contract relied on."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from svduty.analysis import store
from svduty.analysis.results import (
    Assessment,
    ChartHint,
    Provenance,
    ResultColumn,
    ResultTable,
)
from svduty.partnership.models import Partnership
from svduty.public import figures
from tests.public.factories import crimes, partnership_with_csps, write_import

pytestmark = pytest.mark.django_db


def _yearly(rows: tuple[tuple[Any, ...], ...], *, public: bool) -> ResultTable:
    return ResultTable(
        key="trends.financial_year.police_crime",
        title="Stored police-recorded serious violence by financial year",
        columns=(
            ResultColumn("source", "Source", "code"),
            ResultColumn("year", "Financial year", "year"),
            ResultColumn("count", "Number", "count"),
            ResultColumn("months", "Months covered", "number"),
        ),
        rows=rows,
        source_tables=("police_crime",),
        chart=ChartHint("bar", "year", "count", "source"),
        public=public,
    )


@pytest.fixture
def partnership() -> Partnership:
    item = partnership_with_csps(slug="storedshire")
    write_import(item, "police-crime", crimes({("E22000901", "2023-06"): 30}))
    return item


def _install_store(
    monkeypatch: pytest.MonkeyPatch, table: ResultTable, calls: list[dict[str, Any]]
) -> None:
    def stored_assessment(
        partnership: Partnership,
        *,
        area: str,
        period: str,
        public: bool,
        compute_if_missing: bool,
        stale_ok: bool = False,
    ) -> Assessment:
        assert stale_ok  # the newest stored figures rather than a computation on a request
        calls.append({"area": area, "period": period, "public": public})
        assert not compute_if_missing
        provenance = Provenance(partnership.slug, area, "Area", period, "v1", ())
        return Assessment(provenance=provenance, sections={"trends": [table]})

    monkeypatch.setattr(store, "stored_assessment", stored_assessment)
    monkeypatch.setattr(figures, "chart_image", lambda table: None)
    cache.clear()


def test_the_dashboard_shows_the_public_stored_results_asked_for_by_area_and_year(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    stored = _yearly(
        (("police_crime", "2022/23", "*", 12), ("police_crime", "2023/24", 30, 12)), public=True
    )
    _install_store(monkeypatch, stored, calls)
    content = Client().get("/public/storedshire/dashboard/").content.decode()
    assert calls == [
        {"area": partnership.police_force_area.code, "period": "2023/24", "public": True}
    ]
    assert "Stored police-recorded serious violence by financial year" in content
    data = Client().get("/public/storedshire/data/trends.financial_year.police_crime.json").json()
    assert data["rows"] == [
        {"year": "2022/23", "count": "*", "months": 12},
        {"year": "2023/24", "count": 30, "months": 12},
    ]


def test_stored_results_that_are_not_disclosure_controlled_are_refused(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = _yearly((("police_crime", "2023/24", 30, 12),), public=False)
    _install_store(monkeypatch, exact, [])
    response = Client().get("/public/storedshire/dashboard/")
    assert response.status_code == 500
    assert "Stored police-recorded" not in response.content.decode()
