"""Open data: grants given in the 360Giving Data Standard, and spend over £500 as CSV.

360Giving (version 1.4, JSON package): one grant for each funded intervention, and for each funded
post employed by an organisation other than the funder. Identifiers start with the publisher's
360Giving prefix (setting ``SVDUTY_360GIVING_PREFIX``). Amounts are written from Decimals digit for
digit, never through floats. Dates are written as full date-times: the standard's schema accepts a
plain date or a date-time through ``oneOf``, and a plain date matches both branches when a validator
does not check formats.

Spend over £500 (Specified Information Order, heading 3): each payment charged to a grant above
£500, except staff pay; names of individuals are redacted.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify

from svduty.access.models import Organisation, OrganisationKind
from svduty.funding import queries
from svduty.funding.models import CostType, FundedPost, Intervention, Spend
from svduty.partnership.models import Partnership

DEFAULT_360GIVING_PREFIX = "360G-svduty"
SPEND_THRESHOLD = Decimal("500.00")
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
LONDON = ZoneInfo("Europe/London")


def identifier_prefix() -> str:
    """The publisher's 360Giving identifier prefix (``SVDUTY_360GIVING_PREFIX``)."""
    from svduty.config import env

    try:
        value = env.get("SVDUTY_360GIVING_PREFIX")
    except KeyError:  # not yet in the settings registry
        value = os.environ.get("SVDUTY_360GIVING_PREFIX", DEFAULT_360GIVING_PREFIX)
    return value.strip() or DEFAULT_360GIVING_PREFIX


# --- exact JSON --------------------------------------------------------------------------------


def dumps_exact(value: Any, *, indent: int = 2) -> str:
    """JSON text with Decimals written digit for digit as JSON numbers."""
    return "".join(_encode(value, indent, 0)) + "\n"


def _encode(value: Any, indent: int, level: int) -> Iterator[str]:
    pad = "\n" + " " * indent * (level + 1)
    end = "\n" + " " * indent * level
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("money must be finite")
        yield format(value, "f")
    elif isinstance(value, bool) or value is None or isinstance(value, int | str):
        yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, float):
        raise TypeError("floats are not written: use Decimal")
    elif isinstance(value, dict):
        if not value:
            yield "{}"
            return
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + pad + json.dumps(str(key), ensure_ascii=False) + ": "
            yield from _encode(item, indent, level + 1)
        yield end + "}"
    elif isinstance(value, list | tuple):
        if not value:
            yield "[]"
            return
        yield "["
        for i, item in enumerate(value):
            yield ("," if i else "") + pad
            yield from _encode(item, indent, level + 1)
        yield end + "]"
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


# --- 360Giving ---------------------------------------------------------------------------------


def _datetime(day: date) -> str:
    return datetime.combine(day, time.min, tzinfo=LONDON).isoformat()


def _moment(value: datetime) -> str:
    return timezone.localtime(value, LONDON).replace(microsecond=0).isoformat()


def funding_body(partnership: Partnership) -> Organisation | None:
    """The partnership's local policing body, which gives the grants."""
    return partnership.organisations.filter(kind=OrganisationKind.LOCAL_POLICING_BODY).first()


def _organisation_id(
    prefix: str, *, name: str, slug: str = "", charity_number: str = "", company_number: str = ""
) -> str:
    """An org-id.guide identifier from a registered number, else the publisher's own."""
    charity = charity_number.replace(" ", "").upper()
    company = company_number.replace(" ", "").upper()
    if charity:
        if charity.startswith("SC"):
            return f"GB-SC-{charity}"
        if charity.startswith("NIC"):
            return f"GB-NIC-{charity[3:]}"
        return f"GB-CHC-{charity}"
    if company:
        return f"GB-COH-{company}"
    return f"{prefix}-org-{slug or slugify(name)}"


def _months(start: date, end: date) -> int:
    return max((end.year - start.year) * 12 + end.month - start.month + (end.day >= start.day), 1)


def _funder(partnership: Partnership, prefix: str) -> dict[str, str]:
    body = funding_body(partnership)
    if body is None:
        return {"id": f"{prefix}-{partnership.slug}", "name": partnership.name}
    return {"id": _organisation_id(prefix, name=body.name, slug=body.slug), "name": body.name}


def _intervention_grant(item: Intervention, prefix: str, funder: dict[str, str]) -> dict[str, Any]:
    recipient: dict[str, Any] = {
        "id": _organisation_id(
            prefix,
            name=item.provider_display,
            slug=item.provider.slug if item.provider else "",
            charity_number=item.provider_charity_number,
            company_number=item.provider_company_number,
        ),
        "name": item.provider_display,
    }
    if item.provider_charity_number:
        recipient["charityNumber"] = item.provider_charity_number
    if item.provider_company_number:
        recipient["companyNumber"] = item.provider_company_number
    decided_at = item.decision.decided_at if item.decision else None
    if decided_at is None:
        raise ValueError(f"{item} has no decision")
    grant: dict[str, Any] = {
        "id": f"{prefix}-{item.partnership.slug}-{slugify(item.reference)}",
        "title": item.name,
        "description": item.description or f"{item.name}, for {item.cohort} in {item.area}.",
        "currency": "GBP",
        "amountAwarded": item.budget,
        "awardDate": _moment(decided_at),
        "plannedDates": [
            {
                "startDate": _datetime(item.start_on),
                "endDate": _datetime(item.end_on),
                "duration": _months(item.start_on, item.end_on),
            }
        ],
        "recipientOrganization": [recipient],
        "fundingOrganization": [funder],
        "grantProgramme": [
            {
                "code": f"{item.grant.programme} {item.grant.financial_year}",
                "title": item.application.call.title
                if item.application is not None
                else f"{item.grant.programme} {item.grant.financial_year}",
            }
        ],
        "fromOpenCall": "Yes" if item.application_id else "No",
        "beneficiaryLocation": [
            {
                "name": item.area,
                **({"geoCode": item.area_code} if item.area_code else {}),
                "countryCode": "GB",
            }
        ],
        "dateModified": _moment(decided_at),
    }
    disbursed = sum((s.amount for s in item.spend.all()), Decimal("0.00"))
    if disbursed > 0:
        grant["amountDisbursed"] = disbursed
    return grant


