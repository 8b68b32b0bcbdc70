"""API v1, the organisation's side (issue 12): list_team and invite_member (« Équipe »),
get_organisation, update_organisation and add_hours_rule (« Organisme »), list_invitations,
accept_invitation and decline_invitation — for every role, through the pages' owners; a
refused call saves nothing."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image
from pytest_django import Settings

from bilan.api.test_api import ROLES, Api
from bilan.organisations.invitations import invite_member
from bilan.organisations.models import HoursRule, Invitation, Membership, Organisation, Role


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


# Each admin acts on their own organisation (the token names it: no other organisation's id is
# ever taken); everyone else is refused (403).
ADMINS = {who: 403 for who in ROLES} | {"admin": 200, "outsider_admin": 200}


def org_of(cast: SimpleNamespace, who: str) -> Organisation:
    return getattr(cast, who).membership.organisation


# ---- the team ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_list_team_is_each_admins_own_staff(api, cast, who):
    response = api.get("/team", who)
    assert response.status_code == ADMINS[who], response.content
    if response.status_code == 200:
        emails = {m["email"] for m in response.json()}
        staff = Membership.objects.filter(organisation=org_of(cast, who)).exclude(
            role=Role.BENEFICIARY
        )
        assert emails == {m.user.email for m in staff}
        assert cast.beneficiary.email not in emails


INVITE = {
    "first_name": "Nina",
    "last_name": "Nouvelle",
    "email": "nina@cap.test",
    "role": "consultant",
}


@pytest.mark.parametrize("who", ROLES)
def test_invite_member_is_the_admins_act_in_their_organisation(
    api, cast, who, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/team", who, INVITE)
    expected = {**ADMINS, "admin": 201, "outsider_admin": 201}[who]
    assert response.status_code == expected, response.content
    made = Membership.objects.filter(user__email="nina@cap.test")
    if expected == 201:
        assert [m.organisation for m in made] == [org_of(cast, who)]
        assert response.json()["role"] == "consultant"
        assert [m.to for m in mailoutbox] == [["nina@cap.test"]]
    else:
        assert not made.exists() and not mailoutbox
        assert response.json()["detail"]


@pytest.mark.parametrize(
    "body", [{**INVITE, "role": "beneficiary"}, {**INVITE, "email": "pas-une-adresse"}]
)
def test_an_invitation_with_a_bad_role_or_address_is_422(api, cast, body):
    response = api.post("/team", "admin", body)
    assert response.status_code == 422
    assert not Membership.objects.filter(user__email__startswith="nina").exists()


def test_an_address_already_on_the_team_in_another_role_is_refused_in_french(api, cast):
    response = api.post(
        "/team", "admin", {**INVITE, "email": cast.colleague.email, "role": "admin"}
    )
    assert response.status_code == 409
    assert "appartient déjà à un membre de l'organisme" in response.json()["detail"]


# ---- the invitations addressed to the caller -----------------------------------------------


@pytest.fixture
def invitation(cast: SimpleNamespace) -> Invitation:
    """Horizon invites the consultant of Cap Avenir (someone else's account)."""
    invite_member(
        acting_user=cast.outsider_admin,
        organisation=cast.outsider_org,
        email=cast.consultant.email,
        first_name="Claire",
        last_name="Conseil",
        role=Role.CONSULTANT,
    )
    return Invitation.objects.get()


@pytest.mark.parametrize("who", ROLES)
def test_list_invitations_shows_each_person_hers_only(api, invitation, who):
    response = api.get("/invitations", who)
    assert response.status_code == 200
    ids = [i["id"] for i in response.json()]
    assert ids == ([invitation.pk] if who == "consultant" else [])


NOT_HERS = "Cette invitation n'existe pas ou a déjà reçu une réponse."


@pytest.mark.parametrize("who", ROLES)
def test_accept_invitation_is_the_invited_persons_act(api, cast, invitation, who):
    response = api.post(f"/invitations/{invitation.pk}/accept", who, {})
    # An invitation is its addressee's: nobody else learns that it exists (404).
    assert response.status_code == (200 if who == "consultant" else 404), response.content
    joined = Membership.objects.filter(user=cast.consultant, organisation=cast.outsider_org)
    assert joined.exists() == (who == "consultant")
    if who == "consultant":
        assert response.json() == {
            "organisation_id": cast.outsider_org.pk,
            "organisation_name": "Horizon Orientation",
            "role": "consultant",
        }
        again = api.post(f"/invitations/{invitation.pk}/accept", who, {})
        assert again.status_code == 404 and again.json() == {"detail": NOT_HERS}
    else:
        assert response.json() == {"detail": NOT_HERS}


@pytest.mark.parametrize("who", ROLES)
def test_decline_invitation_is_the_invited_persons_act(api, cast, invitation, who):
    response = api.post(f"/invitations/{invitation.pk}/decline", who, {})
    assert response.status_code == (204 if who == "consultant" else 404), response.content
    invitation.refresh_from_db()
    assert (invitation.declined_at is not None) == (who == "consultant")
    assert not Membership.objects.filter(user=cast.consultant, organisation=cast.outsider_org)


def test_the_invitation_endpoints_answer_401_without_a_token(api, invitation):
    assert api.post(f"/invitations/{invitation.pk}/accept", None, {}).status_code == 401
    assert api.get("/invitations", None).status_code == 401


# ---- the organisation's profile and hour rules ---------------------------------------------

PROFILE = {
    "name": "Cap Avenir Conseil et Formation",
    "siret": "732 829 320 00074",
    "nda": "11755555575",
    "qualiopi_certificate": "QUALIOPI-2025-002",
    "qualiopi_expires_on": "2027-06-30",
    "address": "1 rue de la République, 69001 Lyon",
    "mfa_grace_days": 7,
}


@pytest.mark.parametrize("who", ROLES)
def test_update_organisation_is_each_admins_own(api, cast, who):
    response = put(api, "/organisation", who, PROFILE)
    assert response.status_code == ADMINS[who], response.content
    renamed = set(Organisation.objects.filter(name=PROFILE["name"]).values_list("slug", flat=True))
    assert renamed == ({org_of(cast, who).slug} if ADMINS[who] == 200 else set())
    if ADMINS[who] == 200:
        data = response.json()
        assert (data["siret"], data["mfa_grace_days"]) == ("73282932000074", 7)
        assert api.get("/organisation", who).json() == data


def test_a_bad_siret_is_422_in_french_and_changes_nothing(api, cast):
    response = put(api, "/organisation", "admin", {**PROFILE, "siret": "123"})
    assert response.status_code == 422
    assert response.json()["detail"]
    cast.org.refresh_from_db()
    assert cast.org.name == "Cap Avenir Conseil"


def png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_the_logo_goes_through_the_pages_check(api, cast, media):
    response = put(api, "/organisation", "admin", {**PROFILE, "logo_base64": png()})
    assert response.status_code == 200 and response.json()["has_logo"] is True
    cast.org.refresh_from_db()
    assert cast.org.logo.name.endswith(".png")
    bad = base64.b64encode(b"<svg><script>alert(1)</script></svg>").decode()
    response = put(api, "/organisation", "admin", {**PROFILE, "logo_base64": bad})
    assert response.status_code == 422
    assert "image" in response.json()["detail"]
    removed = put(api, "/organisation", "admin", {**PROFILE, "remove_logo": True})
    assert removed.json()["has_logo"] is False


RULE = {
    "effective_from": "2027-01-01",
    "max_total_minutes": 20 * 60,
    "min_accompaniment_minutes": 12 * 60,
    "source": "Accord de branche",
}


@pytest.mark.parametrize("who", ROLES)
def test_add_hours_rule_is_each_admins_own(api, cast, who):
    response = api.post("/organisation/hours-rules", who, RULE)
    expected = {**ADMINS, "admin": 201, "outsider_admin": 201}[who]
    assert response.status_code == expected, response.content
    added = HoursRule.objects.filter(effective_from=dt.date(2027, 1, 1))
    assert [r.organisation for r in added] == ([org_of(cast, who)] if expected == 201 else [])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"max_total_minutes": 25 * 60}, "ne peut excéder 24 h"),
        ({"min_accompaniment_minutes": 21 * 60}, "Le minimum dépasse la durée maximale."),
    ],
)
def test_a_rule_over_the_law_is_422_in_french(api, cast, change, message):
    response = api.post("/organisation/hours-rules", "admin", {**RULE, **change})
    assert response.status_code == 422 and message in response.json()["detail"]
    assert not HoursRule.objects.filter(organisation=cast.org).exists()


def test_a_second_rule_on_the_same_date_is_refused_like_on_the_page(api, cast):
    assert api.post("/organisation/hours-rules", "admin", RULE).status_code == 201
    response = api.post("/organisation/hours-rules", "admin", {**RULE, "source": "Autre"})
    assert response.status_code == 422
    assert response.json()["detail"] == "Une règle existe déjà à cette date."
    assert HoursRule.objects.get(organisation=cast.org).source == "Accord de branche"
