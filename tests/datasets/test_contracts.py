"""The import contracts: one declarative schema per format, for validation and documentation."""

from __future__ import annotations

import pytest

from svduty.datasets import contracts
from svduty.datasets.contracts import TYPES, ContractError, _parse, describe, load
from svduty.datasets.stored import KIND_TABLE


def test_every_import_kind_has_a_contract_naming_its_stored_table():
    assert set(contracts.KINDS) == set(KIND_TABLE)
    for contract in contracts.contracts():
        assert contract.table == KIND_TABLE[contract.kind]
        assert contract.title
        assert contract.description
        assert contract.files


def test_the_canonical_formats_require_the_columns_contracts_md_marks():
    required = {
        c.kind: [col.name for col in c.columns if col.required] for c in contracts.contracts()
    }
    assert required["police-crime"] == ["crime_ref", "recorded_date", "offence_code", "knife_flag"]
    assert required["hospital-admissions"] == [
        "episode_ref",
        "admission_date",
        "cause_codes",
        "age",
    ]
    assert required["ae-assaults"] == [
        "site_code", "assault_datetime", "assault_method", "assault_location_type"
    ]  # fmt: skip
    assert required["ambulance-assaults"] == ["incident_ref", "call_datetime", "incident_type"]
    assert required["aggregate-counts"] == ["source", "measure", "area_code", "period"]
    assert load("aggregate-counts").at_least_one_of == (("count", "value"),)


def test_headers_match_in_any_order_whatever_their_case_and_punctuation():
    match = load("police-uk-street").match_header(
        ["LSOA code", "crime_id", "MONTH", "Falls within", "longitude", "Latitude", "Location",
         "Crime Type", "Something else"]
    )  # fmt: skip

    assert match.ok
    assert match.positions["crime_id"] == 1
    assert match.positions["month"] == 2
    assert match.headers["crime_type"] == "Crime Type"
    assert match.ignored == ["Something else"]


def test_home_office_header_synonyms_are_accepted():
    match = load("ho-csp-tables").match_header(
        ["Force Name", "CSP Name", "Offence Code", "Number of Offences"]
    )

    assert match.ok
    assert match.positions == {"force_name": 0, "csp_name": 1, "offence_code": 2, "count": 3}
    assert (
        load("ho-csp-tables")
        .match_header(["Police Force", "CSP Name", "Offence Code", "Offence Count"])
        .ok
    )


def test_a_header_match_names_what_is_missing_and_what_repeats():
    match = load("police-crime").match_header(["crime_ref", "Crime Ref", "recorded_date"])

    assert not match.ok
    assert match.missing == ["offence_code", "knife_flag"]
    assert match.duplicated == ["crime_ref"]


def test_describe_gives_one_documentation_row_per_column():
    rows = describe("hospital-admissions")

    assert [r["column"] for r in rows] == [
        "episode_ref", "admission_date", "episode_end_date", "is_first_episode", "cause_codes",
        "age", "sex", "lsoa_code",
    ]  # fmt: skip
    first = rows[0]
    assert set(first) == {
        "column", "required", "type", "allowed", "also_accepted_as", "stored", "description"
    }  # fmt: skip
    assert (first["required"], first["stored"]) == ("yes", "as a keyed-hash pseudonym")
    assert rows[3]["allowed"] == "Y, N"
    assert rows[1]["type"] == TYPES["date"]
    assert all(isinstance(v, str) for row in rows for v in row.values())


def test_free_text_that_may_be_personal_is_documented_as_not_stored():
    rows = {r["column"]: r for r in describe("ae-assaults")}

    assert rows["assault_method_description"]["stored"] == "no (dropped at import)"
    assert rows["assault_location_description"]["stored"] == (
        "only in aggregate-safe form (repeated, no personal details)"
    )


def test_an_unknown_kind_is_a_key_error():
    with pytest.raises(KeyError, match="no import format"):
        load("police-spreadsheets")


def test_a_contract_file_with_an_unknown_type_is_refused():
    data = {
        "kind": "police-crime", "title": "t", "description": "d", "table": "police_crime",
        "files": "f", "columns": [{"name": "crime_ref", "type": "guid"}],
    }  # fmt: skip
    with pytest.raises(ContractError, match="unknown type 'guid'"):
        _parse("police-crime", data)


def test_a_contract_file_whose_headers_collide_is_refused():
    data = {
        "kind": "police-crime", "title": "t", "description": "d", "table": "police_crime",
        "files": "f",
        "columns": [{"name": "crime_ref"}, {"name": "Crime Ref", "key": "other"}],
    }  # fmt: skip
    with pytest.raises(ContractError, match="names two columns"):
        _parse("police-crime", data)