def _post_grant(post: FundedPost, prefix: str, funder: dict[str, str]) -> dict[str, Any]:
    employer = post.employer_name
    decided_at = post.decision.decided_at if post.decision else None
    if decided_at is None:
        raise ValueError(f"{post} has no decision")
    return {
        "id": f"{prefix}-{post.partnership.slug}-post-{post.pk}",
        "title": f"{post.title} post",
        "description": f"Funding for a {post.title} post ({post.fte} full-time equivalent) "
        f"employed by {employer}, {post.grant.financial_year}.",
        "currency": "GBP",
        "amountAwarded": post.budget,
        "awardDate": _moment(decided_at),
        "plannedDates": [
            {
                "startDate": _datetime(post.start_on),
                "endDate": _datetime(post.end_on),
                "duration": _months(post.start_on, post.end_on),
            }
        ],
        "recipientOrganization": [
            {
                "id": _organisation_id(
                    prefix, name=employer, slug=post.employer.slug if post.employer else ""
                ),
                "name": employer,
            }
        ],
        "fundingOrganization": [funder],
        "grantProgramme": [
            {
                "code": f"{post.grant.programme} {post.grant.financial_year}",
                "title": f"{post.grant.programme} {post.grant.financial_year}",
            }
        ],
        "fromOpenCall": "No",
        "dateModified": _moment(decided_at),
    }


def grants_given(partnership: Partnership, *, prefix: str | None = None) -> list[dict[str, Any]]:
    """360Giving grant records for the partnership's funded work."""
    prefix = prefix or identifier_prefix()
    funder = _funder(partnership, prefix)
    body = funding_body(partnership)
    grants = [
        _intervention_grant(item, prefix, funder)
        for item in queries.funded_interventions(partnership)
        .select_related("application__call")
        .prefetch_related("spend")
        .order_by("reference")
    ]
    for post in queries.funded_posts(partnership).order_by("pk"):
        hosted_by_funder = body is not None and post.employer_id == body.pk
        if not hosted_by_funder:
            grants.append(_post_grant(post, prefix, funder))
    return grants


def package_360giving(
    partnership: Partnership, *, prefix: str | None = None, issued: date | None = None
) -> dict[str, Any]:
    """The 360Giving data package of the partnership's grants given (may hold no grants: the
    standard needs at least one, so callers refuse to publish an empty package)."""
    prefix = prefix or identifier_prefix()
    funder = _funder(partnership, prefix)
    issued = issued or timezone.localdate()
    return {
        "grants": grants_given(partnership, prefix=prefix),
        "version": "1.4",
        "title": f"Grants given by {funder['name']} under the Serious Violence Duty",
        "description": f"Posts and interventions funded by {funder['name']} for "
        f"{partnership.name}, approved by published decision records.",
        "issued": _datetime(issued),
        "identifier": f"{prefix}-{partnership.slug}-grants",
        "publisher": {"name": funder["name"], "identifier": funder["id"]},
        "license": LICENCE_URL,
    }


# --- spend over £500 ---------------------------------------------------------------------------

SPEND_COLUMNS = (
    "Body name",
    "Date",
    "Transaction number",
    "Supplier name",
    "Expense type",
    "Description",
    "Grant",
    "Cost type",
    "Amount",
)
REDACTED = "Redacted: payment to an individual"


def neutralise(value: str) -> str:
    """Stop a spreadsheet reading a cell as a formula."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


def spend_over_threshold(partnership: Partnership) -> list[Spend]:
    """Payments over £500 charged to the partnership's grants, except staff pay."""
    return list(
        Spend.objects.filter(
            grant__partnership=partnership, amount__gt=SPEND_THRESHOLD, is_payroll=False
        )
        .select_related("grant")
        .order_by("paid_on", "pk")
    )


def spend_rows(partnership: Partnership) -> list[tuple[str, ...]]:
    body = funding_body(partnership)
    body_name = body.name if body else partnership.name
    rows = []
    for spend in spend_over_threshold(partnership):
        rows.append(
            tuple(
                neutralise(v)
                for v in (
                    body_name,
                    spend.paid_on.isoformat(),
                    spend.transaction_reference,
                    REDACTED if spend.is_supplier_individual else spend.supplier_name,
                    spend.expense_type,
                    spend.description,
                    f"{spend.grant.funder} {spend.grant.programme} {spend.grant.financial_year}",
                    CostType(spend.cost_type).label,
                    f"{spend.amount:.2f}",
                )
            )
        )
    return rows


def spend_csv(partnership: Partnership) -> str:
    """Spend over £500 as CSV text (UTF-8, header row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SPEND_COLUMNS)
    writer.writerows(spend_rows(partnership))
    return buffer.getvalue()
