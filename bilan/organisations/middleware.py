from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from bilan.accounts.models import ApiToken, User
from bilan.organisations.models import Membership, MembershipQuerySet

# The session key holding the organisation a person chose to work in (several memberships).
SESSION_KEY = "organisation_id"


# Without a choice, the membership a person acts through is her oldest.
ORDER = ("created_at", "id")


def acting_memberships() -> MembershipQuerySet:
    """The one definition of the memberships a person may act through (active, of an active
    account), the default one first. The pages read it through the ORM (`memberships_of`); the
    API's token query is this same queryset, compiled once per process (`token_membership`)."""
    return Membership.objects.active().order_by(*ORDER)


def choose(memberships: list[Membership], organisation_id: int | None) -> Membership | None:
    """Of a person's memberships (default first), the one in `organisation_id` if she has it,
    else the default. A person in several organisations works in one at a time and sees
    nothing of one organisation through another."""
    chosen = next((m for m in memberships if m.organisation_id == organisation_id), None)
    return chosen or (memberships[0] if memberships else None)


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(acting_memberships().select_related("organisation").filter(user=user))


def membership_for(user: User, organisation_id: int | None = None) -> Membership | None:
    """The membership `user` acts through (`choose`)."""
    return choose(memberships_of(user), organisation_id)


# ---- the API's hot path: the same queryset, compiled once ---------------------------------------

# Stand-ins for each call's values while the query is compiled; found again in its params.
_DIGEST = "\x00token-digest"
_NOW = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)
_ORGANISATION = -7_654_321


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[int, str]  # param position → "digest", "now" or "organisation"
    converters: dict[int, tuple[list[Any], Any]]  # column → (the ORM's converters, expression)
    membership: list[int]  # the columns of each model, in its concrete fields' order
    user: list[int]
    token: tuple[int, int]  # the token's id and last_used_at columns


def _token_queryset(chosen: bool) -> QuerySet[Membership]:
    qs = acting_memberships().filter(  # one filter(): one join to the token
        user__api_tokens__digest=_DIGEST,
        user__api_tokens__revoked_at__isnull=True,
        user__api_tokens__expires_at__gt=_NOW,
    )
    if chosen:
        qs = qs.filter(organisation_id=_ORGANISATION)
    return qs.select_related("user").annotate(
        token_id=F("user__api_tokens__id"),
        token_last_used_at=F("user__api_tokens__last_used_at"),
    )[:1]


@functools.cache
def _compiled(vendor: str, chosen: bool) -> _Compiled:
    compiler = _token_queryset(chosen).query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    wanted = {
        _DIGEST: "digest",
        connection.ops.adapt_datetimefield_value(_NOW): "now",
        _ORGANISATION: "organisation",
    }
    slots = {i: wanted[p] for i, p in enumerate(params) if _hashable(p) and p in wanted}
    if sorted(slots.values()) != sorted(["digest", "now", *(["organisation"] if chosen else [])]):
        raise RuntimeError("token query: a stand-in value is not once in the compiled params")
    expressions = [col for col, _sql, _alias in compiler.select]
    klass_info = compiler.klass_info or {}
    (user_info,) = klass_info["related_klass_infos"]
    columns = compiler.annotation_col_map or {}
    return _Compiled(
        sql=sql,
        params=tuple(params),
        slots=slots,
        converters=compiler.get_converters(expressions),
        membership=list(klass_info["select_fields"]),
        user=list(user_info["select_fields"]),
        token=(columns["token_id"], columns["token_last_used_at"]),
    )


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def token_membership(
    digest: str, organisation_id: int | None = None
) -> tuple[Membership, User, ApiToken] | None:
    """For the user of the live token whose digest is `digest`: the membership she acts
    through (the one in `organisation_id`, which she must have, else her default), her
    account and the token, in one query, or None. The rows `acting_memberships()` gives,
    without the ORM building the SQL again on every API call."""
    chosen = organisation_id is not None
    compiled = _compiled(connection.vendor, chosen)
    values = {
        "digest": digest,
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "organisation": organisation_id,
    }
    params = list(compiled.params)
    for position, name in compiled.slots.items():
        params[position] = values[name]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for position, (functions, expression) in compiled.converters.items():
        for convert in functions:
            row[position] = convert(row[position], expression, connection)
    membership = Membership.from_db(
        connection.alias,
        [f.attname for f in Membership._meta.concrete_fields],
        [row[i] for i in compiled.membership],
    )
    user = User.from_db(
        connection.alias,
        [f.attname for f in User._meta.concrete_fields],
        [row[i] for i in compiled.user],
    )
    token_id, last_used_at = (row[i] for i in compiled.token)
    token = ApiToken.from_db(connection.alias, ["id", "last_used_at"], [token_id, last_used_at])
    membership.user = user
    return membership, user, token


class MembershipMiddleware:
    """Attach the user's membership (organisation and role) as `request.user.membership`, and
    all of her active memberships as `request.user.memberships_available`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not hasattr(user, "membership"):
            memberships = memberships_of(user)
            user.membership = choose(memberships, request.session.get(SESSION_KEY))
            user.memberships_available = memberships
        return self.get_response(request)
