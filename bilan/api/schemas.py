"""Request and response shapes of API v1. Values come from the models' choices, never copied."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import field_validator, model_validator

from bilan.bilans.models import (
    Completion,
    ConsentMethod,
    FollowUpDecision,
    Format,
    FundingRoute,
    Situation,
    Status,
    StopReason,
)
from bilan.bilans.transitions import ALL_TRANSITIONS
from bilan.lib.text import unstorable_reason

# Ids and offsets past a signed 64-bit integer overflow the database driver: refuse them (422).
MAX_INT = 2**63 - 1


# The names of bilan.bilans.transitions, the one table of who may run which transition.
Transition = Literal[tuple(sorted(ALL_TRANSITIONS))]  # type: ignore[valid-type]


class InputSchema(Schema):
    """The base of every request body: text that the database cannot store is a 422 naming
    its field, not a 500 (every field of every subclass, nested bodies included)."""

    @field_validator("*", mode="before")
    @classmethod
    def text_is_storable(cls, value: Any) -> Any:
        reason = unstorable_reason(value)  # the one check (bilan.lib.text), keys included
        if reason:
            raise ValueError(reason)
        return value


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, Any]] | None = None


class PersonOut(Schema):
    id: int
    name: str


class BeneficiaryOut(PersonOut):
    email: str


class HoursOut(Schema):
    """Minutes, against the hours rule in force on the bilan's opening date."""

    planned_total: int
    delivered_accompaniment: int
    max_total: int
    min_accompaniment: int
    below_minimum: bool


class ArrangementsValidationsOut(Schema):
    beneficiary_validated_at: dt.datetime | None
    consultant_validated_at: dt.datetime | None


class ContentOut(Schema):
    request_text: str
    needs_analysis: str
    agreed_arrangements: str
    arrangements_validations: ArrangementsValidationsOut


class BilanOut(Schema):
    id: int
    reference: str
    status: Status
    status_label: str
    beneficiary: BeneficiaryOut
    consultant: PersonOut
    situation: Situation
    funding_route: FundingRoute
    funding_reference: str
    format: Format
    opened_on: dt.date
    closed_on: dt.date | None
    hours: HoursOut


class BilanDetailOut(BilanOut):
    content: ContentOut | None = Field(
        description="Only for the beneficiary and the assigned consultant; null for an admin."
    )


class BilanPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[BilanOut]


class BilanIn(InputSchema):
    email: str = Field(max_length=254)
    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(min_length=1, max_length=150)
    phone: str = Field("", max_length=30)
    situation: Situation
    situation_detail: str = Field("", max_length=200)
    request_text: str = ""
    funding_route: FundingRoute
    funding_reference: str = Field("", max_length=100)
    format: Format
    consultant_id: int | None = Field(
        None,
        ge=1,
        le=MAX_INT,
        description="Required for an admin; a consultant is assigned the bilan they open.",
    )

    @field_validator("email")
    @classmethod
    def email_is_valid(cls, value: str) -> str:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError("adresse e-mail invalide") from None
        return value


class ScanIn(InputSchema):
    """A scanned file in a JSON body: its name (the extension says its type) and its bytes."""

    name: str = Field(max_length=255, description="e.g. consentement.pdf (PDF, PNG or JPEG)")
    content_base64: str = Field(
        max_length=14_000_000, description="The file's bytes, base64 (10 Mo at most)"
    )


class ConsentIn(InputSchema):
    method: ConsentMethod
    scan: ScanIn | None = Field(
        None, description="Paper: the signed consent form, scanned (required for paper)"
    )
    notice_version: str | None = Field(
        None,
        max_length=20,
        description=(
            "The version of the information notice the client showed (get_information_notice); "
            "empty: the one in force. The version recorded is always the server's: another "
            "one is refused (422), the notice having changed."
        ),
    )


class ConsentOut(Schema):
    given_at: dt.datetime
    method: ConsentMethod
    notice_version: str


class AdvanceIn(InputSchema):
    transition: Transition
    completion: Completion | None = Field(None, description="For close; full by default.")
    reason: StopReason | None = Field(
        None, description="For interrupt and abandon, and for close with a partial completion."
    )
    decision: FollowUpDecision | None = Field(None, description="For record_follow_up_decision.")

    @model_validator(mode="after")
    def has_its_parameters(self) -> AdvanceIn:
        # The shape of the request only; whether the act is allowed is the model's call.
        if self.transition in ("interrupt", "abandon") and self.reason is None:
            raise ValueError("reason est requis pour cette transition")
        if self.transition == "record_follow_up_decision" and self.decision is None:
            raise ValueError("decision est requis pour cette transition")
        return self


class HoursIn(InputSchema):
    accompaniment_minutes: int = Field(ge=0, le=MAX_INT)
    personal_minutes: int = Field(ge=0, le=MAX_INT)


class ConsultantIn(InputSchema):
    consultant_id: int = Field(ge=1, le=MAX_INT)
    reason: str = Field("", max_length=200)


class PreliminaryOutputsIn(InputSchema):
    """The three outputs of the preliminary phase (R6313-4 1° a, b, c), as the framing form."""

    needs_analysis: str = Field("", description="L'analyse de la demande et du besoin.")
    format: Format
    rhythm: str = Field("", max_length=200)
    agreed_arrangements: str = Field(
        "",
        description="Les modalités définies conjointement; rewording them asks for a new "
        "co-validation by each party.",
    )


class PersonalWorkIn(InputSchema):
    minutes: int = Field(ge=0, le=MAX_INT, description="Personal work delivered in all, minutes.")
