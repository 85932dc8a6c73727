"""Frameworks as data: shipped files validate; bad files are refused naming the file and problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from svduty.partnership import actions
from svduty.partnership.frameworks import (
    FrameworkError,
    parse_framework,
    read_framework,
    shipped_framework_files,
)
from svduty.partnership.models import Framework

REQUIREMENTS = b"""
kind: requirements
slug: test-requirements
version: 1
title: Test requirements
items:
  - key: strategy
    title: Publish the strategy
    first_due: 2024-01-31
  - key: review-strategy
    title: Review the strategy
    first_due: 2025-01-31
    recurs_every_months: 12
"""


def test_the_shipped_frameworks_validate_and_cover_the_duty() -> None:
    documents = {d.kind: d for d in map(read_framework, shipped_framework_files())}
    keys = {row["key"] for row in documents["requirements"].item_rows()}
    assert {
        "partnership-model",
        "local-definition",
        "strategic-needs-assessment",
        "strategy",
        "review-needs-assessment",
        "review-strategy",
        "consult-relevant-authorities",
        "success-measures",
    } <= keys
    ratings = documents["self_assessment"].content["ratings"]
    assert ratings[0]["label"] == "Not started"
    assert ratings[-1]["label"] == "Mature, demonstrating best practice"
    assert len(documents["self_assessment"].question_rows()) >= 12


def test_yaml_dates_are_read_as_dates() -> None:
    rows = parse_framework(REQUIREMENTS, file_name="r.yaml").item_rows()
    assert rows[0]["first_due_on"].isoformat() == "2024-01-31"
    assert rows[0]["recurs_every_months"] is None
    assert rows[1]["recurs_every_months"] == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"kind: requirements\nslug: [unclosed\n", "not valid YAML at line"),
        (b"- just\n- a list\n", "expected a mapping"),
        (b"kind: rules\nslug: x\n", "kind must be one of"),
        (REQUIREMENTS.replace(b"2024-01-31", b"31/01/2024"), "at items[0].first_due"),
        (REQUIREMENTS.replace(b"version: 1", b"version: one"), "at version"),
        (
            REQUIREMENTS.replace(b"key: review-strategy", b"key: strategy"),
            "item key 'strategy' appears more than once",
        ),
        (
            REQUIREMENTS.replace(b"    title: Publish the strategy\n", b""),
            "at items[0]: 'title' is a required property",
        ),
    ],
)
def test_a_bad_framework_is_refused_naming_the_file_and_the_problem(
    text: bytes, expected: str
) -> None:
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text, file_name="bad.yaml")
    assert str(caught.value).startswith("bad.yaml: ")
    assert expected in str(caught.value)


def test_a_rating_scale_must_count_up_from_nought() -> None:
    text = Path(shipped_framework_files()[-1]).read_bytes().replace(b"value: 0", b"value: 5")
    with pytest.raises(FrameworkError, match="ratings must be numbered 0, 1, 2"):
        parse_framework(text, file_name="sa.yaml")


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing() -> None:
    document = parse_framework(REQUIREMENTS, file_name="r.yaml")
    framework, created = actions.load_framework(document=document, by=None)
    assert created
    assert [i.key for i in framework.items.all()] == ["strategy", "review-strategy"]
    again, created_again = actions.load_framework(document=document, by=None)
    assert (again.pk, created_again) == (framework.pk, False)
    assert Framework.objects.filter(slug="test-requirements").count() == 1


@pytest.mark.django_db
def test_a_changed_file_with_a_version_already_loaded_is_refused() -> None:
    actions.load_framework(document=parse_framework(REQUIREMENTS, file_name="r.yaml"), by=None)
    changed = parse_framework(
        REQUIREMENTS.replace(b"Test requirements", b"Changed"), file_name="r2.yaml"
    )
    with pytest.raises(
        FrameworkError, match=r"r2\.yaml: version 1 of test-requirements is already"
    ):
        actions.load_framework(document=changed, by=None)


@pytest.mark.django_db
def test_the_data_migration_loaded_the_shipped_frameworks() -> None:
    slugs = set(Framework.objects.values_list("slug", flat=True))
    assert {"svd-requirements", "svd-self-assessment"} <= slugs


def _svduty(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "svduty", *args],
        capture_output=True,
        text=True,
        check=False,
        env={"SVDUTY_HOME": str(home), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.slow
def test_frameworks_load_exits_2_naming_the_file_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "my-framework.yaml"
    bad.write_bytes(REQUIREMENTS.replace(b"recurs_every_months: 12", b"recurs_every_months: 0"))
    home = tmp_path / "home"
    refused = _svduty(home, "frameworks", "load", str(bad))
    assert refused.returncode == 2, refused.stderr
    assert "my-framework.yaml" in refused.stderr
    assert "items[1].recurs_every_months" in refused.stderr
    after = _svduty(home, "frameworks", "list")
    assert "test-requirements" not in after.stdout
    assert "svd-requirements" in after.stdout  # the shipped frameworks, loaded by the migration
    good = tmp_path / "good.yaml"
    good.write_bytes(REQUIREMENTS)
    loaded = _svduty(home, "frameworks", "load", str(good))
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded test-requirements version 1" in loaded.stdout
