"""Who follows a bilan, the history of it, and who sees which bilans (Bilan.objects.for_user)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, RuleViolation, Status
from bilan.bilans.testing import make_bilan
from bilan.demo.scenario import advance_to
from bilan.organisations.models import Membership


def visible(user: User | AnonymousUser) -> set[int]:
    return set(Bilan.objects.for_user(user).values_list("pk", flat=True))


# ---- assign_consultant ----------------------------------------------------------------------


def test_a_new_bilan_starts_with_one_open_assignment(cast: SimpleNamespace) -> None:
    (assignment,) = cast.bilan.consultant_assignments.all()
    assert assignment.consultant_id == cast.consultant.pk
    assert assignment.ended_at is None


def test_reassigning_a_bilan_keeps_the_history(cast: SimpleNamespace) -> None:
    cast.bilan.assign_consultant(by=cast.admin, consultant=cast.colleague, reason="Congé maternité")

    assert cast.bilan.consultant_id == cast.colleague.pk
    first, second = cast.bilan.consultant_assignments.all()
    assert first.consultant_id == cast.consultant.pk
    assert first.ended_at is not None
    assert second.consultant_id == cast.colleague.pk
    assert second.ended_at is None
    assert second.assigned_by_id == cast.admin.pk
    assert second.reason == "Congé maternité"
    assert first.ended_at <= second.assigned_at


def test_each_reassignment_closes_the_previous_one(cast: SimpleNamespace) -> None:
    cast.bilan.assign_consultant(by=cast.admin, consultant=cast.colleague)
    cast.bilan.assign_consultant(by=cast.admin, consultant=cast.consultant)
    assert list(cast.bilan.consultant_assignments.values_list("consultant", flat=True)) == [
        cast.consultant.pk,
        cast.colleague.pk,
        cast.consultant.pk,
    ]
    assert cast.bilan.consultant_assignments.filter(ended_at__isnull=True).count() == 1


@pytest.mark.parametrize("who", ["admin", "beneficiary", "other_beneficiary"])
def test_a_bilan_is_not_given_to_someone_who_is_not_a_consultant(
    cast: SimpleNamespace, who: str
) -> None:
    with pytest.raises(RuleViolation, match="n'est pas consultant·e de l'organisme"):
        cast.bilan.assign_consultant(by=cast.admin, consultant=getattr(cast, who))
    cast.bilan.refresh_from_db()
    assert cast.bilan.consultant_id == cast.consultant.pk
    assert cast.bilan.consultant_assignments.count() == 1


def test_a_bilan_is_not_given_to_a_consultant_of_another_organisation(
    cast: SimpleNamespace,
) -> None:
    with pytest.raises(RuleViolation, match="n'est pas consultant·e de l'organisme"):
        cast.bilan.assign_consultant(by=cast.admin, consultant=cast.outsider_consultant)
    cast.bilan.refresh_from_db()
    assert cast.bilan.consultant_id == cast.consultant.pk


def test_a_bilan_is_not_given_to_a_consultant_whose_membership_is_inactive(
    cast: SimpleNamespace,
) -> None:
    Membership.objects.filter(user=cast.colleague).update(is_active=False)
    with pytest.raises(RuleViolation, match="n'est pas consultant·e de l'organisme"):
        cast.bilan.assign_consultant(by=cast.admin, consultant=cast.colleague)


def test_a_bilan_is_not_reassigned_to_its_own_consultant(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="déjà suivi par cette personne"):
        cast.bilan.assign_consultant(by=cast.admin, consultant=cast.consultant)
    assert cast.bilan.consultant_assignments.count() == 1
    assert cast.bilan.consultant_assignments.get().ended_at is None


def test_after_reassignment_only_the_new_consultant_sees_the_bilan(cast: SimpleNamespace) -> None:
    assert cast.bilan.pk in visible(cast.consultant)
    assert cast.bilan.pk not in visible(cast.colleague)

    cast.bilan.assign_consultant(by=cast.admin, consultant=cast.colleague)

    assert cast.bilan.pk not in visible(cast.consultant)
    assert cast.bilan.pk in visible(cast.colleague)
    assert cast.bilan.pk in visible(cast.beneficiary)
    assert cast.bilan.pk in visible(cast.admin)


# ---- Bilan.objects.for_user -------------------------------------------------------------------


def test_an_admin_sees_every_bilan_of_the_organisation_and_no_other(cast: SimpleNamespace) -> None:
    assert visible(cast.admin) == {cast.bilan.pk, cast.other_bilan.pk}
    assert visible(cast.outsider_admin) == {cast.outsider_bilan.pk}


def test_a_consultant_sees_only_the_bilans_assigned_to_them(cast: SimpleNamespace) -> None:
    assert visible(cast.consultant) == {cast.bilan.pk}
    assert visible(cast.colleague) == {cast.other_bilan.pk}


def test_a_beneficiary_sees_only_their_own_bilans(cast: SimpleNamespace) -> None:
    assert visible(cast.beneficiary) == {cast.bilan.pk}
    assert visible(cast.other_beneficiary) == {cast.other_bilan.pk}
    second = make_bilan(cast.org, cast.beneficiary, cast.colleague)
    assert visible(cast.beneficiary) == {cast.bilan.pk, second.pk}


@pytest.mark.parametrize("who", ["outsider_admin", "outsider_consultant", "outsider_beneficiary"])
def test_people_of_another_organisation_see_none_of_its_bilans(
    cast: SimpleNamespace, who: str
) -> None:
    assert not visible(getattr(cast, who)) & {cast.bilan.pk, cast.other_bilan.pk}


def test_someone_without_membership_sees_nothing(cast: SimpleNamespace) -> None:
    stranger = User.objects.create_user("inconnu@exemple.fr", first_name="In", last_name="Connu")
    assert visible(stranger) == set()
    assert visible(AnonymousUser()) == set()


def test_an_archived_bilan_keeps_its_consultant(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.ARCHIVED)
    with pytest.raises(RuleViolation, match="ne change plus de consultant"):
        cast.bilan.assign_consultant(by=cast.admin, consultant=cast.colleague)
    cast.bilan.refresh_from_db()
    assert cast.bilan.consultant == cast.consultant


# ---- is_assigned_consultant -----------------------------------------------------------------


@pytest.mark.parametrize(
    "who,assigned",
    [
        ("consultant", True),
        ("colleague", False),
        ("admin", False),
        ("beneficiary", False),
        ("outsider_consultant", False),
    ],
)
def test_the_assigned_consultant_is_the_bilans_consultant_acting_in_its_organisation(
    cast: SimpleNamespace, who: str, assigned: bool
) -> None:
    assert cast.bilan.is_assigned_consultant(getattr(cast, who)) is assigned


def test_the_assigned_consultant_acting_as_another_role_or_elsewhere_is_not(
    cast: SimpleNamespace,
) -> None:
    consultant = cast.consultant
    consultant.membership.role = "admin"  # say she became the organisation's admin
    assert not cast.bilan.is_assigned_consultant(consultant)
    consultant.membership = cast.outsider_consultant.membership  # working in another organisation
    assert not cast.bilan.is_assigned_consultant(consultant)
    assert not cast.bilan.is_assigned_consultant(AnonymousUser())
