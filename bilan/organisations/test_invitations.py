"""An existing account joins another organisation only by accepting, logged in; an
organisation learns nothing of it; a person in two organisations works in one at a time."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from bilan.accounts.models import ApiToken, User
from bilan.bilans.actions import update_bilan_administration
from bilan.bilans.models import Bilan, RuleViolation
from bilan.exchanges.models import JournalEntry
from bilan.lib import emails
from bilan.organisations.invitations import invite_member
from bilan.organisations.middleware import SESSION_KEY
from bilan.organisations.models import Invitation, Membership, Organisation, Role

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

BODY = {
    "first_name": "Nora",
    "last_name": "Nouvelle",
    "situation": "job_seeker",
    "request_text": "Je veux changer de voie.",
    "funding_route": "cpf",
    "funding_reference": "CPF-987654321",
    "format": "remote",
}


def api_post(user: User, path: str, body: dict[str, Any]) -> _MonkeyPatchedWSGIResponse:
    return Client().post(
        f"/api/v1{path}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}",
    )


def api_get(user: User, path: str) -> _MonkeyPatchedWSGIResponse:
    return Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}")


def open_for(
    cast: SimpleNamespace,
    email: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> dict[str, Any]:
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(cast.consultant, "/bilans", {**BODY, "email": email})
    assert response.status_code == 201, response.content
    created: dict[str, Any] = response.json()
    return created


def test_another_organisations_beneficiary_is_never_attached_by_create_bilan(
    cast: SimpleNamespace,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Regression: a consultant of A posted create_bilan with the e-mail of a beneficiary of
    B; the answer showed her real name, her space showed A's bilan, and her journal entry
    landed on A's bilan where A's consultant read it."""
    victim = cast.outsider_beneficiary
    created = open_for(cast, victim.email.upper(), django_capture_on_commit_callbacks)

    # The answer tells nothing of her account: the name and address typed, another person.
    assert created["beneficiary"]["name"] == "Nora Nouvelle"
    assert created["beneficiary"]["email"] == victim.email
    assert created["beneficiary"]["id"] != victim.pk
    assert "Omar" not in json.dumps(created) and "Out" not in json.dumps(created)
    # Her account is untouched and not a member of A.
    victim.refresh_from_db()
    assert (victim.first_name, victim.last_name) == ("Omar", "Out")
    assert list(Membership.objects.filter(user=victim).values_list("organisation", flat=True)) == [
        cast.outsider_org.pk
    ]
    bilan = Bilan.objects.get(pk=created["id"])
    assert bilan.beneficiary_id != victim.pk
    # Her space shows only B's bilan; A's bilan does not exist for her.
    listed = api_get(victim, "/bilans").json()
    assert [b["id"] for b in listed["items"]] == [cast.outsider_bilan.pk]
    assert api_get(victim, f"/bilans/{bilan.pk}").status_code == 404
    entry = {"entry_date": "2026-12-01", "title": "Privé", "text": "Mes doutes", "shared": True}
    assert api_post(victim, f"/bilans/{bilan.pk}/journal", entry).status_code == 404
    assert not JournalEntry.objects.filter(bilan=bilan).exists()
    assert api_get(cast.consultant, f"/bilans/{bilan.pk}/journal").json() == []
    # She is told, at her own address, and asked; nothing else is sent.
    assert [m.to for m in mailoutbox] == [[victim.email]]
    assert "connectez-vous" in mailoutbox[0].body
    assert reverse("organisations:invitations") in mailoutbox[0].body


def test_the_answer_is_the_same_for_a_new_address_and_an_existing_account(
    cast: SimpleNamespace,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mailoutbox: list[EmailMessage],
) -> None:
    new = open_for(cast, "personne.nouvelle@exemple.test", django_capture_on_commit_callbacks)
    existing = open_for(cast, cast.outsider_beneficiary.email, django_capture_on_commit_callbacks)
    for answer in (new, existing):
        answer.pop("id"), answer.pop("reference"), answer["beneficiary"].pop("id")
        answer["beneficiary"].pop("email")
    assert new == existing
    assert len(mailoutbox) == 2  # one e-mail each, to the address typed


