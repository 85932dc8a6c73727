"""Disclosure control for public output (contracts.md section 4; domain.md section 5).

One policy object, applied once at the publishing boundary:

- a count from 1 to ``threshold`` (default 7) is shown as ``symbol`` (default "*");
- any other count is rounded to the nearest ``rounding`` (default 5), halves up; 0 stays 0 (and a
  count never rounds to 0 or into 1 to ``threshold``: it is suppressed instead);
- secondary suppression: in a table with totals, a row or column (with its total) in which exactly
  one cell is suppressed could give that cell back by subtraction, so the next smallest non-zero
  cell is suppressed too, or the total when there is none; the same is done where the rounded
  figures, read as the ranges they stand for, would still leave a suppressed cell only one
  possible value; this repeats until no row or column gives a cell away;
- percentages, rates and tests are computed from the published (rounded) figures, and are
  suppressed when a count they use is suppressed.

It applies to output built from partner data (police-crime, hospital, A&E, ambulance, aggregate
counts): see ``CONTROLLED_TABLES``. Figures from already-public sources are shown as published.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from svduty.analysis.stats import derived, rate, round_half_away

Published = int | str  # a published count: a (rounded) number, or the suppression symbol

# Tables whose figures come from partner data and need control; the rest are public already.
CONTROLLED_TABLES = frozenset(
    {"police_crime", "hospital_admissions", "ae_assaults", "ambulance_assaults", "aggregate_counts"}
)
PUBLIC_TABLES = frozenset({"police_uk_street", "police_uk_stop_search", "ho_csp_tables"})


def needs_control(tables: Iterable[str]) -> bool:
    """Whether output drawing on these tables needs disclosure control before it is public."""
    return any(table in CONTROLLED_TABLES for table in tables)


class DisclosureError(ValueError):
    """Public output holds a count that the policy should have hidden."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """The partnership's disclosure-control policy; the default is contracts.md section 4."""

    threshold: int = 7
    rounding: int = 5
    symbol: str = "*"
    secondary: bool = True

    def __post_init__(self) -> None:
        if self.threshold < 0:
            raise ValueError("the threshold cannot be negative")
        if self.rounding < 1:
            raise ValueError("counts must be rounded to a multiple of at least 1")
        if not self.symbol:
            raise ValueError("the suppression symbol cannot be empty")

    def publish(self, count: int | None) -> Published:
        """One count as published (primary control). None (suppressed by the supplier) → symbol."""
        if count is None:
            return self.symbol
        if count < 0:
            raise ValueError(f"a count cannot be negative ({count})")
        if count == 0:
            return 0
        rounded = (2 * count + self.rounding) // (2 * self.rounding) * self.rounding
        # A count above the threshold that rounds into the hidden range (13 → 10 under threshold
        # 10) is hidden too: no published figure is ever one the policy hides.
        if count <= self.threshold or rounded <= self.threshold:
            return self.symbol
        return rounded

    def is_suppressed(self, value: object) -> bool:
        return value == self.symbol


DEFAULT_POLICY = DisclosurePolicy()

POLICY_SETTINGS = ("threshold", "rounding")


def policy_from(settings: Mapping[str, Any] | None) -> DisclosurePolicy:
    """A partnership's policy: the default changed by its ``settings`` (threshold, rounding).

    A partnership may make control stricter, never weaker: svduty promises that no public output
    shows a controlled count from 1 to the default threshold, so a lower threshold, or rounding to
    anything but a multiple of the default base, is refused with the reason.
    """
    if not settings:
        return DEFAULT_POLICY
    unknown = sorted(set(settings) - set(POLICY_SETTINGS))
    if unknown:
        raise DisclosureError(
            f"{', '.join(unknown)}: not a disclosure setting (use {' or '.join(POLICY_SETTINGS)})"
        )
    values = {name: settings.get(name, getattr(DEFAULT_POLICY, name)) for name in POLICY_SETTINGS}
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise DisclosureError(f"{name} must be a whole number, not {value!r}")
    if values["threshold"] < DEFAULT_POLICY.threshold:
        raise DisclosureError(
            f"a threshold of {values['threshold']} would publish counts the default policy "
            f"hides; it must be at least {DEFAULT_POLICY.threshold}"
        )
    if values["rounding"] < 1 or values["rounding"] % DEFAULT_POLICY.rounding:
        raise DisclosureError(
            f"counts must be rounded to a multiple of {DEFAULT_POLICY.rounding} "
            f"(5, 10, …), not {values['rounding']}"
        )
    return DisclosurePolicy(threshold=values["threshold"], rounding=values["rounding"])


def policy_label(policy: DisclosurePolicy) -> str:
    """A short, stable name of a policy, recorded with every public output built under it."""
    return f"threshold-{policy.threshold}-round-{policy.rounding}" + (
        "" if policy.secondary else "-no-secondary"
    )


# --- Secondary suppression --------------------------------------------------------------------


@dataclass(eq=False)
class _Cell:
    exact: int | None
    published: Published


