"""Reads of decision records for the internal pages, the public site and documents."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from svduty.access.models import OrganisationKind
from svduty.decisions.models import DecisionRecord
from svduty.funding.periods import financial_year_of, year_end, year_start
from svduty.partnership.models import Partnership


def funding_body_name(partnership: Partnership) -> str:
    """The local policing body of the partnership (the PCC's office), else the partnership."""
    body = partnership.organisations.filter(kind=OrganisationKind.LOCAL_POLICING_BODY).first()
    return body.name if body else partnership.name


def public_records(
    partnership: Partnership,
    *,
    query: str = "",
    year: str = "",
    today: date | None = None,
) -> QuerySet[DecisionRecord]:
    """Published records of a partnership, newest decision first; ``query`` searches reference,
    title, background, the decision sought and the reasons; ``year`` is a financial year."""
    records = DecisionRecord.objects.filter(partnership=partnership).public(today)
    if query.strip():
        text = query.strip()
        records = records.filter(
            Q(reference__icontains=text)
            | Q(title__icontains=text)
            | Q(background__icontains=text)
            | Q(decision_sought__icontains=text)
            | Q(reasons__icontains=text)
        )
    if year:
        start = timezone.make_aware(datetime.combine(year_start(year), time.min))
        end = timezone.make_aware(datetime.combine(year_end(year) + timedelta(days=1), time.min))
        records = records.filter(decided_at__gte=start, decided_at__lt=end)
    return records.order_by("-decided_at", "-pk")


def public_years(partnership: Partnership, *, today: date | None = None) -> list[str]:
    """Financial years with at least one published record, newest first."""
    moments = (
        DecisionRecord.objects.filter(partnership=partnership)
        .public(today)
        .values_list("decided_at", flat=True)
    )
    years = {financial_year_of(timezone.localtime(m).date()) for m in moments if m is not None}
    return sorted(years, reverse=True)


def records_for(partnership: Partnership) -> QuerySet[DecisionRecord]:
    """Every record of a partnership, for signed-in users with DECISIONS_VIEW."""
    return DecisionRecord.objects.filter(partnership=partnership).order_by("-created_at", "-pk")


def awaiting_publication(partnership: Partnership) -> list[DecisionRecord]:
    """Decided records neither published nor deferred: to publish as soon as practicable."""
    return [r for r in records_for(partnership).filter(status="decided") if r.awaiting_publication]