def test_the_page_form_does_not_attach_an_existing_account_either(
    cast: SimpleNamespace,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(cast.consultant)
    data = {**BODY, "email": cast.outsider_beneficiary.email, "consultant": cast.consultant.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bilans:create"), data)
    assert response.status_code == 302
    bilan = Bilan.objects.exclude(pk__in=[cast.bilan.pk, cast.outsider_bilan.pk]).latest("pk")
    page = client.get(reverse("bilans:detail", args=[bilan.pk])).content.decode()
    assert "Nora Nouvelle" in page and cast.outsider_beneficiary.email in page
    assert "Omar" not in page
    assert bilan.beneficiary_id != cast.outsider_beneficiary.pk


def test_she_accepts_logged_in_and_then_works_in_one_organisation_at_a_time(
    cast: SimpleNamespace,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    victim = cast.outsider_beneficiary
    created = open_for(cast, victim.email, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email=victim.email)

    # Logged out, the invitation page asks to log in first.
    assert client.get(reverse("organisations:invitations")).status_code == 302
    client.force_login(victim)
    page = client.get(reverse("organisations:invitations")).content.decode()
    assert cast.org.name in page
    response = client.post(
        reverse("organisations:answer_invitation", args=[invitation.pk]), {"answer": "accept"}
    )
    assert response.status_code == 302
    bilan = Bilan.objects.get(pk=created["id"])
    assert bilan.beneficiary_id == victim.pk
    assert set(Membership.objects.filter(user=victim).values_list("organisation", "role")) == {
        (cast.org.pk, Role.BENEFICIARY),
        (cast.outsider_org.pk, Role.BENEFICIARY),
    }
    # She now works in A (what she accepted): A's bilan only, never B's through A.
    assert client.session[SESSION_KEY] == cast.org.pk
    home = client.get(reverse("portal:home"))
    assert home.context["bilan"] == bilan
    assert cast.org.name in home.content.decode()
    assert cast.outsider_org.name not in home.content.decode()
    assert "Changer d'organisme" in home.content.decode()
    # She switches to B: B's bilan only.
    client.post(reverse("organisations:choose"), {"organisation": cast.outsider_org.pk})
    home = client.get(reverse("portal:home"))
    assert home.context["bilan"] == cast.outsider_bilan
    assert cast.org.name not in home.content.decode()
    assert api_get(victim, "/bilans").status_code == 200
    # An organisation she is not in cannot be chosen.
    client.post(reverse("organisations:choose"), {"organisation": cast.org.pk + 999})
    assert client.session[SESSION_KEY] == cast.outsider_org.pk
    # After acceptance, A's consultant reads her journal entries written in A only.
    client.post(reverse("organisations:choose"), {"organisation": cast.org.pk})
    assert Invitation.objects.pending().count() == 0


def test_a_declined_invitation_attaches_nothing(
    cast: SimpleNamespace,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    victim = cast.outsider_beneficiary
    created = open_for(cast, victim.email, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email=victim.email)
    client.force_login(victim)
    client.post(
        reverse("organisations:answer_invitation", args=[invitation.pk]), {"answer": "decline"}
    )
    assert Bilan.objects.get(pk=created["id"]).beneficiary_id != victim.pk
    assert not Membership.objects.filter(user=victim, organisation=cast.org).exists()
    assert client.get(reverse("organisations:invitations")).context["invitations"] == []


@pytest.mark.parametrize("who", ["beneficiary", "consultant", "outsider_admin"])
def test_nobody_else_can_accept_an_invitation(
    cast: SimpleNamespace,
    client: Client,
    who: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    created = open_for(cast, cast.outsider_beneficiary.email, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client.force_login(getattr(cast, who))
    client.post(
        reverse("organisations:answer_invitation", args=[invitation.pk]), {"answer": "accept"}
    )
    invitation.refresh_from_db()
    assert invitation.is_pending
    assert Bilan.objects.get(pk=created["id"]).beneficiary_id == invitation.placeholder_id


def test_a_second_bilan_for_a_pending_invitation_reuses_its_stand_in(
    cast: SimpleNamespace,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mailoutbox: list[EmailMessage],
) -> None:
    first = open_for(cast, cast.outsider_beneficiary.email, django_capture_on_commit_callbacks)
    second = open_for(cast, cast.outsider_beneficiary.email, django_capture_on_commit_callbacks)
    assert first["beneficiary"]["id"] == second["beneficiary"]["id"]
    assert Invitation.objects.count() == 1 and len(mailoutbox) == 1


def test_a_stand_in_account_can_neither_log_in_nor_receive_mail(
    cast: SimpleNamespace,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mailoutbox: list[EmailMessage],
) -> None:
    open_for(cast, cast.outsider_beneficiary.email, django_capture_on_commit_callbacks)
    stand_in = Invitation.objects.get().placeholder
    assert not stand_in.has_usable_password()
    mailoutbox.clear()

    emails.password_reset(user=stand_in, link="http://x")
    assert mailoutbox == []


def test_an_organisation_cannot_rename_an_account_other_organisations_know(
    cast: SimpleNamespace,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    victim = cast.outsider_beneficiary
    created = open_for(cast, victim.email, django_capture_on_commit_callbacks)
    client.force_login(victim)
    client.post(
        reverse("organisations:answer_invitation", args=[Invitation.objects.get().pk]),
        {"answer": "accept"},
    )
    bilan = Bilan.objects.get(pk=created["id"])
    with pytest.raises(RuleViolation):
        update_bilan_administration(
            acting_user=cast.consultant,
            bilan=bilan,
            first_name="Autre",
            last_name="Nom",
            phone="",
            situation=bilan.situation,
            funding_route=bilan.funding_route,
            funding_reference=bilan.funding_reference,
        )
    victim.refresh_from_db()
    assert victim.first_name == "Omar"


def test_inviting_a_colleague_who_works_elsewhere_waits_for_her_acceptance(
    cast: SimpleNamespace,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mailoutbox: list[EmailMessage],
) -> None:
    other = cast.outsider_consultant
    with django_capture_on_commit_callbacks(execute=True):
        membership = invite_member(
            acting_user=cast.admin,
            organisation=cast.org,
            email=other.email,
            first_name="Odile",
            last_name="Typée",
            role=Role.CONSULTANT,
        )
    assert membership.user_id != other.pk
    assert not Membership.objects.filter(user=other, organisation=cast.org).exists()
    assert [m.to for m in mailoutbox] == [[other.email]]
    client.force_login(other)
    client.post(
        reverse("organisations:answer_invitation", args=[Invitation.objects.get().pk]),
        {"answer": "accept"},
    )
    assert Membership.objects.get(user=other, organisation=cast.org).role == Role.CONSULTANT
    other.refresh_from_db()
    assert other.last_name == "Out"  # her own name, not the one typed


def test_through_the_api_she_chooses_the_organisation_with_a_header(
    cast: SimpleNamespace,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    victim = cast.outsider_beneficiary
    created = open_for(cast, victim.email, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email=victim.email)
    client.force_login(victim)
    client.post(
        reverse("organisations:answer_invitation", args=[invitation.pk]), {"answer": "accept"}
    )
    token = ApiToken.issue(victim)

    def ids(**headers: str) -> tuple[int, set[int]]:
        response = Client().get(
            "/api/v1/bilans", HTTP_AUTHORIZATION=f"Bearer {token}", headers=headers
        )
        if response.status_code != 200:
            return response.status_code, set()
        return 200, {item["id"] for item in response.json()["items"]}

    # Without the header, one organisation only (the oldest membership: B's), never both.
    assert ids() == (200, {cast.outsider_bilan.pk})
    assert ids(**{"X-Bilan-Organisation": str(cast.org.pk)}) == (200, {created["id"]})
    assert ids(**{"X-Bilan-Organisation": str(cast.outsider_org.pk)}) == (
        200,
        {cast.outsider_bilan.pk},
    )
    # An organisation she is not in, or a malformed id: refused, nothing listed.
    other = Organisation.objects.create(name="Troisième organisme")
    assert ids(**{"X-Bilan-Organisation": str(other.pk)})[0] == 403
    assert ids(**{"X-Bilan-Organisation": "1 OR 1=1"})[0] == 403
    assert ids(**{"X-Bilan-Organisation": str(10**30)})[0] == 403
