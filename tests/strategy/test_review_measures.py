"""The annual review takes its success measures from the analytic store, not from typing."""

from __future__ import annotations

from pathlib import Path

import pytest

from svduty.datasets.actions import import_files
from svduty.geography.models import Area, AreaLink
from svduty.strategy.queries import measures_from_analysis
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

HEADER = "crime_ref,recorded_date,offence_code,knife_flag,victim_age,lsoa_code"


def test_review_measures_are_the_figures_of_record(tmp_path: Path) -> None:
    pfa = Area.objects.create(code="X23000008", name="Reviewshire", level="pfa", vintage=2024)
    csp = Area.objects.create(code="X22000008", name="Reviewtown", level="csp", vintage=2024)
    AreaLink.objects.create(child=csp, parent=pfa)
    partnership = PartnershipFactory(slug="reviewshire", police_force_area=pfa)
    path = tmp_path / "crimes.csv"
    path.write_text(
        HEADER + "\n"
        "A1,2019-04-01,8N,Y,19,\n"  # 2019/20, knife, under 25
        "A2,2020-03-31,5D,Y,40,\n"  # 2019/20, knife, 25 and over
        "A3,2023-05-01,8N,N,19,\n"  # 2023/24, not knife-enabled
        "A4,2023-06-01,1,Y,22,\n"  # 2023/24, homicide with a knife, under 25
    )
    import_files(partnership=partnership, kind="police-crime", paths=[path], by=None)
    found = measures_from_analysis(partnership=partnership, baseline_year="2019/20", year="2023/24")
    assert found[("knife_enabled_serious_violence", "all_ages")] == (2, 1)
    assert found[("knife_enabled_serious_violence", "under_25")] == (1, 1)
    assert found[("homicide", "under_25_knife")] == (0, 1)
