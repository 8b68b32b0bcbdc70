"""API v1: a bilan's funding (mounted by config/api.py). The same owner as the page
(`rules.set_funding`): a refusal is 409 (the bilan's state), 422 (bad input) or 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import WithJsonSchema

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import InputSchema
from bilan.bilans.models import Bilan, FundingRoute
from bilan.funding import rules
from bilan.funding.models import Funding, KairosStatus, PayerKind
from bilan.organisations.access import get_bilan_for_user

router = Router(tags=["funding"])

# Euros, cents at most: the owner checks the same bounds (a page has no schema).
# Documented as the decimal string it is sent as (one schema for requests and responses).
AMOUNT_SCHEMA = {"type": "string", "pattern": r"^\d{1,6}(\.\d{1,2})?$", "examples": ["1600.00"]}
Amount = Annotated[
    Decimal,
    Field(ge=0, le=rules.MAX_AMOUNT, max_digits=8, decimal_places=2),
    WithJsonSchema(AMOUNT_SCHEMA),
]
Money = Annotated[Decimal, WithJsonSchema(AMOUNT_SCHEMA)]


class FundingShareIn(InputSchema):
    route: FundingRoute
    amount: Amount = Decimal("0.00")
    payer_kind: PayerKind | None = None
    payer_name: str = Field("", max_length=200)
    reference: str = Field("", max_length=100)
    opco_agreement_number: str = Field("", max_length=100)
    opco_agreed_amount: Amount | None = None
    kairos_quote_number: str = Field("", max_length=50)
    kairos_status: KairosStatus = KairosStatus.NONE


class FundingBody(InputSchema):
    price: Amount | None = None
    shares: list[FundingShareIn] = Field(min_length=1, max_length=rules.MAX_SHARES)
    reason: str = Field("", max_length=500)
    correction: bool = Field(False, description="the administration's correction of a closed bilan")


class FundingShareOut(Schema):
    route: str
    payer_kind: str
    payer_name: str
    amount: Money
    reference: str
    opco_agreement_number: str
    opco_agreed_amount: Money | None
    kairos_quote_number: str
    kairos_status: str


class FundingChangeOut(Schema):
    at: dt.datetime
    by: str
    reason: str
    correction: bool
    before: dict[str, Any]
    after: dict[str, Any]


class FundingOut(Schema):
    bilan_id: int
    funding_route: str
    price: Money | None
    shares: list[FundingShareOut]
    changes: list[FundingChangeOut]


def funding_out(bilan: Bilan, funding: Funding) -> dict[str, Any]:
    return {
        "bilan_id": bilan.pk,
        "funding_route": bilan.funding_route,
        "price": funding.price,
        "shares": [
            {name: getattr(s, name) for name in rules.SHARE_FIELDS}
            for s in rules.shares_of(funding)
        ],
        "changes": [
            {
                "at": c.at,
                "by": c.by.get_full_name() if c.by else "",
                "reason": c.reason,
                "correction": c.correction,
                "before": c.before,
                "after": c.after,
            }
            for c in funding.changes.select_related("by")
        ],
    }


@router.get(
    "/bilans/{bilan_id}/funding",
    response={200: FundingOut, **errors(401, 403, 404, 422)},
    operation_id="get_funding",
    summary="A bilan's funding: price, shares (the first is the primary route), changes log",
)
def get_funding(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    bilan = get_bilan_for_user(acting_user(request), bilan_id)
    return funding_out(bilan, rules.funding_of(bilan))


@router.put(
    "/bilans/{bilan_id}/funding",
    response={200: FundingOut, **errors(401, 403, 404, 409, 422)},
    operation_id="set_funding",
    summary="Replace a bilan's funding (a reason once started; closed: the admin's correction)",
)
def set_funding(request: HttpRequest, bilan_id: BilanId, body: FundingBody) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    funding = rules.set_funding(
        bilan=bilan,
        by=user,
        price=body.price,
        reason=body.reason,
        correction=body.correction,
        shares=[
            rules.ShareInput(
                route=s.route,
                amount=s.amount,
                payer_kind=s.payer_kind or "",
                payer_name=s.payer_name,
                reference=s.reference,
                opco_agreement_number=s.opco_agreement_number,
                opco_agreed_amount=s.opco_agreed_amount,
                kairos_quote_number=s.kairos_quote_number,
                kairos_status=s.kairos_status,
            )
            for s in body.shares
        ],
    )
    bilan.refresh_from_db()
    return funding_out(bilan, funding)
