"""Demo data generated once per test session, small (scale 0.05) and medium (scale 0.3)."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from svduty.demo.generate import DemoManifest, generate_demo


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, float]:
    """The demo at scale 0.05, and the seconds it took to generate."""
    started = time.perf_counter()
    manifest = generate_demo(out_dir=tmp_path_factory.mktemp("small"), seed=7, scale=0.05)
    return manifest, time.perf_counter() - started


@pytest.fixture(scope="session")
def demo(small_demo: tuple[DemoManifest, float]) -> DemoManifest:
    return small_demo[0]


@pytest.fixture(scope="session")
def medium_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """Big enough for yearly trends and the links between sources to show through the noise."""
    return generate_demo(out_dir=tmp_path_factory.mktemp("medium"), seed=2024, scale=0.3)


def read_rows(paths: Iterator[Path] | list[Path] | tuple[Path, ...]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f))
    return rows
