"""One disclosure-control policy per partnership: stricter than the default, never weaker."""

from __future__ import annotations

import pytest

from svduty.analysis.disclosure import (
    DEFAULT_POLICY,
    DisclosureError,
    apply_to_table,
    assert_no_small_numbers,
    policy_from,
    policy_label,
)


def test_no_settings_is_the_contract_default() -> None:
    assert policy_from({}) is DEFAULT_POLICY
    assert policy_label(DEFAULT_POLICY) == "threshold-7-round-5"


def test_a_stricter_policy_hides_more_and_rounds_coarser() -> None:
    policy = policy_from({"threshold": 10, "rounding": 10})
    published = apply_to_table([[8, 10, 14, 15, 24, 0]], policy=policy)
    # 8 and 10 are at or under the threshold; 14 would round to 10, which the policy hides, so it
    # is hidden too; 15 → 20 and 24 → 20 to the nearest 10; 0 stays 0.
    assert published.cells == [["*", "*", "*", 20, 20, 0]]
    assert_no_small_numbers(published, policy=policy)
    assert policy_label(policy) == "threshold-10-round-10"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"threshold": 5}, "it must be at least 7"),
        ({"rounding": 3}, "a multiple of 5"),
        ({"rounding": 0}, "a multiple of 5"),
        ({"threshold": "9"}, "threshold must be a whole number"),
        ({"threshold": True}, "threshold must be a whole number"),
        ({"symbol": "-"}, "symbol: not a disclosure setting"),
    ],
)
def test_a_weaker_or_malformed_policy_is_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(DisclosureError, match=message):
        policy_from(settings)
