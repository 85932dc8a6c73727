"""A property: whatever the counts, a public document shows no count from 1 to 7 of data that
disclosure control covers (contracts.md section 4) — in its success measures or in any table
drawn from partner data."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svduty.analysis import disclosure
from svduty.documents.builders import build
from svduty.documents.builders.common import document_table
from svduty.documents.sources import controlled_counts, gather
from tests.documents.factories import Crimes, lsoa_codes, small_partnership

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

_numbers = itertools.count(10)


def _small(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=14), min_size=4, max_size=4),
    young=st.booleans(),
)
def test_no_public_document_shows_a_controlled_count_from_1_to_7(
    tmp_path: Path, counts: list[int], young: bool
) -> None:
    number = next(_numbers)
    north, south = lsoa_codes(number)
    age = "19" if young else "40"
    crimes: Crimes = [
        ("2019-06-01", "8N", "Y", age, north, counts[0]),
        ("2019-08-01", "5A", "Y", age, south, counts[1]),
        ("2023-06-01", "8N", "Y", age, north, counts[2]),
        ("2024-02-01", "1", "Y", age, south, counts[3]),
        ("2023-07-01", "8N", "N", age, south, 1),  # never empty
    ]
    partnership = small_partnership(tmp_path, slug=f"prop{number}", crimes=crimes, number=number)
    csp = next(iter(_csps(partnership)))
    for kind, area in (("sna", None), ("locality-profile", csp)):
        inputs = gather(partnership, kind=kind, year="2023/24", area_code=area, public=True)
        assert not [c for c in controlled_counts(inputs) if _small(c[1])]
        document = build(inputs)
        shown = {table.caption: table for table in document.tables()}
        for table in shown.values():
            if table.caption.startswith("Success measures") or "community safety" in table.caption:
                assert not [v for row in table.rows for v in row[4:6] if _small(v)], table.caption
        assert inputs.assessment is not None
        for result in [*inputs.assessment.all_tables(), *inputs.availability]:
            if not disclosure.needs_control(result.source_tables):
                continue
            table = document_table(result)
            if table.caption not in shown or not result.rows:
                continue
            counts_at = [i for i, c in enumerate(result.columns) if c.kind == "count"]
            in_document = shown[table.caption]
            assert not [row[i] for row in in_document.rows for i in counts_at if _small(row[i])], (
                table.caption
            )


def _csps(partnership: object) -> dict[str, str]:
    from svduty.analysis.queries import csp_areas_of

    return csp_areas_of(partnership)  # type: ignore[arg-type]
