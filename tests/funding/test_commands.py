"""`svduty export 360giving` and `svduty export spend`."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from svduty.access.models import AuditEvent
from svduty.funding import actions
from svduty.funding.commands import register
from tests.funding.factories import grant, people
from tests.funding.schema import validation_errors
from tests.funding.test_opendata import _funded

pytestmark = pytest.mark.django_db


@pytest.fixture
def svduty(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``svduty`` command with only the export group, on the test database."""
    monkeypatch.setattr("svduty.cli.migrate", lambda **_: None)

    @click.group()
    def main() -> None:
        pass

    register(main)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_export_360giving_writes_a_valid_package(svduty: Any, tmp_path: Path) -> None:
    p = people(slug="north")
    _funded(p)
    out = tmp_path / "grants.json"
    result = svduty("export", "360giving", "--partnership", "north", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 2 grants" in result.output
    assert validation_errors(json.loads(out.read_text())) == []
    assert AuditEvent.objects.filter(action="export", partnership_slug="north").count() == 1


def test_export_360giving_refuses_when_no_grant_was_given(svduty: Any, tmp_path: Path) -> None:
    people(slug="empty")
    out = tmp_path / "grants.json"
    result = svduty("export", "360giving", "--partnership", "empty", "--output", str(out))
    assert result.exit_code == 2
    assert "no grants given yet" in result.output
    assert not out.exists()


def test_an_unknown_partnership_is_bad_input(svduty: Any, tmp_path: Path) -> None:
    result = svduty(
        "export", "spend", "--partnership", "nowhere", "--output", str(tmp_path / "s.csv")
    )
    assert result.exit_code == 2
    assert "no partnership" in result.output


def test_an_output_of_another_kind_or_in_no_folder_is_bad_input(
    svduty: Any, tmp_path: Path
) -> None:
    for args, reason in [
        (["spend", "--output", str(tmp_path / "missing" / "s.csv")], "there is no folder"),
        (["spend", "--output", str(tmp_path / "s.json")], "must end in .csv"),
        (["360giving", "--output", str(tmp_path / "g.txt")], "must end in .json"),
    ]:
        result = svduty("export", *args, "--partnership", "nowhere")
        assert result.exit_code == 2, result.output
        assert reason in result.output
    assert list(tmp_path.iterdir()) == []


def test_export_spend_writes_payments_over_500(svduty: Any, tmp_path: Path) -> None:
    p = people(slug="south")
    g = grant(p)
    for amount in ("499.99", "500.00", "1234.56"):
        actions.record_spend(
            grant=g,
            cost_type="non_labour",
            paid_on=date(2024, 7, 1),
            amount=amount,
            supplier_name="Youth Trust",
            by=p.lead,
        )
    out = tmp_path / "spend.csv"
    result = svduty("export", "spend", "--partnership", "south", "--output", str(out))
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Amount"] for r in rows] == ["1234.56"]
