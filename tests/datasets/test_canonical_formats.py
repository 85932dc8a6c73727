"""The four record-level partner formats and aggregate counts, on small hand-made files."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from datetime import date, datetime

import pyarrow.parquet as pq
import shapely

from svduty.datasets.areas import Geography
from tests.datasets.helpers import KEY, errors, store_files, with_code

GEOGRAPHY = Geography(
    lsoas={
        "E01000001": ("E09000001", "E22000001", "E23000034"),  # a 2011 code
        "E01033583": ("E09000033", "E22000033", "E23000001"),  # a 2021 code
    },
    pfa_code="E23000034",
)
CRIME = (
    "crime_ref", "recorded_date", "offence_date", "offence_code", "offence_description",
    "knife_flag", "firearm_flag", "domestic_flag", "victim_age", "victim_sex", "suspect_age",
    "lsoa_code", "latitude", "longitude", "location_type",
)  # fmt: skip


def pseudonym(column: str, value: str) -> str:
    return hmac.new(KEY, f"{column}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def rows_of(result):
    return sorted(pq.read_table(result.path).to_pylist(), key=lambda r: r["row_number"])


def test_police_crime_rows_are_normalised_pseudonymised_and_placed(run, write_csv):
    path = write_csv(
        "crime.csv",
        CRIME,
        [
            [
                "CR1",
                "2024-03-31",
                "2024-03-30",
                "08n",
                "Assault with injury",
                "y",
                "N",
                "",
                "24",
                "F",
                "31",
                "E01000001",
                "51.515",
                "-0.092",
                "Street",
            ],
            [
                "CR2",
                "2024-04-01",
                "",
                "4.1",
                "Manslaughter",
                "",
                "",
                "",
                "",
                "",
                "",
                "E01033583",
                "",
                "",
                "",
            ],
            ["CR3", "2023-05-02", "", "008/06", "Assault", "N", "", "", "", "", "", "", "", "", ""],
        ],
    )

    result = run("police-crime", path, geography=GEOGRAPHY)

    assert result.status == "completed"
    assert errors(result) == []
    first, second, third = rows_of(result)
    assert first["crime_ref"] == pseudonym("crime_ref", "CR1")
    assert "CR1" not in str(result.findings)
    assert len(first["crime_ref"]) == 64
    assert (first["offence_code"], first["offence_code_raw"]) == ("8N", "08n")
    assert (first["knife_flag"], first["firearm_flag"], first["domestic_flag"]) == ("Y", "N", None)
    assert (first["victim_age"], first["suspect_age"]) == (24, 31)
    assert (first["recorded_date"], first["offence_date"]) == (date(2024, 3, 31), date(2024, 3, 30))
    assert (first["month"], first["financial_year"]) == ("2024-03", "2023/24")
    assert (first["lad_code"], first["csp_code"], first["pfa_code"]) == (
        "E09000001", "E22000001", "E23000034"
    )  # fmt: skip
    assert (second["month"], second["financial_year"]) == ("2024-04", "2024/25")
    assert second["csp_code"] == "E22000033"
    assert second["knife_flag"] is None
    # A force's class/offence notation the reviewed mapping cannot place in a subdivision:
    # stored as class/offence (its classification is known), kept as given, reported.
    assert third["offence_code"] == "8/6"
    assert third["offence_code_raw"] == "008/06"
    unplaced = with_code(result, "cannot be placed")
    assert [(f["row"], f["value"], f["severity"]) for f in unplaced] == [(3, "008/06", "warning")]
    assert {(b["period"], b["category"], b["rows"]) for b in result.breakdown} == {
        ("2024-03", "8N", 1), ("2024-04", "4.1", 1), ("2023-05", "8/6", 1),
    }  # fmt: skip


def test_rows_of_empty_cells_are_skipped_like_blank_lines(run, write_csv):
    good = ["CR1", "2023-06-01", "", "5D", "", "N", "", "", "30", "", "", "", "", "", ""]
    empty = [""] * len(good)
    path = write_csv(
        "crime.csv", CRIME, [good, empty, ["CR2", *good[1:]], empty, [" ", *empty[1:]]]
    )

    result = run("police-crime", path, geography=GEOGRAPHY, policy="refuse")

    assert result.status == "completed"
    assert result.rows == {"read": 2, "stored": 2, "quarantined": 0, "rejected": 0}
    assert [r["row_number"] for r in rows_of(result)] == [1, 2]  # as blank lines, not counted


def test_rows_in_a_district_the_lookup_splits_between_csps_are_stored_and_reported(run, write_csv):
    # North Northamptonshire in the 2019 lookup: one district, four CSPs.
    geography = Geography(
        lsoas={
            "E01027000": ("E06000061", None, "E23000022"),
            "E01027001": ("E06000061", None, "E23000022"),
            "E01027500": ("E06000062", "E22000237", "E23000022"),
        },
        pfa_code="E23000022",
        split_districts={"E06000061": ("E22000233", "E22000235", "E22000236", "E22000239")},
    )
    good = ["", "2023-06-01", "", "5D", "", "N", "", "", "30", "", "", "", "", "", ""]
    path = write_csv(
        "crime.csv",
        CRIME,
        [
            [f"CR{n}", *good[1:11], lsoa, "", "", ""]
            for n, lsoa in enumerate(["E01027000", "E01027001", "E01027000", "E01027500", ""])
        ],
    )

    result = run("police-crime", path, geography=geography, policy="refuse")

    assert result.status == "completed"
    assert result.rows["stored"] == 5
    assert [r["csp_code"] for r in rows_of(result)] == [None, None, None, "E22000237", None]
    (split,) = [f for f in result.findings if f["value"] == "E06000061"]
    assert split["severity"] == "warning"
    assert split["message"].startswith(
        "3 rows lie in district E06000061, which the loaded lookup puts in several CSPs "
        "(E22000233, E22000235, E22000236, E22000239): they have no CSP"
    )


def test_police_crime_rows_with_bad_cells_are_quarantined_with_their_findings(run, write_csv):
    good = ["CR1", "2023-06-01", "", "5D", "", "N", "", "", "30", "", "", "", "", "", ""]
    path = write_csv(
        "crime.csv",
        CRIME,
        [
            good,
            ["CR2", "2023-02-30", "", "5D", "", "N", "", "", "", "", "", "", "", "", ""],
            ["CR3", "2023-06-01", "", "5D", "", "maybe", "", "", "130", "", "", "", "", "", ""],
            ["CR4", "2023-06-01", "", "not a code!", "", "N", "", "", "", "", "", "E1", "", "", ""],
            ["CR1", "2023-06-02", "", "5D", "", "N", "", "", "", "", "", "", "", "", ""],
        ],
    )

    result = run("police-crime", path, geography=GEOGRAPHY)

    assert result.status == "completed"
    assert result.rows == {"read": 5, "stored": 1, "quarantined": 4, "rejected": 0}
    by_row = {q["row"]: {f["message"] for f in q["findings"]} for q in result.quarantine}
    assert sorted(by_row) == [2, 3, 4, 5]
    assert any("recorded_date is not a date" in m for m in by_row[2])
    assert any("knife_flag must be Y, N or blank" in m for m in by_row[3])
    assert any("victim_age is outside 0 to 120" in m for m in by_row[3])
    assert any("not written in any Home Office notation" in m for m in by_row[4])
    assert any("LSOA code" in m for m in by_row[4])
    assert any("on an earlier row too" in m and "row 1" in m for m in by_row[5])
    # The partner's reference never appears in a report.
    assert "CR1" not in str(result.findings) + str(result.quarantine)
    assert [r["row_number"] for r in rows_of(result)] == [1]
    # The breakdown counts what was stored: not row 5, found repeated only once all was read.
    assert [(b["period"], b["category"], b["rows"]) for b in result.breakdown] == [
        ("2023-06", "5D", 1)
    ]


def test_a_repeated_episode_is_quarantined_and_left_out_of_the_breakdown(run, write_csv):
    path = write_csv(
        "hes.csv",
        ["episode_ref", "admission_date", "cause_codes", "age"],
        [
            ["H1", "2023-04-03", "X99.9", "17"],
            ["H2", "2023-04-04", "X99.9", "30"],
            ["H1", "2023-05-09", "W26.0", "40"],  # a repeat, in a month and category of its own
        ],
    )

    result = run("hospital-admissions", path, geography=GEOGRAPHY)

    assert result.status == "completed"
    assert result.rows == {"read": 3, "stored": 2, "quarantined": 1, "rejected": 0}
    assert [q["row"] for q in result.quarantine] == [3]
    assert [r["row_number"] for r in rows_of(result)] == [1, 2]
    assert [r["cause_codes"] for r in rows_of(result)] == [["X99.9"], ["X99.9"]]
    assert [(b["period"], b["category"], b["rows"]) for b in result.breakdown] == [
        ("2023-04", "X99", 2)
    ]


def test_hospital_episodes_take_their_period_from_the_episode_end(run, write_csv):
    path = write_csv(
        "hes.csv",
        [
            "episode_ref",
            "admission_date",
            "episode_end_date",
            "is_first_episode",
            "cause_codes",
            "age",
            "sex",
            "lsoa_code",
        ],
        [
            ["E1", "2024-03-28", "2024-04-02", "", "S21.1; x99.9", "19", "M", "E01000001"],
            ["E2", "2023-07-14", "", "N", "W50", "42", "F", ""],
            ["E3", "2023-07-14", "", "Y", "S21.1;XYZ", "42", "F", ""],
        ],
    )

    result = run("hospital-admissions", path, geography=GEOGRAPHY)

    assert result.rows == {"read": 3, "stored": 2, "quarantined": 1, "rejected": 0}
    first, second = rows_of(result)
    assert first["episode_ref"] == pseudonym("episode_ref", "E1")
    assert first["cause_codes"] == ["S21.1", "X99.9"]
    assert first["is_first_episode"] is True
    assert (first["month"], first["financial_year"], first["date_method"]) == (
        "2024-04", "2024/25", "episode_end_date"
    )  # fmt: skip
    assert (second["month"], second["date_method"], second["is_first_episode"]) == (
        "2023-07", "admission_date", False
    )  # fmt: skip
    assert {(b["period"], b["category"]) for b in result.breakdown} == {
        ("2024-04", "X99"), ("2023-07", "W50")
    }  # fmt: skip
    bad = with_code(result, "not ICD-10")
    assert [(f["row"], f["value"]) for f in bad] == [(3, "S21.1;XYZ")]


def test_ae_assault_times_are_read_as_utc_and_kept_in_london_time(run, write_csv):
    path = write_csv(
        "istv.csv",
        [
            "site_code",
            "arrival_datetime",
            "assault_datetime",
            "assault_method",
            "assault_method_description",
            "assault_location_type",
            "assault_location_description",
            "age",
            "sex",
            "lsoa_code",
        ],
        [
            [
                "RX1",
                "2023-07-01T00:10:00Z",
                "2023-06-30T23:30:00Z",
                "KNIFE",
                "kitchen knife, his brother's",
                "PUB",
                "The Crown",
                "23",
                "M",
                "",
            ],
            [
                "RX1",
                "",
                "2023-12-01 21:05",
                "FIST",
                "",
                "STREET",
                "outside 12 Acacia Avenue",
                "",
                "",
                "",
            ],
        ],
    )

    result = run("ae-assaults", path)

    assert result.status == "completed"
    assert errors(result) == []
    first, second = rows_of(result)
    assert first["assault_at"] == datetime(2023, 7, 1, 0, 30)  # BST: UTC + 1
    assert first["arrival_at"] == datetime(2023, 7, 1, 1, 10)
    assert (first["month"], first["hour"], first["weekday"]) == ("2023-07", 0, 6)  # a Saturday
    # Named once only in the import: too rare to be aggregate-safe (contracts.md 2.1).
    assert first["assault_location_description"] is None
    assert "assault_method_description" not in first  # free text is never stored
    assert second["assault_at"] == datetime(2023, 12, 1, 21, 5)  # GMT: as given
    assert second["assault_location_description"] is None
    personal = with_code(result, "personal details")
    assert [(f["row"], f["value"]) for f in personal] == [(2, None)]


AE = (
    "site_code", "assault_datetime", "assault_method", "assault_location_type",
    "assault_location_description",
)  # fmt: skip


def ae_rows(descriptions):
    return [
        ["RX1", f"2023-05-{1 + i % 28:02d}T{i % 24:02d}:30:00Z", "04", "04", text]
        for i, text in enumerate(descriptions)
    ]


PERSONAL = [
    "DOB 01/02/2005",
    "home of Jane Doe",
    "Mr Smith's flat",
    "Mrs Patel\u2019s house",
    "Apartment 3",
    "Flat B",
    "Room 12",
    "her home",
    "Dr Jones",
    "born 2005",
    "outside 7 Mill Lane",
]


def test_ae_descriptions_are_kept_only_when_repeated_and_impersonal(run, write_csv):
    # Every personal description three times, so that only the pattern can rule it out; venues
    # repeated (in any case and spacing) are kept; descriptions given once or twice are not.
    descriptions = [text for text in PERSONAL for _ in range(3)]
    descriptions += ["outside The Gate nightclub", "Outside  the gate NIGHTCLUB"]
    descriptions += ["outside the Gate nightclub", "A6 near junction 3"] * 3
    descriptions += ["outside Jane Doe's", "The Crown", "The Crown", ""]
    path = write_csv("ae.csv", AE, ae_rows(descriptions))

    result = run("ae-assaults", path)

    assert result.status == "completed"
    assert result.rows["stored"] == len(descriptions)
    stored = [r["assault_location_description"] for r in rows_of(result)]
    assert {s for s in stored if s is not None} == {
        "outside The Gate nightclub",
        "Outside  the gate NIGHTCLUB",
        "outside the Gate nightclub",
        "A6 near junction 3",
    }
    assert stored.count("A6 near junction 3") == 3
    personal = with_code(result, "personal details")
    flagged = [f for f in personal if f["row"] is not None]
    assert [f["row"] for f in flagged] == list(range(1, 21))  # the first 20 are listed
    rare = with_code(result, "aggregate-safe")
    first_rare = len(PERSONAL) * 3 + 9  # "outside Jane Doe's"
    assert [(f["severity"], f["file"], f["row"], f["value"]) for f in rare] == [
        ("warning", "ae.csv", first_rare, None)
    ]
    assert "3 assault_location_description value(s) not stored" in rare[0]["message"]
    shown = " ".join(str(f["value"]) + f["message"] for f in result.findings)
    for name in ("Jane", "Crown", "Smith"):
        assert name not in shown
    # Nothing personal anywhere in the stored file, not even in its metadata or statistics.
    data = result.path.read_bytes()
    for text in [*PERSONAL, "outside Jane Doe's", "The Crown"]:
        assert text.encode() not in data


def test_ae_descriptions_are_counted_over_the_whole_import_and_reported_per_file(run, write_csv):
    one = write_csv("a/one.csv", AE, ae_rows(["The Bigg Market", "The Bigg Market", "Quayside"]))
    two = write_csv("b/two.csv", AE, ae_rows(["Quay side", "the bigg market", "Jesmond Dene"]))

    result = run("ae-assaults", one, two)

    assert result.status == "completed"
    stored = {
        (r["source_file"], r["row_number"]): r["assault_location_description"]
        for r in pq.read_table(result.path).to_pylist()
    }
    kept = {key for key, text in stored.items() if text is not None}
    assert kept == {("one.csv", 1), ("one.csv", 2), ("two.csv", 2)}
    rare = with_code(result, "aggregate-safe")
    assert sorted((f["file"], f["row"], f["value"], f["message"][:2]) for f in rare) == [
        ("one.csv", 3, None, "1 "),  # Quayside
        ("two.csv", 1, None, "2 "),  # Quay side, Jesmond Dene
    ]


def test_ambulance_calls_just_before_midnight_utc_fall_in_the_next_london_month(run, write_csv):
    path = write_csv(
        "ambulance.csv",
        [
            "incident_ref",
            "call_datetime",
            "incident_type",
            "age",
            "sex",
            "lsoa_code",
            "latitude",
            "longitude",
        ],
        [["A1", "2024-03-31 23:30", "ASSAULT", "17", "F", "E01000001", "51.51", "-0.09"]],
    )

    result = run("ambulance-assaults", path, geography=GEOGRAPHY)

    (row,) = rows_of(result)
    assert row["incident_ref"] == pseudonym("incident_ref", "A1")
    assert row["call_at"] == datetime(2024, 4, 1, 0, 30)
    assert (row["month"], row["financial_year"], row["hour"], row["weekday"]) == (
        "2024-04", "2024/25", 0, 1
    )  # fmt: skip
    assert row["pfa_code"] == "E23000034"


def test_points_outside_the_partnership_boundary_are_reported_and_kept(run, write_csv):
    boundary = shapely.box(-0.12, 51.50, -0.07, 51.53)  # around the City, WGS84
    path = write_csv(
        "ambulance.csv",
        ["incident_ref", "call_datetime", "incident_type", "latitude", "longitude"],
        [
            ["A1", "2024-01-01T10:00Z", "ASSAULT", "51.515", "-0.09"],
            ["A2", "2024-01-01T11:00Z", "ASSAULT", "53.48", "-2.24"],
        ],
    )

    result = run("ambulance-assaults", path, geography=Geography(boundary=boundary))

    outside = with_code(result, "outside the partnership's area")
    assert [(f["row"], f["value"], f["severity"]) for f in outside] == [
        (2, "(-2.24, 53.48)", "warning")
    ]
    assert result.rows["stored"] == 2


def test_aggregate_counts_read_months_years_and_suppressed_cells(run, write_csv):
    path = write_csv(
        "counts.csv",
        ["source", "measure", "area_code", "period", "cohort", "count", "suppressed"],
        [
            ["hes", "admissions-sharp-object", "E22000001", "2023-04", "", "12", ""],
            ["hes", "admissions-sharp-object", "E22000001", "2023-24", "under-25", "", "Y"],
            ["hes", "admissions-sharp-object", "e22000002", "FY2022/23", "all", "*", ""],
            ["hes", "admissions-sharp-object", "E22000002", "2022 to 2023", "all", "", ""],
        ],
    )

    result = run("aggregate-counts", path)

    assert result.rows == {"read": 4, "stored": 3, "quarantined": 1, "rejected": 0}
    rows = rows_of(result)
    assert [(r["period"], r["period_type"], r["financial_year"]) for r in rows] == [
        ("2023-04", "month", "2023/24"),
        ("2023/24", "financial_year", "2023/24"),
        ("2022/23", "financial_year", "2022/23"),
    ]
    assert [(r["cohort"], r["count"], r["suppressed"]) for r in rows] == [
        ("all", 12, False), ("under-25", None, True), ("all", None, True),
    ]  # fmt: skip
    assert rows[2]["area_code"] == "E22000002"
    assert [f["row"] for f in with_code(result, "taken as suppressed")] == [3]
    assert [f["row"] for f in with_code(result, "there is no count or value")] == [4]
    assert [q["row"] for q in result.quarantine] == [4]


def test_indicators_use_value_instead_of_count(run, write_csv):
    path = write_csv(
        "imd.csv",
        ["source", "measure", "area_code", "period", "value"],
        [["imd", "imd-score", "E01000001", "2019/20", "23.5"]],
    )

    result = run("aggregate-counts", path)

    (row,) = rows_of(result)
    assert (row["value"], row["count"], row["suppressed"]) == (23.5, None, False)


AGGREGATE = ["source", "measure", "area_code", "period", "cohort", "count"]


def test_a_repeated_aggregate_figure_is_quarantined_with_its_first_row_kept(run, write_csv):
    path = write_csv(
        "counts.csv",
        [*AGGREGATE, "value"],
        [
            ["hes", "admissions-sharp-object", "E22000180", "2019-04", "all", "5", ""],
            ["hes", "admissions-sharp-object", "E22000180", "2019-04", "all", "7", ""],
            ["hes", "admissions-sharp-object", "E22000180", "2019-04", "under-25", "2", ""],
            ["hes", "admissions-sharp-object", "E22000180", "2019-05", "all", "3", ""],
            ["hes", "admissions-knife", "E22000180", "2019-04", "all", "4", ""],
            ["hes", "admissions-sharp-object", "E22000181", "2019-04", "all", "6", ""],
            ["imd", "imd-score", "E01000001", "2019/20", "", "", "23.5"],
            # The same figures written another way: a blank cohort is "all", codes in any case,
            # a financial year however written.
            ["hes", "admissions-sharp-object", "e22000180", "2019-04", "", "8", ""],
            ["imd", "imd-score", "E01000001", "FY2019-20", "all", "", "24.1"],
            ["imd", "imd-score", "E01000001", "2020/21", "all", "", "22.0"],
        ],
    )

    result = run("aggregate-counts", path)

    assert result.rows == {"read": 10, "stored": 7, "quarantined": 3, "rejected": 0}
    assert [q["row"] for q in result.quarantine] == [2, 8, 9]
    assert [r["row_number"] for r in rows_of(result)] == [1, 3, 4, 5, 6, 7, 10]
    repeats = with_code(result, "each figure must appear once")
    assert [(f["severity"], f["file"], f["row"]) for f in repeats] == [
        ("error", "counts.csv", 2), ("error", "counts.csv", 8), ("error", "counts.csv", 9),
    ]  # fmt: skip
    assert {f["column"] for f in repeats} == {"source, measure, area_code, period, cohort"}
    assert repeats[0]["value"] == "hes, admissions-sharp-object, E22000180, 2019-04, all"
    assert "first on row 1 of counts.csv" in repeats[0]["message"]
    assert repeats[2]["value"] == "imd, imd-score, E01000001, 2019/20, all"
    assert "first on row 7 of counts.csv" in repeats[2]["message"]


def test_a_repeated_aggregate_figure_refuses_the_file_under_the_refuse_policy(
    run, write_csv, store
):
    path = write_csv(
        "counts.csv",
        AGGREGATE,
        [
            ["hes", "admissions-sharp-object", "E22000180", "2019-04", "all", "5"],
            ["hes", "admissions-sharp-object", "E22000180", "2019-04", "all", "7"],
        ],
    )

    result = run("aggregate-counts", path, policy="refuse")

    assert result.status == "rejected"
    assert [(f["file"], f["row"]) for f in with_code(result, "each figure must appear once")] == [
        ("counts.csv", 2)
    ]
    assert store_files(store) == []


def test_aggregate_counts_need_a_count_or_a_value_column(run, write_csv, store):
    path = write_csv(
        "bad.csv", ["source", "measure", "area_code", "period"], [["a", "b", "c", "d"]]
    )

    result = run("aggregate-counts", path)

    assert result.status == "rejected"
    assert "one of the columns count or value is needed" in errors(result)[0]["message"]
    assert store_files(store) == []


def test_impossible_coordinates_are_errors_in_partner_files(run, write_csv):
    path = write_csv(
        "ambulance.csv",
        ["incident_ref", "call_datetime", "incident_type", "latitude", "longitude"],
        [
            ["A1", "2024-01-01T10:00Z", "ASSAULT", "151.5", "-0.09"],
            ["A2", "2024-01-01T11:00Z", "ASSAULT", "51.5", ""],
            ["A3", "2024-01-01T12:00Z", "ASSAULT", "-0.09", "51.5"],
            ["A4", "2024-01-01T13:00Z", "ASSAULT", "north", "-0.09"],
        ],
    )

    result = run("ambulance-assaults", path)

    assert [q["row"] for q in result.quarantine] == [1, 2, 4]
    (swapped,) = with_code(result, "outside Great Britain")
    assert (swapped["row"], swapped["severity"]) == (3, "warning")
    (word,) = with_code(result, "not a number")
    assert (word["row"], word["value"]) == (4, "(-0.09, north)")


def test_record_level_rows_are_stored_in_date_order_in_small_row_groups(run, write_csv):
    """A period's rows then sit in few row groups, which readers pick by their statistics; the
    row number keeps each row traceable to its line in the file."""
    days = [date(2019, 4, 1).toordinal() + (n * 7919) % 1800 for n in range(40_000)]
    rows = [
        [f"CR{n}", date.fromordinal(day).isoformat(), "", "8N", "", "", "", "", "", "", "",
         "E01000001", "", "", ""]
        for n, day in enumerate(days)
    ]  # fmt: skip
    path = write_csv("crime.csv", CRIME, rows)

    result = run("police-crime", path, geography=GEOGRAPHY)

    assert result.status == "completed"
    stored = pq.ParquetFile(result.path)
    table = stored.read(columns=["row_number", "recorded_date", "crime_ref"])
    recorded = table.column("recorded_date").to_pylist()
    assert recorded == sorted(recorded)
    assert sorted(table.column("row_number").to_pylist()) == list(range(1, 40_001))
    first = table.to_pylist()[0]
    assert first["crime_ref"] == pseudonym("crime_ref", f"CR{first['row_number'] - 1}")
    assert first["recorded_date"] == date.fromordinal(days[first["row_number"] - 1])
    groups = [stored.metadata.row_group(i) for i in range(stored.metadata.num_row_groups)]
    assert len(groups) == 3
    assert max(g.num_rows for g in groups) == 16_384
    date_column = stored.schema_arrow.get_field_index("recorded_date")
    ranges = [(g.column(date_column).statistics.min, g.column(date_column).statistics.max)
              for g in groups]  # fmt: skip
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))


def test_with_no_lsoa_geography_loaded_the_report_says_rows_could_not_be_placed(run, write_csv):
    good = ["", "2023-06-01", "", "5D", "", "N", "", "", "30", "", "", "", "", "", ""]
    rows = [[f"CR{n}", *good[1:11], lsoa, "", "", ""]
            for n, lsoa in enumerate(["E01000001", "E01000002", ""])]  # fmt: skip
    result = run("police-crime", write_csv("crime.csv", CRIME, rows), policy="refuse")

    assert result.status == "completed"
    (unplaced,) = [f for f in result.findings if "no LSOA geography is loaded" in f["message"]]
    assert unplaced["severity"] == "warning"
    assert "the LSOA codes of 2 rows could not be placed" in unplaced["message"]
