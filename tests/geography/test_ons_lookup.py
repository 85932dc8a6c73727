"""The ONS LAD → CSP → PFA lookup, read as published (the shared December 2019 file) and as
re-saved by hand: other delimiters, line ends, encodings and header spellings."""

from __future__ import annotations

from pathlib import Path

import pytest

from svduty.geography.readers import GeographyInputError, LookupRow, read_ons_lookup

HEADER_2024 = "LAD24CD,LAD24NM,CSP24CD,CSP24NM,PFA24CD,PFA24NM"
HARTLEPOOL = "E06000001,Hartlepool,E22000027,Hartlepool,E23000013,Cleveland"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def shared_lookup(shared_data: Path) -> Path:
    return shared_data / "geography" / "lad_to_csp_pfa_dec2019.csv"


# --- The real file -------------------------------------------------------------------------------


def test_shared_lookup_has_the_published_numbers_of_rows_and_areas(shared_lookup: Path) -> None:
    lookup = read_ons_lookup(shared_lookup)
    assert len(lookup.rows) == 341
    assert len(lookup.districts) == 331
    assert len(lookup.csps) == 314
    assert len(lookup.pfas) == 43
    assert lookup.delimiter == ";"
    assert lookup.encoding == "utf-8"


def test_shared_lookup_takes_its_vintage_from_the_only_header_with_a_year(
    shared_lookup: Path,
) -> None:
    lookup = read_ons_lookup(shared_lookup)
    # lad-code and csp-code carry no year; PFA21CD does (and the file holds 2021 districts).
    assert lookup.vintage == 2021
    assert lookup.vintage_source == "header PFA21CD"
    assert {row.vintage for row in lookup.rows} == {2021}


def test_shared_lookup_maps_north_northamptonshire_to_four_csps(shared_lookup: Path) -> None:
    lookup = read_ons_lookup(shared_lookup)
    assert lookup.csps_of("E06000061") == ("E22000233", "E22000235", "E22000236", "E22000239")
    assert [lookup.csps[c] for c in lookup.csps_of("E06000061")] == [
        "Corby",
        "East Northamptonshire",
        "Kettering",
        "Wellingborough",
    ]
    assert {lookup.csp_pfa[c] for c in lookup.csps_of("E06000061")} == {"E23000022"}


def test_shared_lookup_keeps_every_many_to_many_district(shared_lookup: Path) -> None:
    lookup = read_ons_lookup(shared_lookup)
    several = {lad: len(lookup.csps_of(lad)) for lad in lookup.districts}
    assert {lad: n for lad, n in several.items() if n > 1} == {
        "E06000058": 3,  # Bournemouth, Christchurch and Poole
        "E06000060": 4,  # Buckinghamshire
        "E06000061": 4,  # North Northamptonshire
        "E06000062": 2,  # West Northamptonshire
        "E07000244": 2,  # East Suffolk
    }
    assert lookup.lads_of("E22000367") == ("E06000058", "E06000059")  # Dorset CSP


def test_shared_lookup_gives_welsh_districts_w14_csps_in_w15_force_areas(
    shared_lookup: Path,
) -> None:
    lookup = read_ons_lookup(shared_lookup)
    welsh = [row for row in lookup.rows if row.lad_code.startswith("W06")]
    assert len(welsh) == 22
    assert all(row.csp_code.startswith("W14") for row in welsh)
    assert {row.pfa_code for row in welsh} == {"W15000001", "W15000002", "W15000003", "W15000004"}
    assert welsh[0] == LookupRow(
        "W06000001", "Isle of Anglesey", "W14000001", "Isle of Anglesey", "W15000001",
        "North Wales", 2021,
    )  # fmt: skip


def test_shared_lookup_reads_names_that_contain_commas(shared_lookup: Path) -> None:
    lookup = read_ons_lookup(shared_lookup)
    assert lookup.districts["E06000058"] == "Bournemouth, Christchurch and Poole"
    assert lookup.pfas["E23000034"] == "London, City of"


# --- Layouts and header spellings ---------------------------------------------------------------


