"""Disclosure control for public output (contracts.md section 4)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from svduty.analysis.disclosure import (
    DEFAULT_POLICY,
    DisclosureError,
    DisclosurePolicy,
    PublishedTable,
    apply_to_measures,
    apply_to_table,
    assert_no_small_numbers,
    needs_control,
    policy_from,
    published_percentage,
    published_rate,
)
from svduty.analysis.measures import success_measures
from tests.analysis.conftest import insert

# --- One count ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, 0), (1, "*"), (7, "*"), (8, 10), (12, 10), (13, 15), (17, 15), (18, 20), (864, 865),
     (None, "*")],
)  # fmt: skip
def test_counts_of_1_to_7_are_hidden_and_others_rounded_to_the_nearest_5(
    count: int | None, published: int | str
) -> None:
    assert DEFAULT_POLICY.publish(count) == published


def test_a_partnership_can_set_its_own_threshold_and_rounding() -> None:
    policy = DisclosurePolicy(threshold=3, rounding=10, symbol="[c]")
    assert [policy.publish(n) for n in (0, 3, 4, 5, 14, 15)] == [0, "[c]", "[c]", 10, 10, 20]
    with pytest.raises(ValueError, match="negative"):
        DisclosurePolicy(threshold=-1)


def test_only_partner_data_needs_control() -> None:
    assert needs_control(["police_uk_street", "hospital_admissions"])
    assert not needs_control(["police_uk_street", "ho_csp_tables"])


def test_percentages_and_rates_use_published_figures_and_hide_with_them() -> None:
    assert published_percentage(15, 865) == 1.7
    assert published_percentage("*", 865) == "*"
    assert published_percentage(0, 0) is None
    assert published_rate(15, 300_000, per=100_000) == 5.0
    assert published_rate("*", 300_000, per=100_000) == "*"


# --- Tables ---------------------------------------------------------------------------------------


def test_parts_of_an_area_at_each_level_are_protected_against_its_own_figure() -> None:
    from svduty.analysis.disclosure import apply_to_parts

    # A supplier's force figure 13 and its CSPs 9, 4, 0: 4 is hidden, and 9 with it, or
    # 13 - 9 - 0 would give it away; 0 stays 0.
    total, (csps,) = apply_to_parts(13, [[9, 4, 0]])
    assert (total, csps) == (15, ["*", "*", 0])
    # Levels are protected each on its own: districts (30, 25) need nothing; LSOAs (3, 52) do.
    total, (districts, lsoas) = apply_to_parts(55, [[30, 25], [3, 52]])
    assert (total, districts, lsoas) == (55, [30, 25], ["*", "*"])
    # A figure the supplier suppressed (None) is hidden and protected like a small one.
    assert apply_to_parts(40, [[21, None]])[1] == [["*", "*"]]


def test_a_table_without_totals_needs_no_secondary_suppression() -> None:
    table = apply_to_table([[3, 20], [0, 13]])
    assert table == PublishedTable(cells=[["*", 20], [0, 15]])


def test_a_lone_suppressed_cell_takes_the_next_smallest_with_it_along_rows_and_columns() -> None:
    #        exact             published
    #   3  20  40 |  63     *  *  40 | 65
    #  10  12   0 |  22     *  *   0 | 20
    #  13  32  40 |  85    15 30  40 | 85
    table = apply_to_table([[3, 20, 40], [10, 12, 0]], row_totals=True, column_totals=True)
    assert table.cells == [["*", "*", 40], ["*", "*", 0]]
    assert table.row_totals == [65, 20]
    assert table.column_totals == [15, 30, 40]
    assert table.grand_total == 85


def test_the_total_is_hidden_when_no_other_cell_could_be() -> None:
    table = apply_to_table([[3, 0, 0], [20, 30, 10]], row_totals=True)
    assert table.cells == [["*", 0, 0], [20, 30, 10]]
    assert table.row_totals == ["*", 60]


def test_rounding_ranges_cannot_pin_down_two_suppressed_cells() -> None:
    # 1 + 1 + 5 × 8 = 42 would publish as *, *, 10, 10, 10, 10, 10 and 40: the total is at most
    # 42 and the five tens at least 8 each, so both hidden cells would have to be 1.
    table = apply_to_table([[1, 1, 8, 8, 8, 8, 8]], row_totals=True)
    assert table.cells[0].count("*") == 3


def test_supplier_suppressed_cells_stay_hidden_and_hide_their_totals() -> None:
    table = apply_to_table([[None, 40], [25, 30]], row_totals=True, column_totals=True)
    assert table.cells[0][0] == "*"
    assert table.row_totals is not None
    assert table.row_totals[0] == "*"
    assert table.grand_total == "*"


def _bounds(value: int | str, policy: DisclosurePolicy) -> tuple[float, float]:
    """What a reader can tell of a true count from one published figure."""
    if value == policy.symbol:
        return 1, math.inf
    assert isinstance(value, int)
    if value == 0:
        return 0, 0
    half = policy.rounding / 2
    return max(math.ceil(value - half), policy.threshold + 1), math.ceil(value + half) - 1


def _groups(table: PublishedTable) -> list[list[int | str]]:
    """Every row and column that has a total, the total last."""
    groups: list[list[int | str]] = []
    if table.row_totals is not None:
        groups += [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    if table.column_totals is not None:
        columns = [list(c) for c in zip(*table.cells, strict=True)]
        groups += [[*c, t] for c, t in zip(columns, table.column_totals, strict=True)]
    if table.grand_total is not None and table.row_totals and table.column_totals:
        groups.append([*table.row_totals, table.grand_total])
        groups.append([*table.column_totals, table.grand_total])
    return groups


policies = st.builds(
    DisclosurePolicy,
    threshold=st.integers(min_value=0, max_value=10),
    rounding=st.sampled_from([1, 2, 5, 10]),
)
tables = st.integers(min_value=1, max_value=4).flatmap(
    lambda width: st.lists(
        st.lists(
            st.one_of(st.integers(min_value=0, max_value=60), st.none()),
            min_size=width,
            max_size=width,
        ),
        min_size=1,
        max_size=4,
    )
)


@given(cells=tables, row_totals=st.booleans(), column_totals=st.booleans())
def test_no_published_cell_is_a_count_from_1_to_7(
    cells: list[list[int | None]], row_totals: bool, column_totals: bool
) -> None:
    table = apply_to_table(cells, row_totals=row_totals, column_totals=column_totals)
    for value in table.all_cells():
        assert value == "*" or (isinstance(value, int) and value % 5 == 0)
        assert not (isinstance(value, int) and 1 <= value <= 7)
    assert_no_small_numbers(table)


@given(
    count=st.integers(min_value=0, max_value=200),
    threshold=st.integers(min_value=7, max_value=30),
    rounding=st.sampled_from([5, 10, 15, 20, 50]),
)
def test_no_policy_a_partnership_may_set_publishes_a_count_it_hides(
    count: int, threshold: int, rounding: int
) -> None:
    # A stricter policy (threshold 10, rounding 10) once published 13 as 10, which the check
    # then refused, failing every public output: a count rounding into the hidden range is hidden.
    policy = policy_from({"threshold": threshold, "rounding": rounding})
    value = policy.publish(count)
    assert value == "*" or value == 0 or value > threshold
    assert value != "*" or 1 <= count <= threshold or count < threshold + rounding
    table = apply_to_table([[count, 3]], row_totals=True, policy=policy)
    assert_no_small_numbers(table, policy=policy)


@given(cells=tables, row_totals=st.booleans(), column_totals=st.booleans(), policy=policies)
def test_no_suppressed_cell_can_be_recovered_from_a_total(
    cells: list[list[int | None]], row_totals: bool, column_totals: bool, policy: DisclosurePolicy
) -> None:
    table = apply_to_table(cells, row_totals=row_totals, column_totals=column_totals, policy=policy)
    for group in _groups(table):
        hidden = [i for i, v in enumerate(group) if v == policy.symbol]
        assert len(hidden) != 1, group  # subtraction would give it back
        bounds = [_bounds(v, policy) for v in group]
        *parts, total = bounds
        for i in hidden:  # nor may the published ranges leave it one possible value
            if i == len(group) - 1:
                low, high = sum(b[0] for b in parts), sum(b[1] for b in parts)
            else:
                others = [b for j, b in enumerate(parts) if j != i]
                low = total[0] - sum(b[1] for b in others)
                high = total[1] - sum(b[0] for b in others)
            assert max(low, 1) < high, (group, i)


@given(cells=tables)
def test_cells_that_are_not_hidden_are_the_exact_count_rounded(
    cells: list[list[int | None]],
) -> None:
    table = apply_to_table(cells, row_totals=True)
    for exact_row, published_row in zip(cells, table.cells, strict=True):
        for exact, published in zip(exact_row, published_row, strict=True):
            if published != "*":
                assert published == DEFAULT_POLICY.publish(exact)


# --- Success measures ---------------------------------------------------------------------------


def exact_measures(con: duckdb.DuckDBPyConnection, crimes: list[dict[str, Any]]) -> Any:
    insert(con, "police_crime", crimes)
    return success_measures(
        con,
        baseline_year="2019/20",
        year="2023/24",
        partnership_area=("E23000099", "Testshire"),
        csp_areas={"E22000001": "Northton", "E22000002": "Southby"},
    )


def knife_crimes(count: int, *, day: date, csp: str | None) -> list[dict[str, Any]]:
    crime = {
        "recorded_date": day,
        "offence_code": "8N",
        "knife_flag": "Y",
        "victim_age": 30,
        "lsoa_code": None if csp is None else "E01000001",
        "csp_code": csp,
    }
    return [crime] * count


def pick(rows: list[dict[str, Any]], area: str, cohort: str = "all_ages") -> dict[str, Any]:
    (row,) = [
        r
        for r in rows
        if r["measure"] == "knife_enabled_serious_violence"
        and r["cohort"] == cohort
        and r["area_code"] == area
    ]
    return row


BASE, NOW = date(2019, 6, 1), date(2023, 6, 1)


def test_public_measures_show_stars_and_recompute_changes_from_published_figures(
    con: duckdb.DuckDBPyConnection,
) -> None:
    exact = exact_measures(
        con,
        knife_crimes(858, day=BASE, csp="E22000001")
        + knife_crimes(6, day=BASE, csp="E22000002")
        + knife_crimes(780, day=NOW, csp="E22000001")
        + knife_crimes(30, day=NOW, csp="E22000002"),
    )
    public = apply_to_measures(exact)
    partnership = pick(public, "E23000099")
    # 864 → 810 publishes as 865 → 810: -55, and -55/865 = -6.358…% → -6.4
    assert (partnership["baseline_count"], partnership["current_count"]) == (865, 810)
    assert (partnership["volume_change"], partnership["percent_change"]) == (-55, -6.4)
    south = pick(public, "E22000002")
    assert south["baseline_count"] == "*"
    assert (south["volume_change"], south["percent_change"], south["p_value"]) == ("*", "*", "*")
    assert "not published" in south["note"]
    # Southby's 6 is alone in its group, so Northton's 858 is hidden with it.
    assert pick(public, "E22000001")["baseline_count"] == "*"
    assert pick(exact, "E22000001")["baseline_count"] == 858  # the exact rows are untouched
    assert_no_small_numbers(public)
    with pytest.raises(DisclosureError, match="baseline_count: 6"):
        assert_no_small_numbers(exact)


def test_unknown_ages_and_places_are_controlled_too(con: duckdb.DuckDBPyConnection) -> None:
    exact = exact_measures(
        con,
        knife_crimes(40, day=BASE, csp="E22000001")
        + knife_crimes(45, day=BASE, csp="E22000002")
        + knife_crimes(3, day=BASE, csp=None),
    )
    public = apply_to_measures(exact)
    partnership = pick(public, "E23000099")
    assert partnership["location_unknown"]["baseline"] == "*"
    # The 3 with no location would be recovered as 88 - 40 - 45, so a CSP figure is hidden too.
    assert pick(public, "E22000001")["baseline_count"] == "*"
    assert pick(public, "E22000002")["baseline_count"] == 45
    assert partnership["baseline_count"] == 90
    assert_no_small_numbers(public)


def test_the_check_refuses_a_small_count_anywhere_in_a_table() -> None:
    with pytest.raises(DisclosureError, match="row 2, column 1: 3"):
        assert_no_small_numbers([[10, 0], [3, "*"]])
    assert_no_small_numbers([[10, 0], ["*", 15]])
