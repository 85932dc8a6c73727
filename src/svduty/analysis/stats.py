"""Figures derived from two counts: change, percentage, rates, intervals, a test and a note.

Shared by the success measures (exact counts) and by disclosure control, which recomputes the same
figures from the published, rounded counts (contracts.md section 4). A count given as a string is
a suppressed one ("*"); every figure that uses it is then suppressed too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from scipy import stats

Count = int | str  # a count, or the symbol of a suppressed one
SIGNIFICANCE_LEVEL = 0.05
SMALL_COUNT = 10  # below this in either year, a change says little on its own


def round_half_away(value: Decimal | float | int, places: int = 1) -> float:
    """Round to ``places`` decimals, halves away from zero as spreadsheets do: -6.25 → -6.3."""
    exponent = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP))


def percent_change(baseline: int, current: int) -> float | None:
    """The change as a percentage of the baseline, to one decimal; None for a baseline of 0.

    Exact decimal arithmetic: -54 / 864 is -6.25% and gives -6.3 (Python's round would give -6.2).
    """
    if baseline == 0:
        return None
    exact = Decimal(current - baseline) * 100 / Decimal(baseline)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def rate(count: int, population: int, per: int) -> float:
    """Events per ``per`` people, to one decimal."""
    whole = type(count) is int and type(population) is int and type(per) is int
    if whole and count >= 0 and population > 0 and per > 0:
        # Exact integer arithmetic, halves rounded up: the same figure, without Decimal.
        tenths, remainder = divmod(count * per * 10, population)
        return (tenths + (2 * remainder >= population)) / 10
    return round_half_away(Decimal(count) * per / Decimal(population))


def poisson_interval(count: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Garwood) confidence interval of a Poisson mean, from chi-squared quantiles."""
    return poisson_intervals([count], confidence=confidence)[0]


def poisson_intervals(
    counts: Sequence[int], *, confidence: float = 0.95
) -> list[tuple[float, float]]:
    """``poisson_interval`` of each count, the quantiles computed in one array call each."""
    if not counts:
        return []
    tail = (1 - confidence) / 2
    values = np.asarray(counts, dtype=np.int64)
    lows = stats.chi2.ppf(tail, 2 * np.maximum(values, 1))
    highs = stats.chi2.ppf(1 - tail, 2 * values + 2)
    return [
        (0.0 if count == 0 else float(low) / 2, float(high) / 2)
        for count, low, high in zip(counts, lows, highs, strict=True)
    ]


def rate_interval(count: int, population: int, per: int) -> list[float]:
    """The 95% exact Poisson interval of a rate per ``per``, to one decimal."""
    return _rate_interval(poisson_interval(count), population, per)


def _rate_interval(interval: tuple[float, float], population: int, per: int) -> list[float]:
    low, high = interval
    return [
        round_half_away(Decimal(repr(low)) * per / population),
        round_half_away(Decimal(repr(high)) * per / population),
    ]


def change_p_value(
    baseline: int, current: int, *, baseline_exposure: float = 1.0, current_exposure: float = 1.0
) -> float | None:
    """Two-sided p-value that two Poisson counts share one rate (exact conditional test).

    Given the total n = baseline + current, the current count is binomial with
    p = current exposure / total exposure when the rate has not changed. Exposures are the
    populations; with none, the population is taken not to have changed. None when n is 0.
    """
    return change_p_values([(baseline, current, baseline_exposure, current_exposure)])[0]


def change_p_values(
    changes: Sequence[tuple[int, int, float, float]],
) -> list[float | None]:
    """``change_p_value`` of each (baseline, current, baseline exposure, current exposure), all
    at once: the exact binomial test of ``scipy.stats.binomtest`` (two-sided), step for step,
    with the binomial distribution evaluated for every pair in one array call per step."""
    results: list[float | None] = [None] * len(changes)
    todo = [i for i, (baseline, current, *_e) in enumerate(changes) if baseline + current > 0]
    if not todo:
        return results
    k = np.array([changes[i][1] for i in todo], dtype=np.int64)
    n = np.array([changes[i][0] + changes[i][1] for i in todo], dtype=np.int64)
    p = np.array([changes[i][3] / (changes[i][2] + changes[i][3]) for i in todo], dtype=float)
    for index, p_value in zip(todo, _binomial_test(k, n, p), strict=True):
        results[index] = float(f"{min(float(p_value), 1.0):.4g}")
    return results


_RELATIVE_ERROR = 1 + 1e-7  # as scipy.stats.binomtest allows


def _binomial_test(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Two-sided exact binomial test p-values, as ``scipy.stats.binomtest`` computes them: the
    probability of every outcome no more likely than ``k``, found by a binary search on the far
    side of the mode (run for all tests together)."""
    d = stats.binom.pmf(k, n, p)
    expected = p * n
    p_values = np.ones(len(k))
    low_side = k < expected  # the far side is above the mode
    high_side = k > expected
    if low_side.any():
        ks, ns, ps, ds = k[low_side], n[low_side], p[low_side], d[low_side]
        ix = _search(lambda x, i: -_pmf_in_support(x, ns[i], ps[i]), -ds * _RELATIVE_ERROR,
                     np.ceil(ps * ns), ns.astype(float))  # fmt: skip
        y = ns - ix + (ds * _RELATIVE_ERROR == stats.binom.pmf(ix, ns, ps)).astype(int)
        p_values[low_side] = stats.binom.cdf(ks, ns, ps) + stats.binom.sf(ns - y, ns, ps)
    if high_side.any():
        ks, ns, ps, ds = k[high_side], n[high_side], p[high_side], d[high_side]
        ix = _search(lambda x, i: _pmf_in_support(x, ns[i], ps[i]), ds * _RELATIVE_ERROR,
                     np.zeros(len(ks)), np.floor(ps * ns))  # fmt: skip
        y = ix + 1
        p_values[high_side] = stats.binom.cdf(y - 1, ns, ps) + stats.binom.sf(ks - 1, ns, ps)
    return np.minimum(1.0, p_values)


def _pmf_in_support(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``stats.binom.pmf`` where every x is a whole number from 0 to n (as in the search): the
    same figures, without the public method's argument checks, which cost more than the sum."""
    pmf = getattr(stats.binom, "_pmf", None)
    if pmf is None:  # pragma: no cover - a scipy without it
        return np.asarray(stats.binom.pmf(x, n, p))
    return np.clip(pmf(x, n, p), 0, 1)


def _search(
    value: Callable[[np.ndarray, np.ndarray], np.ndarray],
    target: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """scipy's ``_binary_search_for_binom_tst`` for many searches at once: the largest x in
    [lo, hi] with value(x) <= target, where value rises with x (each search on its own)."""
    lo, hi = lo.astype(float), hi.astype(float)
    found = np.full(len(lo), np.nan)
    active = np.arange(len(lo))
    while active.size:
        searching = lo[active] < hi[active]
        done = active[~searching]
        if done.size:
            at_lo = value(lo[done], done) <= target[done]
            found[done] = np.where(at_lo, lo[done], lo[done] - 1)
        active = active[searching]
        if not active.size:
            break
        mid = lo[active] + np.floor((hi[active] - lo[active]) / 2)
        mid_value = value(mid, active)
        below, above = mid_value < target[active], mid_value > target[active]
        lo[active[below]] = mid[below] + 1
        hi[active[above]] = mid[above] - 1
        equal = ~below & ~above
        found[active[equal]] = mid[equal]
        active = active[~equal]
    return found


def note(baseline: Count, current: Count) -> str | None:
    """A plain-English caution when the counts are too small or too few to read anything into."""
    if isinstance(baseline, str) or isinstance(current, str):
        return (
            "Figures this small are not published, to protect the people they describe; "
            "changes based on them are not shown."
        )
    if baseline == 0 and current == 0:
        return "There were none in either year."
    words: list[str] = []
    if baseline == 0:
        words.append("There were none in the baseline year, so no percentage change is given.")
    if min(baseline, current) < SMALL_COUNT:
        words.append(
            f"These counts are small (under {SMALL_COUNT} in a year), so a change of this size "
            "can easily happen by chance; look at several years before reading anything into it."
        )
    return " ".join(words) or None


def derived(
    baseline: Count,
    current: Count,
    *,
    per: int,
    baseline_population: int | None,
    current_population: int | None,
    symbol: str = "*",
) -> dict[str, Any]:
    """Every figure computed from the two counts (and populations, when known).

    ``volume_change``, ``percent_change``, ``baseline_rate``, ``current_rate`` (per ``per``),
    ``baseline_rate_ci``, ``current_rate_ci`` (95% exact Poisson), ``p_value`` and ``significant``
    (exact conditional test at the 5% level), and ``note``. Figures needing a population are
    None without one; figures using a suppressed count are the symbol.
    """
    return derived_many(
        [
            {
                "baseline": baseline,
                "current": current,
                "per": per,
                "baseline_population": baseline_population,
                "current_population": current_population,
                "symbol": symbol,
            }
        ]
    )[0]


def derived_many(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``derived`` of each item (a mapping of its keyword arguments), with the exact tests and
    intervals of every item computed together: the same figures, far faster for many rows."""
    tests: list[tuple[int, int, float, float]] = []
    counts: list[int] = []
    for item in items:
        baseline, current = item["baseline"], item["current"]
        has_populations = _has_populations(item)
        if isinstance(baseline, int) and isinstance(current, int):
            tests.append(
                (
                    baseline,
                    current,
                    float(item["baseline_population"] or 1) if has_populations else 1.0,
                    float(item["current_population"] or 1) if has_populations else 1.0,
                )
            )
        if has_populations:
            counts += [c for c in (baseline, current) if isinstance(c, int)]
    p_values = iter(change_p_values(tests))
    intervals = dict(zip(counts, poisson_intervals(counts), strict=True))
    return [_derived(item, p_values, intervals) for item in items]


def _has_populations(item: Mapping[str, Any]) -> bool:
    baseline_population, current_population = (
        item["baseline_population"],
        item["current_population"],
    )
    known = baseline_population is not None and current_population is not None
    return known and bool(baseline_population) and bool(current_population)


def _derived(
    item: Mapping[str, Any],
    p_values: Iterator[float | None],
    intervals: Mapping[int, tuple[float, float]],
) -> dict[str, Any]:
    baseline, current = item["baseline"], item["current"]
    per, symbol = item["per"], item.get("symbol", "*")
    figures: dict[str, Any] = {"note": note(baseline, current)}
    has_populations = _has_populations(item)
    if isinstance(baseline, int) and isinstance(current, int):
        figures["volume_change"] = current - baseline
        figures["percent_change"] = percent_change(baseline, current)
    else:
        figures["volume_change"] = figures["percent_change"] = symbol
    for name, count, population in (
        ("baseline", baseline, item["baseline_population"]),
        ("current", current, item["current_population"]),
    ):
        if not has_populations or population is None:
            figures[f"{name}_rate"] = figures[f"{name}_rate_ci"] = None
        elif isinstance(count, int):
            figures[f"{name}_rate"] = rate(count, population, per)
            figures[f"{name}_rate_ci"] = _rate_interval(intervals[count], population, per)
        else:
            figures[f"{name}_rate"] = figures[f"{name}_rate_ci"] = symbol
    if isinstance(baseline, int) and isinstance(current, int):
        p_value = next(p_values)
        figures["p_value"] = p_value
        figures["significant"] = None if p_value is None else p_value < SIGNIFICANCE_LEVEL
    else:
        figures["p_value"] = figures["significant"] = symbol
    return figures
