"""The publishing checks: tables from partner data reach the public only disclosure-controlled,
with no count from 1 to 7; figures from already-public sources are published as they are."""

from __future__ import annotations

import pytest

from svduty.analysis.results import ResultColumn, ResultTable
from svduty.analysis.sna import PUBLIC_NOTE
from svduty.public.checks import (
    NotPublishable,
    assert_counts_publishable,
    assert_publishable,
    publishable_notes,
)

COLUMNS = (
    ResultColumn("year", "Financial year", "year"),
    ResultColumn("count", "Number", "count"),
    ResultColumn("months", "Months covered", "number"),
)


def _table(
    rows: list[tuple[object, ...]],
    *,
    source: str = "police_crime",
    public: bool = True,
    notes: tuple[str, ...] = (),
) -> ResultTable:
    return ResultTable(
        key=f"trends.financial_year.{source}",
        title="By year",
        columns=COLUMNS,
        rows=tuple(tuple(r) for r in rows),  # type: ignore[misc]
        source_tables=(source,),
        notes=notes,
        public=public,
    )


def test_a_controlled_table_with_suppressed_and_rounded_counts_is_publishable() -> None:
    assert_publishable([_table([("2022/23", "*", 12), ("2023/24", 0, 12), ("2024/25", 15, 3)])])


@pytest.mark.parametrize("small", [1, 3, 7])
def test_a_controlled_count_from_1_to_7_is_refused_with_the_table_and_value(small: int) -> None:
    with pytest.raises(NotPublishable, match=rf"trends\.financial_year\.police_crime.*: {small}"):
        assert_publishable([_table([("2022/23", 10, 12), ("2023/24", small, 12)])])


def test_a_count_of_8_is_publishable() -> None:
    assert_publishable([_table([("2023/24", 8, 12)])])


def test_a_controlled_table_not_through_disclosure_control_is_refused_whatever_its_counts() -> None:
    with pytest.raises(NotPublishable, match="disclosure control has not been applied"):
        assert_publishable([_table([("2023/24", 20, 12)], public=False)])


def test_small_numbers_outside_count_columns_are_not_counts() -> None:
    assert_publishable([_table([("2024/25", 10, 3)])])


def test_figures_from_police_uk_are_published_as_they_are() -> None:
    assert_publishable([_table([("2023/24", 3, 12)], source="police_uk_street", public=False)])


def test_one_bad_table_among_good_ones_refuses_the_lot() -> None:
    good = _table([("2023/24", 20, 12)])
    bad = _table([("2023/24", 4, 12)], source="hospital_admissions")
    with pytest.raises(NotPublishable, match="hospital_admissions"):
        assert_publishable([good, bad])


def test_notes_quoting_exact_counts_are_not_published() -> None:
    policy_note = PUBLIC_NOTE.format(threshold=7, symbol="*", rounding=5)
    table = _table(
        [],
        notes=(
            "3 had no location and 0 were located outside the partnership's CSPs.",
            "A year with fewer than 12 months covered is incomplete.",
            "Complete financial years only.",
            policy_note,
        ),
    )
    assert publishable_notes(table) == (
        "A year with fewer than 12 months covered is incomplete.",
        "Complete financial years only.",
        policy_note,
    )


def test_notes_of_already_public_figures_are_kept() -> None:
    table = _table([], source="police_uk_street", notes=("3 had no location.",))
    assert publishable_notes(table) == ("3 had no location.",)


def test_a_documents_controlled_counts_are_checked() -> None:
    assert_counts_publishable([["table 1, row 2", "*"], ["table 1, row 3", 10], ["total", 0]])
    with pytest.raises(NotPublishable, match="table 2, row 1: 5"):
        assert_counts_publishable([["table 1, row 2", 10], ["table 2, row 1", 5]])
