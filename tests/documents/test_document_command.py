"""`svduty document KIND` (contracts.md section 5): writes the file its extension names, showing
progress; bad usage exits 2 with the reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from svduty.access.models import AuditEvent
from svduty.documents.commands import register
from tests.documents.factories import NORTH, small_partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def svduty(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """The ``svduty`` command with only the document command, on the test database."""
    monkeypatch.setattr("svduty.cli.migrate", lambda **_: None)

    @click.group()
    def main() -> None:
        pass

    register(main)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def _document(svduty: Callable[..., Any], kind: str, output: Path, *extra: str) -> Any:
    return svduty("document", kind, "--partnership", "smallshire", "--year", "2023/24",
                  "--output", str(output), *extra)  # fmt: skip


def test_a_locality_profile_without_an_area_is_bad_usage(
    svduty: Callable[..., Any], tmp_path: Path
) -> None:
    result = _document(svduty, "locality-profile", tmp_path / "profile.html")
    assert result.exit_code == 2
    assert "give its code with --area" in result.output
    assert not (tmp_path / "profile.html").exists()


def test_an_unknown_extension_is_bad_usage(svduty: Callable[..., Any], tmp_path: Path) -> None:
    result = _document(svduty, "sna", tmp_path / "sna.txt")
    assert result.exit_code == 2
    assert "the extension must be one of .html .pdf .docx .odt .xlsx .ods" in result.output


def test_an_unknown_kind_or_partnership_is_bad_usage(
    svduty: Callable[..., Any], tmp_path: Path
) -> None:
    assert _document(svduty, "leaflet", tmp_path / "x.html").exit_code == 2
    result = _document(svduty, "sna", tmp_path / "x.html")
    assert result.exit_code == 2
    assert "no partnership with the slug 'smallshire'" in result.output


def test_an_area_that_is_not_one_of_the_partnerships_csps_is_refused(
    svduty: Callable[..., Any], tmp_path: Path
) -> None:
    small_partnership(tmp_path)
    result = _document(svduty, "locality-profile", tmp_path / "p.html", "--area", "E22000999")
    assert result.exit_code == 2
    assert "E22000999 is not one of the partnership's CSPs" in result.output
    result = _document(svduty, "sna", tmp_path / "s.html", "--area", NORTH)
    assert result.exit_code == 2
    assert "only for a locality-profile" in result.output


def test_the_command_writes_the_document_showing_progress(
    svduty: Callable[..., Any], tmp_path: Path
) -> None:
    small_partnership(tmp_path)
    output = tmp_path / "profile.docx"
    result = _document(svduty, "locality-profile", output, "--area", NORTH, "--public")
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(b"PK")
    assert "100% wrote profile.docx" in result.output
    assert f"Wrote {output}" in result.output
    assert AuditEvent.objects.filter(action="export", partnership_slug="smallshire").exists()


def test_background_starts_a_job_and_returns(svduty: Callable[..., Any], tmp_path: Path) -> None:
    small_partnership(tmp_path)
    output = tmp_path / "panel.odt"
    result = _document(svduty, "panel-report", output, "--background")
    assert result.exit_code == 0, result.output
    assert "Started job" in result.output
    assert output.exists()  # the test queue runs jobs at once
