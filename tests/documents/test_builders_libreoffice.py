"""LibreOffice opens every kind of generated document: each DOCX and ODT converts to PDF and each
XLSX and ODS to CSV, headless, with a throwaway profile. Skipped where LibreOffice is missing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from svduty.documents.builders import KINDS, build
from svduty.documents.render import render
from svduty.documents.sources import gather
from tests.documents.factories import NORTH, small_partnership
from tests.documents.test_libreoffice import CSV_EVERY_SHEET, SOFFICE, _convert

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
]


def test_libreoffice_opens_every_kind_of_document_in_every_editable_format(
    tmp_path: Path,
) -> None:
    partnership = small_partnership(tmp_path)
    written: dict[str, list[Path]] = {"docx": [], "odt": [], "xlsx": [], "ods": []}
    for kind, spec in KINDS.items():
        area = NORTH if spec.needs_area else None
        document = build(
            gather(partnership, kind=kind, year="2023/24", area_code=area, public=True)
        )
        for extension, paths in written.items():
            paths.append(render(document, tmp_path / f"{kind}-{extension}.{extension}"))
    out = tmp_path / "out"
    _convert(written["docx"] + written["odt"], "pdf", out, tmp_path / "profile")
    for path in written["docx"] + written["odt"]:
        pdf = (out / f"{path.stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-"), path.name
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2, path.name
    _convert(written["xlsx"] + written["ods"], CSV_EVERY_SHEET, out, tmp_path / "profile")
    for path in written["xlsx"] + written["ods"]:
        cover = (out / f"{path.stem}-Cover.csv").read_text(encoding="utf-8")
        assert "Issued by,Smallshire partnership" in cover, path.name
        assert len(list(out.glob(f"{path.stem}-*.csv"))) >= 2, path.name  # cover and tables
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
