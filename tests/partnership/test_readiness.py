"""Readiness ratings: the mean of an organisation's ratings, rounded down to the scale."""

from __future__ import annotations

from fractions import Fraction

import pytest

from svduty.partnership.readiness import (
    Readiness,
    change,
    organisation_readiness,
    partnership_readiness,
)


def test_an_organisation_is_rated_by_its_mean_rounded_down() -> None:
    result = organisation_readiness([3, 3, 2, 4], questions=4)  # mean 3.0
    assert result.score == 3
    assert result.level == 3
    nearly = organisation_readiness([3, 3, 2, 3], questions=4)  # mean 2.75
    assert nearly.level == 2
    assert nearly.shown() == "2.8"


def test_an_unrated_question_counts_as_not_started() -> None:
    result = organisation_readiness([4, None, 4], questions=4)  # (4 + 0 + 4 + 0) / 4
    assert result.score == 2


def test_the_partnership_is_the_mean_of_the_organisations_that_submitted() -> None:
    result = partnership_readiness([Readiness(Fraction(4)), Readiness(Fraction(1))])
    assert result is not None
    assert result.score == Fraction(5, 2)
    assert result.level == 2
    assert partnership_readiness([]) is None


def test_exact_fractions_never_fall_below_a_whole_level() -> None:
    # Three organisations scoring 2 + 1/3 + 2/3 average exactly 1: floating point would say 0.99…
    scores = [Readiness(Fraction(7, 3)), Readiness(Fraction(1, 3)), Readiness(Fraction(1, 3))]
    result = partnership_readiness(scores)
    assert result is not None
    assert result.level == 1


def test_change_compares_levels_with_the_previous_round() -> None:
    assert change(Readiness(Fraction(3)), Readiness(Fraction(5, 2))) == "up"
    assert change(Readiness(Fraction(5, 2)), Readiness(Fraction(2))) == "same"
    assert change(Readiness(Fraction(1)), Readiness(Fraction(2))) == "down"
    assert change(None, Readiness(Fraction(2))) == ""


def test_more_ratings_than_questions_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="more ratings"):
        organisation_readiness([1, 2, 3], questions=2)
