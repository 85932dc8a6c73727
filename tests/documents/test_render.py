"""``render`` picks the writer from the extension and never leaves a half-written file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import svduty.documents.render as render_module
from svduty.documents.model import Document, Paragraph, Section
from svduty.documents.render import FORMATS, UnsupportedFormat, render

MAGIC = {
    ".html": b"<!DOCTYPE html>",
    ".pdf": b"%PDF-",
    ".docx": b"PK\x03\x04",
    ".odt": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
    ".ods": b"PK\x03\x04",
}


def _small() -> Document:
    return Document(
        title="Panel report",
        organisation="Demo partnership",
        issued_on=date(2024, 4, 1),
        sections=(Section(heading="Summary", blocks=(Paragraph(text="Nothing to report."),)),),
    )


def test_every_format_is_written_under_the_name_asked_for(tmp_path: Path) -> None:
    assert set(FORMATS) == set(MAGIC)
    for suffix, magic in MAGIC.items():
        path = render(_small(), tmp_path / f"report{suffix}")
        assert path == tmp_path / f"report{suffix}"
        assert path.read_bytes().startswith(magic), suffix
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"report{s}" for s in MAGIC)


def test_the_extension_is_read_without_regard_to_case(tmp_path: Path) -> None:
    path = render(_small(), tmp_path / "REPORT.HTML")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_unknown_extension_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormat, match=r"\.docx .*\.xlsx"):
        render(_small(), tmp_path / "report.txt")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_writer_leaves_neither_a_partial_file_nor_a_damaged_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous version", encoding="utf-8")

    def broken(document: Document, path: Path) -> Path:
        path.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    monkeypatch.setitem(render_module.FORMATS, ".html", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        render(_small(), target)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert target.read_text(encoding="utf-8") == "previous version"
