"""A decision record as a document: its structure, the public version, and the file formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from svduty.decisions.documents import (
    FormatUnavailable,
    available_formats,
    decision_record_document,
    fallback_html,
    write_document,
)
from svduty.documents.model import KeyValues
from svduty.funding import actions
from tests.funding.factories import grant, people, post_and_intervention, record

pytestmark = pytest.mark.django_db


def _headings(document) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.heading for s in document.sections]


def test_the_document_carries_request_approval_decision_and_publication() -> None:
    p = people()
    g = grant(p)
    post, intervention = post_and_intervention(p, g)
    item = record(p, stage="officer_approved")
    actions.link_to_decision(decision=item, posts=[post], interventions=[intervention], by=p.lead)
    from svduty.decisions import actions as decisions

    decisions.decide(
        record=item,
        outcome="approved",
        reasons="Value for money.",
        has_interest=False,
        by=p.decision_maker,
    )
    decisions.publish(record=item, by=p.officer)
    document = decision_record_document(item, public=True)
    expected = "Decision record DN50-24: Serious Violence Duty posts and interventions"
    assert document.title == expected
    assert document.organisation == "Office of the Police and Crime Commissioner"
    assert _headings(document) == [
        "Summary",
        "Background",
        "Decision sought",
        "Implications",
        "What the decision funds",
        "Statutory officer approval",
        "Decision",
        "Publication",
    ]
    decision = dict(next(b for b in document.sections[6].blocks if isinstance(b, KeyValues)).items)
    assert decision["Decision"] == "Approved"
    assert decision["Decided by"] == "Cam Commissioner"
    assert decision["Declaration of interests"].startswith("None")
    (table,) = document.tables()
    assert [row[1] for row in table.rows] == ["Data analyst", "Detached youth work"]


def test_the_confidential_part_is_only_in_the_internal_version() -> None:
    p = people()
    item = record(
        p,
        stage="decided",
        is_commercially_sensitive=True,
        confidential_information="Unit price £41.17 an hour",
    )
    internal = decision_record_document(item, public=False)
    public = decision_record_document(item, public=True)
    assert "Part 2: confidential information (not for publication)" in _headings(internal)
    assert "£41.17" not in fallback_html(public)
    assert "£41.17" in fallback_html(internal)


def test_html_can_always_be_written(tmp_path: Path) -> None:
    p = people()
    document = decision_record_document(record(p, stage="decided"), public=True)
    written = write_document(document, tmp_path / "record.html")
    text = written.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "Decision record DN50-24" in text
    with pytest.raises(FormatUnavailable):
        write_document(document, tmp_path / "record.txt")


@pytest.mark.parametrize(("fmt", "magic"), [("pdf", b"%PDF"), ("docx", b"PK"), ("odt", b"PK")])
def test_the_record_renders_as_pdf_docx_and_odt(tmp_path: Path, fmt: str, magic: bytes) -> None:
    if fmt not in available_formats():
        pytest.skip("svduty.documents.render is not installed yet")
    p = people()
    document = decision_record_document(record(p, stage="published"), public=True)
    written = write_document(document, tmp_path / f"record.{fmt}")
    assert written.read_bytes().startswith(magic)
