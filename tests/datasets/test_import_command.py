"""`svduty import KIND …`: policies per source, the declared period, exit codes and progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from django.urls import reverse

from svduty.access.roles import Role
from svduty.cli import main
from svduty.datasets.actions import import_files, quarantined_rows
from svduty.datasets.models import DataSource, Import
from svduty.geography.models import Area, AreaLink
from svduty.jobs.models import Job
from svduty.jobs.runner import start_job
from tests.factories import PartnershipFactory, member
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

HEADER = "crime_ref,recorded_date,offence_code,knife_flag,lsoa_code"


@pytest.fixture
def partnership():  # type: ignore[no-untyped-def]
    pfa = Area.objects.create(code="X23000008", name="Cmdshire", level="pfa", vintage=2024)
    csp = Area.objects.create(code="X22000008", name="Cmdtown", level="csp", vintage=2024)
    lad = Area.objects.create(code="X07000008", name="Cmdtown", level="lad", vintage=2024)
    lsoa = Area.objects.create(code="X01000008", name="Cmdtown 001A", level="lsoa", vintage=2021)
    AreaLink.objects.create(child=csp, parent=pfa)
    AreaLink.objects.create(child=lad, parent=csp)
    AreaLink.objects.create(child=lsoa, parent=lad)
    return PartnershipFactory(slug="cmdshire", police_force_area=pfa)


def _crimes(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "crimes.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _import(*args: str) -> Result:
    return CliRunner().invoke(
        main, ["import", "police-crime", *args, "--partnership", "cmdshire"], catch_exceptions=False
    )


def test_a_refused_import_exits_2_naming_file_row_and_column_on_stderr(
    tmp_path: Path, partnership
) -> None:
    path = _crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008", "A2,2023-13-01,8N,Y,X01000008")

    result = _import(str(path), "--policy", "refuse", "--format", "json")

    assert result.exit_code == 2
    assert "crimes.csv, row 2, column 'recorded_date', value '2023-13-01'" in result.stderr
    assert json.loads(result.stdout)["status"] == "rejected"
    assert not Import.objects.filter(status="completed").exists()


def test_the_sources_policy_applies_when_the_source_is_named(tmp_path: Path, partnership) -> None:
    DataSource.objects.create(
        partnership=partnership,
        kind="police-crime",
        name="Force extract",
        validation_policy=DataSource.Policy.REFUSE,
    )
    path = _crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008", "A2,2023-04-04,8N,maybe,X01000008")

    refused = _import(str(path), "--source", "Force extract", "--format", "json")
    quarantined = _import(str(path), "--format", "json")

    assert refused.exit_code == 2
    assert "row 2, column 'knife_flag'" in refused.stderr
    assert quarantined.exit_code == 0
    report = json.loads(quarantined.stdout)
    assert report["rows"] == {"read": 2, "stored": 1, "quarantined": 1, "rejected": 0}
    record = Import.objects.get(pk=report["id"])
    assert [(q["file"], q["row"]) for q in quarantined_rows(record)] == [("crimes.csv", 2)]
    shown = CliRunner().invoke(main, ["imports", "show", report["id"], "--quarantine"])
    assert shown.exit_code == 0
    [row] = json.loads(shown.stdout)
    assert (row["row"], row["findings"][0]["column"]) == (2, "knife_flag")


def test_an_unknown_source_is_bad_usage(tmp_path: Path, partnership) -> None:
    result = _import(str(_crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008")), "--source", "Nope")
    assert result.exit_code == 2
    assert "no police-crime data source called 'Nope'" in result.stderr


def test_months_outside_the_declared_period_are_errors(tmp_path: Path, partnership) -> None:
    path = _crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008", "A2,2023-07-01,8N,Y,X01000008")

    refused = _import(str(path), "--period", "2023-04..2023-06", "--policy", "refuse")
    kept = _import(str(path), "--period", "2023-04..2023-06", "--format", "json")

    assert kept.exit_code == 0
    assert json.loads(kept.stdout)["rows"]["quarantined"] == 1
    assert refused.exit_code == 2
    assert "row 2" in refused.stderr
    assert "outside the declared period (2023-04 to 2023-06)" in refused.stderr


def test_a_malformed_period_is_refused_before_anything_is_recorded(
    tmp_path: Path, partnership
) -> None:
    result = _import(str(_crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008")), "--period", "2023")
    assert result.exit_code == 2
    assert not Import.objects.exists()


def test_text_output_draws_a_progress_bar_and_json_output_does_not(
    tmp_path: Path, partnership
) -> None:
    path = _crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008")
    text = _import(str(path))
    path.write_text(path.read_text() + "A2,2023-04-04,8N,Y,X01000008\n")
    as_json = _import(str(path), "--format", "json")

    assert text.exit_code == 0
    assert "Importing police-crime" in text.stderr
    assert as_json.exit_code == 0
    assert "Importing" not in as_json.stderr
    assert json.loads(as_json.stdout)["status"] == "completed"


def test_progress_is_reported_from_start_to_finish(tmp_path: Path, partnership) -> None:
    seen: list[float] = []
    import_files(
        partnership=partnership,
        kind="police-crime",
        paths=[_crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008")],
        by=None,
        progress=lambda fraction, message="": seen.append(fraction),
    )
    assert seen == sorted(seen)
    assert seen[0] < 0.1
    assert seen[-1] == 1.0


def test_an_import_job_keeps_its_progress_and_points_at_its_import(
    tmp_path: Path, partnership
) -> None:
    job = start_job(
        kind="import",
        params={
            "partnership": "cmdshire",
            "kind": "police-crime",
            "paths": [str(_crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008"))],
            "period": ["2023-04", "2024-03"],
        },
        background=False,
    )
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 1.0
    assert Import.objects.get(pk=job.result["import_id"]).status == "completed"


def test_the_job_page_of_a_running_import_shows_a_progress_bar_that_refreshes_itself(
    client, partnership
) -> None:
    user = member(Role.ANALYST)
    job = Job.objects.create(
        kind="import", status=Job.Status.RUNNING, progress=0.4, created_by=user
    )
    sign_in(client, user)

    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert '<progress id="job-progress"' in page
    assert 'value="40"' in page
    assert '<meta http-equiv="refresh"' in page


def test_the_partnership_may_be_left_out_when_there_is_only_one(
    tmp_path: Path, partnership
) -> None:
    path = _crimes(tmp_path, "A1,2023-04-03,8N,Y,X01000008")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("format: police-crime\ncolumns:\n  Ref: crime_ref\n", encoding="utf-8")
    runner = CliRunner()
    # As contracts.md 2.3 writes them: no --partnership.
    added = runner.invoke(
        main, ["mappings", "add", "force", "--format", "police-crime", "--from", str(mapping)]
    )
    assert added.exit_code == 0, added.output
    assert "for cmdshire" in added.output
    imported = runner.invoke(main, ["import", "police-crime", str(path), "--format", "json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["partnership"] == "cmdshire"
    # With two partnerships, which one must be said.
    PartnershipFactory(slug="other")
    refused = runner.invoke(main, ["import", "police-crime", str(path)])
    assert refused.exit_code == 2
    assert "--partnership" in refused.stderr
