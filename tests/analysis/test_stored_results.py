"""Stored assessments: computed in the background, keyed by definition version and live imports."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings

from svduty.analysis import store
from svduty.analysis.jobs import REFRESH, schedule_refresh
from svduty.datasets.models import Import
from svduty.datasets.stored import TABLES
from svduty.geography.models import Area, AreaLevel, AreaLink
from svduty.jobs.models import Job
from svduty.partnership.models import LocalDefinition, Partnership
from tests.factories import AreaFactory, PartnershipFactory

pytestmark = pytest.mark.django_db
NORTH, SOUTH = "E22000001", "E22000002"


def make_partnership() -> Partnership:
    """Testshire (E23000099) with its CSPs Northton and Southby."""
    pfa = AreaFactory(code="E23000099", name="Testshire")
    for code, name in ((NORTH, "Northton"), (SOUTH, "Southby")):
        csp = Area.objects.create(code=code, name=name, level=AreaLevel.CSP, vintage=2024)
        AreaLink.objects.create(child=csp, parent=pfa)
    return PartnershipFactory(police_force_area=pfa)


@pytest.fixture
def partnership() -> Partnership:
    return make_partnership()


def import_crimes(partnership: Partnership, rows: list[dict[str, Any]]) -> Import:
    """A completed police-crime import whose Parquet file holds ``rows``."""
    record = Import.objects.create(
        partnership=partnership, kind="police-crime", status=Import.Status.COMPLETED
    )
    filled = [
        {"import_id": str(record.pk), "row_number": n, "source_file": "crimes.csv",
         "recorded_date": date(2023, 6, 1), "offence_code": "8N", "knife_flag": "Y",
         "victim_age": 30, "lsoa_code": "E01000001", "csp_code": NORTH, "month": "2023-06",
         "financial_year": "2023/24"} | row
        for n, row in enumerate(rows, start=1)
    ]  # fmt: skip
    folder = Path(settings.STORE_DIR) / partnership.slug / "police_crime"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(filled, schema=TABLES["police_crime"])
    pq.write_table(table, folder / f"{record.pk}.parquet")
    return record


def north_count(assessment: Any) -> Any:
    table = assessment.table("places.csp.police_crime")
    return {r["area_code"]: r["count"] for r in table.as_records()}[NORTH]


def test_csps_with_populations_loaded_only_for_their_lsoas_get_rates(
    partnership: Partnership,
) -> None:
    from svduty.geography.models import Population

    north = Area.objects.get(code=NORTH, level=AreaLevel.CSP)
    lad = Area.objects.create(code="E07000001", name="North district", level=AreaLevel.LAD,
                              vintage=2024)  # fmt: skip
    AreaLink.objects.create(child=lad, parent=north)
    for code, people in (("E01000001", 1500), ("E01000002", 2500)):
        lsoa = Area.objects.create(code=code, name=code, level=AreaLevel.LSOA, vintage=2021)
        AreaLink.objects.create(child=lsoa, parent=lad)
        Population.objects.create(area=lsoa, year=2023, count=people)
    import_crimes(partnership, [{}] * 8)

    built = store.build_assessment(partnership, area=partnership.police_force_area.code,
                                   period="2023/24")  # fmt: skip
    rows = {r["area_code"]: r for r in built.table("places.csp.police_crime").as_records()}
    # Northton's population is the sum of its LSOAs': 8 crimes among 4,000 people is 2 per 1,000.
    assert (rows[NORTH]["population"], rows[NORTH]["rate"]) == (4000, 2.0)


def test_a_stored_assessment_is_computed_once_then_read(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_crimes(partnership, [{}] * 12 + [{"offence_code": "1", "knife_flag": "N"}])
    first = store.stored_assessment(partnership, area="E23000099", period="2023/24", public=False)
    assert first is not None
    assert north_count(first) == 13
    assert first.provenance.imports == tuple(store.live_import_ids(partnership))
    stored = sorted(p.name for p in store.results_dir(partnership).glob("*.json"))
    assert len(stored) == 2
    assert stored[0].endswith("__exact.json")

    def no_recompute(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("recomputed although stored")

    monkeypatch.setattr(store, "build_assessment", no_recompute)
    again = store.stored_assessment(partnership, area="E23000099", period="2023/24", public=False)
    assert again == first
    public = store.stored_assessment(partnership, area="E23000099", period="2023/24", public=True)
    assert public is not None
    assert north_count(public) == 15  # 13 rounded to the nearest 5
    assert public.provenance.disclosure_policy


def test_a_new_definition_version_recomputes_without_reimporting(
    partnership: Partnership,
) -> None:
    record = import_crimes(partnership, [{}] * 12 + [{"offence_code": "1", "knife_flag": "N"}])
    before = store.stored_assessment(partnership, area="E23000099", period="2023/24", public=False)
    LocalDefinition.objects.create(
        partnership=partnership, version=2, text="Homicide only",
        rule={"format": "svduty-local-definition/1", "version": "2",
              "sources": {"police_crime": [{"offence_codes": ["1"]}]}},
    )  # fmt: skip
    after = store.stored_assessment(partnership, area="E23000099", period="2023/24", public=False)
    assert before is not None
    assert after is not None
    assert (north_count(before), north_count(after)) == (13, 1)
    assert after.provenance.definition_version.startswith(f"{partnership.slug}-v2")
    assert Import.objects.filter(partnership=partnership).count() == 1
    assert after.provenance.imports == (str(record.pk),)


def test_results_of_another_release_of_the_engine_are_computed_again(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_crimes(partnership, [{}] * 3)
    assert store.stored_assessment(partnership, area="E23000099", period="2023/24", public=False)
    before = {p.name for p in store.results_dir(partnership).glob("*.json")}
    # A release whose analysis code differs (as one fixing how a figure is computed would).
    monkeypatch.setattr(store, "engine_fingerprint", lambda: "another-release")
    assert store.stored_assessment(partnership, area="E23000099", period="2023/24", public=False)
    after = {p.name for p in store.results_dir(partnership).glob("*.json")}
    assert len(after - before) == 2  # exact and public again, not the earlier release's files


def test_a_csp_is_stored_as_its_locality_profile(partnership: Partnership) -> None:
    import_crimes(partnership, [{}] * 9 + [{"csp_code": SOUTH}] * 9)
    profile = store.stored_assessment(partnership, area=NORTH, period="2023/24", public=False)
    assert profile is not None
    comparison = profile.table("comparison.police_crime").as_records()
    assert [(r["area_code"], r["count"]) for r in comparison][:2] == [(NORTH, 9), (SOUTH, 9)]
    with pytest.raises(ValueError, match="not the partnership's area"):
        store.stored_assessment(partnership, area="E22000777", period="2023/24", public=False)


def test_refresh_runs_as_a_job_after_commit_and_drops_stale_results(
    partnership: Partnership, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.ANALYSIS_AUTO_REFRESH = True
    import_crimes(partnership, [{}] * 10)
    stale = store.results_dir(partnership) / f"old__2023-24__x__{uuid.uuid4().hex[:16]}__exact.json"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("{}")
    with django_capture_on_commit_callbacks(execute=True):
        schedule_refresh(partnership, background=False)
    job = Job.objects.get(kind=REFRESH)
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["areas"] == ["E23000099", NORTH, SOUTH]
    assert job.result["stored"] == 6
    assert job.result["removed"] == 1
    assert not stale.exists()
    assert store.stored_assessment(
        partnership, area=SOUTH, period="2023/24", public=True, compute_if_missing=False
    )


def test_an_import_a_rollback_and_a_new_definition_each_queue_one_refresh(
    partnership: Partnership, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Path
) -> None:
    from svduty.datasets import actions
    from svduty.partnership.actions import record_local_definition

    settings.ANALYSIS_AUTO_REFRESH = True
    # Queued, not run: the worker would pick them up.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    aggregate = tmp_path / "counts.csv"
    aggregate.write_text(
        "source,measure,area_code,period,count\nhes,admissions-sharp-object,E23000099,2023/24,12\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = actions.import_files(
            partnership=partnership, kind="aggregate-counts", paths=[aggregate], by=None
        )
    assert record.status == Import.Status.COMPLETED, record.findings
    queued = Job.objects.filter(kind=REFRESH, partnership_slug=partnership.slug)
    assert queued.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        actions.rollback_import(record=record, by=None)
        record_local_definition(
            partnership=partnership, text="v2", agreed_by="", agreed_on=None, by=None
        )
    assert queued.count() == 1  # the refresh still waiting will see both changes
    queued.update(status=Job.Status.SUCCEEDED)
    with django_capture_on_commit_callbacks(execute=True):
        record_local_definition(
            partnership=partnership, text="v3", agreed_by="", agreed_on=None, by=None
        )
    assert queued.count() == 2


def test_until_a_refresh_has_run_pages_get_the_newest_stored_result(
    partnership: Partnership,
) -> None:
    import_crimes(partnership, [{}] * 10)
    first = store.stored_assessment(partnership, area=NORTH, period="2023/24", public=True)
    assert first is not None
    import_crimes(partnership, [{}] * 5)  # new data: nothing stored for it yet
    assert (
        store.stored_assessment(
            partnership, area=NORTH, period="2023/24", public=True, compute_if_missing=False
        )
        is None
    )
    stale = store.stored_assessment(
        partnership, area=NORTH, period="2023/24", public=True, compute_if_missing=False,
        stale_ok=True,
    )  # fmt: skip
    assert stale is not None
    assert stale.provenance.imports == first.provenance.imports
