"""Frameworks as data: the Duty's requirements and the self-assessment questionnaire.

A framework is a YAML file, checked against the JSON Schema for its ``kind`` (in ``schema/``) and
then for what a schema cannot say (unique keys, a rating scale counting up from 0). Reading and
checking here is pure: no Django. Storing is ``svduty.partnership.actions.load_framework`` (and the
data migration that loads the files shipped in this folder).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

HERE = Path(__file__).resolve().parent
KINDS = ("requirements", "self_assessment")
MAX_BYTES = 1024 * 1024
DEFAULT_REQUIREMENTS_SLUG = "svd-requirements"
DEFAULT_SELF_ASSESSMENT_SLUG = "svd-self-assessment"


class FrameworkError(ValueError):
    """A framework file refused: names the file and the problem."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


@dataclass(frozen=True)
class FrameworkDocument:
    """A framework file that passed every check, ready to store."""

    file_name: str
    sha256: str
    content: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.content["kind"])

    @property
    def slug(self) -> str:
        return str(self.content["slug"])

    @property
    def version(self) -> int:
        return int(self.content["version"])

    def framework_fields(self) -> dict[str, Any]:
        """Values for a ``Framework`` row."""
        return {
            "kind": self.kind,
            "slug": self.slug,
            "version": self.version,
            "title": self.content["title"],
            "description": self.content.get("description", "").strip(),
            "source": self.content.get("source", "").strip(),
            "file_name": self.file_name[:200],
            "sha256": self.sha256,
            "content": self.content,
        }

    def item_rows(self) -> list[dict[str, Any]]:
        """Values for the ``RequirementItem`` rows of a requirements framework."""
        return [
            {
                "key": item["key"],
                "title": item["title"],
                "description": item.get("description", "").strip(),
                "reference": item.get("reference", ""),
                "scope": item.get("scope", "partnership"),
                "first_due_on": dt.date.fromisoformat(item["first_due"]),
                "recurs_every_months": item.get("recurs_every_months"),
                "order": order,
            }
            for order, item in enumerate(self.content.get("items", []), start=1)
        ]

    def question_rows(self) -> list[dict[str, Any]]:
        """Values for the ``Question`` rows of a self-assessment questionnaire."""
        rows: list[dict[str, Any]] = []
        for section in self.content.get("sections", []):
            for question in section["questions"]:
                rows.append(
                    {
                        "key": question["key"],
                        "section": section["title"],
                        "text": question["text"].strip(),
                        "guidance": question.get("guidance", "").strip(),
                        "order": len(rows) + 1,
                    }
                )
        return rows


@cache
def _validator(kind: str) -> Draft202012Validator:
    schema = json.loads((HERE / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _plain(value: Any) -> Any:
    """YAML's dates as ISO strings, so the schema (and JSON storage) sees text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _where(path: Any) -> str:
    parts = []
    for part in path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "the top level"


def parse_framework(data: bytes, *, file_name: str) -> FrameworkDocument:
    """Check a framework file's bytes; raise ``FrameworkError`` naming the file and the problem."""
    if len(data) > MAX_BYTES:
        raise FrameworkError(file_name, f"the file is larger than {MAX_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameworkError(file_name, f"not UTF-8 text (byte {exc.start})") from exc
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise FrameworkError(file_name, f"not valid YAML{where}: {problem}") from exc
    if not isinstance(loaded, dict):
        raise FrameworkError(file_name, "expected a mapping with kind, slug, version and title")
    content = _plain(loaded)
    kind = content.get("kind")
    if kind not in KINDS:
        raise FrameworkError(file_name, f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    errors = sorted(_validator(kind).iter_errors(content), key=lambda e: list(e.absolute_path))
    if errors:
        shown = [f"at {_where(e.absolute_path)}: {e.message}" for e in errors[:5]]
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise FrameworkError(file_name, "; ".join(shown) + more)
    _check_meaning(content, file_name=file_name)
    return FrameworkDocument(
        file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), content=content
    )


def _check_meaning(content: dict[str, Any], *, file_name: str) -> None:
    """What the schema cannot say: keys are unique; ratings count up from 0 in steps of 1."""

    def unique(keys: list[str], what: str) -> None:
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise FrameworkError(file_name, f"{what} {key!r} appears more than once")
            seen.add(key)

    if content["kind"] == "requirements":
        unique([item["key"] for item in content["items"]], "item key")
        return
    unique([q["key"] for s in content["sections"] for q in s["questions"]], "question key")
    values = [r["value"] for r in content["ratings"]]
    if values != list(range(len(values))):
        raise FrameworkError(
            file_name, f"ratings must be numbered 0, 1, 2… in order (got {values})"
        )
    unique([r["label"] for r in content["ratings"]], "rating label")


def read_framework(path: Path) -> FrameworkDocument:
    """Read and check a framework file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FrameworkError(path.name, f"cannot be read ({exc.strerror})") from exc
    return parse_framework(data, file_name=path.name)


def shipped_framework_files() -> list[Path]:
    """The frameworks shipped with svduty, loaded by the data migration."""
    return sorted(HERE.glob("*.yaml"))