@dataclass
class _Group:
    """Cells that add up to a total (the last member)."""

    members: list[_Cell] = field(default_factory=list)


def _bounds(cell: _Cell, policy: DisclosurePolicy) -> tuple[float, float]:
    """What a reader can tell of a cell's true value from its published figure alone."""
    if policy.is_suppressed(cell.published):
        return 1, math.inf  # 0 is never suppressed; a complementary cell can be any size
    published = int(cell.published)
    if published == 0:
        return 0, 0
    half = policy.rounding / 2  # halves round up: p - half rounds to p, p + half does not
    return max(math.ceil(published - half), policy.threshold + 1), math.ceil(published + half) - 1


def _pinned(group: _Group, policy: DisclosurePolicy) -> bool:
    """Whether the group's sum (total = parts) narrows a suppressed member to a single value."""
    bounds = [_bounds(c, policy) for c in group.members]
    last = len(bounds) - 1
    for index, cell in enumerate(group.members):
        if not policy.is_suppressed(cell.published):
            continue
        if index == last:
            low = sum(b[0] for b in bounds[:last])
            high = sum(b[1] for b in bounds[:last])
        else:
            others = [b for i, b in enumerate(bounds[:last]) if i != index]
            low = bounds[last][0] - sum(b[1] for b in others)
            high = bounds[last][1] - sum(b[0] for b in others)
        if max(low, 1) == high:
            return True
    return False


def _protect(groups: Sequence[_Group], policy: DisclosurePolicy) -> None:
    """Suppress complementary cells until no group gives a suppressed cell away.

    A group gives one away when exactly one of its members is suppressed (subtraction recovers
    it), or when the published figures, read as ranges (a rounded 10 is 8 to 12), leave a
    suppressed member only one possible value. The next smallest non-zero part is then
    suppressed, or the total when no part is left.
    """
    if not policy.secondary:
        return
    changed = True
    while changed:
        changed = False
        for group in groups:
            hidden = sum(policy.is_suppressed(c.published) for c in group.members)
            if hidden == 0 or (hidden > 1 and not _pinned(group, policy)):
                continue
            open_cells = [
                c
                for c in group.members
                if not policy.is_suppressed(c.published) and c.exact not in (0, None)
            ]
            parts = [c for c in open_cells if c is not group.members[-1]]
            candidates = parts or open_cells
            if candidates:
                smallest = min(candidates, key=lambda c: c.exact or 0)
                smallest.published = policy.symbol
                changed = True


# --- Tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedTable:
    """A count table as published; totals are None when the table has none."""

    cells: list[list[Published]]
    row_totals: list[Published] | None = None
    column_totals: list[Published] | None = None
    grand_total: Published | None = None

    def all_cells(self) -> list[Published]:
        values = [v for row in self.cells for v in row]
        values += list(self.row_totals or []) + list(self.column_totals or [])
        return values + ([] if self.grand_total is None else [self.grand_total])


def apply_to_table(
    cells: Sequence[Sequence[int | None]],
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    row_totals: bool = False,
    column_totals: bool = False,
) -> PublishedTable:
    """A table of exact counts (None where the supplier suppressed one) as published.

    Totals, when asked for, are computed from the exact cells (unknown if any cell is None) and
    controlled like any other count; with both kinds there is a grand total. Secondary
    suppression works along every row and column that has a total.
    """
    width = len(cells[0]) if cells else 0
    if any(len(row) != width for row in cells):
        raise ValueError("every row of the table needs the same number of cells")
    grid = [[_Cell(v, policy.publish(v)) for v in row] for row in cells]

    def total_of(values: Iterable[int | None]) -> _Cell:
        listed = list(values)
        exact = None if any(v is None for v in listed) else sum(v or 0 for v in listed)
        return _Cell(exact, policy.publish(exact))

    rows_total = [total_of(c.exact for c in row) for row in grid] if row_totals else []
    columns_total = (
        [total_of(row[j].exact for row in grid) for j in range(width)] if column_totals else []
    )
    grand = total_of(c.exact for row in grid for c in row) if row_totals and column_totals else None
    groups: list[_Group] = []
    if row_totals:
        groups += [_Group([*row, total]) for row, total in zip(grid, rows_total, strict=True)]
        if grand is not None:
            groups.append(_Group([*columns_total, grand]))
    if column_totals:
        groups += [_Group([*(row[j] for row in grid), columns_total[j]]) for j in range(width)]
        if grand is not None:
            groups.append(_Group([*rows_total, grand]))
    _protect(groups, policy)
    return PublishedTable(
        cells=[[c.published for c in row] for row in grid],
        row_totals=[c.published for c in rows_total] if row_totals else None,
        column_totals=[c.published for c in columns_total] if column_totals else None,
        grand_total=grand.published if grand is not None else None,
    )


