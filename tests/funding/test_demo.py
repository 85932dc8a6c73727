"""The demo's year of strategy, funding and decisions: complete, exact, deterministic, valid."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db.models.deletion import Collector

from svduty.access.models import Organisation, OrganisationKind
from svduty.access.roles import Role
from svduty.decisions import demo as decisions_demo
from svduty.decisions.models import DecisionRecord
from svduty.funding import demo as funding_demo
from svduty.funding import opendata, queries
from svduty.funding.models import FundingStatus, Spend
from svduty.funding.money import total
from svduty.strategy import demo as strategy_demo
from svduty.strategy.models import AnnualReview
from tests.factories import OrganisationFactory, member
from tests.funding.factories import People, people
from tests.funding.schema import validation_errors

pytestmark = pytest.mark.django_db
D = Decimal


def _demo(slug: str) -> People:
    p = people(slug=slug, is_demo=True)
    for kind in (
        OrganisationKind.VIOLENCE_REDUCTION_UNIT,
        OrganisationKind.LOCAL_AUTHORITY,
        OrganisationKind.VOLUNTARY_COMMUNITY,
        OrganisationKind.POLICE,
        OrganisationKind.HEALTH_BOARD,
        OrganisationKind.YOUTH_OFFENDING_TEAM,
    ):
        OrganisationFactory(partnership=p.partnership, kind=kind)
    member(
        Role.CONTRIBUTOR,
        OrganisationFactory(partnership=p.partnership, kind=OrganisationKind.FIRE_AND_RESCUE),
    )
    for seed in (strategy_demo.seed_demo, funding_demo.seed_demo, decisions_demo.seed_demo):
        seed(partnership=p.partnership, by=p.lead)
    return p


def test_the_demo_year_has_its_grant_posts_interventions_call_and_records() -> None:
    p = _demo("demo")
    (grant,) = p.partnership.grants.all()
    assert (grant.labour_amount, grant.non_labour_amount) == (D("118450.00"), D("164275.50"))
    assert p.partnership.funded_posts.count() == 4
    assert p.partnership.interventions.count() == 4
    (call,) = p.partnership.calls.all()
    assert call.applications.count() == 3
    assert call.applications.filter(assessments__has_conflict=True).count() == 1
    records = {r.reference: r for r in p.partnership.decision_records.all()}
    assert set(records) == {"DN07-24", "DN15-24", "DN19-24", "DN23-24"}
    assert records["DN07-24"].is_public()
    assert records["DN15-24"].is_public()
    assert records["DN15-24"].outcome == DecisionRecord.Outcome.NOT_APPROVED
    assert not records["DN19-24"].is_public()
    assert records["DN19-24"].deferred_until is not None
    assert records["DN23-24"].status == DecisionRecord.Status.DRAFT
    statuses = {i.reference: i.funding_status for i in p.partnership.interventions.all()}
    assert set(statuses.values()) == {FundingStatus.FUNDED}
    assert all(
        post.funding_status == FundingStatus.FUNDED for post in p.partnership.funded_posts.all()
    )
    review = AnnualReview.objects.get(strategy__partnership=p.partnership)
    assert review.status == AnnualReview.Status.COMPLETE


def test_the_demo_totals_are_exact_to_the_penny() -> None:
    p = _demo("demo")
    (year,) = queries.totals_by_year(p.partnership)
    assert year.total == D("282725.50")
    assert year.spent_labour == D("118450.00")
    assert year.spent_non_labour == D("157050.00")
    assert total(Spend.objects.values_list("amount", flat=True)) == D("275500.00")
    (grant,) = p.partnership.grants.all()
    position = queries.grant_position(grant)
    assert position.remaining == D("7225.50")
    assert position.claimed == D("275500.00")
    assert any("£7,225.50 of the non-labour allocation unspent" in w for w in position.warnings)


def test_the_demos_360giving_export_validates() -> None:
    p = _demo("demo")
    package = json.loads(opendata.dumps_exact(opendata.package_360giving(p.partnership)))
    assert validation_errors(package) == []
    titles = sorted(g["title"] for g in package["grants"])
    assert "Mentoring for pupils excluded from school" in titles
    assert "Board officer post" not in titles  # employed by the commissioner's office itself


def test_the_demo_is_deterministic_and_seeding_twice_changes_nothing() -> None:
    first, second = _demo("demo-a"), _demo("demo-b")

    def picture(p: People) -> list[tuple[str, ...]]:
        spend = [
            (str(s.paid_on), s.description, str(s.amount))
            for s in Spend.objects.filter(grant__partnership=p.partnership)
        ]
        records = [
            (r.reference, r.status, r.outcome)
            for r in p.partnership.decision_records.order_by("reference")
        ]
        return sorted(spend) + records

    assert picture(first) == picture(second)
    before = picture(first)
    for seed in (strategy_demo.seed_demo, funding_demo.seed_demo, decisions_demo.seed_demo):
        seed(partnership=first.partnership, by=first.lead)
    assert picture(first) == before


def test_the_demo_partnership_can_be_deleted_with_everything_hanging_off_it() -> None:
    p = _demo("demo")
    organisations = list(p.partnership.organisations.all())
    # Organisation.partnership is PROTECT: members are detached, then everything goes at once,
    # the partnership's records first, as svduty.demo.build removes the demo.
    Organisation.objects.filter(pk__in=[o.pk for o in organisations]).update(partnership=None)
    collector = Collector(using="default")
    collector.collect([p.partnership], keep_parents=False)
    for organisation in organisations:
        collector.collect([organisation], keep_parents=False)
    collector.delete()
    assert DecisionRecord.objects.count() == 0
    assert Spend.objects.count() == 0
