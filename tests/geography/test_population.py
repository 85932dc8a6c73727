"""Population counts: the ONS mid-2017 JSON keyed by GSS code, long and wide CSVs, and the Census
2021 density file, which is refused because density is not a count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svduty.geography.readers import GeographyInputError, PopulationRow, read_population


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ons_mid2017_json_gives_one_total_per_gss_code(shared_data: Path) -> None:
    rows = read_population(
        shared_data / "population" / "ons_mid2017_population_by_gss_code.json", year=2017
    )
    assert len(rows) == 43_267
    by_code = {row.area_code: row for row in rows}
    assert by_code["E08000003"] == PopulationRow("E08000003", 2017, "all", 545_501)  # Manchester
    assert by_code["E06000001"].count == 93_019  # Hartlepool
    assert sum(1 for code in by_code if code.startswith(("E01", "W01"))) == 32_844 + 1_909
    assert {row.age_band for row in rows} == {"all"}


def test_census_density_file_is_refused_because_density_is_not_a_count(
    shared_data: Path,
) -> None:
    with pytest.raises(GeographyInputError) as caught:
        read_population(
            shared_data / "population" / "census2021_lsoa_population_density.csv", year=2021
        )
    assert caught.value.column == "Population Density"
    assert "census2021_lsoa_population_density.csv" in str(caught.value)
    assert "population density (people per km²), not counts" in str(caught.value)


def test_long_csv_with_header_synonyms_and_age_bands(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pop.csv",
        "Area Code;Age group;Population\n"
        "E01000001;Aged 0 to 4;52\n"
        "E01000001;Aged 85 and over;31\n"
        "E01000001;All ages;1,473\n",
    )
    assert read_population(path, year=2021) == [
        PopulationRow("E01000001", 2021, "0-4", 52),
        PopulationRow("E01000001", 2021, "85+", 31),
        PopulationRow("E01000001", 2021, "all", 1473),
    ]


def test_csv_without_an_age_column_gives_totals(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.csv", "LSOA21CD,count\ne01033682,1475\n")
    assert read_population(path, year=2021) == [PopulationRow("E01033682", 2021, "all", 1475)]


def test_wide_mid_year_estimate_layout_gives_a_row_per_age(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mye.csv",
        "Code,Name,Geography,All ages,0,1,90+\n"
        "E06000001,Hartlepool,Unitary Authority,93019,1100,1050,500\n",
    )
    assert [(r.age_band, r.count) for r in read_population(path, year=2017)] == [
        ("all", 93019),
        ("0", 1100),
        ("1", 1050),
        ("90+", 500),
    ]


def test_year_column_keeps_only_the_requested_year(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pop.csv",
        "date,geography code,observation\n2020,E06000001,93000\nmid-2021,E06000001,93500\n",
    )
    assert read_population(path, year=2021) == [PopulationRow("E06000001", 2021, "all", 93500)]


def test_year_not_in_the_year_column_is_refused_listing_the_years(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.csv", "year,code,count\n2020,E06000001,93000\n")
    with pytest.raises(GeographyInputError, match="no rows for 2019; the file has 2020"):
        read_population(path, year=2019)


@pytest.mark.parametrize("value", ["", "*", "-3", "12.5", "n/a"])
def test_count_that_is_not_a_whole_number_of_people_is_refused(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "pop.csv", f"code,count\nE06000001,93019\nE06000002,{value}\n")
    with pytest.raises(GeographyInputError) as caught:
        read_population(path, year=2017)
    assert (caught.value.row, caught.value.column) == (2, "count")
    assert "is not a count of people" in str(caught.value)


def test_count_written_as_a_whole_decimal_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.csv", "code,count\nE06000001,93019.0\n")
    assert read_population(path, year=2017)[0].count == 93019


def test_repeated_area_and_band_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.csv", "code,count\nE06000001,1\nE06000001,2\n")
    with pytest.raises(
        GeographyInputError, match=r"E06000001 \(all\) appears again \(first in row 1\)"
    ):
        read_population(path, year=2017)


def test_csv_without_a_code_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.csv", "area,count\nHartlepool,93019\n")
    with pytest.raises(GeographyInputError, match="no column holds area codes"):
        read_population(path, year=2017)


def test_csv_without_a_count_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.csv", "code,name\nE06000001,Hartlepool\n")
    with pytest.raises(GeographyInputError, match="no column holds counts"):
        read_population(path, year=2017)


def test_name_in_the_code_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.csv", "code,count\nHartlepool,93019\n")
    with pytest.raises(GeographyInputError, match="'HARTLEPOOL' is not an ONS area code"):
        read_population(path, year=2017)


def test_json_of_plain_counts_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.json", json.dumps({"E06000001": 93019, "W06000001": 69961}))
    assert read_population(path, year=2017) == [
        PopulationRow("E06000001", 2017, "all", 93019),
        PopulationRow("W06000001", 2017, "all", 69961),
    ]


def test_json_that_is_a_list_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.json", json.dumps([{"code": "E06000001", "count": 1}]))
    with pytest.raises(GeographyInputError, match="must be an object keyed by area code"):
        read_population(path, year=2017)


def test_json_key_that_is_not_a_code_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.json", json.dumps({"E06000001": 1, "Hartlepool": 2}))
    with pytest.raises(GeographyInputError) as caught:
        read_population(path, year=2017)
    assert caught.value.row == 2
    assert "'Hartlepool' is not an ONS area code" in str(caught.value)


def test_json_entry_without_a_count_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pop.json", json.dumps({"E06000001": {"households": 40000}}))
    with pytest.raises(GeographyInputError, match='expected one count such as "population"'):
        read_population(path, year=2017)


def test_empty_population_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeographyInputError, match="the file is empty"):
        read_population(write(tmp_path, "pop.csv", ""), year=2017)


def test_implausible_year_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a plausible mid-year"):
        read_population(write(tmp_path, "pop.csv", "code,count\n"), year=17)


def test_census_2021_bulk_files_give_usual_residents_and_age_bands(tmp_path: Path) -> None:
    # The header of Nomis's census2021-ts001-ltla.csv; the figures are made up.
    ts001 = write(
        tmp_path,
        "census2021-ts001-ltla.csv",
        '"date","geography","geography code","Residence type: Total; measures: Value",'
        '"Residence type: Lives in a household; measures: Value",'
        '"Residence type: Lives in a communal establishment; measures: Value"\n'
        '2021,"Northumberland","E06000057",320567,315000,5567\n'
        '2021,"Newcastle upon Tyne","E08000021",300196,280000,20196\n',
    )
    assert read_population(ts001, year=2021) == [
        PopulationRow("E06000057", 2021, "all", 320_567),
        PopulationRow("E08000021", 2021, "all", 300_196),
    ]
    ts007a = write(
        tmp_path,
        "census2021-ts007a-ltla.csv",
        "date,geography,geography code,Age: Total,Age: Aged 4 years and under,"
        "Age: Aged 5 to 9 years,Age: Aged 20 to 24 years,Age: Aged 85 years and over\n"
        "2021,Northumberland,E06000057,320567,15000,16000,15500,9000\n",
    )
    bands = {row.age_band: row.count for row in read_population(ts007a, year=2021)}
    assert bands == {"all": 320_567, "0-4": 15_000, "5-9": 16_000, "20-24": 15_500, "85+": 9_000}
    with pytest.raises(GeographyInputError, match="no rows for 2020"):
        read_population(ts001, year=2020)