def apply_to_parts(
    whole: int | None,
    levels: Sequence[Sequence[int | None]],
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> tuple[Published, list[list[Published]]]:
    """An area's own count and its parts' at one or more levels (its CSPs; or its districts,
    and its LSOAs) as published, each count as the supplier gave it (None: suppressed by them).
    Each level's parts add up to the whole, so secondary suppression works within each level
    with the whole as its total."""
    total = _Cell(whole, policy.publish(whole))
    grid = [[_Cell(v, policy.publish(v)) for v in level] for level in levels]
    _protect([_Group([*level, total]) for level in grid if level], policy)
    return total.published, [[c.published for c in level] for level in grid]


def published_percentage(
    part: Published, whole: Published, *, symbol: str = "*"
) -> float | str | None:
    """``part`` as a percentage of ``whole`` (one decimal, halves away from zero), both published
    figures: the symbol when either is suppressed, None when the whole is 0."""
    if isinstance(part, str) or isinstance(whole, str):
        return symbol
    if whole == 0:
        return None
    return round_half_away(Decimal(part) * 100 / Decimal(whole))


def published_rate(
    count: Published, population: int, *, per: int, symbol: str = "*"
) -> float | str:
    """A rate per ``per`` people from a published count: the symbol when it is suppressed."""
    if isinstance(count, str):
        return symbol
    return rate(count, population, per)


# --- Success measures ---------------------------------------------------------------------------

_PERIODS = (("baseline_count", "baseline"), ("current_count", "current"))
_BREAKDOWNS = ("unknown_age", "location_unknown", "located_outside")


def apply_to_measures(
    rows: Sequence[Mapping[str, Any]], *, policy: DisclosurePolicy = DEFAULT_POLICY
) -> list[dict[str, Any]]:
    """The public version of ``measures.success_measures`` rows.

    Counts are controlled; the CSP figures with the partnership's "no location" and "located
    outside" counts add up to the partnership's, so each (measure, cohort, year) is one group for
    secondary suppression; then every derived figure is recomputed from the published counts.
    Apply it to the whole output (partnership and every CSP) and filter afterwards.
    """
    public = [copy.deepcopy(dict(row)) for row in rows]
    cells: dict[tuple[int, str, str | None], _Cell] = {}
    for index, row in enumerate(public):
        for key, period in _PERIODS:
            if period in (row.get("no_data") or ()):
                continue  # no data at all that year: no figure, nothing to protect
            cells[(index, key, None)] = _Cell(row[key], policy.publish(row[key]))
            for breakdown in _BREAKDOWNS:
                if row.get(breakdown) is not None:
                    exact = row[breakdown][period]
                    cells[(index, breakdown, period)] = _Cell(exact, policy.publish(exact))
    # (measure, cohort, year) → the CSPs' cells and the partnership's location cells, and its total
    parts: dict[tuple[str, str, str], list[_Cell]] = defaultdict(list)
    totals: dict[tuple[str, str, str], _Cell] = {}
    has_csps: set[tuple[str, str, str]] = set()
    for index, row in enumerate(public):
        for key, period in _PERIODS:
            name = (row["measure"], row["cohort"], period)
            if (index, key, None) not in cells:
                continue
            if row.get("area_level") == "partnership":
                totals[name] = cells[(index, key, None)]
                parts[name] += [
                    cells[(index, b, period)]
                    for b in ("location_unknown", "located_outside")
                    if (index, b, period) in cells
                ]
            else:
                parts[name].append(cells[(index, key, None)])
                has_csps.add(name)
    _protect([_Group([*parts[n], totals[n]]) for n in totals if n in has_csps], policy)
    for (index, key, year), cell in cells.items():
        if year is None:
            public[index][key] = cell.published
        else:
            public[index][key][year] = cell.published
    for row in public:
        if row.get("no_data"):
            continue  # its derived figures and note already say there is none
        row.update(
            derived(
                row["baseline_count"],
                row["current_count"],
                per=row.get("rate_per", 100_000),
                baseline_population=row.get("baseline_population"),
                current_population=row.get("current_population"),
                symbol=policy.symbol,
            )
        )
    return public


# --- Checking ---------------------------------------------------------------------------------

_COUNT_KEYS = frozenset({"baseline_count", "current_count", *_BREAKDOWNS, "count"})


def assert_no_small_numbers(
    table: PublishedTable | Sequence[Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> None:
    """Raise DisclosureError if any published count is between 1 and the policy's threshold.

    Takes a PublishedTable, rows of cells, or measure rows (dicts, whose count keys are checked).
    """
    found: list[str] = []

    def check(value: Any, where: str) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                check(inner, f"{where} → {key}")
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 1 <= value <= policy.threshold
        ):
            found.append(f"{where}: {value}")

    if isinstance(table, PublishedTable):
        for number, value in enumerate(table.all_cells(), start=1):
            check(value, f"cell {number}")
    else:
        for number, row in enumerate(table, start=1):
            if isinstance(row, Mapping):
                for key in _COUNT_KEYS & set(row):
                    check(row[key], f"row {number} → {key}")
            else:
                for column, value in enumerate(row, start=1):
                    check(value, f"row {number}, column {column}")
    if found:
        raise DisclosureError("small counts would be published: " + "; ".join(found))
