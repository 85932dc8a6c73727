"""Hotspot benchmark: Gi* on a 250 m grid for about 150,000 located records of one force area.

Run by hand: ``.venv/bin/python bench/hotspot_bench.py [--points 150000] [--permutations 999]``.
Prints the time of each step. Target (issue 5): under 10 seconds on a 2-core machine, for the
whole-period table plus the emerging-hotspot classification over five financial years.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from svduty.analysis import hotspots


def synthetic_points(count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points over a 40 × 30 km area (about a force area) with a few dense clusters, and months
    spread over five financial years."""
    rng = np.random.default_rng(seed)
    background = int(count * 0.7)
    x = rng.uniform(380_000, 420_000, background)
    y = rng.uniform(380_000, 410_000, background)
    centres = rng.uniform((385_000, 385_000), (415_000, 405_000), size=(12, 2))
    clustered = count - background
    which = rng.integers(0, len(centres), clustered)
    x = np.concatenate([x, centres[which, 0] + rng.normal(0, 400, clustered)])
    y = np.concatenate([y, centres[which, 1] + rng.normal(0, 400, clustered)])
    lat, lon = hotspots.to_lat_lon(x, y)
    year = rng.integers(2019, 2024, count)
    month = rng.integers(0, 12, count)
    labels = np.array(
        [f"{y0 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for y0, m in zip(year, month, strict=True)]
    )
    return lat, lon, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=150_000)
    parser.add_argument("--permutations", type=int, default=0)
    parser.add_argument("--size", type=float, default=250.0)
    args = parser.parse_args()
    lat, lon, months = synthetic_points(args.points)
    start = time.perf_counter()
    x, y = hotspots.to_national_grid(lat, lon)
    projected = time.perf_counter()
    grid = hotspots.grid_for(x, y, size=args.size)
    result = hotspots.gi_star(grid.counts(x, y), grid=grid, permutations=args.permutations, seed=1)
    table = hotspots.hotspot_table(result, source_tables=["police_crime"])
    overall = time.perf_counter()
    labels = hotspots._period_of(months, "year")
    order = sorted(set(labels.tolist()))
    slices = [
        hotspots.gi_star(grid.counts(x[labels == p], y[labels == p]), grid=grid) for p in order
    ]
    emerging = hotspots.emerging_table(slices, periods=order, source_tables=["police_crime"])
    done = time.perf_counter()
    print(
        f"points: {args.points:,}; grid {grid.rows} × {grid.cols} = {grid.rows * grid.cols:,} cells"
    )
    print(f"project to EPSG:27700: {projected - start:.2f} s")
    print(
        f"Gi* whole period ({args.permutations} permutations) + table of {len(table.rows):,} "
        f"cells: {overall - projected:.2f} s"
    )
    print(
        f"Gi* for {len(order)} years + emerging patterns ({len(emerging.rows):,} cells): "
        f"{done - overall:.2f} s"
    )
    print(f"total: {done - start:.2f} s (target < 10 s)")


if __name__ == "__main__":
    main()
