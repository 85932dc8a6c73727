"""Imports end to end through the database and the analytic store: real police.uk data, idempotence,
replacement, rollback and bad input that changes nothing."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.conf import settings

from svduty.datasets.actions import (
    import_files,
    rollback_import,
    sweep_abandoned_imports,
    work_dir,
)
from svduty.datasets.models import DataSource, Import
from svduty.datasets.pipeline import ImportRefused
from svduty.datasets.queries import analytic_connection, parquet_path
from svduty.geography.models import Area, AreaLink
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

CRIME_HEADER = (
    "crime_ref,recorded_date,offence_date,offence_code,offence_description,knife_flag,"
    "firearm_flag,domestic_flag,victim_age,victim_sex,suspect_age,lsoa_code,latitude,longitude,"
    "location_type"
)


@pytest.fixture
def partnership():  # type: ignore[no-untyped-def]
    pfa = Area.objects.create(code="X23000009", name="Testshire", level="pfa", vintage=2024)
    csp = Area.objects.create(code="X22000009", name="Testtown", level="csp", vintage=2024)
    lad = Area.objects.create(code="X07000009", name="Testtown", level="lad", vintage=2024)
    lsoa = Area.objects.create(code="X01000009", name="Testtown 001A", level="lsoa", vintage=2021)
    AreaLink.objects.create(child=csp, parent=pfa)
    AreaLink.objects.create(child=lad, parent=csp)
    AreaLink.objects.create(child=lsoa, parent=lad)
    return PartnershipFactory(slug="testshire", police_force_area=pfa)


def _store_files(partnership) -> list[Path]:  # type: ignore[no-untyped-def]
    folder = Path(settings.STORE_DIR) / partnership.slug
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _stored(partnership, table: str) -> int:  # type: ignore[no-untyped-def]
    con = analytic_connection(partnership)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    finally:
        con.close()


def test_the_real_city_of_london_files_import_and_match_their_own_row_counts(
    shared_data: Path, partnership
) -> None:
    folder = shared_data / "police-uk" / "city-of-london"
    expected: Counter[tuple[str, str]] = Counter()
    for path in folder.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                expected[(row["Month"], row["Crime type"])] += 1
    record = import_files(partnership=partnership, kind="police-uk-street", paths=[folder], by=None)
    assert record.status == "completed"
    assert record.rows == {"read": 22111, "stored": 22111, "quarantined": 0, "rejected": 0}
    got = Counter({(b["period"], b["category"]): b["rows"] for b in record.breakdown})
    assert got == expected
    # Repeated Crime IDs are listed, row by row, and every row is kept (contracts.md 2.2).
    repeated = [
        f for f in record.findings if f["row"] and "Crime ID is on another row" in f["message"]
    ]
    assert len(repeated) == 470
    assert any("470 rows share a Crime ID" in f["message"] for f in record.findings)
    assert _stored(partnership, "police_uk_street") == 22111
    con = analytic_connection(partnership)
    no_location = con.execute(
        "SELECT count(*) FROM police_uk_street WHERE location = 'No Location'"
    ).fetchall()[0][0]
    con.close()
    assert no_location == 1699

    again = import_files(partnership=partnership, kind="police-uk-street", paths=[folder], by=None)
    assert again.status == "unchanged"
    assert _stored(partnership, "police_uk_street") == 22111


def _crime_file(path: Path, rows: list[str]) -> Path:
    path.write_text(CRIME_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_quarantined_with_file_row_column_and_value(
    tmp_path: Path, partnership
) -> None:
    path = _crime_file(
        tmp_path / "crimes.csv",
        [
            "A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,",
            "A2,2023-13-01,,8N,,Y,,,19,F,,X01000009,,,",
            "A3,2023-04-05,,8N,,maybe,,,130,F,,X01000009,,,",
        ],
    )
    record = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert record.status == "completed"
    assert record.rows == {"read": 3, "stored": 1, "quarantined": 2, "rejected": 0}
    problems = {
        (f["row"], f["column"], f["value"]) for f in record.findings if f["severity"] == "error"
    }
    assert (2, "recorded_date", "2023-13-01") in problems
    assert (3, "knife_flag", "maybe") in problems
    assert (3, "victim_age", "130") in problems
    assert all(f["file"] == "crimes.csv" for f in record.findings)


def test_identifiers_are_pseudonymised_and_rows_placed_in_their_csp(
    tmp_path: Path, partnership
) -> None:
    path = _crime_file(
        tmp_path / "crimes.csv", ["SECRET-REF-1,2024-03-31,,8N,,Y,,,24,F,,X01000009,,,"]
    )
    import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    con = analytic_connection(partnership)
    ref, csp, year, month = con.execute(
        "SELECT crime_ref, csp_code, financial_year, month FROM police_crime"
    ).fetchall()[0]
    con.close()
    assert ref != "SECRET-REF-1"
    assert len(ref) == 64
    assert (csp, year, month) == ("X22000009", "2023/24", "2024-03")


def test_a_corrected_file_for_the_same_period_replaces_the_old_one_and_rollback_restores_it(
    tmp_path: Path, partnership
) -> None:
    first = import_files(
        partnership=partnership,
        kind="police-crime",
        by=None,
        paths=[_crime_file(tmp_path / "v1.csv", ["A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,"])],
    )
    second = import_files(
        partnership=partnership,
        kind="police-crime",
        by=None,
        paths=[
            _crime_file(
                tmp_path / "v2.csv",
                [
                    "A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,",
                    "A2,2023-04-09,,5D,,Y,,,30,M,,X01000009,,,",
                ],
            )
        ],
    )
    assert second.replaces_id == first.pk
    assert Import.objects.get(pk=first.pk).status == "replaced"
    assert _stored(partnership, "police_crime") == 2
    rollback_import(record=second, by=None)
    assert Import.objects.get(pk=first.pk).status == "completed"
    assert _stored(partnership, "police_crime") == 1


def test_a_suppliers_upload_replaces_an_import_of_no_named_source_but_not_another_suppliers(
    tmp_path: Path, partnership
) -> None:
    row = "A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,"
    police = DataSource.objects.create(partnership=partnership, kind="police-crime", name="Force")
    other = DataSource.objects.create(partnership=partnership, kind="police-crime", name="BTP")
    by_analyst = import_files(
        partnership=partnership, kind="police-crime", by=None,
        paths=[_crime_file(tmp_path / "v1.csv", [row])],
    )  # fmt: skip
    # The force's own corrected upload, recorded against its source, corrects the same month.
    by_force = import_files(
        partnership=partnership, kind="police-crime", by=None, source=police,
        paths=[_crime_file(tmp_path / "v2.csv", [row, row.replace("A1", "A2")])],
    )  # fmt: skip
    assert by_force.replaces_id == by_analyst.pk
    assert _stored(partnership, "police_crime") == 2
    # Another supplier's extract for the same month adds to it.
    by_other = import_files(
        partnership=partnership, kind="police-crime", by=None, source=other,
        paths=[_crime_file(tmp_path / "btp.csv", [row.replace("A1", "B1")])],
    )  # fmt: skip
    assert by_other.replaces_id is None
    assert _stored(partnership, "police_crime") == 3


def test_a_corrected_file_for_a_declared_period_replaces_the_old_one_even_with_a_month_empty(
    tmp_path: Path, partnership
) -> None:
    april, june = (
        "A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,",
        "A3,2023-06-03,,8N,,Y,,,19,F,,X01000009,,,",
    )
    first = import_files(
        partnership=partnership, kind="police-crime", by=None, period=("2023-04", "2023-06"),
        paths=[_crime_file(tmp_path / "q1.csv", [april, june])],
    )  # fmt: skip
    # The correction: June's crime was recorded in error; the file covers the same quarter.
    second = import_files(
        partnership=partnership, kind="police-crime", by=None, period=("2023-04", "2023-06"),
        paths=[_crime_file(tmp_path / "q1-corrected.csv", [april])],
    )  # fmt: skip
    assert second.periods == ["2023-04", "2023-05", "2023-06"]
    assert second.replaces_id == first.pk
    assert Import.objects.get(pk=first.pk).status == "replaced"
    assert _stored(partnership, "police_crime") == 1


def test_the_same_file_is_refused_when_asked_although_it_was_stored_with_rows_set_aside(
    tmp_path: Path, partnership
) -> None:
    path = _crime_file(
        tmp_path / "crime.csv",
        ["A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,", "A2,2023-02-30,,8N,,Y,,,19,F,,X01000009,,,"],
    )
    kept = import_files(partnership=partnership, kind="police-crime", by=None, paths=[path])
    assert (kept.status, kept.rows["quarantined"]) == ("completed", 1)
    again = import_files(partnership=partnership, kind="police-crime", by=None, paths=[path])
    assert again.status == "unchanged"
    refused = import_files(
        partnership=partnership, kind="police-crime", by=None, paths=[path], policy="refuse"
    )
    assert refused.status == "rejected"
    assert Import.objects.get(pk=kept.pk).status == "completed"
    assert _stored(partnership, "police_crime") == 1


def test_a_declared_encoding_is_used_instead_of_detection_and_recorded(
    tmp_path: Path, partnership
) -> None:
    path = tmp_path / "crime.csv"
    # "Ã©" in Windows-1252, whose two bytes also happen to be "é" in UTF-8: only the partner
    # knows which the file is.
    path.write_bytes(
        (CRIME_HEADER + "\n").encode() + b"A1,2023-04-03,,8N,Caf\xc3\xa9,Y,,,19,F,,X01000009,,,\n"
    )
    detected = import_files(partnership=partnership, kind="police-crime", by=None, paths=[path])
    assert detected.files[0]["encoding"] == "utf-8"
    declared = import_files(
        partnership=partnership, kind="police-crime", by=None, paths=[path],
        encoding="cp1252",
    )  # fmt: skip
    assert declared.status == "completed"  # not "unchanged": the same bytes, read another way
    assert declared.files[0]["encoding"] == "windows-1252"
    assert declared.replaces_id == detected.pk
    con = analytic_connection(partnership)
    try:
        assert con.execute("SELECT offence_description FROM police_crime").fetchall() == [
            ("CafÃ©",)
        ]
    finally:
        con.close()
    with pytest.raises(ImportRefused, match="unknown encoding 'latin9'"):
        import_files(
            partnership=partnership, kind="police-crime", by=None, paths=[path], encoding="latin9"
        )


def test_a_later_police_uk_import_sharing_some_months_takes_them_over_until_rolled_back(
    shared_data: Path, tmp_path: Path, partnership
) -> None:
    real = shared_data / "police-uk" / "city-of-london"

    def archive(name: str, months: list[str]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for month in months:
            source = real / f"{month}-city-of-london-street.csv"
            (folder / source.name).write_bytes(source.read_bytes())
        return folder

    def by_month() -> dict[str, int]:
        con = analytic_connection(partnership)
        try:
            query = "SELECT month, count(*) FROM police_uk_street GROUP BY month ORDER BY month"
            return dict(con.execute(query).fetchall())
        finally:
            con.close()

    first = import_files(partnership=partnership, kind="police-uk-street", by=None,
                         paths=[archive("latest-may", ["2018-04", "2018-05"])])  # fmt: skip
    alone = by_month()
    # Next month's "latest" archive: May again, and June.
    second = import_files(partnership=partnership, kind="police-uk-street", by=None,
                          paths=[archive("latest-june", ["2018-05", "2018-06"])])  # fmt: skip
    assert second.replaces_id is None
    assert Import.objects.get(pk=first.pk).status == "completed"
    both = by_month()
    assert both["2018-04"] == alone["2018-04"]  # each month once
    assert both["2018-05"] == alone["2018-05"]
    assert set(both) == {"2018-04", "2018-05", "2018-06"}
    (note,) = [f for f in second.findings if str(first.pk) in f["message"]]
    assert note["severity"] == "info"
    assert "1 of this import's periods (2018-05) is also in import" in note["message"]
    assert "now read from this import only" in note["message"]
    rollback_import(record=second, by=None)
    assert by_month() == alone


def test_a_stray_row_of_another_month_does_not_take_that_month_over(
    shared_data: Path, tmp_path: Path, partnership
) -> None:
    real = shared_data / "police-uk" / "city-of-london"
    april = real / "2019-04-city-of-london-street.csv"
    april_rows = len(april.read_text(encoding="utf-8").splitlines()) - 1
    import_files(partnership=partnership, kind="police-uk-street", by=None, paths=[april])
    # May's file with its first row's month written as April.
    lines = (real / "2019-05-city-of-london-street.csv").read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace(",2019-05,", ",2019-04,", 1)
    may = tmp_path / "2019-05-city-of-london-street.csv"
    may.write_text("\n".join(lines), encoding="utf-8")

    record = import_files(partnership=partnership, kind="police-uk-street", by=None, paths=[may])

    assert record.periods == ["2019-05"]
    assert not [f for f in record.findings if "now read from this import only" in f["message"]]
    (stray,) = [f for f in record.findings if "named for" in f["message"]]
    assert (stray["severity"], stray["file"], stray["row"]) == ("warning", may.name, 1)
    assert (stray["column"], stray["value"]) == ("Month", "2019-04")
    assert "the file is named for 2019-05" in stray["message"]
    con = analytic_connection(partnership)
    try:
        (count,) = con.execute(
            "SELECT count(*) FROM police_uk_street WHERE month = '2019-04'"
        ).fetchone()
    finally:
        con.close()
    assert count == april_rows + 1  # April's file whole, and the stray row: nothing dropped


def test_partner_extracts_sharing_some_months_are_both_kept_with_a_warning(
    tmp_path: Path, partnership
) -> None:
    # Split by a date of the partner's own, two extracts can rightly share an edge month.
    first = import_files(
        partnership=partnership, kind="police-crime", by=None,
        paths=[_crime_file(tmp_path / "a.csv", ["A0,2023-03-03,,5D,,Y,,,19,F,,X01000009,,,",
                                                "A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,"])],
    )  # fmt: skip
    second = import_files(
        partnership=partnership, kind="police-crime", by=None,
        paths=[_crime_file(tmp_path / "b.csv", ["A2,2023-04-09,,5D,,Y,,,30,M,,X01000009,,,",
                                                "A3,2023-05-09,,5D,,Y,,,30,M,,X01000009,,,"])],
    )  # fmt: skip
    assert second.replaces_id is None
    assert Import.objects.get(pk=first.pk).status == "completed"
    assert _stored(partnership, "police_crime") == 4
    (warning,) = [f for f in second.findings if str(first.pk) in f["message"]]
    assert warning["severity"] == "warning"
    assert "1 of this import's periods (2023-04) is also in import" in warning["message"]
    assert f"svduty imports rollback {first.pk}" in warning["message"]


def test_aggregate_counts_of_other_series_for_the_same_year_are_not_warned_about(
    tmp_path: Path, partnership
) -> None:
    header = "source,measure,area_code,period,count\n"
    paths = [tmp_path / "hes.csv", tmp_path / "ambulance.csv"]
    paths[0].write_text(header + "hes,admissions-sharp-object,X23000009,2023/24,40\n" +
                        "hes,admissions-sharp-object,X23000009,2022/23,41\n")  # fmt: skip
    paths[1].write_text(header + "nwas,assault-callouts,X23000009,2023/24,300\n")
    first, second = (
        import_files(partnership=partnership, kind="aggregate-counts", by=None, paths=[p])
        for p in paths
    )
    assert (first.status, second.status) == ("completed", "completed")
    assert not [f for f in second.findings if "also in import" in f["message"]]
    assert _stored(partnership, "aggregate_counts") == 3


def test_another_suppliers_or_departments_file_for_the_same_period_adds_to_it(
    tmp_path: Path, partnership
) -> None:
    def imported(kind: str, name: str, text: str) -> Import:
        path = tmp_path / name
        path.write_text(text)
        return import_files(partnership=partnership, kind=kind, by=None, paths=[path])

    header = "source,measure,area_code,period,count\n"
    hes = imported("aggregate-counts", "hes.csv",
                   header + "hes,admissions-sharp-object,E08000021,2019/20,40\n"
                   "hes,admissions-sharp-object,E08000037,2019/20,25\n")  # fmt: skip
    schools = imported("aggregate-counts", "schools.csv",
                       header + "dfe,permanent-exclusions,E08000037,2019/20,12\n")  # fmt: skip
    assert (hes.status, schools.status, schools.replaces) == ("completed", "completed", None)
    assert not [f for f in schools.findings if "also in import" in f["message"]]
    assert _stored(partnership, "aggregate_counts") == 3
    # A file with one of HES's two series for the same year does not replace it: both count,
    # and a warning says so.
    part = imported("aggregate-counts", "hes-gateshead.csv",
                    header + "hes,admissions-sharp-object,E08000037,2019/20,26\n")  # fmt: skip
    assert part.replaces is None
    (warning,) = [f for f in part.findings if "also in import" in f["message"]]
    assert warning["severity"] == "warning"
    assert "holds some of the same series" in warning["message"]
    assert _stored(partnership, "aggregate_counts") == 4
    # A corrected file with all of HES's series replaces it (and not the schools' file).
    corrected = imported("aggregate-counts", "hes-corrected.csv",
                         header + "hes,admissions-sharp-object,E08000021,2019/20,41\n"
                         "hes,admissions-sharp-object,E08000037,2019/20,26\n")  # fmt: skip
    hes.refresh_from_db()
    part.refresh_from_db()
    assert (hes.status, part.status) == ("replaced", "replaced")
    assert Import.objects.get(pk=schools.pk).status == "completed"
    assert _stored(partnership, "aggregate_counts") == 3
    assert corrected.status == "completed"
    # Two emergency departments' A&E returns for the same month are both kept.
    ae = "site_code,assault_datetime,assault_method,assault_location_type\n"
    first = imported("ae-assaults", "rtd01.csv", ae + "RTD01,2019-05-03T22:00:00Z,B,S\n")
    second = imported("ae-assaults", "rln02.csv", ae + "RLN02,2019-05-04T22:00:00Z,B,S\n")
    assert (first.status, second.status, second.replaces) == ("completed", "completed", None)
    assert _stored(partnership, "ae_assaults") == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("wrong.csv", b"a,b,c\n1,2,3\n", "crime_ref"),
        ("garbage.csv", bytes(range(256)) * 100, "binary data"),
        ("header-only.csv", (CRIME_HEADER + "\n").encode(), "no data rows"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason_and_change_nothing(
    tmp_path: Path, partnership, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = _store_files(partnership)
    record = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert record.status == "rejected"
    errors = [f["message"] for f in record.findings if f["severity"] == "error"]
    assert any(message in m for m in errors), errors
    assert record.rows["stored"] == 0
    assert not Import.objects.filter(status="completed").exists()
    assert _stored(partnership, "police_crime") == 0
    assert _store_files(partnership) == before
    assert not (Path(settings.FILES_DIR) / "raw" / str(record.pk)).exists()


def test_a_zip_without_street_files_is_rejected(tmp_path: Path, partnership) -> None:
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("2020-01/readme.txt", "nothing here")
    before = _store_files(partnership)
    record = import_files(
        partnership=partnership, kind="police-uk-street", paths=[archive], by=None
    )
    assert record.status == "rejected"
    assert any("street" in f["message"] for f in record.findings if f["severity"] == "error")
    assert _store_files(partnership) == before


def test_bad_usage_is_refused_before_anything_is_recorded(tmp_path: Path, partnership) -> None:
    path = _crime_file(tmp_path / "crimes.csv", ["A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,"])
    with pytest.raises(ImportRefused, match="unknown import kind"):
        import_files(partnership=partnership, kind="police-crimes", paths=[path], by=None)
    with pytest.raises(ImportRefused, match="policy"):
        import_files(
            partnership=partnership, kind="police-crime", paths=[path], by=None, policy="ignore"
        )
    with pytest.raises(ImportRefused):
        import_files(
            partnership=partnership, kind="police-crime", paths=[path], by=None, period="2023-13"
        )
    assert not Import.objects.exists()


def test_windows_1252_text_is_read_and_recorded(tmp_path: Path, partnership) -> None:
    path = tmp_path / "crimes.csv"
    path.write_bytes(
        (CRIME_HEADER + "\nA1,2023-04-03,,8N,Caf\xe9 fight,Y,,,19,F,,X01000009,,,\n").encode(
            "cp1252"
        )
    )
    record = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert record.files[0]["encoding"] == "windows-1252"
    assert record.rows["stored"] == 1


def test_formulas_in_cells_are_flagged_and_stored_as_text(tmp_path: Path, partnership) -> None:
    path = _crime_file(
        tmp_path / "crimes.csv", ['A1,2023-04-03,,8N,=HYPERLINK("x"),Y,,,19,F,,X01000009,,,']
    )
    record = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert any(
        f["column"] == "offence_description" and "formula" in f["message"] for f in record.findings
    )


def test_the_sweep_leaves_live_imports_alone_and_clears_those_whose_process_is_gone(
    tmp_path: Path, partnership
) -> None:
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()
    running = []
    for pid in (dead_pid.pid, os.getpid()):
        record = Import.objects.create(partnership=partnership, kind="police-crime")
        folder = work_dir(str(record.pk))
        folder.mkdir(parents=True)
        (folder / "owner").write_text(f"{socket.gethostname()} {pid}\n")
        table = Path(settings.STORE_DIR) / partnership.slug / "police_crime"
        table.mkdir(parents=True, exist_ok=True)
        (table / f"{record.pk}.parquet.tmp").write_bytes(b"half a file")
        running.append(record)
    abandoned, alive = running

    assert sweep_abandoned_imports() == 1

    assert Import.objects.get(pk=abandoned.pk).status == "rejected"
    assert Import.objects.get(pk=alive.pk).status == "running"
    assert not (table / f"{abandoned.pk}.parquet.tmp").exists()
    assert not work_dir(str(abandoned.pk)).exists()
    assert (table / f"{alive.pk}.parquet.tmp").exists()
    (table / f"{alive.pk}.parquet.tmp").unlink()


def test_raw_files_are_kept_under_the_import_with_their_folder_names(
    tmp_path: Path, partnership
) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    _crime_file(folder / "crimes.csv", ["A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,"])

    record = import_files(partnership=partnership, kind="police-crime", paths=[folder], by=None)

    kept = Path(settings.FILES_DIR) / "raw" / str(record.pk) / "extract" / "crimes.csv"
    assert kept.read_bytes() == (folder / "crimes.csv").read_bytes()
    assert record.files[0]["name"] == "extract/crimes.csv"


def test_the_same_file_after_new_geography_is_imported_afresh_and_placed(
    tmp_path: Path, partnership
) -> None:
    rows = ["C1,2023-06-01,,8N,,Y,,,30,,,X01000009,,,", "C2,2023-06-01,,8N,,Y,,,30,,,X01000010,,,"]
    path = _crime_file(tmp_path / "crimes.csv", rows)
    first = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert first.status == "completed", first.findings
    assert first.rows["quarantined"] == 1  # X01000010 is not loaded: reported, set aside
    # The LSOA is loaded afterwards: the same file is no longer "unchanged" but placed afresh.
    lsoa = Area.objects.create(code="X01000010", name="Testtown 001B", level="lsoa", vintage=2021)
    AreaLink.objects.create(child=lsoa, parent=Area.objects.get(code="X07000009"))
    again = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert (again.status, again.replaces_id) == ("completed", first.pk)
    assert not [f for f in again.findings if f.get("value") == "X01000010"]
    table = pq.read_table(
        parquet_path(partnership_slug="testshire", table="police_crime", import_id=str(again.pk))
    )
    assert table.column("csp_code").to_pylist() == ["X22000009", "X22000009"]
    # With nothing changed since, the same file is unchanged.
    third = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert third.status == "unchanged"


def test_months_given_twice_in_one_import_count_once(shared_data: Path, tmp_path: Path,
                                                     partnership) -> None:  # fmt: skip
    folder = shared_data / "police-uk" / "city-of-london"

    def archive(name: str, months: list[str], revised: str = "") -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as out:
            for month in months:
                file = f"{month}-city-of-london-street.csv"
                text = (folder / file).read_text(encoding="utf-8")
                if month == revised:  # a revised month: its last row taken out
                    text = "".join(text.splitlines(keepends=True)[:-1])
                out.writestr(f"{month}/{file}", text)
        return path

    def rows_of(month: str) -> int:
        with (folder / f"{month}-city-of-london-street.csv").open(encoding="utf-8") as handle:
            return sum(1 for _ in handle) - 1

    # Two archives sharing May and June 2020, and April 2019 twice under another name.
    first = archive("a.zip", ["2020-04", "2020-05", "2020-06"])
    second = archive("b.zip", ["2020-05", "2020-06", "2020-07"], revised="2020-06")
    copy = tmp_path / "copy-of-april.csv"
    copy.write_bytes((folder / "2019-04-city-of-london-street.csv").read_bytes())
    record = import_files(
        partnership=partnership, kind="police-uk-street", by=None,
        paths=[first, second, folder / "2019-04-city-of-london-street.csv", copy],
    )  # fmt: skip
    assert record.status == "completed", record.findings
    by_month = Counter()
    for line in record.breakdown:
        by_month[line["period"]] += line["rows"]
    months = ["2019-04", "2020-04", "2020-05", "2020-06", "2020-07"]
    # Each month once; June from the last archive given (the revised one).
    expected = {month: rows_of(month) for month in months}
    expected["2020-06"] -= 1
    assert dict(by_month) == expected
    warnings = [f["message"] for f in record.findings if f["severity"] == "warning"]
    assert any("2020-06-city-of-london-street.csv is given 2 times" in m for m in warnings)
    same = [m for m in warnings if m.startswith("the same file is given 2 times")]
    assert len(same) == 2  # May in both archives; April as itself and as a copy


def test_the_same_file_after_a_corrected_lsoa_lookup_is_placed_in_the_new_district_only(
    tmp_path: Path, partnership
) -> None:
    from svduty.geography import actions, readers

    lad = Area.objects.create(code="X07000010", name="Otherton", level="lad", vintage=2024)
    csp = Area.objects.create(code="X22000010", name="Otherton", level="csp", vintage=2024)
    AreaLink.objects.create(child=lad, parent=csp)
    AreaLink.objects.create(child=csp, parent=Area.objects.get(code="X23000009"))
    path = _crime_file(tmp_path / "crimes.csv", ["C1,2023-06-01,,8N,,Y,,,30,,,X01000009,,,"])
    first = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    assert first.status == "completed", first.findings
    # The corrected lookup puts X01000009 in Otherton, not Testtown.
    lookup = tmp_path / "lsoa21-lad24.csv"
    lookup.write_text("LSOA21CD,LSOA21NM,LAD24CD,LAD24NM\nX01000009,Testtown 001A,X07000010,\n")
    actions.load_lsoa_lookup(lookup=readers.read_lsoa_lookup(lookup), by=None)

    again = import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)

    assert (again.status, again.replaces_id) == ("completed", first.pk)
    table = pq.read_table(
        parquet_path(partnership_slug="testshire", table="police_crime", import_id=str(again.pk))
    )
    assert table.column("lad_code").to_pylist() == ["X07000010"]
    assert table.column("csp_code").to_pylist() == ["X22000010"]


def test_the_same_csvs_zipped_then_in_a_folder_or_loose_are_unchanged(
    tmp_path: Path, partnership
) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    april = _crime_file(folder / "april.csv", ["A1,2023-04-03,,8N,,Y,,,19,F,,X01000009,,,"])
    may = _crime_file(folder / "may.csv", ["M1,2023-05-03,,8N,,Y,,,19,F,,X01000009,,,"])
    archive = tmp_path / "extract.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("extract/april.csv", april.read_bytes())
        out.writestr("extract/may.csv", may.read_bytes())
        out.writestr("extract/README.md", "not data")
    (folder / "notes.md").write_text("not data either")  # ignored, so not content

    first = import_files(partnership=partnership, kind="police-crime", paths=[archive], by=None)
    assert first.status == "completed", first.findings
    stored = _store_files(partnership)

    for paths in ([folder], [may, april]):
        again = import_files(partnership=partnership, kind="police-crime", paths=paths, by=None)
        assert (again.status, again.duplicate_of_id) == ("unchanged", first.pk)
        assert again.rows["stored"] == 0
    first.refresh_from_db()
    assert first.status == "completed"
    assert _store_files(partnership) == stored
    assert _stored(partnership, "police_crime") == 2

    # Other content in the same shape is imported, and replaces the first.
    _crime_file(may, ["M1,2023-05-03,,8N,,N,,,19,F,,X01000009,,,"])
    changed = import_files(partnership=partnership, kind="police-crime", paths=[folder], by=None)
    assert (changed.status, changed.replaces_id) == ("completed", first.pk)
    assert _stored(partnership, "police_crime") == 2
