"""The local definition of serious violence as a declarative rule (definitions.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import pytest

from svduty.analysis.definitions import (
    DEFAULT_RULE,
    RULE_FORMAT,
    SELECTED_OFFENCES,
    RuleError,
    compile_where,
    describe,
    validate_rule,
)
from tests.analysis.conftest import insert


def rule(sources: dict[str, Any]) -> dict[str, Any]:
    return {"format": RULE_FORMAT, "version": "7", "sources": sources}


def selected(con: duckdb.DuckDBPyConnection, table: str, data: dict[str, Any]) -> list[int]:
    sql, params = compile_where(validate_rule(data), table)
    query = f"SELECT row_number FROM {table} WHERE {sql} ORDER BY row_number"
    return [r[0] for r in con.execute(query, params).fetchall()]


def test_the_default_rule_survives_a_round_trip_through_json() -> None:
    data = json.loads(json.dumps(DEFAULT_RULE.to_json()))
    assert validate_rule(data) == DEFAULT_RULE


def test_the_default_rule_selects_the_offences_of_contracts_section_3() -> None:
    for code in ["1", "4.1", "4.2", "4.10", "2", "3A", "3B", "5A", "5D", "8N", "8P", "34A", "34B"]:
        assert SELECTED_OFFENCES.matches(code), code
    for code in ["17A", "17B", "19C", "19H", "20A", "20B"]:
        assert SELECTED_OFFENCES.matches(code), code
    for code in ["30C", "34", "5E", "8S", "8L", "10D", "105A", "4.4", "170", None]:
        assert not SELECTED_OFFENCES.matches(code), code


def test_a_classification_number_matches_its_subdivisions_but_not_longer_numbers(
    con: duckdb.DuckDBPyConnection,
) -> None:
    codes = ["3", "3A", "3B", "30C", "34B", "17B", "4.1", "4.10", "44", None]
    insert(con, "police_crime", [{"offence_code": c} for c in codes])
    data = rule({"police_crime": [{"offence_classifications": ["3", "4"]}]})
    assert selected(con, "police_crime", data) == [1, 2, 3, 7, 8]


def test_sql_and_python_agree_on_the_default_selection(con: duckdb.DuckDBPyConnection) -> None:
    codes = ["1", "2", "3A", "3B", "4.1", "4.4", "4.10", "5A", "5D", "5E", "8N", "8P", "8S", "10D",
             "17A", "19C", "20B", "22B", "30C", "34A", "34B", "105A"]  # fmt: skip
    insert(con, "police_crime", [{"offence_code": c} for c in codes])
    chosen = selected(con, "police_crime", DEFAULT_RULE.to_json())
    assert [codes[i - 1] for i in chosen] == [c for c in codes if SELECTED_OFFENCES.matches(c)]


def test_criteria_in_a_clause_must_all_hold_and_any_clause_will_do(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [
            {"offence_code": "8N", "knife_flag": "Y", "victim_age": 17},  # 1: clause 1
            {"offence_code": "8N", "knife_flag": "Y", "victim_age": 25},  # 2: too old
            {"offence_code": "8N", "knife_flag": None, "victim_age": 17},  # 3: blank flag
            {"offence_code": "8N", "knife_flag": "Y", "victim_age": None},  # 4: age unknown
            {"offence_code": "105A", "domestic_flag": "Y"},  # 5: clause 2
            {"offence_code": "105A", "domestic_flag": "N"},  # 6: neither
        ],
    )
    data = rule(
        {
            "police_crime": [
                {"offence_codes": ["8N"], "knife_flag": "Y", "min_age": 0, "max_age": 24},
                {"domestic_flag": "Y"},
            ]
        }
    )
    assert selected(con, "police_crime", data) == [1, 5]


def test_cause_codes_match_in_any_position_by_category_or_range(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "hospital_admissions",
        [
            {"cause_codes": ["S21.1", "X99.9"], "is_first_episode": True},  # 1
            {"cause_codes": ["X85.0"], "is_first_episode": True},  # 2: in the range
            {"cause_codes": ["Y09"], "is_first_episode": None},  # 3: first by default
            {"cause_codes": ["X99.1"], "is_first_episode": False},  # 4: a later episode
            {"cause_codes": ["W26.0", "X78.1"], "is_first_episode": True},  # 5: not assault
            {"cause_codes": [], "is_first_episode": True},  # 6
            {"cause_codes": None, "is_first_episode": True},  # 7
        ],
    )
    data = rule(
        {"hospital_admissions": [{"cause_codes": ["X99", "X85-Y09"], "first_episodes_only": True}]}
    )
    assert selected(con, "hospital_admissions", data) == [1, 2, 3]


def test_text_criteria_ignore_case(con: duckdb.DuckDBPyConnection) -> None:
    insert(
        con,
        "ae_assaults",
        [{"assault_method": "Knife"}, {"assault_method": "knife"}, {"assault_method": "Fist"}],
    )
    insert(con, "police_uk_street", [{"crime_type": "Robbery"}, {"crime_type": "Burglary"}])
    assert selected(
        con, "ae_assaults", rule({"ae_assaults": [{"assault_methods": ["KNIFE"]}]})
    ) == [
        1,
        2,
    ]
    street = rule({"police_uk_street": [{"crime_types": ["Robbery"]}]})
    assert selected(con, "police_uk_street", street) == [1]


def test_a_table_the_rule_does_not_mention_contributes_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "ambulance_assaults", [{"incident_type": "Stabbing"}])
    assert compile_where(DEFAULT_RULE, "ambulance_assaults") == ("FALSE", [])
    assert selected(con, "ambulance_assaults", DEFAULT_RULE.to_json()) == []


def test_an_alias_qualifies_every_column(con: duckdb.DuckDBPyConnection) -> None:
    insert(con, "police_crime", [{"offence_code": "8N", "recorded_date": dt.date(2020, 1, 1)}])
    sql, params = compile_where(DEFAULT_RULE, "police_crime", alias="p")
    assert "p.offence_code" in sql
    query = f"SELECT count(*) FROM police_crime p WHERE {sql}"
    assert con.execute(query, params).fetchone() == (1,)
    with pytest.raises(ValueError, match="alias"):
        compile_where(DEFAULT_RULE, "police_crime", alias="p; DROP TABLE x")
    with pytest.raises(ValueError, match="not a table"):
        compile_where(DEFAULT_RULE, "crimes")


def test_describe_says_what_serious_violence_means_in_plain_english() -> None:
    text = describe(DEFAULT_RULE)
    assert text.startswith("Serious violence here means police-recorded crimes with an offence")
    assert "1, 2, 4.1, 4.2, 4.10, 5A, 5D, 8N, 8P, 34A or 34B" in text
    assert "classification 3, 17, 19 or 20" in text
    assert "first hospital admission episodes with a cause code in X99 (in any position)" in text
    assert text.endswith(f"Definition {DEFAULT_RULE.version}: {DEFAULT_RULE.title}.")


def test_describe_names_flags_ages_and_alternatives() -> None:
    data = rule(
        {
            "police_crime": [
                {"offence_codes": ["8N"], "knife_flag": "Y", "max_age": 24},
                {"domestic_flag": "Y", "min_age": 16},
            ]
        }
    )
    assert describe(validate_rule(data)) == (
        "Serious violence here means police-recorded crimes with an offence code of 8N where a "
        "knife or sharp instrument was used or threatened against a victim aged 24 or under or "
        "police-recorded crimes flagged as domestic abuse against a victim aged 16 or over. "
        "Definition 7."
    )


def problems(data: Any) -> list[str]:
    with pytest.raises(RuleError) as caught:
        validate_rule(data)
    return caught.value.problems


def test_an_empty_rule_is_refused_clearly() -> None:
    assert problems({}) == ["the rule is empty: no tables or criteria have been set"]


def test_a_code_in_force_notation_is_refused_with_the_home_office_spelling_suggested() -> None:
    found = problems(rule({"police_crime": [{"offence_codes": ["8N", "08n"]}]}))
    assert found == [
        "sources → police_crime → clause 1 → offence_codes → item 2: '08n' is not a Home Office "
        "code such as 8N, 4.1 or 34B; write it '8N'"
    ]


def test_a_criterion_that_does_not_apply_to_the_table_is_named() -> None:
    found = problems(rule({"police_uk_street": [{"knife_flag": "Y"}]}))
    assert found == [
        "sources → police_uk_street → clause 1: knife_flag does not apply here; use crime_types"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        rule(
            {
                "hospitals": [{"cause_codes": ["X99"]}],
                "hospital_admissions": [{}, {"cause_codes": ["X999", "Y09-X85"]}],
                "police_crime": [{"knife_flag": "yes", "min_age": 30, "max_age": 20}],
            }
        )
    )
    assert len(found) == 6
    assert any("hospitals is not a table svduty knows" in p for p in found)
    assert "sources → hospital_admissions → clause 1: is empty" in found
    assert any("'X999' is not an ICD-10 category" in p for p in found)
    assert "sources → hospital_admissions → clause 2: the range Y09-X85 runs backwards" in found
    assert "sources → police_crime → clause 1 → knife_flag: 'yes' must be Y or N" in found
    assert "sources → police_crime → clause 1: min_age 30 is above max_age 20" in found


def test_missing_parts_are_named() -> None:
    assert problems({"format": RULE_FORMAT}) == ["the rule: needs sources and version"]