def test_ons_2024_layout_with_bom_and_lf_gives_vintage_2024(tmp_path: Path) -> None:
    path = write(tmp_path, "lookup.csv", "\ufeff" + HEADER_2024 + "\n" + HARTLEPOOL + "\n")
    lookup = read_ons_lookup(path)
    hartlepool = HARTLEPOOL.split(",")
    assert lookup.rows == (LookupRow(*hartlepool, vintage=2024),)
    assert lookup.vintage_source == "header LAD24CD"
    assert lookup.delimiter == ","


def test_tab_separated_lookup_with_crlf_and_2019_headers(tmp_path: Path) -> None:
    text = (
        "FID\tLAD19CD\tLAD19NM\tCSP19CD\tCSP19NM\tPFA19CD\tPFA19NM\r\n"
        "1\tE06000001\tHartlepool\tE22000027\tHartlepool\tE23000013\tCleveland\r\n"
        "2\tE07000026\tAllerdale\tE22000031\tAllerdale\tE23000002\tCumbria\r\n"
    )
    lookup = read_ons_lookup(write(tmp_path, "lookup.txt", text))
    assert lookup.delimiter == "\t"
    assert lookup.vintage == 2019
    assert lookup.districts == {"E06000001": "Hartlepool", "E07000026": "Allerdale"}


def test_spelled_out_headers_and_quoted_names_are_read(tmp_path: Path) -> None:
    text = (
        "Local Authority Code,Local Authority Name,CSP Code,CSP Name,Police Force Area Code,"
        "Police Force Area Name\n"
        'E06000023,"Bristol, City of",E22000060,Bristol,E23000036,Avon and Somerset\n'
    )
    lookup = read_ons_lookup(write(tmp_path, "lookup.csv", text))
    assert lookup.rows[0].lad_name == "Bristol, City of"
    assert lookup.vintage is None
    assert lookup.vintage_source == "unknown"


def test_windows_1252_lookup_is_decoded_and_its_encoding_recorded(tmp_path: Path) -> None:
    text = HEADER_2024 + "\nW06000001,Ynys Môn,W14000001,Ynys Môn,W15000001,Gogledd Cymru\n"
    lookup = read_ons_lookup(write(tmp_path, "lookup.csv", text, encoding="cp1252"))
    assert lookup.encoding == "windows-1252"
    assert lookup.districts == {"W06000001": "Ynys Môn"}


def test_lone_carriage_returns_end_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "lookup.csv", HEADER_2024 + "\r" + HARTLEPOOL + "\r")
    assert len(read_ons_lookup(path).rows) == 1


def test_lower_case_codes_are_stored_in_upper_case(tmp_path: Path) -> None:
    path = write(tmp_path, "lookup.csv", HEADER_2024 + "\n" + HARTLEPOOL.lower() + "\n")
    row = read_ons_lookup(path).rows[0]
    assert (row.lad_code, row.csp_code, row.pfa_code) == ("E06000001", "E22000027", "E23000013")


def test_fictional_x_codes_are_accepted_for_the_demo(tmp_path: Path) -> None:
    text = HEADER_2024 + "\nX06000001,Ashdown,X22000001,Ashdown,X23000001,Wessex Vale\n"
    assert read_ons_lookup(write(tmp_path, "demo.csv", text)).csps == {"X22000001": "Ashdown"}


def test_repeated_rows_are_kept_once(tmp_path: Path) -> None:
    path = write(tmp_path, "lookup.csv", "\n".join([HEADER_2024, HARTLEPOOL, HARTLEPOOL, ""]))
    assert len(read_ons_lookup(path).rows) == 1


def test_vintage_argument_wins_over_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "lookup.csv", HEADER_2024 + "\n" + HARTLEPOOL + "\n")
    lookup = read_ons_lookup(path, vintage=2023)
    assert (lookup.vintage, lookup.vintage_source) == (2023, "argument")
    assert lookup.rows[0].vintage == 2023


def test_vintage_comes_from_the_file_name_when_no_header_has_a_year(tmp_path: Path) -> None:
    text = "lad-code;lad-name;csp-code;csp-name;pfa-code;pfa-name\n" + HARTLEPOOL.replace(",", ";")
    lookup = read_ons_lookup(write(tmp_path, "lad_csp_pfa_dec2022.csv", text))
    assert (lookup.vintage, lookup.vintage_source) == (2022, "file name")


