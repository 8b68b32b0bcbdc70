"""Opening a bilan with create_bilan: the beneficiary's account, the bilan and one invitation."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from pytest_django import DjangoCaptureOnCommitCallbacks

from bilan.accounts.models import User
from bilan.bilans.actions import create_bilan
from bilan.bilans.models import (
    Bilan,
    BilanFraming,
    ConsultantAssignment,
    Format,
    FundingRoute,
    RuleViolation,
    Situation,
    Status,
)
from bilan.organisations.models import Membership, Role

REQUEST = "Après quinze ans en logistique, j'aimerais travailler auprès des personnes âgées."


def open_bilan(c: SimpleNamespace, **extra: Any) -> Bilan:
    fields = dict(
        acting_user=c.admin,
        organisation=c.org,
        email=" Nina.Petit@Exemple.FR ",
        first_name=" Nina ",
        last_name="Petit",
        phone="06 12 34 56 78",
        situation=Situation.EMPLOYEE,
        situation_detail="Cheffe d'équipe en entrepôt",
        request_text=REQUEST,
        funding_route=FundingRoute.CPF,
        funding_reference=" 7284-5521-0093 ",
        format=Format.MIXED,
        consultant=c.consultant,
    )
    fields.update(extra)
    return create_bilan(**fields)


def counts() -> dict[str, int]:
    models = (User, Membership, Bilan, ConsultantAssignment, BilanFraming)
    return {model.__name__: model.objects.count() for model in models}


def test_a_bilan_for_a_new_beneficiary_creates_the_account_and_everything_around_it(
    cast: SimpleNamespace,
) -> None:
    before = counts()
    bilan = open_bilan(cast)

    user = User.objects.get(email="nina.petit@exemple.fr")
    assert (user.first_name, user.last_name, user.phone) == ("Nina", "Petit", "06 12 34 56 78")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).organisation == cast.org
    assert Membership.objects.get(user=user).role == Role.BENEFICIARY
    assert bilan.beneficiary == user
    assert bilan.status == Status.ENQUIRY
    assert bilan.organisation == cast.org
    assert bilan.consultant_id == cast.consultant.pk
    assert bilan.funding_route == FundingRoute.CPF
    assert bilan.funding_reference == "7284-5521-0093"
    assert bilan.created_by_id == cast.admin.pk
    assert bilan.framing.request_text == REQUEST
    (assignment,) = bilan.consultant_assignments.all()
    assert assignment.consultant_id == cast.consultant.pk
    assert assignment.assigned_by_id == cast.admin.pk
    assert assignment.ended_at is None
    assert counts() == {name: n + 1 for name, n in before.items()}
    assert not bilan.status_changes.exists()


def test_a_new_beneficiary_receives_exactly_one_invitation_in_french(
    cast: SimpleNamespace,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        open_bilan(cast)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nina.petit@exemple.fr"]
    assert message.subject == "Cap Avenir Conseil vous invite sur Bilan"
    assert "Bonjour Nina," in message.body
    assert "/compte/invitation/" in message.body
    assert "choisir votre mot de passe" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    ((html, mimetype),) = message.alternatives
    assert isinstance(html, str)
    assert mimetype == "text/html"
    assert "Choisir mon mot de passe" in html
    assert "/compte/invitation/" in html
    assert "Agnès Admin (Cap Avenir Conseil)" in html


def test_no_invitation_leaves_before_the_bilan_is_saved(
    cast: SimpleNamespace, mailoutbox: list[EmailMessage]
) -> None:
    open_bilan(cast)  # the test's transaction never commits
    assert mailoutbox == []


def test_an_existing_beneficiary_keeps_their_account_and_gets_no_new_invitation(
    cast: SimpleNamespace,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    users, memberships = User.objects.count(), Membership.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        bilan = open_bilan(
            cast,
            email="BENEF@cap.test",
            first_name="Autre",
            last_name="Nom",
            consultant=cast.colleague,
        )

    assert bilan.beneficiary_id == cast.beneficiary.pk
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    assert Bilan.objects.filter(beneficiary=cast.beneficiary).count() == 2
    cast.beneficiary.refresh_from_db()
    assert cast.beneficiary.first_name == "Bruno"  # the account is not renamed
    assert mailoutbox == []


def test_an_invited_beneficiary_who_never_chose_a_password_is_invited_again(
    cast: SimpleNamespace,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    first = open_bilan(cast)
    with django_capture_on_commit_callbacks(execute=True):
        second = open_bilan(cast, consultant=cast.colleague)
    assert second.beneficiary_id == first.beneficiary_id
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("email", ["consultante@cap.test", "Admin@Cap.test", "collegue@cap.test"])
def test_the_e_mail_of_a_staff_member_cannot_be_a_beneficiary(
    cast: SimpleNamespace,
    email: str,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    before = counts()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuleViolation, match="appartient déjà à un membre de l'organisme"),
    ):
        open_bilan(cast, email=email)
    assert counts() == before
    assert mailoutbox == []


@pytest.mark.parametrize("reference", ["", "   "])
def test_a_cpf_bilan_needs_its_dossier_number(cast: SimpleNamespace, reference: str) -> None:
    before = counts()
    with pytest.raises(RuleViolation, match="numéro de dossier CPF"):
        open_bilan(cast, funding_reference=reference)
    assert counts() == before


@pytest.mark.parametrize("detail", ["", "   "])
def test_the_situation_other_needs_its_detail(cast: SimpleNamespace, detail: str) -> None:
    before = counts()
    with pytest.raises(RuleViolation, match="Précisez la situation."):
        open_bilan(cast, situation=Situation.OTHER, situation_detail=detail)
    assert counts() == before


def test_other_funding_routes_need_no_reference(cast: SimpleNamespace) -> None:
    bilan = open_bilan(cast, funding_route=FundingRoute.PERSONAL, funding_reference="")
    assert bilan.funding_route == FundingRoute.PERSONAL


@pytest.mark.parametrize("who", ["outsider_consultant", "admin", "other_beneficiary"])
def test_the_consultant_must_be_a_consultant_of_the_organisation(
    cast: SimpleNamespace, who: str
) -> None:
    before = counts()
    with pytest.raises(RuleViolation, match="Choisissez un·e consultant·e de l'organisme"):
        open_bilan(cast, consultant=getattr(cast, who))
    assert counts() == before


@pytest.mark.parametrize("field", ["situation", "funding_route", "format"])
def test_an_invalid_choice_is_refused_and_creates_nothing(
    cast: SimpleNamespace,
    field: str,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    before = counts()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as err:
        open_bilan(cast, **{field: "x"})
    assert field in err.value.message_dict
    assert counts() == before
    assert not User.objects.filter(email="nina.petit@exemple.fr").exists()
    assert mailoutbox == []


def test_a_consultant_opens_a_bilan_only_for_themself(cast: SimpleNamespace) -> None:
    before = counts()
    with pytest.raises(RuleViolation, match="pour son propre suivi") as refused:
        open_bilan(cast, acting_user=cast.consultant, consultant=cast.colleague)
    assert refused.value.code == "forbidden"
    assert counts() == before
    assert open_bilan(cast, acting_user=cast.consultant).consultant == cast.consultant


def test_an_admin_opens_a_bilan_for_any_consultant_of_the_organisation(
    cast: SimpleNamespace,
) -> None:
    assert open_bilan(cast, acting_user=cast.admin, consultant=cast.colleague).consultant == (
        cast.colleague
    )


def test_only_staff_of_the_organisation_open_a_bilan(cast: SimpleNamespace) -> None:
    for who in (cast.beneficiary, cast.outsider_admin):
        with pytest.raises(RuleViolation, match="Seul le personnel de l'organisme") as refused:
            open_bilan(cast, acting_user=who)
        assert refused.value.code == "forbidden"
    assert not Bilan.objects.filter(beneficiary__email="nina.petit@exemple.fr").exists()
