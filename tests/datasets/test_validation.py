"""Findings, formulas and the validation policy."""

from __future__ import annotations

import pytest

from svduty.datasets.validation import (
    Check,
    Findings,
    display_value,
    finding,
    looks_like_formula,
    neutralise,
    parse_policy,
)


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+2", True),
        ("+44 20 7946 0000", True),
        ("-cmd", True),
        ("@SUM(A1:A2)", True),
        ("\tindent", True),
        ("-0.1234", False),
        ("+12", False),
        ("1e-5", False),
        ("On or near = Street", False),
        ("", False),
        (None, False),
    ],
)
def test_formula_looking_cells_are_told_from_numbers(text, formula):
    assert looks_like_formula(text) is formula


def test_neutralising_prefixes_an_apostrophe_once():
    assert neutralise("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert neutralise("-0.5") == "-0.5"
    assert neutralise(None) is None


def test_finding_values_are_cut_short_and_made_inert():
    assert display_value("x" * 500).endswith("…")
    assert len(display_value("x" * 500)) == 120
    assert display_value("=HYPERLINK()") == "'=HYPERLINK()"
    assert display_value(None) is None
    assert display_value(7) == "7"


def test_a_finding_has_exactly_the_contract_keys():
    item = finding(severity="warning", file="a.csv", row=3, column="Month", value="x", message="m")
    assert item == {
        "severity": "warning",
        "file": "a.csv",
        "row": 3,
        "column": "Month",
        "value": "x",
        "message": "m",
    }
    with pytest.raises(ValueError, match="unknown severity"):
        finding(severity="fatal", file=None, row=None, column=None, value=None, message="m")  # type: ignore[arg-type]


def test_the_policy_is_refuse_or_quarantine():
    assert parse_policy(" Quarantine ") == "quarantine"
    assert parse_policy("refuse") == "refuse"
    with pytest.raises(ValueError, match="unknown validation policy"):
        parse_policy("drop")


def test_examples_are_capped_and_the_rest_counted_exactly():
    findings = Findings(examples_per_check=2)
    check = Check("bad-date", "error", "recorded_date", "recorded_date is not a date")
    findings.count("a.csv", check, 5, "recorded_date")
    for row in range(1, 6):
        if findings.wants_examples("a.csv", check):
            findings.example("a.csv", check, row, "recorded_date", "x")

    listed = [f for f in findings.all() if f["row"] is not None]
    summary = [f for f in findings.all() if f["row"] is None]
    assert [f["row"] for f in listed] == [1, 2]
    assert summary[0]["message"] == (
        "recorded_date is not a date — 5 rows in all; the first 2 are listed"
    )
    assert findings.has_errors


def test_identifiers_are_withheld_from_findings():
    findings = Findings()
    check = Check("repeat", "error", "crime_ref", "repeated", withhold_value=True)
    item = findings.example("a.csv", check, 2, "crime_ref", "CR-0001")
    assert item["value"] is None


def test_the_quarantine_list_is_bounded_but_counted():
    findings = Findings(quarantine_listed=2)
    for row in range(3):
        findings.quarantine_row("a.csv", row + 1, [])
    assert findings.quarantined == 3
    assert [q.row for q in findings.quarantine] == [1, 2]
