"""Home Office offence codes in one notation (contracts.md section 3)."""

from __future__ import annotations

import pytest

from svduty.analysis.offence_codes import (
    class_and_offence,
    mapping_file,
    normalise_offence_code,
    unplaced_codes,
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("8N", "8N"),
        ("08n", "8N"),
        (" 34 B ", "34B"),
        ("005D", "5D"),
        ("4.1", "4.1"),
        ("04.10", "4.10"),
        ("4.01", "4.1"),
        ("1", "1"),
        ("001", "1"),
        ("105A", "105A"),
        ("802", "802"),
    ],
)
def test_codes_already_in_home_office_notation_are_tidied(raw: str, code: str) -> None:
    assert normalise_offence_code(raw) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1/1", "1"),
        ("001/02", "1"),
        ("00101", "1"),
        ("4/1", "4.1"),
        ("004/10", "4.10"),
        ("4/2", "4.2"),
    ],
)
def test_class_and_offence_notations_in_the_reviewed_mapping_are_placed(
    raw: str, code: str
) -> None:
    assert normalise_offence_code(raw) == code


@pytest.mark.parametrize(
    "raw", ["008/06", "00806", "3/1", "0806", "0008", "0", "abc", "", "  ", None]
)
def test_codes_that_cannot_be_placed_give_none_rather_than_a_guess(raw: str | None) -> None:
    assert normalise_offence_code(raw) is None


def test_a_partnership_can_add_its_own_reviewed_entries() -> None:
    extra = {"008/06": "8N", "3/1": "3B"}
    assert normalise_offence_code("00806", extra_mapping=extra) == "8N"
    assert normalise_offence_code("003/01", extra_mapping=extra) == "3B"
    assert normalise_offence_code("8/7", extra_mapping=extra) is None


def test_unplaced_codes_are_counted_for_the_import_report() -> None:
    assert unplaced_codes(["8N", "008/06", "008/06", "3/1", None, "", "1/1"]) == {
        "008/06": 2,
        "3/1": 1,
    }


def test_the_mapping_file_says_where_each_entry_was_checked_and_what_was_not() -> None:
    data = mapping_file()
    assert all(entry["checked_against"] for entry in data["entries"])
    assert any("008/06" in text for text in data["not_verified"])


@pytest.mark.parametrize(
    ("raw", "written"),
    [("008/06", "8/6"), ("00806", "8/6"), ("3/1", "3/1"), (" 017 / 01 ", "17/1"), ("8N", None),
     ("4.1", None), ("not a code", None), (None, None)],
)  # fmt: skip
def test_a_class_and_offence_notation_is_written_one_way(
    raw: str | None, written: str | None
) -> None:
    assert class_and_offence(raw) == written
