"""Validating 360Giving packages against the standard's schemas (kept in fixtures/360giving)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "360giving"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "360giving"


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def validation_errors(package: dict[str, Any]) -> list[str]:
    """Every way ``package`` breaks the 360Giving package schema (empty when it is valid)."""
    package_schema = _load("360-giving-package-schema.json")
    grant_schema = _load("360-giving-schema.json")
    grant_url = package_schema["properties"]["grants"]["items"]["$ref"]
    # The files say http://json-schema.org/draft/2020-12/schema, which ``referencing`` does not
    # know by that spelling: they are draft 2020-12 all the same.
    resource = DRAFT202012.create_resource(grant_schema)
    registry = Registry().with_resources([(grant_url, resource), (grant_schema["$id"], resource)])
    validator = Draft202012Validator(
        package_schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(package)
    ]
