"""An import killed half-way leaves the store and the database as they were for readers.

A real ``svduty import`` runs in a child process on a generated police.uk file large enough to
take a few seconds; it is killed (SIGKILL: nothing of its own gets to run) as soon as its
temporary Parquet file appears. Every check goes through separate processes with their own
``SVDUTY_HOME``, as a web process reading the store would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)

pytestmark = pytest.mark.slow

SETUP = """
from svduty.cli import migrate, setup_django
setup_django()
migrate()
from svduty.geography.models import Area
from svduty.partnership.models import Partnership
pfa = Area.objects.create(code="E23000001", name="Force 1", level="pfa", vintage=2024)
Partnership.objects.create(slug="killed", name="Killed import test", police_force_area=pfa)
print("ready")
"""
SNAPSHOT = """
import json
from svduty.cli import setup_django
setup_django()
from svduty.datasets.models import Import
from svduty.datasets.queries import analytic_connection
from svduty.partnership.models import Partnership
con = analytic_connection(Partnership.objects.get(slug="killed"))
live = con.execute("SELECT count(*) FROM police_uk_street").fetchall()[0][0]
con.close()
print(json.dumps({
    "live_rows": live,
    "statuses": {str(i.pk): i.status for i in Import.objects.all()},
}))
"""
SWEEP = """
from svduty.cli import setup_django
setup_django()
from svduty.datasets.actions import sweep_abandoned_imports
print(sweep_abandoned_imports())
"""


def _env(home: Path) -> dict[str, str]:
    # The children keep to their own SQLite database under ``home``: a DATABASE_URL given to the
    # test run names the server's real database, not the test database pytest made.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        SVDUTY_HOME=str(home),
        DJANGO_SETTINGS_MODULE="svduty.config.settings",
        SVDUTY_PSEUDONYM_KEY="kill-test-pseudonym-key",
    )
    return env


def _python(home: Path, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _snapshot(home: Path) -> dict[str, Any]:
    snapshot: dict[str, Any] = json.loads(_python(home, SNAPSHOT))
    return snapshot


def _import_command(path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "svduty",
        "import",
        "police-uk-street",
        str(path),
        "--partnership",
        "killed",
        "--format",
        "json",
    ]


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_an_import_killed_half_way_leaves_readers_seeing_what_they_saw_before(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    assert _python(home, SETUP) == "ready"
    # Something live before: a small import of one month.
    small = tmp_path / "2022-01-small-street.csv"
    small.write_text(
        STREET_HEADER
        + "\n"
        + "\n".join(
            f"{i:064x},2022-01,Force 1 Police,Force 1 Police,,,No Location,,,Drugs,,"
            for i in range(1, 4)
        )
        + "\n",
        encoding="utf-8",
    )
    first = subprocess.run(
        _import_command(small), env=_env(home), capture_output=True, text=True, check=False
    )
    assert first.returncode == 0, first.stderr
    before = _snapshot(home)
    assert before["live_rows"] == 3
    store = home / "store" / "killed" / "police_uk_street"
    store_before = _files_under(home / "store")

    sys.path.insert(0, str(BENCH))
    try:
        from police_uk_generator import generate_street_csv
    finally:
        sys.path.remove(str(BENCH))
    big = tmp_path / "2023-big-street.csv"
    rows = generate_street_csv(path=big, scale=0.1)  # 650,000 rows, 130 MB

    child = subprocess.Popen(
        _import_command(big),
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    temporary: list[Path] = []
    while time.monotonic() < deadline and child.poll() is None:
        temporary = list(store.glob("*.parquet.tmp"))
        if temporary:
            break
        time.sleep(0.01)
    assert child.poll() is None, "the import finished before it could be killed: use more rows"
    assert temporary, "no temporary Parquet file appeared"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    # Readers see exactly what they saw before; the killed import is only a `running` row.
    after = _snapshot(home)
    assert after["live_rows"] == before["live_rows"]
    killed = [pk for pk, status in after["statuses"].items() if pk not in before["statuses"]]
    assert len(killed) == 1
    assert after["statuses"][killed[0]] == "running"
    assert {pk: s for pk, s in after["statuses"].items() if pk != killed[0]} == before["statuses"]
    assert not (store / f"{killed[0]}.parquet").exists()

    # The sweep sees its process is gone and removes everything it wrote.
    assert _python(home, SWEEP) == "1"
    swept = _snapshot(home)
    assert swept["statuses"][killed[0]] == "rejected"
    assert swept["live_rows"] == before["live_rows"]
    assert _files_under(home / "store") == store_before
    leftovers = [
        p for p in _files_under(home / "files") if killed[0] in str(p) or p.suffix == ".tmp"
    ]
    assert leftovers == []

    # Running it again succeeds, and only then do readers see the new rows.
    again = subprocess.run(
        _import_command(big), env=_env(home), capture_output=True, text=True, check=False
    )
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["status"] == "completed"
    assert report["rows"]["stored"] == rows
    assert _snapshot(home)["live_rows"] == before["live_rows"] + rows
