"""Gi* hotspots: hand-worked values, agreement with PySAL, FDR classes and emerging patterns."""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pytest
from scipy import stats

from svduty.analysis import hotspots
from svduty.analysis.definitions import validate_rule
from svduty.analysis.hotspots import GiStar, Grid, classify, emerging_classes, gi_star, make_grid
from tests.analysis.conftest import insert


def _clustered(seed: int = 7) -> tuple[Grid, np.ndarray]:
    rng = np.random.default_rng(seed)
    grid = make_grid(min_x=0, min_y=0, max_x=2999, max_y=2249, size=250)
    x = np.concatenate([rng.uniform(0, 3000, 400), rng.normal(800, 180, 250)])
    y = np.concatenate([rng.uniform(0, 2250, 400), rng.normal(600, 180, 250)])
    return grid, grid.counts(x, y)


def test_gi_star_of_a_row_of_cells_matches_the_hand_worked_figures() -> None:
    # Counts 0 0 10 0 0, neighbours within one cell: n=5, mean 2, sd 4.
    # Middle cell: W=3, lag 10 → z = (10 − 6) / (4·sqrt((15 − 9)/4)) = 1/sqrt(1.5).
    # End cell: W=2, lag 0 → z = (0 − 4) / (4·sqrt((10 − 4)/4)) = −1/sqrt(1.5).
    grid = Grid(x0=0, y0=0, size=100, rows=1, cols=5)
    result = gi_star(np.array([[0, 0, 10, 0, 0]]), grid=grid, band=100)
    expected = 1 / np.sqrt(1.5)
    assert result.z.tolist() == pytest.approx([-expected, expected, expected, expected, -expected])
    assert result.neighbours.tolist() == [2, 3, 3, 3, 2]
    assert result.p[2] == pytest.approx(2 * stats.norm.sf(expected))


@pytest.mark.parametrize("band", [None, 600.0])
def test_z_scores_and_p_values_agree_with_pysal_to_a_millionth(band: float | None) -> None:
    libpysal = pytest.importorskip("libpysal")
    esda = pytest.importorskip("esda")
    grid, counts = _clustered()
    ours = gi_star(counts, grid=grid, band=band)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL's own deprecation and island warnings
        if band is None:
            weights = libpysal.weights.lat2W(grid.rows, grid.cols, rook=False)
        else:
            cx, cy = grid.centres()
            points = np.column_stack([cx.ravel(), cy.ravel()])
            weights = libpysal.weights.DistanceBand(points, threshold=band, binary=True)
        theirs = esda.G_Local(
            counts.ravel().astype(float), weights, transform="B", star=True, permutations=0
        )
    assert np.max(np.abs(ours.z - theirs.Zs)) < 1e-6
    assert np.max(np.abs(ours.p - 2 * theirs.p_norm)) < 1e-6
    assert ours.z.max() > 3  # the cluster is found, so the comparison is not of zeros


def test_q_values_are_the_benjamini_hochberg_adjustment_of_the_p_values() -> None:
    grid, counts = _clustered()
    result = gi_star(counts, grid=grid)
    assert result.q == pytest.approx(stats.false_discovery_control(result.p, method="bh"))
    assert np.all(result.q >= result.p - 1e-15)


@pytest.mark.parametrize(
    ("z", "q", "expected"),
    [
        (3.1, 0.009, "Hot spot (99% confidence)"),
        (2.5, 0.01, "Hot spot (99% confidence)"),
        (2.0, 0.05, "Hot spot (95% confidence)"),
        (1.8, 0.0999, "Hot spot (90% confidence)"),
        (-2.2, 0.03, "Cold spot (95% confidence)"),
        (1.7, 0.11, "Not significant"),
        (0.0, 0.0, "Not significant"),
    ],
)
def test_cells_are_classed_by_their_fdr_adjusted_p_value(z: float, q: float, expected: str) -> None:
    assert classify(z, q) == expected


def test_a_conditional_permutation_test_is_reproducible_with_a_seed_and_finds_the_cluster() -> None:
    grid, counts = _clustered()
    first = gi_star(counts, grid=grid, permutations=199, seed=3)
    second = gi_star(counts, grid=grid, permutations=199, seed=3)
    assert first.p.tolist() == second.p.tolist()
    hottest = int(np.argmax(first.z))
    assert first.p[hottest] == pytest.approx(2 / 200)  # no draw was as extreme
    assert first.p.min() >= 2 / 200
    assert first.p.max() <= 1


