"""Open data: grants given in the 360Giving Data Standard, and spend over £500 as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from svduty.decisions import actions as decisions
from svduty.funding import actions, opendata
from tests.funding.factories import grant, people, post_and_intervention, record
from tests.funding.schema import FIXTURES, SHARED, validation_errors

pytestmark = pytest.mark.django_db
D = Decimal


def _funded(p):  # type: ignore[no-untyped-def]
    g = grant(p)
    post, intervention = post_and_intervention(p, g)
    decision = record(p, stage="officer_approved")
    actions.link_to_decision(
        decision=decision, posts=[post], interventions=[intervention], by=p.lead
    )
    decisions.decide(
        record=decision,
        outcome="approved",
        reasons="Needed.",
        has_interest=False,
        by=p.decision_maker,
    )
    return g, post, intervention


def test_the_tests_copy_of_the_360giving_schemas_matches_the_shared_one() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/standards/360giving is not beside this checkout")
    for name in ("360-giving-package-schema.json", "360-giving-schema.json"):
        assert (FIXTURES / name).read_bytes() == (SHARED / name).read_bytes()


def test_grants_given_validate_against_the_360giving_schema(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SVDUTY_360GIVING_PREFIX", "360G-demopcc")
    p = people(slug="north")
    _funded(p)
    package = json.loads(opendata.dumps_exact(opendata.package_360giving(p.partnership)))
    assert validation_errors(package) == []
    ids = sorted(g["id"] for g in package["grants"])
    assert ids[0].startswith("360G-demopcc-north-")
    assert all(i.startswith("360G-demopcc-") for i in ids)


def test_the_schema_check_would_catch_a_grant_without_an_amount() -> None:
    p = people()
    _funded(p)
    package = json.loads(opendata.dumps_exact(opendata.package_360giving(p.partnership)))
    del package["grants"][0]["amountAwarded"]
    assert validation_errors(package) != []


def test_only_work_with_an_approved_decision_is_a_grant_given() -> None:
    p = people()
    g = grant(p)
    post_and_intervention(p, g)
    assert opendata.grants_given(p.partnership) == []


def test_amounts_are_written_digit_for_digit_and_recipients_identified_by_register() -> None:
    p = people()
    _, _post, _intervention = _funded(p)
    text = opendata.dumps_exact(opendata.package_360giving(p.partnership, prefix="360G-x"))
    assert '"amountAwarded": 25000.00' in text
    package = json.loads(text, parse_float=Decimal)
    by_title = {g["title"]: g for g in package["grants"]}
    youth = by_title["Detached youth work"]
    assert youth["amountAwarded"] == D("25000.00")
    assert youth["recipientOrganization"][0]["id"] == "GB-CHC-1000001"
    assert youth["fundingOrganization"][0]["name"] == "Office of the Police and Crime Commissioner"
    assert youth["beneficiaryLocation"][0]["geoCode"] == "E06000001"
    assert youth["fromOpenCall"] == "No"
    analyst = by_title["Data analyst post"]
    assert analyst["recipientOrganization"][0]["id"] == f"360G-x-org-{p.council.slug}"
    assert analyst["amountAwarded"] == D("40000.00")


def test_posts_the_funder_employs_itself_are_not_grants_given() -> None:
    p = people()
    g = grant(p)
    own = actions.create_post(
        grant=g,
        title="Board officer",
        employer=p.lpb,
        start_on=date(2024, 4, 1),
        end_on=date(2025, 3, 31),
        budget="5000.00",
        by=p.lead,
    )
    decision = record(p, stage="officer_approved")
    actions.link_to_decision(decision=decision, posts=[own], by=p.lead)
    decisions.decide(
        record=decision,
        outcome="approved",
        reasons="Needed.",
        has_interest=False,
        by=p.decision_maker,
    )
    assert opendata.grants_given(p.partnership) == []


def test_exact_json_refuses_floats() -> None:
    with pytest.raises(TypeError, match="floats"):
        opendata.dumps_exact({"amount": 0.1})


def test_spend_over_500_is_published_without_staff_pay_or_individuals_names() -> None:
    p = people()
    g = grant(p)
    for amount, supplier, individual, payroll, description in (
        ("500.00", "Hall", False, False, "exactly £500: not over"),
        ("500.01", "Harbourside Youth Trust", False, False, "Q1 payment"),
        ("900.00", "A. Person", True, False, "Sessional work"),
        ("3000.00", "Payroll", False, True, "Staff pay"),
        ("750.00", "=HYPERLINK(1)", False, False, "+cmd"),
    ):
        actions.record_spend(
            grant=g,
            cost_type="non_labour",
            paid_on=date(2024, 6, 1),
            amount=amount,
            supplier_name=supplier,
            is_supplier_individual=individual,
            is_payroll=payroll,
            description=description,
            by=p.lead,
        )
    rows = list(csv.DictReader(io.StringIO(opendata.spend_csv(p.partnership))))
    assert [r["Amount"] for r in rows] == ["500.01", "900.00", "750.00"]
    assert rows[1]["Supplier name"] == opendata.REDACTED
    assert rows[2]["Supplier name"] == "'=HYPERLINK(1)"
    assert rows[2]["Description"] == "'+cmd"
    assert rows[0]["Body name"] == "Office of the Police and Crime Commissioner"
    assert rows[0]["Date"] == "2024-06-01"


def test_the_identifier_prefix_defaults_when_the_setting_is_empty(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SVDUTY_360GIVING_PREFIX", raising=False)
    assert opendata.identifier_prefix() == "360G-svduty"
    monkeypatch.setenv("SVDUTY_360GIVING_PREFIX", "  ")
    assert opendata.identifier_prefix() == "360G-svduty"
