"""Comparing two versions of a local definition: the rule's changes and the records each selects."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest
from django.test import Client
from django.urls import reverse

from svduty.analysis.definition_compare import compare_rules, rule_changes
from svduty.analysis.definitions import DEFAULT_RULE, validate_rule
from svduty.datasets.stored import TABLES
from tests.web.helpers import sign_in

KNIFE_RULE = {
    "format": "svduty-local-definition/1",
    "version": "2",
    "sources": {"police_crime": [{"offence_codes": ["8N", "5A"], "knife_flag": "Y"}]},
}


def _police_crime(rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES["police_crime"]
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


def _store(rows: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("_pc", _police_crime(rows))
    con.execute("CREATE VIEW police_crime AS SELECT * FROM _pc")
    for table, schema in TABLES.items():
        if table != "police_crime":
            con.register(f"_{table}", schema.empty_table())
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM _{table}")
    return con


def _row(code: str, knife: str | None, year: str = "2023/24", **extra: Any) -> dict[str, Any]:
    return {
        "import_id": "i",
        "row_number": 1,
        "source_file": "f.csv",
        "offence_code": code,
        "knife_flag": knife,
        "financial_year": year,
        **extra,
    }


ROWS = [
    _row("8N", "Y"),  # both: selected offence and knife
    _row("8N", "N"),  # default only
    _row("8N", None),  # default only: a blank knife flag is not Y
    _row("5A", "Y", year="2022/23"),  # both, earlier year
    _row("1", None),  # homicide without a knife: default only
    _row("99", "Y"),  # neither
]


def test_each_version_counts_its_own_records_and_the_difference_by_year() -> None:
    second = validate_rule(KNIFE_RULE)
    table = compare_rules(_store(ROWS), first=DEFAULT_RULE, second=second)
    assert [c.name for c in table.columns] == [
        "source",
        "financial_year",
        "first",
        "second",
        "both",
        "only_first",
        "only_second",
    ]
    assert table.rows == (
        ("Police recorded crime", "2022/23", 1, 1, 1, 0, 0),
        ("Police recorded crime", "2023/24", 4, 1, 1, 3, 0),
    )
    assert table.source_tables == ("police_crime", "ho_csp_tables", "hospital_admissions")


def test_the_rule_changes_are_listed_in_plain_english() -> None:
    changes = rule_changes(DEFAULT_RULE, validate_rule(KNIFE_RULE))
    assert (
        "Police recorded crime: now counts police-recorded crimes with an offence code of 5A or 8N"
        " where a knife or sharp instrument was used or threatened." in changes
    )
    assert any(line.startswith("Hospital admissions: no longer counts") for line in changes)
    assert rule_changes(DEFAULT_RULE, DEFAULT_RULE) == []


@pytest.mark.django_db
def test_the_lead_records_a_rule_and_an_analyst_compares_the_versions(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    lead = Client()
    sign_in(lead, world["lead"])
    url = reverse("partnership:definition_add", args=["testshire"])
    form = lead.get(url).content.decode()
    assert "svduty-local-definition/1" in form  # the current (default) rule, ready to edit
    bad = lead.post(url, {"text": "Knife crime", "rule": "format: svduty-local-definition/1\n"})
    assert "The rule: needs sources and version" in bad.content.decode()
    assert world["partnership"].local_definitions.count() == 0
    for text, rule in (("Selected offences", ""), ("Knife crime", _yaml(KNIFE_RULE))):
        assert lead.post(url, {"text": text, "rule": rule}).status_code == 302
    page = lead.get(reverse("partnership:definition", args=["testshire"])).content.decode()
    assert "Serious violence here means police-recorded crimes with an offence code of 5A" in page
    assert "figures use svduty&#x27;s default rule" in page

    monkeypatch.setattr("svduty.analysis.queries.analytic_connection", lambda _p: _store(ROWS))
    analyst = Client()
    sign_in(analyst, world["analyst"])
    compare = reverse("partnership:definition_compare", args=["testshire"])
    html = analyst.get(compare).content.decode()
    assert "Police recorded crime: now counts" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in html
    reader = Client()
    sign_in(reader, world["reader"])
    assert reader.get(compare).status_code in (403, 404)


def _yaml(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data)


@pytest.fixture
def svduty(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``svduty`` command with the partnership groups, on the test database."""
    import click
    from click.testing import CliRunner

    from svduty.partnership.commands import register

    monkeypatch.setattr("svduty.cli.migrate", lambda **_: None)

    @click.group()
    def main() -> None:
        pass

    register(main)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


@pytest.mark.django_db
def test_the_definition_commands_add_show_and_compare_versions(
    world: dict[str, Any], svduty: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: svduty-local-definition/1\nversion: 1\nsources: {police_crime: []}\n")
    refused = svduty(
        "definition", "add", "--partnership", "testshire", "--text", "x", "--rule", bad
    )
    assert refused.exit_code == 2
    assert "sources → police_crime: needs at least one entry" in refused.output
    assert world["partnership"].local_definitions.count() == 0

    good = tmp_path / "knife.yaml"
    good.write_text(_yaml(KNIFE_RULE))
    assert svduty("definition", "add", "--partnership", "testshire", "--text", "All").exit_code == 0
    added = svduty(
        "definition", "add", "--partnership", "testshire", "--text", "Knives", "--rule", good
    )
    assert added.exit_code == 0, added.output
    assert "Recorded version 2" in added.output

    import json

    shown = json.loads(
        svduty("definition", "show", "--partnership", "testshire", "--format", "json").output
    )
    assert shown["version"] == 2
    assert shown["rule_attached"] is True
    assert shown["plain_english"].startswith("Serious violence here means police-recorded crimes")

    monkeypatch.setattr("svduty.analysis.queries.analytic_connection", lambda _p: _store(ROWS))
    compared = svduty(
        "definition", "compare", "--partnership", "testshire", "1", "2", "--format", "json"
    )
    assert compared.exit_code == 0, compared.output
    table = json.loads(compared.output)["table"]
    assert table["rows"][1] == ["Police recorded crime", "2023/24", 4, 1, 1, 3, 0]
    missing = svduty("definition", "compare", "--partnership", "testshire", "1", "9")
    assert missing.exit_code == 2
    assert "no version 9" in missing.output


@pytest.mark.django_db
def test_a_partnership_sets_a_stricter_disclosure_policy_and_public_measures_follow_it(
    world: dict[str, Any], svduty: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from svduty.access.models import AuditEvent
    from svduty.analysis.queries import policy_for

    weaker = svduty("partnership", "disclosure", "testshire", "--threshold", "3")
    assert weaker.exit_code == 2
    assert "must be at least 7" in weaker.output
    stricter = svduty("partnership", "disclosure", "testshire", "--threshold", "10")
    assert stricter.exit_code == 0, stricter.output
    assert "counts 1–10 are shown as *" in stricter.output
    world["partnership"].refresh_from_db()
    assert policy_for(world["partnership"]).threshold == 10
    assert AuditEvent.objects.filter(summary__contains="threshold-10-round-5").exists()
    assert svduty("partnership", "disclosure", "testshire", "--reset").exit_code == 0
    world["partnership"].refresh_from_db()
    assert world["partnership"].disclosure_policy == {}