# --- Refused input -------------------------------------------------------------------------------


def test_lookup_without_csp_names_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "no_names.csv", "LAD24CD,LAD24NM,CSP24CD,PFA24CD,PFA24NM\n")
    with pytest.raises(GeographyInputError) as caught:
        read_ons_lookup(path)
    assert "no_names.csv" in str(caught.value)
    assert "no column holds CSP names" in str(caught.value)
    assert caught.value.row is None


def test_lookup_with_only_district_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "lads.csv", "LAD24CD,LAD24NM\nE06000001,Hartlepool\n")
    with pytest.raises(GeographyInputError, match="no column holds CSP codes"):
        read_ons_lookup(path)


def test_empty_lookup_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeographyInputError, match=r"empty\.csv: the file is empty"):
        read_ons_lookup(write(tmp_path, "empty.csv", "\r\n\r\n"))


def test_lookup_with_a_header_and_no_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeographyInputError, match="no rows"):
        read_ons_lookup(write(tmp_path, "header.csv", HEADER_2024 + "\n"))


def test_travel_to_work_area_code_in_the_csp_column_is_refused_with_row_and_column(
    tmp_path: Path,
) -> None:
    text = HEADER_2024 + "\n" + HARTLEPOOL + "\nW06000001,Anglesey,W22000001,X,W15000001,NW\n"
    with pytest.raises(GeographyInputError) as caught:
        read_ons_lookup(write(tmp_path, "lookup.csv", text))
    assert (caught.value.row, caught.value.column) == (2, "CSP24CD")
    assert str(caught.value).startswith(f"{tmp_path / 'lookup.csv'}, row 2, column 'CSP24CD': ")
    assert "'W22000001' is not one of the Community Safety Partnership codes" in str(caught.value)


def test_district_code_in_the_csp_column_is_named_as_such(tmp_path: Path) -> None:
    text = HEADER_2024 + "\nE06000001,Hartlepool,E06000001,Hartlepool,E23000013,Cleveland\n"
    with pytest.raises(GeographyInputError, match="looks like a LAD code"):
        read_ons_lookup(write(tmp_path, "lookup.csv", text))


def test_short_row_is_refused_naming_the_missing_column(tmp_path: Path) -> None:
    text = HEADER_2024 + "\nE06000001,Hartlepool,E22000027,Hartlepool,E23000013\n"
    with pytest.raises(GeographyInputError) as caught:
        read_ons_lookup(write(tmp_path, "lookup.csv", text))
    assert (caught.value.row, caught.value.column) == (1, "PFA24NM")
    assert "the row has 5 columns but the header has 6" in str(caught.value)


def test_code_with_two_names_is_refused(tmp_path: Path) -> None:
    text = "\n".join(
        [
            HEADER_2024,
            HARTLEPOOL,
            "E06000002,Middlesbrough,E22000027,Hartlepool and Middlesbrough,E23000013,Cleveland",
        ]
    )
    with pytest.raises(GeographyInputError) as caught:
        read_ons_lookup(write(tmp_path, "lookup.csv", text))
    assert caught.value.row == 2
    assert "E22000027 has name 'Hartlepool and Middlesbrough' here but 'Hartlepool' in row 1" in (
        str(caught.value)
    )


def test_csp_in_two_force_areas_is_refused(tmp_path: Path) -> None:
    text = "\n".join(
        [HEADER_2024, HARTLEPOOL, "E06000002,Middlesbrough,E22000027,Hartlepool,E23000014,Durham"]
    )
    with pytest.raises(GeographyInputError, match="has police force area 'E23000014' here"):
        read_ons_lookup(write(tmp_path, "lookup.csv", text))


def test_spreadsheet_given_as_a_lookup_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lookup.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(GeographyInputError, match="zip file"):
        read_ons_lookup(path)


def test_error_survives_pickling_for_background_jobs(tmp_path: Path) -> None:
    import pickle

    error = GeographyInputError(tmp_path / "a.csv", 3, "CSP24CD", "bad")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert str(copy) == str(error)
    assert (copy.row, copy.column) == (3, "CSP24CD")
