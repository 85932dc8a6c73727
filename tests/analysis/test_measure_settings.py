"""A partnership's own settings for the success measures (contracts.md section 3: "defaults,
editable per partnership, versioned"): stored by an audited action, used by every figure and
named in its definition version."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from svduty.access.models import AuditEvent
from svduty.analysis import store
from svduty.analysis.actions import set_measure_settings
from svduty.analysis.measures import DEFAULT_SETTINGS, check_settings
from svduty.analysis.models import MeasureSettingsVersion
from svduty.analysis.queries import measure_settings_of, success_measures_report
from svduty.partnership.models import Partnership
from tests.analysis.test_stored_results import import_crimes, make_partnership

pytestmark = pytest.mark.django_db

WITHOUT_8N = {
    **DEFAULT_SETTINGS.to_json(),
    "selected_offences": {
        "offence_codes": ["1", "2", "4.1", "4.2", "4.10", "5A", "5D", "8P", "34A", "34B"],
        "offence_classifications": ["3", "17", "19", "20"],
    },
}


@pytest.fixture
def partnership() -> Partnership:
    """Testshire with, in 2019/20, 10 knife crimes coded 8N and 10 coded 34B (robbery) and, in
    2023/24, 10 coded 8N (assault with injury)."""
    made = make_partnership()
    baseline = {"recorded_date": date(2019, 6, 1), "month": "2019-06", "financial_year": "2019/20"}
    import_crimes(
        made,
        [baseline] * 10 + [baseline | {"offence_code": "34B"}] * 10 + [{}] * 10,
    )
    return made


@pytest.fixture
def svduty(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``svduty`` command with the analysis commands, on the test database."""
    from svduty.analysis.commands import register

    monkeypatch.setattr("svduty.cli.migrate", lambda **_: None)

    @click.group()
    def main() -> None:
        pass

    register(main)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args])


def knife_all_ages(partnership: Partnership) -> tuple[str, int, int]:
    report = success_measures_report(partnership, baseline_year="2019/20", year="2023/24")
    row = next(
        r
        for r in report["rows"]
        if (r["measure"], r["cohort"], r["area_level"])
        == ("knife_enabled_serious_violence", "all_ages", "partnership")
    )
    return report["definition_version"], row["baseline_count"], row["current_count"]


def test_without_settings_the_home_office_defaults_are_used_and_named(
    partnership: Partnership,
) -> None:
    assert measure_settings_of(partnership) == DEFAULT_SETTINGS
    # 8N and 34B are both selected offences by default: 20 → 10.
    assert knife_all_ages(partnership) == (
        f"{partnership.slug}-none/home-office-default-1",
        20,
        10,
    )


def test_settings_without_8n_change_the_knife_measure_and_name_their_version(
    partnership: Partnership,
) -> None:
    saved, created = set_measure_settings(
        partnership=partnership, settings=WITHOUT_8N, note="8N out", by=None
    )
    assert created
    assert saved is not None
    # Hand-worked: only the ten 34B robberies of 2019/20 remain selected; 2023/24 had only 8N.
    assert knife_all_ages(partnership) == (
        f"{partnership.slug}-none/{partnership.slug}-measure-settings-v1",
        10,
        0,
    )


def test_setting_the_measures_is_audited_and_unchanged_settings_make_no_version(
    partnership: Partnership,
) -> None:
    unchanged, created = set_measure_settings(
        partnership=partnership, settings=DEFAULT_SETTINGS.to_json(), by=None
    )
    assert (unchanged, created) == (None, False)
    saved, created = set_measure_settings(
        partnership=partnership, settings=WITHOUT_8N, note="8N out", by=None
    )
    assert created
    assert saved is not None
    again, created = set_measure_settings(partnership=partnership, settings=WITHOUT_8N, by=None)
    assert (again, created) == (saved, False)
    assert MeasureSettingsVersion.objects.filter(partnership=partnership).count() == 1
    event = AuditEvent.objects.get(
        object_type="analysis.MeasureSettingsVersion", action=AuditEvent.Action.ACTION
    )
    assert event.object_id == str(saved.pk)
    assert event.partnership_slug == partnership.slug
    assert "8N out" in event.summary
    assert "8N" not in event.changes["settings"]["selected_offences"]["offence_codes"]


def test_a_version_is_never_changed_or_deleted(partnership: Partnership) -> None:
    saved, _created = set_measure_settings(partnership=partnership, settings=WITHOUT_8N, by=None)
    assert saved is not None
    saved.note = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        saved.save()
    with pytest.raises(ValueError, match="never deleted"):
        saved.delete()


