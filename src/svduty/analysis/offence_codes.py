"""Home Office offence codes in one notation (contracts.md section 3).

The open data tables print a classification as ``8N``, ``5D``, ``34B`` or ``4.1``: a classification
number, then a letter subdivision or a dotted one. Force systems often write an offence as class and
offence number instead: ``008/06``, ``00806``, ``3/1``. Leading zeros, case and spaces in the first
kind are tidied here (``08n`` → ``8N``, ``04.10`` → ``4.10``). The second kind names an offence
*within* a classification, and where the classification has lettered subdivisions the number alone
does not say which one, so those are placed only through a reviewed mapping
(``data/offence-codes.json``, to which a partnership may add its own reviewed entries); anything
else is reported as a code svduty cannot place, never guessed. Such a code is still known to lie in
its classification: it is stored as ``class/offence`` (``class_and_offence``), which a selection of
the whole classification (threats to kill, classification 3) counts and a selection of a
subdivision (8N) does not.

What could not be verified is listed in the mapping file's ``not_verified``: the offence numbers
inside lettered classifications (such as ``008/06``) were not available to check.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

# A classification as printed: number 1–999, then letters (8N, 105A) or a dotted part (4.1, 4.10).
HOME_OFFICE_CODE = re.compile(r"^[1-9][0-9]{0,2}(?:[A-Z]{1,2}|\.[1-9][0-9]?)?$")

# Up to three digits in all (so 00806 is not read as 806), then letters or a dotted part.
_PRINTED = re.compile(
    r"^(?=[0-9]{1,3}(?![0-9]))0*([1-9][0-9]{0,2})(?:([A-Z]{1,2})|\.0?([1-9][0-9]?))?$"
)
_CLASS_OFFENCE = re.compile(r"^0*([1-9][0-9]{0,2})[/\\](\d{1,3})$")
_COMPACT = re.compile(r"^(\d{3})(\d{2})$")  # 00806: three-digit class, two-digit offence


@cache
def mapping_file() -> dict[str, Any]:
    """The shipped mapping file: its reviewed entries with their sources, and what is unverified."""
    text = resources.files("svduty.analysis").joinpath("data/offence-codes.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def shipped_mapping() -> dict[str, str]:
    """The reviewed entries shipped with svduty: ``class/offence`` key ("4/1") → code ("4.1")."""
    mapping: dict[str, str] = {}
    for entry in mapping_file()["entries"]:
        key = _key(str(entry["notation"]))
        if key is None or not HOME_OFFICE_CODE.match(str(entry["code"])):
            raise ValueError(f"offence-codes.json: bad entry {entry!r}")
        mapping[key] = str(entry["code"])
    return mapping


def _key(notation: str) -> str | None:
    """``class/offence`` with no padding ("8/6") for a class/offence notation, else None."""
    compact = re.sub(r"\s+", "", notation)
    match = _CLASS_OFFENCE.match(compact) or _COMPACT.match(compact)
    if match is None or int(match[1]) == 0:
        return None
    return f"{int(match[1])}/{int(match[2])}"


def class_and_offence(raw: str | None) -> str | None:
    """A force's class/offence notation written one way ("008/06", "00806", "8 / 6" → "8/6"), or
    None for any other text. Its classification (the number before the slash) is known even when
    its subdivision is not, so a selection of a whole classification still finds it."""
    if raw is None:
        return None
    return _key(re.sub(r"\s+", "", str(raw)).upper())


def normalise_offence_code(
    raw: str | None, *, extra_mapping: Mapping[str, str] | None = None
) -> str | None:
    """The Home Office code as the open data tables print it, or None when it cannot be placed.

    ``extra_mapping`` holds a partnership's own reviewed entries (any class/offence notation →
    a printed code); they are consulted before the shipped ones. Importers call this once per
    distinct raw code, not once per row.
    """
    if raw is None:
        return None
    text = re.sub(r"\s+", "", str(raw)).upper()
    if not text:
        return None
    printed = _PRINTED.match(text)
    if printed:
        number, letters, dotted = printed.groups()
        return number + (letters or "") + (f".{int(dotted)}" if dotted else "")
    key = _key(text)
    if key is None:
        return None
    for notation, code in (extra_mapping or {}).items():
        if _key(notation) == key:
            return code
    return shipped_mapping().get(key)


def unplaced_codes(
    raw_codes: Iterable[str | None], *, extra_mapping: Mapping[str, str] | None = None
) -> dict[str, int]:
    """The raw codes that cannot be placed, with how often each occurs (for import reports)."""
    counts: Counter[str] = Counter()
    for raw in raw_codes:
        if (
            raw is not None
            and str(raw).strip()
            and (normalise_offence_code(raw, extra_mapping=extra_mapping) is None)
        ):
            counts[str(raw).strip()] += 1
    return dict(counts.most_common())