def test_permutation_p_values_agree_with_pysals_conditional_randomisation() -> None:
    libpysal = pytest.importorskip("libpysal")
    esda = pytest.importorskip("esda")
    grid, counts = _clustered()
    ours = gi_star(counts, grid=grid, permutations=999, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = libpysal.weights.lat2W(grid.rows, grid.cols, rook=False)
        theirs = esda.G_Local(
            counts.ravel().astype(float), weights, transform="B", star=True, seed=5, n_jobs=1
        )
    # Different random draws: the two estimates of each p-value differ by chance only. On the
    # low side PySAL counts only draws strictly below the observed value (ties, common with
    # counts, count for neither side), where svduty counts ties as at least as extreme; on the
    # high side both count draws at or above it, so compare the cells above the mean there.
    high = ours.z > 0
    two_sided = np.minimum(1, 2 * theirs.p_sim)[high]
    assert high.sum() > 20
    assert np.corrcoef(ours.p[high], two_sided)[0, 1] > 0.98
    assert np.mean(np.abs(ours.p[high] - two_sided)) < 0.03


def test_points_are_binned_into_snapped_cells_with_stable_names() -> None:
    grid = make_grid(min_x=530_010, min_y=179_990, max_x=530_600, max_y=180_300, size=250)
    assert (grid.x0, grid.y0, grid.cols, grid.rows) == (530_000, 179_750, 3, 3)
    counts = grid.counts(np.array([530_000.0, 530_249.9, 530_250.0]), np.array([179_750.0] * 3))
    assert counts[0].tolist() == [2, 1, 0]
    assert grid.cell_id(0, 1) == "250m-E530250-N179750"


def test_latitude_and_longitude_are_projected_to_the_british_national_grid() -> None:
    # Ordnance Survey's worked example, Caister water tower: 52°39'28.8282"N 1°42'57.7896"E is
    # E 651409.903 N 313177.270 through OSTN15; without that grid file PROJ's Helmert
    # transformation is good to a few metres, far inside a 250 m cell.
    latitude = 52 + 39 / 60 + 28.8282 / 3600
    longitude = 1 + 42 / 60 + 57.7896 / 3600
    x, y = hotspots.to_national_grid([latitude], [longitude])
    assert x[0] == pytest.approx(651_409.903, abs=5)
    assert y[0] == pytest.approx(313_177.270, abs=5)
    lat, lon = hotspots.to_lat_lon(x, y)
    assert (lat[0], lon[0]) == pytest.approx((latitude, longitude), abs=1e-6)


def test_the_hotspot_table_lists_the_hottest_cells_first_with_every_column() -> None:
    grid, counts = _clustered()
    table = hotspots.hotspot_table(gi_star(counts, grid=grid), source_tables=["police_crime"])
    names = [c.name for c in table.columns]
    assert names == ["cell_id", "latitude", "longitude", "count", "z", "p", "q", "class"]
    z = [row[names.index("z")] for row in table.rows]
    assert z == sorted(z, reverse=True)
    assert table.rows[0][-1] == "Hot spot (99% confidence)"
    assert all(row[3] > 0 or row[-1] != "Not significant" for row in table.rows)
    assert table.chart is not None
    assert table.chart.kind == "map"


def _slice(z: list[float], q: list[float]) -> GiStar:
    grid = Grid(x0=0, y0=0, size=250, rows=1, cols=len(z))
    n = len(z)
    return GiStar(
        grid=grid,
        rows=np.zeros(n, dtype=np.int64),
        cols=np.arange(n, dtype=np.int64),
        counts=np.ones(n, dtype=np.int64),
        z=np.array(z, dtype=float),
        p=np.array(q, dtype=float),
        q=np.array(q, dtype=float),
        neighbours=np.full(n, 9, dtype=np.int64),
    )


HOT, COLD, NONE = (3.0, 0.001), (-3.0, 0.001), (0.5, 0.6)


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ([NONE, NONE, NONE, NONE, HOT], "New hot spot"),
        ([NONE, NONE, HOT, HOT, HOT], "Emerging hot spot"),
        ([HOT, HOT, HOT, HOT, HOT], "Persistent hot spot"),
        ([(2.6, 0.01), (3, 0.001), (3.5, 0.001), (4, 0.001), (5, 0.001)], "Intensifying hot spot"),
        ([(5, 0.001), (4, 0.001), (3.5, 0.001), (3, 0.001), (2.6, 0.01)], "Diminishing hot spot"),
        ([HOT, NONE, HOT, NONE, HOT], "Sporadic hot spot"),
        ([COLD, NONE, HOT, NONE, HOT], "Oscillating hot spot"),
        ([HOT] * 9 + [NONE], "Historical hot spot"),
        ([NONE, NONE, COLD, COLD, COLD], "Emerging cold spot"),
        ([NONE, HOT, NONE, NONE, NONE], "No pattern"),
    ],
)
def test_cells_get_the_emerging_hotspot_pattern_the_rules_give(
    series: list[tuple[float, float]], expected: str
) -> None:
    slices = [_slice([z], [q]) for z, q in series]
    assert emerging_classes(slices) == [expected]


def test_the_emerging_table_lists_counts_by_period_and_patterned_cells_only() -> None:
    slices = [_slice([HOT[0], 0.1], [HOT[1], 0.9]) for _ in range(3)]
    table = hotspots.emerging_table(
        slices, periods=["2021/22", "2022/23", "2023/24"], source_tables=["police_crime"]
    )
    assert [c.label for c in table.columns][3:6] == [
        "Records 2021/22",
        "Records 2022/23",
        "Records 2023/24",
    ]
    assert len(table.rows) == 1
    assert table.rows[0][-1] == "Persistent hot spot"


