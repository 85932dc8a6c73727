"""Figures derived from two counts: change, percentage, rates, intervals, a test and a note.

Shared by the success measures (exact counts) and by disclosure control, which recomputes the same
figures from the published, rounded counts (contracts.md section 4). A count given as a string is
a suppressed one ("*"); every figure that uses it is then suppressed too.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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
    return round_half_away(Decimal(count) * per / Decimal(population))


def poisson_interval(count: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Garwood) confidence interval of a Poisson mean, from chi-squared quantiles."""
    tail = (1 - confidence) / 2
    low = 0.0 if count == 0 else float(stats.chi2.ppf(tail, 2 * count)) / 2
    high = float(stats.chi2.ppf(1 - tail, 2 * count + 2)) / 2
    return low, high


def rate_interval(count: int, population: int, per: int) -> list[float]:
    """The 95% exact Poisson interval of a rate per ``per``, to one decimal."""
    low, high = poisson_interval(count)
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
    total = baseline + current
    if total == 0:
        return None
    share = current_exposure / (baseline_exposure + current_exposure)
    p_value = float(stats.binomtest(current, total, share).pvalue)
    return float(f"{min(p_value, 1.0):.4g}")


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
    figures: dict[str, Any] = {"note": note(baseline, current)}
    known = baseline_population is not None and current_population is not None
    has_populations = known and bool(baseline_population) and bool(current_population)
    if isinstance(baseline, int) and isinstance(current, int):
        figures["volume_change"] = current - baseline
        figures["percent_change"] = percent_change(baseline, current)
    else:
        figures["volume_change"] = figures["percent_change"] = symbol
    for name, count, population in (
        ("baseline", baseline, baseline_population),
        ("current", current, current_population),
    ):
        if not has_populations or population is None:
            figures[f"{name}_rate"] = figures[f"{name}_rate_ci"] = None
        elif isinstance(count, int):
            figures[f"{name}_rate"] = rate(count, population, per)
            figures[f"{name}_rate_ci"] = rate_interval(count, population, per)
        else:
            figures[f"{name}_rate"] = figures[f"{name}_rate_ci"] = symbol
    if isinstance(baseline, int) and isinstance(current, int):
        p_value = change_p_value(
            baseline,
            current,
            baseline_exposure=float(baseline_population or 1) if has_populations else 1.0,
            current_exposure=float(current_population or 1) if has_populations else 1.0,
        )
        figures["p_value"] = p_value
        figures["significant"] = None if p_value is None else p_value < SIGNIFICANCE_LEVEL
    else:
        figures["p_value"] = figures["significant"] = symbol
    return figures
