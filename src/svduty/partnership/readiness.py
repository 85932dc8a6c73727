"""Readiness ratings from self-assessment answers: pure arithmetic, no Django.

An organisation's score is the mean of its ratings over every question of the questionnaire (a
question left unrated counts as the lowest rating, 0). Its readiness is that score rounded *down*
to a rating on the scale: to be "Established" on average, an organisation must be at least
established on average, not nearly. The partnership's score is the mean of its organisations'
scores, over those that have submitted; its readiness is rounded down the same way.

Exact fractions, so a mean of exactly 3 is 3, never 2.9999.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Readiness:
    """A score (the exact mean) and the level on the rating scale it rounds down to."""

    score: Fraction

    @property
    def level(self) -> int:
        return math.floor(self.score)

    def shown(self) -> str:
        """The score to one decimal place, e.g. ``2.7`` (half up, as people expect)."""
        tenths = math.floor(self.score * 10 + Fraction(1, 2))
        return f"{tenths // 10}.{tenths % 10}"


def organisation_readiness(ratings: Iterable[int | None], *, questions: int) -> Readiness:
    """From an organisation's ratings (one per answered question) and the number of questions."""
    if questions <= 0:
        raise ValueError("a questionnaire has at least one question")
    given = [r for r in ratings if r is not None]
    if len(given) > questions:
        raise ValueError("more ratings than questions")
    return Readiness(Fraction(sum(given), questions))


def partnership_readiness(organisations: Sequence[Readiness]) -> Readiness | None:
    """The mean of the organisations' scores, or None when none has submitted."""
    if not organisations:
        return None
    return Readiness(sum((o.score for o in organisations), Fraction(0)) / len(organisations))


def change(current: Readiness | None, previous: Readiness | None) -> str:
    """How the level moved since the previous round: "up", "down", "same" or "" if unknown."""
    if current is None or previous is None:
        return ""
    if current.level > previous.level:
        return "up"
    if current.level < previous.level:
        return "down"
    return "same"
