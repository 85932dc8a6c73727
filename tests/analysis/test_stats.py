"""Figures derived from two counts, for many rows at once (``svduty.analysis.stats``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from svduty.analysis import stats


def _scipy_p_value(baseline: int, current: int, exposures: tuple[float, float]) -> float:
    share = exposures[1] / (exposures[0] + exposures[1])
    p_value = float(scipy_stats.binomtest(current, baseline + current, share).pvalue)
    return float(f"{min(p_value, 1.0):.4g}")


def test_change_p_values_are_scipys_exact_test_for_every_pair_at_once() -> None:
    pairs = [(b, c, 1.0, 1.0) for b in range(0, 25) for c in range(0, 25) if b + c]
    pairs += [(864, 810, 1.0, 1.0), (31_000, 29_500, 1.0, 1.0), (10, 13, 1.0, 1.0)]
    pairs += [(0, 5, 3.0, 7.0), (5, 0, 7.0, 3.0), (120, 95, 250_000.0, 262_000.0)]
    found = stats.change_p_values(pairs)
    assert found == [_scipy_p_value(b, c, (eb, ec)) for b, c, eb, ec in pairs]


@settings(max_examples=60, deadline=None)
@given(
    baseline=st.integers(0, 5_000),
    current=st.integers(0, 5_000),
    exposures=st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)),
)
def test_change_p_value_agrees_with_scipy_whatever_the_counts_and_exposures(
    baseline: int, current: int, exposures: tuple[int, int]
) -> None:
    found = stats.change_p_value(
        baseline, current, baseline_exposure=exposures[0], current_exposure=exposures[1]
    )
    if baseline + current == 0:
        assert found is None
    else:
        assert found == _scipy_p_value(baseline, current, (exposures[0], exposures[1]))


def test_no_change_has_a_p_value_of_one_and_no_events_have_none() -> None:
    assert stats.change_p_values([(50, 50, 1.0, 1.0), (0, 0, 1.0, 1.0)]) == [1.0, None]


def test_a_rate_rounds_halves_up_not_to_even() -> None:
    assert stats.rate(1, 4, 1) == 0.3  # 0.25; Python's round would give 0.2
    assert stats.rate(1, 40, 10) == 0.3
    assert stats.rate(5, 200, 1_000) == 25.0
    assert stats.rate(0, 1_234, 100_000) == 0.0


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(0, 10**9),
    population=st.integers(1, 10**8),
    per=st.sampled_from([1, 1_000, 100_000, 1_000_000]),
)
def test_a_rate_is_the_exact_decimal_figure(count: int, population: int, per: int) -> None:
    exact = Decimal(count) * per / Decimal(population)
    expected = float(Decimal(str(exact)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    assert stats.rate(count, population, per) == expected


def test_poisson_intervals_are_each_counts_interval() -> None:
    counts = [0, 1, 10, 10, 250]
    assert stats.poisson_intervals(counts) == [stats.poisson_interval(c) for c in counts]
    low, high = stats.poisson_interval(10)
    assert low == pytest.approx(4.7954, abs=1e-4)
    assert high == pytest.approx(18.3904, abs=1e-4)
    assert stats.poisson_interval(0)[0] == 0.0


def test_derived_many_gives_each_rows_figures_as_derived_does() -> None:
    items = [
        {"baseline": 864, "current": 810, "per": 100_000, "baseline_population": 1_200_000,
         "current_population": 1_250_000},
        {"baseline": 10, "current": 13, "per": 1_000_000, "baseline_population": None,
         "current_population": None},
        {"baseline": "*", "current": 13, "per": 100_000, "baseline_population": 50_000,
         "current_population": 51_000, "symbol": "*"},
        {"baseline": 0, "current": 0, "per": 100_000, "baseline_population": 50_000,
         "current_population": 0},
        {"baseline": 4, "current": "x", "per": 100_000, "baseline_population": 50_000,
         "current_population": 51_000, "symbol": "x"},
    ]  # fmt: skip
    expected = [
        stats.derived(
            item["baseline"],  # type: ignore[arg-type]
            item["current"],  # type: ignore[arg-type]
            per=item["per"],  # type: ignore[arg-type]
            baseline_population=item["baseline_population"],  # type: ignore[arg-type]
            current_population=item["current_population"],  # type: ignore[arg-type]
            symbol=str(item.get("symbol", "*")),
        )
        for item in items
    ]
    assert stats.derived_many(items) == expected
    first = expected[0]
    assert first["volume_change"] == -54
    assert first["percent_change"] == -6.3
    assert first["baseline_rate"] == 72.0
    assert first["current_rate"] == 64.8
    assert first["p_value"] == _scipy_p_value(864, 810, (1_200_000, 1_250_000))
    assert expected[2]["p_value"] == "*"
    assert expected[3]["p_value"] is None