def test_points_come_from_the_rules_located_records_in_the_period(con: object) -> None:
    rule = validate_rule(
        {
            "format": "svduty-local-definition/1",
            "version": "1",
            "sources": {"police_crime": [{"offence_codes": ["1"]}]},
        }
    )
    base = {"source_file": "f.csv", "offence_code": "1", "recorded_date": date(2023, 5, 1)}
    insert(
        con,  # type: ignore[arg-type]
        "police_crime",
        [
            base | {"latitude": 51.5, "longitude": -0.12, "month": "2023-05"},
            base | {"latitude": None, "longitude": None, "month": "2023-05"},  # no location
            base | {"latitude": 51.6, "longitude": -0.1, "month": "2024-04"},  # outside period
            base | {"latitude": 51.5, "longitude": -0.1, "month": "2023-06", "offence_code": "8N"},
        ],
    )
    lat, lon, month = hotspots.points_from_store(
        con, rule=rule, table="police_crime", first_month="2023-04", last_month="2024-03"
    )
    assert lat.tolist() == [51.5]
    assert lon.tolist() == [-0.12]
    assert month.tolist() == ["2023-05"]


def test_hotspot_tables_from_the_store_by_quarter_within_one_year_and_their_public_version(
    con: object,
) -> None:
    rule = validate_rule(
        {
            "format": "svduty-local-definition/1",
            "version": "1",
            "sources": {"police_crime": [{"offence_codes": ["1"]}]},
        }
    )
    rng = np.random.default_rng(2)
    rows = []
    for number in range(400):
        clustered = number % 2 == 0
        lat = 54.97 + (rng.normal(0, 0.002) if clustered else rng.uniform(-0.03, 0.03))
        lon = -1.61 + (rng.normal(0, 0.003) if clustered else rng.uniform(-0.05, 0.05))
        month = f"2023-{4 + number % 9:02d}"
        rows.append(
            {
                "source_file": "f.csv",
                "offence_code": "1",
                "latitude": lat,
                "longitude": lon,
                "month": month,
            }
        )
    insert(con, "police_crime", rows)  # type: ignore[arg-type]
    tables = hotspots.hotspot_tables(con, rule=rule, first_month="2023-04", last_month="2024-03")
    assert [t.key for t in tables] == ["places.hotspots", "places.emerging_hotspots"]
    overall, emerging = tables
    assert sum(row[3] for row in overall.rows) == 400
    assert [c.label for c in emerging.columns][3:6] == [
        "Records 2023/24 Q1",
        "Records 2023/24 Q2",
        "Records 2023/24 Q3",
    ]
    assert overall.rows[0][-1] == "Hot spot (99% confidence)"
    sna = pytest.importorskip("svduty.analysis.sna")
    public = sna.public_version(overall)
    counts = [row[3] for row in public.rows]
    assert not [c for c in counts if isinstance(c, int) and 1 <= c <= 7]
    assert "*" in counts
    # z, p and q come from the exact counts of each cell and its neighbours: published beside
    # the hidden counts they would give them back, so only the classification is.
    assert {row[4:7] for row in public.rows} == {(None, None, None)}
    assert [row[-1] for row in public.rows] == [row[-1] for row in overall.rows]
    assert sna.HOTSPOT_PUBLIC_NOTE in public.notes
    public_emerging = sna.public_version(emerging)
    latest = [c.name for c in emerging.columns].index("z_latest")
    assert {row[latest] for row in public_emerging.rows} == {None}


def test_the_pattern_over_time_can_reach_back_further_than_the_period(con: object) -> None:
    rule = validate_rule(
        {
            "format": "svduty-local-definition/1",
            "version": "1",
            "sources": {"police_crime": [{"offence_codes": ["1"]}]},
        }
    )
    rows = [
        {
            "source_file": "f.csv",
            "offence_code": "1",
            "latitude": 54.97 + 0.001 * (n % 7),
            "longitude": -1.61 + 0.001 * (n % 5),
            "month": f"{2021 + n % 3}-06",
        }
        for n in range(60)
    ]
    insert(con, "police_crime", rows)  # type: ignore[arg-type]
    overall, emerging = hotspots.hotspot_tables(
        con,
        rule=rule,
        first_month="2023-04",
        last_month="2024-03",
        history_first_month="2021-04",
    )
    assert sum(row[3] for row in overall.rows) == 20  # only 2023/24's records
    assert [c.label for c in emerging.columns][3:6] == [
        "Records 2021/22",
        "Records 2022/23",
        "Records 2023/24",
    ]


def test_a_record_placed_far_away_does_not_stretch_the_grid_over_the_country() -> None:
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.uniform(400_000, 420_000, 5000), [1_000.0]])
    y = np.concatenate([rng.uniform(500_000, 520_000, 5000), [1_250_000.0]])
    grid = hotspots.grid_for(x, y)
    assert grid.rows * grid.cols <= hotspots.MAX_CELLS
    assert grid.x0 >= 399_000
    assert grid.counts(x, y).sum() < 5001  # the stray record falls outside the grid
