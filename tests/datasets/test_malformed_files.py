"""Files that are wrong as a whole, or in places: clear findings, and nothing half-written."""

from __future__ import annotations

import hashlib
import io
import resource
import time
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.datasets.helpers import errors, store_files, with_code

STREET = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
ROW = "{id},2023-05,Force,Force,-0.1,51.5,On or near {place},E01000001,Name 001A,Robbery,,"


def street_text(places: list[str]) -> str:
    return (
        STREET
        + "\n"
        + "\n".join(ROW.format(id=f"{i:064x}", place=p) for i, p in enumerate(places))
        + "\n"
    )


def test_wrong_headers_name_the_missing_columns(run, tmp_path, store):
    path = tmp_path / "2023-05-force-outcomes.csv"
    path.write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
        "Outcome type\nabc,2023-05,F,F,,,No Location,,,Unable to prosecute suspect\n"
    )

    result = run("police-uk-street", path)

    assert result.status == "rejected"
    (error,) = errors(result)
    assert error["file"] == "2023-05-force-outcomes.csv"
    assert "required column(s) missing: Crime type" in error["message"]
    assert store_files(store) == []


def test_a_header_naming_no_column_at_all_says_what_was_expected(run, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b,c\n1,2,3\n")

    result = run("police-crime", path)

    assert "names none of the columns" in errors(result)[0]["message"]
    assert "crime_ref" in errors(result)[0]["message"]


def test_windows_1252_is_detected_recorded_and_read_correctly(run, tmp_path):
    path = tmp_path / "ambulance.csv"
    text = "incident_ref,call_datetime,incident_type,sex\nA1,2024-01-05 10:00,Assault – café,F\n"
    path.write_bytes(text.encode("cp1252"))

    result = run("ambulance-assaults", path)

    assert result.status == "completed"
    assert result.files[0]["encoding"] == "windows-1252"
    assert pq.read_table(result.path)["incident_type"].to_pylist() == ["Assault – café"]
    assert any("read as windows-1252" in f["message"] for f in result.findings)


def test_undecodable_bytes_are_reported_with_their_row(run, tmp_path):
    path = tmp_path / "ambulance.csv"
    good = "A1,2024-01-05 10:00,Café fight,F\n".encode()
    bad = b"A2,2024-01-06 10:00,Assault \xff here,F\n"
    path.write_bytes(b"incident_ref,call_datetime,incident_type,sex\n" + good + bad)

    result = run("ambulance-assaults", path)

    assert result.files[0]["encoding"] == "utf-8"
    (finding,) = with_code(result, "not valid in the file's encoding")
    assert (finding["row"], finding["column"], finding["severity"]) == (2, "incident_type", "error")
    assert result.rows == {"read": 2, "stored": 1, "quarantined": 1, "rejected": 0}


def test_bad_bytes_beyond_the_first_megabyte_are_found_too(run, tmp_path):
    path = tmp_path / "2023-05-force-street.csv"
    places = [f"Street {i}" for i in range(12_000)] + ["Caf\xe9 Parade"]
    path.write_bytes(street_text(places).encode("cp1252"))
    assert path.stat().st_size > 1 << 20

    result = run("police-uk-street", path)

    assert result.status == "completed"
    assert result.files[0]["encoding"] == "windows-1252"
    table = pq.read_table(result.path)
    last = next(r for r in table.to_pylist() if r["row_number"] == 12_001)
    assert last["location"] == "On or near Café Parade"


def test_a_truncated_file_is_refused_and_nothing_is_written(run, tmp_path, store):
    path = tmp_path / "2023-05-force-street.csv"
    text = street_text(["High Street", "Low Street", "Mid Street"])
    path.write_text(text[: text.rindex("Mid Street") + 3])  # cut inside the last row

    result = run("police-uk-street", path)

    assert result.status == "rejected"
    (error,) = errors(result)
    assert "looks truncated" in error["message"]
    assert error["row"] == 3
    assert store_files(store) == []


def test_a_row_with_the_wrong_number_of_cells_is_quarantined_and_the_rest_numbered_right(
    run, tmp_path
):
    path = tmp_path / "2023-05-force-street.csv"
    lines = street_text([f"S{i}" for i in range(6)]).splitlines()
    lines[3] = lines[3] + ",extra"  # data row 3
    path.write_text("\n".join(lines) + "\n")

    result = run("police-uk-street", path)

    assert result.rows == {"read": 6, "stored": 5, "quarantined": 1, "rejected": 0}
    (finding,) = with_code(result, "cells but the header has 12")
    assert finding["row"] == 3
    table = pq.read_table(result.path).to_pylist()
    assert {r["row_number"]: r["location"] for r in table} == {
        n: f"On or near S{n - 1}" for n in (1, 2, 4, 5, 6)
    }


def test_under_the_refuse_policy_one_bad_row_rejects_the_file(run, tmp_path, store):
    path = tmp_path / "2023-05-force-street.csv"
    path.write_text(street_text(["A", "B"]).replace("2023-05,Force", "May 2023,Force", 1))

    result = run("police-uk-street", path, policy="refuse")

    assert result.status == "rejected"
    assert result.rows == {"read": 2, "stored": 0, "quarantined": 0, "rejected": 2}
    (bad,) = with_code(result, "not a month")
    assert (bad["row"], bad["column"], bad["value"]) == (1, "Month", "May 2023")
    assert store_files(store) == []


def test_an_empty_file_is_refused(run, tmp_path, store):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    result = run("police-crime", path)

    assert errors(result)[0]["message"] == "the file is empty"
    assert store_files(store) == []


def test_a_header_with_no_rows_is_refused(run, tmp_path, store):
    path = tmp_path / "2023-05-force-street.csv"
    path.write_text(STREET + "\r\n")

    result = run("police-uk-street", path)

    assert errors(result)[0]["message"] == "the file has a header row but no data rows"
    assert store_files(store) == []


def test_a_zip_with_no_csv_is_refused(run, tmp_path, store):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("readme.txt", "nothing here")

    result = run("police-uk-street", path)

    assert "the zip archive holds no police.uk street-level files" in errors(result)[0]["message"]
    assert store_files(store) == []


def test_a_huge_binary_file_is_refused_at_a_glance(run, tmp_path, store):
    path = tmp_path / "2023-05-force-street.csv"
    with path.open("wb") as handle:
        handle.write(STREET.encode() + b"\n")
        handle.truncate(1 << 30)  # 1 GB, the rest zero bytes (sparse: no disk used)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    hashed = {path: "f" * 64}  # a stand-in: hashing 1 GB is not what this test times

    result = run("police-uk-street", path, known_sha256=hashed)

    assert time.perf_counter() - started < 5
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100
    assert "not a text file" in errors(result)[0]["message"]
    # Listed with the hash its caller took (import_files hashes every file as it keeps it), so
    # the pipeline never reads it through.
    assert result.files[0]["sha256"] == hashed[path]
    assert store_files(store) == []


def test_text_with_no_line_breaks_is_not_taken_for_csv(run, tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(b"x" * (3 << 20))

    result = run("police-crime", path)

    assert "no line break in the first megabyte" in errors(result)[0]["message"]


def test_a_spreadsheet_given_as_csv_is_named_for_what_it_is(run, tmp_path):
    path = tmp_path / "crime.csv"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("[Content_Types].xml", "<Types/>")
        zipped.writestr("xl/workbook.xml", "<workbook/>")

    result = run("police-crime", path)

    assert "zip file or a spreadsheet" in errors(result)[0]["message"]


def test_formula_cells_are_stored_inert_and_reported(run, tmp_path):
    path = tmp_path / "crime.csv"
    path.write_text(
        "crime_ref,recorded_date,offence_code,knife_flag,location_type,longitude,latitude\n"
        'C1,2023-05-01,8N,N,"=HYPERLINK(""http://x"",""y"")",-0.1,51.5\n'
        "C2,2023-05-01,8N,N,@SUM(A1),-0.2,51.4\n"
        "C3,2023-05-01,8N,N,Street,-0.3,51.3\n"
    )

    result = run("police-crime", path)

    stored = sorted(pq.read_table(result.path).to_pylist(), key=lambda r: r["row_number"])
    assert [r["location_type"] for r in stored] == [
        "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "Street"
    ]  # fmt: skip
    assert [r["longitude"] for r in stored] == [-0.1, -0.2, -0.3]  # numbers are not formulas
    flagged = with_code(result, "spreadsheet formula")
    assert [(f["row"], f["column"], f["severity"]) for f in flagged] == [
        (1, "location_type", "warning"), (2, "location_type", "warning")
    ]  # fmt: skip
    assert flagged[0]["value"].startswith("'=")  # never a live formula in a report either


def test_files_named_in_a_folder_come_in_order_and_others_are_ignored(run, tmp_path):
    folder = tmp_path / "download"
    (folder / "2023-06").mkdir(parents=True)
    (folder / "2023-05").mkdir()
    (folder / "2023-06" / "2023-06-force-street.csv").write_text(street_text(["B"]))
    (folder / "2023-05" / "2023-05-force-street.csv").write_text(street_text(["A"]))
    (folder / "2023-05" / "2023-05-force-outcomes.csv").write_text("Crime ID\n")

    result = run("police-uk-street", folder)

    assert [f["name"] for f in result.files] == [
        "download/2023-05/2023-05-force-street.csv",
        "download/2023-06/2023-06-force-street.csv",
    ]
    assert result.rows["stored"] == 2


def test_crlf_line_ends_a_byte_order_mark_and_any_column_order_are_read(run, tmp_path):
    path = tmp_path / "crime.csv"
    text = (
        "\ufeffknife_flag;offence_code;recorded_date;crime_ref;unknown extra\r\n"
        "Y;5D;2023-05-01;C1;ignored\r\n"
    )
    path.write_bytes(text.encode("utf-8"))

    result = run("police-crime", path)

    assert result.status == "completed"
    assert errors(result) == []
    (row,) = pq.read_table(result.path).to_pylist()
    assert (row["knife_flag"], row["offence_code"], row["month"]) == ("Y", "5D", "2023-05")
    assert any("unknown extra" in f["message"] for f in result.findings)


def test_nothing_is_left_behind_when_an_import_is_refused_midway(run, tmp_path, store):
    path = tmp_path / "crime.csv"
    rows = "".join(f"C{i},2023-05-01,8N,N\n" for i in range(5000))
    path.write_text("crime_ref,recorded_date,offence_code,knife_flag\n" + rows + "C9,x,8N,N\n")

    result = run("police-crime", path, policy="refuse")

    assert result.status == "rejected"
    assert store_files(store) == []
    assert not (Path(store) / "police_crime").exists()


def _zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


CRIME = b"crime_ref,recorded_date,offence_code,knife_flag\n"


@pytest.mark.parametrize(
    ("name", "data", "options", "encoding"),
    [
        pytest.param("empty.csv", b"", {}, None, id="empty"),
        pytest.param("crime.csv", b"%PDF-1.7 not a table", {}, None, id="pdf"),
        pytest.param("binary.csv", CRIME + b"\x00" * 100, {}, None, id="binary"),
        pytest.param("damaged.zip", b"PK\x03\x04 cut short", {}, None, id="damaged-zip"),
        pytest.param("notes.zip", _zipped({"readme.md": b"no data"}), {}, None, id="zip-no-csv"),
        pytest.param("header-only.csv", CRIME, {}, "utf-8", id="no-rows"),
        pytest.param(
            "café.csv",
            "ref,date\ncafé,2023-05-01\n".encode("cp1252"),
            {},
            "windows-1252",
            id="windows-1252-no-columns",
        ),
        pytest.param("utf16.csv", "a,b\n1,2\n".encode("utf-16"), {}, "utf-16", id="utf-16"),
        pytest.param(
            "declared.csv",
            b"ref;date\nC1;2023-05-01\n",
            {"encoding": "cp1252"},
            "windows-1252",
            id="declared-encoding",
        ),
    ],
)
def test_a_refused_file_is_listed_with_the_hash_of_its_bytes(
    run, tmp_path, name, data, options, encoding
):
    path = tmp_path / name
    path.write_bytes(data)

    result = run("police-crime", path, **options)

    assert result.status == "rejected"
    assert errors(result)[0]["file"] == name
    assert result.files == [
        {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "encoding": encoding}
    ]


def test_a_copy_read_once_is_still_listed_with_its_hash(run, tmp_path):
    data = CRIME + b"C1,2023-05-01,8N,N\n"
    (tmp_path / "may.csv").write_bytes(data)
    (tmp_path / "may-copy.csv").write_bytes(data)

    result = run("police-crime", tmp_path / "may.csv", tmp_path / "may-copy.csv")

    assert result.rows["stored"] == 1
    sha = hashlib.sha256(data).hexdigest()
    assert [(f["name"], f["sha256"]) for f in result.files] == [
        ("may.csv", sha), ("may-copy.csv", sha)
    ]  # fmt: skip


def test_a_file_declared_utf16_without_a_byte_order_mark_is_refused_not_a_crash(run, tmp_path):
    path = tmp_path / "crime.csv"
    data = CRIME + b"C1,2023-05-01,8N,N\n"
    path.write_bytes(data)

    result = run("police-crime", path, encoding="utf-16")

    assert result.status == "rejected"
    (error,) = errors(result)
    assert error["file"] == "crime.csv"
    assert "declared UTF-16 but does not start with a byte order mark" in error["message"]
    assert result.files == [
        {"name": "crime.csv", "sha256": hashlib.sha256(data).hexdigest(), "encoding": None}
    ]
