"""LibreOffice opens what we write: DOCX and ODT convert to PDF, XLSX and ODS to CSV (every
sheet), headless, with a throwaway profile. Skipped where LibreOffice is not installed."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.documents.sample import INJECTION, Rendered

SOFFICE = shutil.which("soffice")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
]

# Comma, double quote, UTF-8, from line 1, default columns, language, quoted text as text,
# detect special numbers, save as shown, export formulas, remove spaces, every sheet (-1).
CSV_EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _convert(files: list[Path], target: str, folder: Path, profile: Path) -> None:
    assert SOFFICE is not None
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(folder),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_libreoffice_converts_the_docx_and_odt_to_pdf(rendered: Rendered, tmp_path: Path) -> None:
    sources = []
    for extension in ("docx", "odt"):
        copy = tmp_path / f"from-{extension}.{extension}"
        shutil.copy(rendered[extension], copy)
        sources.append(copy)
    out = tmp_path / "out"
    _convert(sources, "pdf", out, tmp_path / "profile")
    for extension in ("docx", "odt"):
        pdf = (out / f"from-{extension}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-")
        # Two charts, so LibreOffice laid out at least the title page and the body.
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2


def test_libreoffice_reads_every_sheet_of_the_xlsx_and_ods(
    rendered: Rendered, tmp_path: Path
) -> None:
    sources = []
    for extension in ("xlsx", "ods"):
        copy = tmp_path / f"from-{extension}.{extension}"
        shutil.copy(rendered[extension], copy)
        sources.append(copy)
    out = tmp_path / "out"
    _convert(sources, CSV_EVERY_SHEET, out, tmp_path / "profile")
    for extension in ("xlsx", "ods"):
        sheet = out / f"from-{extension}-Knife crime by LA.csv"
        with sheet.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
        assert rows[2] == ["Local authority", "2022/23", "2023/24", "Change (%)"]
        assert rows[4][:3] == ["Rutland", "*", "3"]
        # Still text, not a formula LibreOffice evaluated.
        assert rows[5][0] == "'" + INJECTION
        assert (out / f"from-{extension}-Cover.csv").exists()
