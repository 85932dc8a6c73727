"""Small helpers for the import core's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svduty.datasets.pipeline import ImportResult

KEY = b"a test pseudonym key, 32 bytes!!"


def store_files(store: Path) -> list[Path]:
    """Every file under the store folder (empty when nothing was written)."""
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


def errors(result: ImportResult) -> list[dict[str, Any]]:
    return [f for f in result.findings if f["severity"] == "error"]


def with_code(result: ImportResult, text: str) -> list[dict[str, Any]]:
    """Row findings whose message contains ``text``."""
    return [f for f in result.findings if text in f["message"] and f["row"] is not None]