def test_new_settings_change_the_stored_assessments_key_and_figures(
    partnership: Partnership,
) -> None:
    pfa = partnership.police_force_area.code

    def knife(found: Any) -> tuple[int, int]:
        rows = found.table("measures.success").as_records()
        row = next(
            r
            for r in rows
            if (r["measure"], r["cohort"], r["area_code"])
            == ("knife_enabled_serious_violence", "all_ages", pfa)
        )
        return row["baseline_count"], row["current_count"]

    before = store.stored_assessment(partnership, area=pfa, period="2023/24", public=False)
    before_files = {p.name for p in store.results_dir(partnership).glob("*.json")}
    set_measure_settings(partnership=partnership, settings=WITHOUT_8N, by=None)
    after = store.stored_assessment(partnership, area=pfa, period="2023/24", public=False)
    after_files = {p.name for p in store.results_dir(partnership).glob("*.json")} - before_files
    assert before is not None
    assert after is not None
    assert (knife(before), knife(after)) == ((20, 10), (10, 0))
    assert after.provenance.definition_version.endswith("-measure-settings-v1")
    assert len(after_files) == 2  # a new key: exact and public stored beside the old ones
    assert all("measure-settings-v1" in name for name in after_files)


def test_invalid_settings_are_refused_with_exit_2_naming_each_problem(
    partnership: Partnership, svduty: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "selected_offences": {"offence_codes": ["8N", "008/06"]},
                "homicide_offences": {},
                "sharp_object_causes": ["X9"],
                "selected_offence": {},
            }
        )
    )
    refused = svduty("measure-settings", "set", "--from", bad, "--partnership", partnership.slug)
    assert refused.exit_code == 2
    assert "unknown key 'selected_offence'" in refused.output
    assert "'008/06' is not a Home Office code" in refused.output
    assert "homicide_offences: names no offence" in refused.output
    assert "sharp_object_causes: 'X9'" in refused.output
    not_json = tmp_path / "not.json"
    not_json.write_text("selected_offences: [8N]")
    assert svduty("measure-settings", "set", "--from", not_json).exit_code == 2
    assert not MeasureSettingsVersion.objects.exists()


def test_the_commands_show_set_and_list_the_settings(
    partnership: Partnership, svduty: Any, tmp_path: Path
) -> None:
    # --partnership may be left out: there is only one.
    shown = json.loads(svduty("measure-settings", "show", "--format", "json").output)
    assert (shown["version"], shown["label"]) == (None, "home-office-default-1")
    shown["settings"]["selected_offences"]["offence_codes"].remove("8N")
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(shown))  # the whole `show` document is read
    result = svduty("measure-settings", "set", "--from", edited, "--note", "8N out")
    assert result.exit_code == 0, result.output
    assert f"{partnership.slug}-measure-settings-v1" in result.output
    unchanged = svduty("measure-settings", "set", "--from", edited)
    assert (unchanged.exit_code, "unchanged" in unchanged.output) == (0, True)
    history = json.loads(svduty("measure-settings", "history", "--format", "json").output)
    assert [(v["version"], v["note"]) for v in history] == [(1, "8N out")]
    measures = json.loads(
        svduty("measures", "--partnership", partnership.slug, "--year", "2023/24",
               "--format", "json").output
    )  # fmt: skip
    assert measures["definition_version"] == (
        f"{partnership.slug}-none/{partnership.slug}-measure-settings-v1"
    )


def test_csv_local_measure_rows_carry_the_local_measures_version(
    partnership: Partnership, svduty: Any
) -> None:
    from svduty.analysis.actions import save_local_measures

    save_local_measures(
        partnership=partnership,
        by=None,
        spec={
            "format": "svduty-local-measures/1",
            "version": "7",
            "measures": [
                {
                    "id": "knife_robbery",
                    "title": "Knife robbery",
                    "source": "police_crime",
                    "definition": [{"offence_codes": ["34A", "34B"], "knife_flag": "Y"}],
                }
            ],
        },
    )
    args = ["measures", "--partnership", partnership.slug, "--year", "2023/24", "--local"]
    pfa = partnership.police_force_area.code
    result = svduty(*args, "--area", pfa, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    local = [r for r in rows if r["measure"] == "knife_robbery"]
    home_office = [r for r in rows if r["measure"] == "homicide"]
    versions = [
        (r["definition_version"], r["local_measures_version"], r["definition"]) for r in local
    ]
    label = f"{partnership.slug}-measures-v1"
    assert versions == [(label, label, "7")]
    assert {r["definition_version"] for r in home_office} == {
        f"{partnership.slug}-none/home-office-default-1"
    }
    assert {r["local_measures_version"] for r in home_office} == {""}
    header = result.output.splitlines()[0].split(",")
    assert header[-2:] == ["local_measures_version", "definition"]
    # The JSON names the same versions.
    report = json.loads(svduty(*args, "--area", pfa, "--format", "json").output)
    assert report["local_measures_version"] == local[0]["local_measures_version"]
    assert report["local_measures"][0]["definition"] == local[0]["definition"]


def test_codes_are_tidied_to_the_open_data_notation() -> None:
    checked = check_settings(
        {
            "selected_offences": {"offence_codes": ["08n", " 34b"], "offence_classifications": [3]},
            "homicide_offences": {"offence_codes": ["04.10"]},
            "sharp_object_causes": ["x99"],
        }
    )
    assert checked.to_json()["selected_offences"] == {
        "offence_codes": ["8N", "34B"],
        "offence_classifications": ["3"],
    }
    assert checked.homicide_offences.codes == frozenset({"4.10"})
    assert checked.sharp_object_causes == ("X99",)
