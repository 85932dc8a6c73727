"""Hotspots: where serious violence clusters more than chance would allow (Getis-Ord Gi*).

**In plain English.** The area is covered by a regular grid of squares (250 metres a side by
default, on the British National Grid). Each square counts the records of serious violence located
in it. For every square, the Gi* statistic compares the count in that square *and its neighbours*
with what the whole grid would lead one to expect: a large positive z-score means the square sits in
a cluster of high counts (a hot spot), a large negative one in a cluster of low counts (a cold
spot). Because thousands of squares are tested at once, some would look significant by chance, so
the p-values are corrected with the Benjamini–Hochberg false-discovery-rate procedure before any
square is called a hot or cold spot at 90, 95 or 99 per cent confidence.

**Method.** Points (WGS84 latitude and longitude) are projected to EPSG:27700 and binned into
square cells over the bounding box of the points (or of a given extent), optionally restricted to
the cells whose centre lies inside the study area. Weights are binary: a cell's neighbours are the
cells whose centres lie within ``band`` metres of its own centre, itself included (Gi*, Getis and
Ord 1992; Ord and Getis 1995). With ``band=None`` the neighbours are the eight cells around it
(queen contiguity). With ``x`` the counts, ``n`` the number of cells, ``x̄`` and ``s`` their mean
and (population) standard deviation and ``W_i`` the number of neighbours of cell ``i`` (itself
included)::

    z_i = (Σ_j w_ij x_j − x̄ W_i) / (s · sqrt((n W_i − W_i²) / (n − 1)))

which is the z-score PySAL's ``esda.G_Local(..., transform="B", star=True)`` reports (checked in
the tests). p-values are two-sided from the standard normal distribution, then adjusted with
``scipy.stats.false_discovery_control`` (Benjamini–Hochberg) to q-values. Optionally, a
conditional permutation test holds each cell's count fixed and draws its neighbours' counts at
random from the other cells (``permutations`` draws, reproducible with ``seed``), giving a
pseudo p-value ``(larger + 1) / (permutations + 1)`` on the more extreme side, also FDR-adjusted.

**Over time (emerging hot spots).** Gi* is computed for each period (financial year or quarter) on
the same grid. Each cell is then classified by these rules, checked in order; "hot" means a
significant hot spot at 90% confidence or more after the FDR correction, "most" means at least 90%
of the periods, and the trend is a Mann–Kendall test (Kendall's tau against time) of the cell's
z-scores at the 5% level:

1. **New hot spot**: hot in the latest period and never before.
2. **Intensifying hot spot**: hot in most periods including the latest, z-scores rising.
3. **Diminishing hot spot**: hot in most periods including the latest, z-scores falling.
4. **Persistent hot spot**: hot in most periods including the latest, no significant trend.
5. **Emerging hot spot**: hot in an unbroken run of recent periods up to the latest (fewer than
   most), never hot before that run.
6. **Sporadic hot spot**: hot in the latest period, on and off before it, never a cold spot.
7. **Oscillating hot spot**: hot in the latest period, but a cold spot at some earlier time.
8. **Historical hot spot**: hot in most periods, but not the latest.

The same rules with "cold" for "hot" give the cold-spot patterns; any other cell has **no
pattern**. With fewer than three periods no trend can be tested and only rules 1, 5 and 6 apply
(with 4 when the cell is hot in every period).

This module is pure numpy/scipy/pyproj: no Django and no geopandas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, stats

from svduty.analysis.results import ChartHint, ResultColumn, ResultTable

__all__ = [
    "CONFIDENCE_LEVELS",
    "GiStar",
    "Grid",
    "classify",
    "emerging_classes",
    "emerging_table",
    "gi_star",
    "grid_for",
    "hotspot_table",
    "hotspot_tables",
    "make_grid",
    "neighbourhood",
    "points_from_store",
    "to_lat_lon",
    "to_national_grid",
]

FloatArray = NDArray[np.floating[Any]]
IntArray = NDArray[np.int64]

# Significance after the FDR correction, strictest first: (confidence %, largest q).
CONFIDENCE_LEVELS: tuple[tuple[int, float], ...] = ((99, 0.01), (95, 0.05), (90, 0.10))
NOT_SIGNIFICANT = "Not significant"
MAX_CELLS = 4_000_000  # 500 × 500 km at 250 m: larger grids mean records placed far away
NO_PATTERN = "No pattern"


# --- Projection -------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _transformer(inverse: bool) -> Any:
    from pyproj import Transformer

    if inverse:
        return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def to_national_grid(
    latitude: Sequence[float] | FloatArray, longitude: Sequence[float] | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Eastings and northings (EPSG:27700, metres) of WGS84 points."""
    x, y = _transformer(False).transform(
        np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float)
    )
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_lat_lon(
    easting: Sequence[float] | FloatArray, northing: Sequence[float] | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """WGS84 latitude and longitude of British National Grid points."""
    lon, lat = _transformer(True).transform(
        np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    )
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


# --- The grid ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells on the British National Grid.

    Cell ``(row, col)`` has its lower-left corner at ``(x0 + col·size, y0 + row·size)``; row 0 is
    the southernmost. ``mask`` marks the cells of the study area (all of them when None).
    """

    x0: float
    y0: float
    size: float
    rows: int
    cols: int
    mask: NDArray[np.bool_] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def in_area(self) -> NDArray[np.bool_]:
        """The study-area cells as a boolean grid."""
        if self.mask is None:
            return np.ones(self.shape, dtype=bool)
        return self.mask

    def cell_id(self, row: int, col: int) -> str:
        """A stable name: size and lower-left corner in metres, e.g. "250m-E530000-N180250"."""
        x = self.x0 + col * self.size
        y = self.y0 + row * self.size
        return f"{_metres(self.size)}m-E{_metres(x)}-N{_metres(y)}"

    def centres(self) -> tuple[FloatArray, FloatArray]:
        """Eastings and northings of every cell's centre, as (rows, cols) arrays."""
        cols, rows = np.meshgrid(np.arange(self.cols), np.arange(self.rows))
        return (
            self.x0 + (cols + 0.5) * self.size,
            self.y0 + (rows + 0.5) * self.size,
        )

    def counts(self, x: FloatArray, y: FloatArray) -> IntArray:
        """How many points fall in each cell (points outside the grid or the area are dropped)."""
        col = np.floor((np.asarray(x) - self.x0) / self.size).astype(np.int64)
        row = np.floor((np.asarray(y) - self.y0) / self.size).astype(np.int64)
        inside = (col >= 0) & (col < self.cols) & (row >= 0) & (row < self.rows)
        flat = row[inside] * self.cols + col[inside]
        grid = np.bincount(flat, minlength=self.rows * self.cols).reshape(self.shape)
        grid = grid.astype(np.int64)
        if self.mask is not None:
            grid[~self.mask] = 0
        return grid


def _metres(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def make_grid(
    *, min_x: float, min_y: float, max_x: float, max_y: float, size: float = 250.0
) -> Grid:
    """The grid of ``size``-metre cells covering a box, its corner snapped to multiples of
    ``size`` so that the same places always fall in the same cells."""
    if size <= 0:
        raise ValueError("the cell size must be positive")
    x0 = math.floor(min_x / size) * size
    y0 = math.floor(min_y / size) * size
    cols = max(1, math.floor((max_x - x0) / size) + 1)
    rows = max(1, math.floor((max_y - y0) / size) + 1)
    return Grid(x0=x0, y0=y0, size=size, rows=rows, cols=cols)


def grid_for(x: FloatArray, y: FloatArray, *, size: float = 250.0, area: Any | None = None) -> Grid:
    """The grid over the points' bounding box; with ``area`` (a shapely geometry in EPSG:27700)
    the box is the area's and only cells whose centre lies in it are studied."""
    if area is not None:
        import shapely

        min_x, min_y, max_x, max_y = area.bounds
        grid = make_grid(min_x=min_x, min_y=min_y, max_x=max_x, max_y=max_y, size=size)
        cx, cy = grid.centres()
        mask = shapely.contains_xy(area, cx.ravel(), cy.ravel()).reshape(grid.shape)
        return Grid(grid.x0, grid.y0, grid.size, grid.rows, grid.cols, mask)
    if len(x) == 0:
        raise ValueError("there are no located records to look for hotspots in")
    grid = make_grid(
        min_x=float(np.min(x)),
        min_y=float(np.min(y)),
        max_x=float(np.max(x)),
        max_y=float(np.max(y)),
        size=size,
    )
    if grid.rows * grid.cols > MAX_CELLS:
        # A few records placed far away (a mistyped grid reference) would stretch the grid over
        # the country: study the box holding all but the outermost 0.1% each way instead.
        low_x, high_x = np.quantile(x, [0.001, 0.999])
        low_y, high_y = np.quantile(y, [0.001, 0.999])
        grid = make_grid(
            min_x=float(low_x), min_y=float(low_y), max_x=float(high_x), max_y=float(high_y),
            size=size,
        )  # fmt: skip
        if grid.rows * grid.cols > MAX_CELLS:
            raise ValueError(
                f"the records spread over {grid.rows * grid.cols:,} cells of {_metres(size)} m; "
                "choose larger cells or a smaller area"
            )
    return grid


def neighbourhood(size: float, band: float | None = None) -> NDArray[np.float64]:
    """The binary weights kernel, self included: cells whose centres are within ``band`` metres
    (queen contiguity, the 3×3 block, when ``band`` is None)."""
    if band is None:
        return np.ones((3, 3))
    if band < 0:
        raise ValueError("the distance band cannot be negative")
    reach = math.floor(band / size + 1e-9)
    offsets = np.arange(-reach, reach + 1) * size
    dx, dy = np.meshgrid(offsets, offsets)
    return (np.hypot(dx, dy) <= band * (1 + 1e-9)).astype(float)


# --- Gi* ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GiStar:
    """Gi* for every study-area cell, as flat arrays in row-major order of those cells."""

    grid: Grid
    rows: IntArray
    cols: IntArray
    counts: IntArray
    z: FloatArray
    p: FloatArray  # two-sided, from the normal distribution (or the permutations)
    q: FloatArray  # Benjamini–Hochberg adjusted p
    neighbours: IntArray  # W_i: cells in the neighbourhood, itself included
    permutations: int = 0

    def classes(self) -> list[str]:
        return [classify(z, q) for z, q in zip(self.z.tolist(), self.q.tolist(), strict=True)]


def classify(z: float, q: float) -> str:
    """ "Hot spot (99% confidence)", "Cold spot (90% confidence)" or "Not significant"."""
    if not math.isfinite(z) or not math.isfinite(q) or z == 0:
        return NOT_SIGNIFICANT
    for confidence, largest in CONFIDENCE_LEVELS:
        if q <= largest:
            kind = "Hot spot" if z > 0 else "Cold spot"
            return f"{kind} ({confidence}% confidence)"
    return NOT_SIGNIFICANT


def gi_star(
    counts: IntArray,
    *,
    grid: Grid,
    band: float | None = None,
    permutations: int = 0,
    seed: int | None = None,
) -> GiStar:
    """Gi* z-scores, p-values and FDR q-values for a grid of counts (see the module docstring).

    With ``permutations`` > 0 the p-values are the conditional permutation test's pseudo
    p-values (doubled to be two-sided, at most 1) instead of the normal approximation's.
    """
    kernel = neighbourhood(grid.size, band)
    area = grid.in_area()
    values = np.where(area, counts, 0).astype(float)
    lag = ndimage.correlate(values, kernel, mode="constant", cval=0.0)
    cardinality = ndimage.correlate(area.astype(float), kernel, mode="constant", cval=0.0)
    rows, cols = np.nonzero(area)
    x = values[rows, cols]
    lag_i = np.rint(lag[rows, cols])  # sums of whole counts: remove floating-point residue
    w = np.rint(cardinality[rows, cols])
    n = x.size
    mean = x.mean() if n else 0.0
    sd = math.sqrt(max(float((x**2).mean() - mean**2), 0.0)) if n else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = sd * np.sqrt((n * w - w**2) / (n - 1)) if n > 1 else np.zeros_like(w)
        z = np.where(spread > 0, (lag_i - mean * w) / spread, 0.0)
    if permutations > 0:
        p = _permutation_p(x, lag_i, w.astype(np.int64), permutations, seed)
    else:
        p = 2 * stats.norm.sf(np.abs(z))
    q = stats.false_discovery_control(p, method="bh") if n else p
    return GiStar(
        grid=grid,
        rows=rows.astype(np.int64),
        cols=cols.astype(np.int64),
        counts=x.astype(np.int64),
        z=z,
        p=p,
        q=np.asarray(q, dtype=float),
        neighbours=w.astype(np.int64),
        permutations=permutations,
    )


def _permutation_p(
    x: FloatArray, lag: FloatArray, cardinality: IntArray, permutations: int, seed: int | None
) -> FloatArray:
    """Two-sided conditional-permutation pseudo p-values for Gi*.

    For cell ``i`` with ``k`` neighbours (itself included) one draw takes ``k − 1`` distinct
    other cells at random and sums their counts with its own. The draws are shared between cells
    (as PySAL does): each permutation picks ``K − 1`` distinct indices from ``0 … n − 2``
    (``K`` the largest neighbourhood), cell ``i`` uses the first ``k − 1`` of them with index
    ``i`` itself, if drawn, standing for cell ``n − 1``. That leaves each cell a uniform draw
    from the others, and lets every cell be counted with one sorted search.
    """
    n = x.size
    if n < 2:
        return np.ones(n)
    rng = np.random.default_rng(seed)
    take = int(min(cardinality.max(), n)) - 1
    if take <= 0:
        return np.ones(n)
    draws = np.empty((permutations, take), dtype=np.int64)
    for p in range(permutations):
        draws[p] = rng.choice(n - 1, size=take, replace=False)
    sums = np.cumsum(x[draws], axis=1)  # sums[p, m] = total of the first m + 1 drawn counts
    larger = np.zeros(n)
    smaller = np.zeros(n)
    own = lag - x  # the observed neighbours' total, without the cell itself
    for k in np.unique(cardinality):
        cells = np.nonzero(cardinality == k)[0]
        if k <= 1:
            larger[cells] = permutations
            smaller[cells] = permutations
            continue
        column = np.sort(sums[:, k - 2])
        larger[cells] = permutations - np.searchsorted(column, own[cells] - 1e-9, side="left")
        smaller[cells] = np.searchsorted(column, own[cells] + 1e-9, side="right")
    # Draws that picked the cell itself stand for cell n − 1: correct those few by hand.
    positions = np.nonzero(draws < n - 1)
    perm_of, place = positions
    cell = draws[positions]
    used = place < (cardinality[cell] - 1)
    perm_of, place, cell = perm_of[used], place[used], cell[used]
    drawn = sums[perm_of, cardinality[cell] - 2]
    fixed = drawn - x[cell] + x[n - 1]
    np.add.at(larger, cell, (fixed >= own[cell] - 1e-9).astype(float))
    np.add.at(larger, cell, -(drawn >= own[cell] - 1e-9).astype(float))
    np.add.at(smaller, cell, (fixed <= own[cell] + 1e-9).astype(float))
    np.add.at(smaller, cell, -(drawn <= own[cell] + 1e-9).astype(float))
    extreme = np.minimum(larger, smaller)
    return np.minimum(1.0, 2 * (extreme + 1) / (permutations + 1))


# --- Tables -------------------------------------------------------------------------------------

HOTSPOT_COLUMNS = (
    ResultColumn("cell_id", "Grid cell", "code"),
    ResultColumn("latitude", "Centre latitude", "number"),
    ResultColumn("longitude", "Centre longitude", "number"),
    ResultColumn("count", "Records", "count"),
    ResultColumn("z", "Gi* z-score", "number"),
    ResultColumn("p", "p-value", "number"),
    ResultColumn("q", "FDR-adjusted p-value", "number"),
    ResultColumn("class", "Classification", "text"),
)


def _centres_lat_lon(result: GiStar, index: IntArray) -> tuple[FloatArray, FloatArray]:
    grid = result.grid
    x = grid.x0 + (result.cols[index] + 0.5) * grid.size
    y = grid.y0 + (result.rows[index] + 0.5) * grid.size
    return to_lat_lon(x, y)


def hotspot_table(
    result: GiStar,
    *,
    source_tables: Sequence[str],
    key: str = "places.hotspots",
    title: str = "Hotspots of serious violence (Getis-Ord Gi*)",
    include: str = "located",
) -> ResultTable:
    """The cells as a ResultTable, most significant hot spots first.

    ``include``: "significant" (hot and cold spots only), "located" (those and every cell with a
    record: the default) or "all".
    """
    classes = result.classes()
    keep = np.ones(result.z.size, dtype=bool)
    significant = np.array([c != NOT_SIGNIFICANT for c in classes], dtype=bool)
    if include == "significant":
        keep = significant
    elif include == "located":
        keep = significant | (result.counts > 0)
    elif include != "all":
        raise ValueError(f"include must be significant, located or all, not {include!r}")
    index = np.nonzero(keep)[0]
    order = index[np.lexsort((-result.counts[index], -result.z[index]))]
    lat, lon = _centres_lat_lon(result, order)
    rows = tuple(
        (
            result.grid.cell_id(int(result.rows[i]), int(result.cols[i])),
            round(float(la), 6),
            round(float(lo), 6),
            int(result.counts[i]),
            round(float(result.z[i]), 4),
            _probability(result.p[i]),
            _probability(result.q[i]),
            classes[i],
        )
        for i, la, lo in zip(order.tolist(), lat.tolist(), lon.tolist(), strict=True)
    )
    hot = sum(1 for c in classes if c.startswith("Hot"))
    cold = sum(1 for c in classes if c.startswith("Cold"))
    test = (
        f"a conditional permutation test with {result.permutations} permutations"
        if result.permutations
        else "the normal approximation"
    )
    notes = (
        f"{_metres(result.grid.size)} m grid cells on the British National Grid; "
        f"{result.z.size} cells studied, {hot} hot spots and {cold} cold spots at 90% "
        "confidence or more after the false-discovery-rate correction.",
        f"p-values are two-sided from {test}; q-values are Benjamini–Hochberg adjusted.",
        "A hot spot is a cell that, with its neighbours, has more records than the area's "
        "average would lead one to expect; it is a pattern to look into, not a cause.",
    )
    return ResultTable(
        key=key,
        title=title,
        columns=HOTSPOT_COLUMNS,
        rows=rows,
        source_tables=tuple(source_tables),
        notes=notes,
        chart=ChartHint(kind="map", x="cell_id", y="z", colour="class", title=title),
    )


def _probability(value: float) -> float:
    """Probabilities to 6 significant figures (tiny ones stay readable, not 0.0)."""
    return float(f"{float(value):.6g}")


# --- Over time ----------------------------------------------------------------------------------


def _trend_p(series: FloatArray) -> tuple[float, float]:
    """Kendall's tau of a series against time (the Mann–Kendall test) and its two-sided p."""
    if series.size < 3 or np.all(series == series[0]):
        return 0.0, 1.0
    result = stats.kendalltau(np.arange(series.size), series)
    return float(result.statistic), float(result.pvalue)


def _pattern(hot: Sequence[bool], cold: Sequence[bool], z: FloatArray, kind: str) -> str | None:
    """The rule-based pattern of one cell for ``kind`` "hot" (or "cold", with hot and cold
    swapped by the caller); None when none applies."""
    periods = len(hot)
    count = sum(hot)
    if count == 0:
        return None
    most = count >= math.ceil(0.9 * periods)
    latest = hot[-1]
    if latest and count == 1:
        return f"New {kind} spot"
    if latest and most:
        if periods >= 3:
            tau, p = _trend_p(z if kind == "hot" else -z)
            if p < 0.05 and tau > 0:
                return f"Intensifying {kind} spot"
            if p < 0.05 and tau < 0:
                return f"Diminishing {kind} spot"
        return f"Persistent {kind} spot"
    if latest:
        run = 0
        for flag in reversed(hot):
            if not flag:
                break
            run += 1
        if run == count:
            return f"Emerging {kind} spot"
        if any(cold):
            return f"Oscillating {kind} spot"
        return f"Sporadic {kind} spot"
    if most:
        return f"Historical {kind} spot"
    return None


def emerging_classes(results: Sequence[GiStar]) -> list[str]:
    """The pattern of every study-area cell over the periods of ``results`` (oldest first, all on
    the same grid), by the rules in the module docstring."""
    if not results:
        return []
    significant = [np.array(r.classes()) for r in results]
    hot = np.array([[c.startswith("Hot") for c in s] for s in significant])
    cold = np.array([[c.startswith("Cold") for c in s] for s in significant])
    z = np.array([r.z for r in results])
    patterns: list[str] = []
    for cell in range(z.shape[1]):
        hot_series, cold_series = hot[:, cell].tolist(), cold[:, cell].tolist()
        pattern = _pattern(hot_series, cold_series, z[:, cell], "hot")
        if pattern is None:
            pattern = _pattern(cold_series, hot_series, z[:, cell], "cold")
        patterns.append(pattern or NO_PATTERN)
    return patterns


def emerging_table(
    results: Sequence[GiStar],
    *,
    periods: Sequence[str],
    source_tables: Sequence[str],
    key: str = "places.emerging_hotspots",
    title: str = "How hotspots have changed over time",
) -> ResultTable:
    """Every cell with a pattern (see ``emerging_classes``), with its counts per period."""
    if len(results) != len(periods):
        raise ValueError("give one period label for each Gi* result")
    patterns = emerging_classes(results)
    if not results:
        rows: tuple[tuple[Any, ...], ...] = ()
    else:
        first = results[0]
        index = np.array([i for i, p in enumerate(patterns) if p != NO_PATTERN], dtype=np.int64)
        lat, lon = _centres_lat_lon(first, index)
        latest_z = results[-1].z
        order = sorted(
            range(index.size),
            key=lambda k: (_PATTERN_ORDER.get(patterns[index[k]], 99), -latest_z[index[k]]),
        )
        rows = tuple(
            (
                first.grid.cell_id(int(first.rows[index[k]]), int(first.cols[index[k]])),
                round(float(lat[k]), 6),
                round(float(lon[k]), 6),
                *(int(r.counts[index[k]]) for r in results),
                round(float(latest_z[index[k]]), 4),
                patterns[index[k]],
            )
            for k in order
        )
    columns = (
        HOTSPOT_COLUMNS[0],
        HOTSPOT_COLUMNS[1],
        HOTSPOT_COLUMNS[2],
        *(
            ResultColumn(f"count_{i}", f"Records {label}", "count")
            for i, label in enumerate(periods)
        ),
        ResultColumn("z_latest", f"Gi* z-score {periods[-1] if periods else ''}".strip(), "number"),
        ResultColumn("pattern", "Pattern", "text"),
    )
    notes = (
        "Gi* computed for each period on the same grid; a cell is hot (or cold) in a period when "
        "significant at 90% confidence or more after the false-discovery-rate correction.",
        "New: hot only in the latest period. Emerging: hot in an unbroken run of recent periods "
        "and not before. Persistent: hot in at least 90% of periods including the latest. "
        "Intensifying or diminishing: persistent, with the z-scores rising or falling "
        "significantly (Mann–Kendall, 5%). Sporadic: hot now, and on and off before. "
        "Oscillating: hot now but cold at some earlier time. Historical: hot in at least 90% of "
        "periods but not the latest. The same rules apply to cold spots.",
    )
    return ResultTable(
        key=key,
        title=title,
        columns=columns,
        rows=rows,
        source_tables=tuple(source_tables),
        notes=notes,
        chart=ChartHint(kind="map", x="cell_id", y="z_latest", colour="pattern", title=title),
    )


_PATTERN_ORDER = {
    f"{name} {kind} spot": rank
    for rank, (kind, name) in enumerate(
        (kind, name)
        for kind in ("hot", "cold")
        for name in (
            "New",
            "Intensifying",
            "Persistent",
            "Emerging",
            "Diminishing",
            "Sporadic",
            "Oscillating",
            "Historical",
        )
    )
}


# --- From the analytic store ------------------------------------------------------------------

LOCATED_TABLES = ("police_crime", "ambulance_assaults", "police_uk_street")


def points_from_store(
    con: Any,
    *,
    rule: Any,
    table: str,
    first_month: str,
    last_month: str,
    csp_code: str | None = None,
) -> tuple[FloatArray, FloatArray, NDArray[np.str_]]:
    """Latitude, longitude and month of the rule's located records of ``table`` in the months
    ``first_month`` … ``last_month`` (inclusive), optionally in one CSP."""
    from svduty.analysis.definitions import compile_where

    if table not in LOCATED_TABLES:
        raise ValueError(f"{table} has no record locations (use one of {LOCATED_TABLES})")
    where, params = compile_where(rule, table)
    # The table is one of LOCATED_TABLES and every value a parameter.
    sql = (
        f"SELECT latitude, longitude, month FROM {table} WHERE {where} "  # noqa: S608
        "AND latitude IS NOT NULL AND longitude IS NOT NULL AND month BETWEEN ? AND ?"
    )
    params = [*params, first_month, last_month]
    if csp_code is not None:
        sql += " AND csp_code = ?"
        params.append(csp_code)
    columns = con.execute(sql, params).fetchnumpy()
    return (
        np.asarray(columns["latitude"], dtype=float),
        np.asarray(columns["longitude"], dtype=float),
        np.asarray(columns["month"], dtype=str),
    )


def _period_of(months: NDArray[np.str_], by: str) -> NDArray[np.str_]:
    """Each month's financial year ("2023/24") or quarter ("2023/24 Q1")."""
    from svduty.analysis import periods

    labels: dict[str, str] = {}
    for month in np.unique(months).tolist():
        year = periods.financial_year_of_month(month)
        if by == "quarter":
            quarter = (int(month[5:7]) - 4) % 12 // 3 + 1
            labels[month] = f"{year} Q{quarter}"
        else:
            labels[month] = year
    return np.asarray([labels[m] for m in months.tolist()], dtype=str)


def hotspot_tables(
    con: Any,
    *,
    rule: Any,
    first_month: str,
    last_month: str,
    csp_code: str | None = None,
    table: str = "police_crime",
    size: float = 250.0,
    band: float | None = None,
    by: str = "auto",
    history_first_month: str | None = None,
    permutations: int = 0,
    seed: int | None = None,
) -> list[ResultTable]:
    """The hotspot table for the period and the pattern over time (by financial ``year`` or
    ``quarter``; ``auto``: by year when the months span two or more, else by quarter) of the
    rule's located records of ``table``; empty when none are located.

    The pattern over time covers ``history_first_month`` … ``last_month`` when given (e.g. five
    years back, for emerging hot spots by year), else the period itself.
    """
    if by not in {"auto", "year", "quarter"}:
        raise ValueError("hotspots over time are by year or by quarter")
    history = min(history_first_month or first_month, first_month)
    lat, lon, months = points_from_store(
        con,
        rule=rule,
        table=table,
        first_month=history,
        last_month=last_month,
        csp_code=csp_code,
    )
    in_period = months >= first_month
    if not in_period.any():
        return []
    x, y = to_national_grid(lat, lon)
    grid = grid_for(x, y, size=size)
    overall = gi_star(
        grid.counts(x[in_period], y[in_period]),
        grid=grid,
        band=band,
        permutations=permutations,
        seed=seed,
    )
    tables = [hotspot_table(overall, source_tables=[table])]
    if by == "auto":
        by = "year" if len(set(_period_of(months, "year").tolist())) >= 2 else "quarter"
    labels = _period_of(months, by)
    order = sorted(set(labels.tolist()))
    if len(order) >= 2:
        slices = [
            gi_star(grid.counts(x[labels == label], y[labels == label]), grid=grid, band=band)
            for label in order
        ]
        tables.append(emerging_table(slices, periods=order, source_tables=[table]))
    return tables
