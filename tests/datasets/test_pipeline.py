"""What every import guarantees: row lineage, exact schemas, atomic files, the report's shape."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from svduty.datasets.areas import Geography
from svduty.datasets.pipeline import ImportRefused, parse_declared_period
from svduty.datasets.stored import KIND_TABLE, TABLES, store_connection
from tests.datasets.helpers import errors, store_files, with_code

STREET = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)  # fmt: skip

# One small, valid file per kind.
SAMPLES: dict[str, tuple[tuple[str, ...], list[list[str]]]] = {
    "police-uk-street": (
        STREET,
        [
            [
                "",
                "2023-05",
                "F",
                "F",
                "-0.1",
                "51.5",
                "On or near A",
                "E01000001",
                "A 001A",
                "Anti-social behaviour",
                "",
                "",
            ]
        ],
    ),
    "police-uk-stop-search": (
        ("Type", "Date", "Object of search", "Outcome"),
        [["Person search", "2023-05-01T10:00:00+00:00", "Offensive weapons", "Arrest"]],
    ),
    "ho-csp-tables": (
        ("Financial Year", "CSP Name", "Offence Code", "Offence Count"),
        [["2023/24", "Orlwick", "8N", "3"]],
    ),
    "aggregate-counts": (
        ("source", "measure", "area_code", "period", "count"),
        [["hes", "admissions", "E22000001", "2023/24", "5"]],
    ),
    "police-crime": (
        ("crime_ref", "recorded_date", "offence_code", "knife_flag"),
        [["C1", "2023-05-01", "8N", "Y"]],
    ),
    "hospital-admissions": (
        ("episode_ref", "admission_date", "cause_codes", "age"),
        [["E1", "2023-05-01", "X99.9", "20"]],
    ),
    "ae-assaults": (
        ("site_code", "assault_datetime", "assault_method", "assault_location_type"),
        [["RX1", "2023-05-01T22:00:00Z", "KNIFE", "STREET"]],
    ),
    "ambulance-assaults": (
        ("incident_ref", "call_datetime", "incident_type"),
        [["A1", "2023-05-01T22:00:00Z", "ASSAULT"]],
    ),
}


def _same_types(read: pa.Schema, stored: pa.Schema) -> bool:
    """Equal, but for the one difference Parquet forces: timestamps in seconds come back in ms."""

    def normal(field: pa.Field) -> pa.Field:
        if pa.types.is_timestamp(field.type) and field.type.unit == "s":
            return field.with_type(pa.timestamp("ms"))
        return field

    return pa.schema([normal(f) for f in read]) == pa.schema([normal(f) for f in stored])


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_kind_writes_one_file_with_the_stored_schema(run, write_csv, store, kind):
    header, rows = SAMPLES[kind]
    path = write_csv(f"{kind}.csv", header, rows)

    result = run(kind, path)

    assert result.status == "completed", result.findings
    table = KIND_TABLE[kind]
    assert store_files(store) == [store / table / "test-import.parquet"]
    assert result.path == store / table / "test-import.parquet"
    assert _same_types(pq.read_schema(result.path).remove_metadata(), TABLES[table])
    assert pq.read_table(result.path).num_rows == 1


@pytest.mark.parametrize(
    ("kind", "dictionary"), [("police-crime", True), ("police-uk-street", False)]
)
def test_lsoa_codes_are_a_dictionary_in_partner_tables_and_plain_in_police_uk(
    run, write_csv, kind, dictionary
):
    # One area's few thousand LSOAs are worth a dictionary; the whole country's are not.
    header, rows = SAMPLES[kind]
    result = run(kind, write_csv(f"{kind}.csv", header, rows))

    assert result.status == "completed", result.findings
    metadata = pq.ParquetFile(result.path).metadata.row_group(0)
    chunks = {
        metadata.column(i).path_in_schema: metadata.column(i) for i in range(metadata.num_columns)
    }
    assert ("RLE_DICTIONARY" in chunks["lsoa_code"].encodings) is dictionary
    assert "RLE_DICTIONARY" in chunks["csp_code"].encodings


def test_analytic_connections_view_every_table_and_cache_parquet_metadata(run, write_csv):
    header, rows = SAMPLES["police-crime"]
    result = run("police-crime", write_csv("police-crime.csv", header, rows))

    con = store_connection({"police_crime": [result.path]})
    try:
        assert con.execute("SELECT count(*) FROM police_crime").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM hospital_admissions").fetchone() == (0,)
        assert con.execute("SELECT current_setting('parquet_metadata_cache')").fetchone() == (True,)
    finally:
        con.close()


def test_every_stored_table_carries_the_source_file_beside_the_row_number():
    for schema in TABLES.values():
        assert schema.names[:3] == ["import_id", "row_number", "source_file"]


def test_rows_keep_their_file_row_numbers_across_many_batches(run, tmp_path):
    path = tmp_path / "2023-05-force-street.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STREET)
        for n in range(1, 300_001):
            writer.writerow(
                [f"{n:064x}", "2023-05", "F", "F", "", "", f"R{n}", "", "", "Drugs", "", ""]
            )

    result = run("police-uk-street", path)

    table = pq.read_table(result.path, columns=["row_number", "location", "crime_id"])
    assert table.num_rows == 300_000
    numbers = table["row_number"].to_pylist()
    assert numbers == [int(r[1:]) for r in table["location"].to_pylist()]
    assert numbers == [int(c, 16) for c in table["crime_id"].to_pylist()]


def test_lsoas_resolve_to_their_places_and_unknown_ones_are_reported(run, write_csv):
    geography = Geography(
        lsoas={"E01000001": ("E09000001", "E22000001", "E23000034")}, pfa_code="E23000034"
    )
    rows = [
        ["", "2023-05", "F", "F", "-0.1", "51.5", "On or near A", lsoa, "", "Drugs", "", ""]
        for lsoa in ("E01000001", "E01999999", "NOT-AN-LSOA", "E01999999", "")
    ]
    path = write_csv("2023-05-f-street.csv", STREET, rows)

    result = run("police-uk-street", path, geography=geography)

    assert result.rows["stored"] == 5
    assert errors(result) == []
    stored = sorted(pq.read_table(result.path).to_pylist(), key=lambda r: r["row_number"])
    assert [(r["lsoa_code"], r["csp_code"], r["pfa_code"]) for r in stored] == [
        ("E01000001", "E22000001", "E23000034"),
        ("E01999999", None, "E23000034"),  # police.uk rows count for the force
        (None, None, "E23000034"),
        ("E01999999", None, "E23000034"),
        (None, None, "E23000034"),
    ]
    unknown = with_code(result, "not an LSOA code of the loaded geography")
    assert [(f["row"], f["value"], f["severity"]) for f in unknown] == [
        (2, "E01999999", "warning")  # each code once
    ]
    malformed = with_code(result, "is not an LSOA code (E01")
    assert [(f["row"], f["value"]) for f in malformed] == [(3, "NOT-AN-LSOA")]
    assert malformed[0]["message"].endswith(": stored with no place")  # a warning: kept


def test_an_error_finding_does_not_say_the_row_is_stored(run, write_csv):
    # In partners' files a malformed place is an error: the row is set aside, not stored.
    path = write_csv(
        "calls.csv",
        ("incident_ref", "call_datetime", "incident_type", "lsoa_code", "latitude"),
        [["A1", "2023-05-01 10:00", "Assault", "E0100828", ""],
         ["A2", "2023-05-01 11:00", "Assault", "", "54.97"],
         ["A3", "2023-05-01 12:00", "Assault", "", ""]],
    )  # fmt: skip

    result = run("ambulance-assaults", path)

    assert result.rows["quarantined"] == 2
    for row in (1, 2):
        (finding,) = [f for f in result.findings if f["row"] == row]
        assert finding["severity"] == "error"
        assert "stored" not in finding["message"], finding


def test_rows_outside_the_declared_period_are_errors(run, write_csv):
    path = write_csv(
        "crime.csv",
        ("crime_ref", "recorded_date", "offence_code", "knife_flag"),
        [["C1", "2024-03-31", "8N", "Y"], ["C2", "2024-04-01", "8N", "Y"]],
    )

    result = run("police-crime", path, year="2023/24")

    assert result.rows == {"read": 2, "stored": 1, "quarantined": 1, "rejected": 0}
    (outside,) = with_code(result, "outside the declared period")
    # The cell dating the row, as written, and the month it gives.
    assert (outside["row"], outside["column"], outside["value"]) == (
        2, "recorded_date", "2024-04-01",
    )  # fmt: skip
    assert outside["message"].endswith("(2023-04 to 2024-03): it is dated in 2024-04")


def test_declared_periods_are_read_in_every_accepted_form():
    assert parse_declared_period("FY2019/20") == ("2019-04", "2020-03")
    assert parse_declared_period("2019 to 2020") == ("2019-04", "2020-03")
    assert parse_declared_period("2020-03") == ("2020-03", "2020-03")
    assert parse_declared_period(("2020-01", "2020-06")) == ("2020-01", "2020-06")
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_declared_period(("2020-06", "2020-01"))


def test_the_same_content_under_another_name_has_the_same_content_hash(run, write_csv, tmp_path):
    header, rows = SAMPLES["police-crime"]
    first = write_csv("a.csv", header, rows)
    second = tmp_path / "renamed.csv"
    shutil.copy(first, second)

    one = run("police-crime", first, import_id="one")
    two = run("police-crime", second, import_id="two")
    three = run("police-crime", first, import_id="three", year="2023/24")

    assert one.content_sha256 == two.content_sha256
    assert one.content_sha256 != three.content_sha256
    assert len(one.content_sha256) == 64


def test_no_temporary_file_is_left_and_a_rerun_replaces_the_file(run, write_csv, store):
    header, rows = SAMPLES["police-crime"]
    path = write_csv("a.csv", header, rows)

    run("police-crime", path)
    result = run("police-crime", path)

    assert store_files(store) == [result.path]


def test_repeated_partner_references_refuse_the_file_under_the_refuse_policy(run, write_csv, store):
    path = write_csv(
        "crime.csv",
        ("crime_ref", "recorded_date", "offence_code", "knife_flag"),
        [["C1", "2023-05-01", "8N", "Y"], ["C1", "2023-05-02", "8N", "N"]],
    )

    result = run("police-crime", path, policy="refuse")

    assert result.status == "rejected"
    (repeat,) = with_code(result, "on an earlier row too")
    assert (repeat["row"], repeat["value"]) == (2, None)
    assert store_files(store) == []


def test_the_report_has_the_shape_of_the_contract(run, write_csv):
    header, rows = SAMPLES["ho-csp-tables"]
    result = run("ho-csp-tables", write_csv("t.csv", header, rows))

    report = result.report()
    assert set(report) == {"kind", "status", "files", "rows", "breakdown", "findings"}
    assert set(report["rows"]) == {"read", "stored", "quarantined", "rejected"}
    assert set(report["files"][0]) == {"name", "sha256", "encoding"}
    assert report["breakdown"] == [{"period": "2023/24", "category": "8N", "rows": 1}]
    for item in report["findings"]:
        assert set(item) == {"severity", "file", "row", "column", "value", "message"}


def test_progress_is_reported_from_start_to_finish(run, write_csv):
    header, rows = SAMPLES["police-crime"]
    seen: list[float] = []

    run("police-crime", write_csv("a.csv", header, rows), progress=lambda f, m="": seen.append(f))

    assert seen[-1] == 1.0
    assert seen == sorted(seen)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "police-spreadsheets"}, "unknown import kind"),
        ({"policy": "ignore"}, "unknown validation policy"),
        ({"year": "19/20"}, "not a financial year"),
        ({"declared_period": "May 2023"}, "not a financial year"),
        ({"encoding": "ebcdic"}, "unknown encoding"),
    ],
)
def test_bad_usage_is_refused_before_anything_is_read(run, write_csv, options, message):
    header, rows = SAMPLES["police-crime"]
    path = write_csv("a.csv", header, rows)
    kind = options.pop("kind", "police-crime")

    with pytest.raises(ImportRefused, match=message):
        run(kind, path, **options)


def test_a_short_pseudonym_key_is_a_configuration_error(run, write_csv):
    header, rows = SAMPLES["police-crime"]
    with pytest.raises(ValueError, match="pseudonym key"):
        run("police-crime", write_csv("a.csv", header, rows), pseudonym_key=b"short")


def test_an_import_id_that_cannot_name_a_file_is_refused(run, write_csv):
    header, rows = SAMPLES["police-crime"]
    with pytest.raises(ValueError, match="cannot name a file"):
        run("police-crime", write_csv("a.csv", header, rows), import_id="../elsewhere")


def test_a_missing_path_is_reported_not_raised(run, tmp_path, store):
    result = run("police-crime", tmp_path / "absent.csv")

    assert result.status == "rejected"
    assert errors(result)[0]["message"] == "no such file or folder"
    assert store_files(store) == []


def test_declared_encoding_overrides_detection(run, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(
        "incident_ref,call_datetime,incident_type\nA1,2024-01-05 10:00,Rüd\n".encode("cp1252")
    )

    result = run("ambulance-assaults", path, encoding="cp1252")

    assert result.files[0]["encoding"] == "windows-1252"
    assert pq.read_table(result.path)["incident_type"].to_pylist() == ["Rüd"]


def test_the_store_may_already_hold_other_imports(run, write_csv, store):
    other = store / "police_crime" / "older.parquet"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"kept")
    header, rows = SAMPLES["police-crime"]
    path = write_csv("a.csv", header, rows + [["C1", "x", "8N", "Y"]])

    run("police-crime", path, policy="refuse")

    assert store_files(store) == [other]
    assert Path(other).read_bytes() == b"kept"
