"""Publishing checks (issue 6 item 4): nothing reaches the public that would expose a controlled
count from 1 to the policy's threshold.

Disclosure control itself is applied by the analysis engine (``disclosure`` and the public
versions of its results); these checks are the last gate before a page is rendered or a file is
downloaded, and refuse, with the reason, anything that did not go through it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from svduty.analysis import disclosure
from svduty.analysis.results import ResultTable


class NotPublishable(disclosure.DisclosureError):
    """Output that must not be published; the message says why."""


def controlled(table: ResultTable) -> bool:
    """Whether the table's figures come from partner data (so disclosure control applies)."""
    return disclosure.needs_control(table.source_tables)


def assert_publishable(
    tables: Iterable[ResultTable],
    *,
    policy: disclosure.DisclosurePolicy = disclosure.DEFAULT_POLICY,
) -> None:
    """Raise ``NotPublishable`` unless every table may be published as it stands.

    A table drawn only from already-public sources (police.uk, Home Office tables) is published
    as it is. Any other table must be marked public (disclosure control applied) and no column of
    kind ``count`` may hold a number from 1 to the policy's threshold.
    """
    problems: list[str] = []
    for table in tables:
        if not controlled(table):
            continue
        if not table.public:
            problems.append(f"{table.key}: disclosure control has not been applied")
            continue
        counts = [i for i, column in enumerate(table.columns) if column.kind == "count"]
        try:
            disclosure.assert_no_small_numbers(
                [[row[i] for i in counts] for row in table.rows], policy=policy
            )
        except disclosure.DisclosureError as error:
            problems.append(f"{table.key}: {error}")
    if problems:
        raise NotPublishable("not publishable: " + "; ".join(problems))


_DIGIT = re.compile(r"\d")
# Notes of the analysis engine that hold figures but no count: safe to publish as they are.
_FIXED_NOTES = frozenset(
    {
        "The rolling figure adds the month and the 11 before it.",
        "A year with fewer than 12 months covered is incomplete.",
        "Rates per 100,000 people (per 1,000,000 for homicide). Percentage changes are "
        "rounded half away from zero. Under 25 means aged 0–24.",
    }
)


def publishable_notes(
    table: ResultTable, *, policy: disclosure.DisclosurePolicy = disclosure.DEFAULT_POLICY
) -> tuple[str, ...]:
    """The table's notes that may be published.

    A note of a controlled table may quote an exact count ("3 had no location"), so only notes
    without digits, the disclosure-control note and a fixed list of known notes are kept.
    """
    if not controlled(table):
        return table.notes
    from svduty.analysis.sna import PUBLIC_NOTE

    policy_note = PUBLIC_NOTE.format(
        threshold=policy.threshold, symbol=policy.symbol, rounding=policy.rounding
    )
    return tuple(
        note
        for note in table.notes
        if not _DIGIT.search(note) or note == policy_note or note in _FIXED_NOTES
    )


def assert_counts_publishable(
    counts: Sequence[Sequence[Any]],
    *,
    policy: disclosure.DisclosurePolicy = disclosure.DEFAULT_POLICY,
) -> None:
    """Raise ``NotPublishable`` if any ``[where, value]`` pair (a document version's controlled
    counts) holds a count from 1 to the threshold."""
    found = [
        f"{where}: {value}"
        for where, value in counts
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= policy.threshold
    ]
    if found:
        raise NotPublishable("small counts would be published: " + "; ".join(found))
