"""Which membership a person acts through has one owner (organisations.middleware): the pages'
ORM path (`membership_for`, the middleware) and the API's token query (`token_membership`,
the same queryset compiled once) answer alike, case by case (issue 12, pair 6)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.accounts.models import ApiToken, User, digest_of
from bilan.bilans.testing import make_organisation
from bilan.organisations.middleware import membership_for, token_membership
from bilan.organisations.models import Membership, Organisation, Role


def api_answer(user: User, organisation_id: int | None) -> Membership | None:
    raw = ApiToken.issue(user)
    found = token_membership(digest_of(raw), organisation_id)
    return found[0] if found else None


@pytest.fixture
def two_homes(cast: SimpleNamespace) -> SimpleNamespace:
    """The consultant also joins Horizon (newer), and a third organisation she left."""
    left = make_organisation("Ancien Cabinet", "ancien")
    joined = Membership.objects.create(
        user=cast.consultant, organisation=cast.outsider_org, role=Role.ADMIN
    )
    gone = Membership.objects.create(
        user=cast.consultant, organisation=left, role=Role.CONSULTANT, is_active=False
    )
    return SimpleNamespace(joined=joined, gone=gone, left=left)


def test_without_a_choice_both_paths_take_the_oldest_membership(
    cast: SimpleNamespace, two_homes: SimpleNamespace
) -> None:
    web = membership_for(cast.consultant)
    api = api_answer(cast.consultant, None)
    assert web is not None and api is not None
    assert web.pk == api.pk and web.organisation_id == cast.org.pk


def test_a_chosen_organisation_is_the_same_membership_on_both_paths(
    cast: SimpleNamespace, two_homes: SimpleNamespace
) -> None:
    web = membership_for(cast.consultant, cast.outsider_org.pk)
    api = api_answer(cast.consultant, cast.outsider_org.pk)
    assert web is not None and api is not None
    assert web.pk == api.pk == two_homes.joined.pk and api.role == Role.ADMIN


def test_an_inactive_membership_is_never_acted_through(
    cast: SimpleNamespace, two_homes: SimpleNamespace
) -> None:
    # The page falls back to her default; the API refuses the organisation its header names.
    web = membership_for(cast.consultant, two_homes.left.pk)
    assert web is not None and web.organisation_id == cast.org.pk
    assert api_answer(cast.consultant, two_homes.left.pk) is None


def test_equal_creation_times_are_ordered_by_id_on_both_paths(cast: SimpleNamespace) -> None:
    other = Organisation.objects.create(name="Bis", slug="bis", siret="73282932000074")
    later = Membership.objects.create(user=cast.admin, organisation=other, role=Role.CONSULTANT)
    first = Membership.objects.get(user=cast.admin, organisation=cast.org)
    Membership.objects.filter(pk__in=[first.pk, later.pk]).update(created_at=timezone.now())
    web, api = membership_for(cast.admin), api_answer(cast.admin, None)
    assert web is not None and api is not None and web.pk == api.pk == first.pk


def test_a_deactivated_account_has_no_membership_on_either_path(cast: SimpleNamespace) -> None:
    raw = ApiToken.issue(cast.colleague)
    User.objects.filter(pk=cast.colleague.pk).update(is_active=False)
    cast.colleague.refresh_from_db()
    assert membership_for(cast.colleague) is None
    assert token_membership(digest_of(raw)) is None


def test_the_token_query_gives_the_account_and_a_token_it_can_touch(
    cast: SimpleNamespace,
) -> None:
    raw = ApiToken.issue(cast.consultant)
    found = token_membership(digest_of(raw))
    assert found is not None
    membership, user, token = found
    assert user.pk == cast.consultant.pk and user.email == cast.consultant.email
    assert membership.user is user and membership.role == Role.CONSULTANT
    assert token.pk == ApiToken.objects.get(user=cast.consultant).pk
    token.touch()
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    # A revoked or expired token finds nothing.
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert token_membership(digest_of(raw)) is None


def test_the_api_acts_through_the_membership_the_header_names(
    cast: SimpleNamespace, two_homes: SimpleNamespace, client: Client
) -> None:
    raw = ApiToken.issue(cast.consultant)
    auth = {"Authorization": f"Bearer {raw}"}
    mine = client.get("/api/v1/bilans", headers=auth)
    assert mine.status_code == 200
    assert {b["id"] for b in mine.json()["items"]} == {cast.bilan.pk}
    # As Horizon's admin, she sees Horizon's bilans, as the page would after choosing it.
    there = client.get(
        "/api/v1/bilans", headers={**auth, "X-Bilan-Organisation": str(cast.outsider_org.pk)}
    )
    assert {b["id"] for b in there.json()["items"]} == {cast.outsider_bilan.pk}
    client.force_login(cast.consultant)
    session = client.session
    session["organisation_id"] = cast.outsider_org.pk
    session.save()
    page = client.get(reverse("bilans:list"))
    assert cast.outsider_bilan.reference in page.content.decode()
    gone = client.get(
        "/api/v1/bilans", headers={**auth, "X-Bilan-Organisation": str(two_homes.left.pk)}
    )
    assert gone.status_code == 403
