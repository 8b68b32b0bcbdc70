"""API v1, the synthèse's acts that the pages offer (issue 12): record_synthese_handover (the
consultant), share_synthese and revoke_synthese_share (the beneficiary) — each for every role,
with French refusals; a refused call saves nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.documents import synthese as service
from bilan.documents.models import SyntheseHandover, SyntheseShare
from bilan.documents.test_synthese import submitted, validated


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def refusals(ok: str) -> dict[str, int]:
    """The synthèse is content: the administration and the other party 403, anyone who does
    not see the bilan 404 (another organisation's people included)."""
    return {
        "beneficiary": 403,
        "consultant": 403,
        "admin": 403,
        "colleague": 404,
        "other_beneficiary": 404,
        "outsider_admin": 404,
        "outsider_consultant": 404,
        "outsider_beneficiary": 404,
    } | {ok: 201}


def handover_body(**extra: object) -> dict[str, object]:
    return {"handed_on": timezone.localdate().isoformat(), "channel": "email", **extra}


@pytest.mark.parametrize("who", ROLES)
def test_record_synthese_handover_is_the_assigned_consultants_act(api, cast, conclusions, who):
    validated(cast)
    response = api.post(f"/bilans/{cast.bilan.pk}/synthese/handover", who, handover_body())
    assert response.status_code == refusals("consultant")[who], response.content
    assert SyntheseHandover.objects.exists() == (who == "consultant")
    if who == "consultant":
        data = response.json()
        assert (data["channel"], data["version_number"], data["acknowledged"]) == (
            "email",
            2,
            False,
        )
    else:
        assert response.json()["detail"]


def test_a_handover_before_the_decision_is_409_in_french(api, cast, conclusions):
    submitted(cast)
    response = api.post(f"/bilans/{cast.bilan.pk}/synthese/handover", "consultant", handover_body())
    assert response.status_code == 409
    assert "après la décision du ou de la bénéficiaire" in response.json()["detail"]
    assert not SyntheseHandover.objects.exists()


def test_a_handover_in_the_future_or_by_an_unknown_channel_is_422(api, cast, conclusions):
    validated(cast)
    url = f"/bilans/{cast.bilan.pk}/synthese/handover"
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = api.post(url, "consultant", handover_body(handed_on=tomorrow))
    assert response.status_code == 422
    assert response.json()["detail"] == "La date de remise ne peut pas être dans le futur."
    assert api.post(url, "consultant", handover_body(channel="pigeon")).status_code == 422
    assert not SyntheseHandover.objects.exists()


def test_a_handover_without_a_synthese_is_409(api, cast, conclusions):
    response = api.post(f"/bilans/{cast.bilan.pk}/synthese/handover", "consultant", handover_body())
    assert response.status_code == 409
    assert "pas encore commencé" in response.json()["detail"]


SHARE = {
    "recipient_name": "Conseil en évolution professionnelle",
    "recipient_email": "cep@exemple.test",
    "agree": True,
}


@pytest.mark.parametrize("who", ROLES)
def test_share_synthese_is_the_beneficiarys_act(
    api, cast, conclusions, who, mailoutbox, django_capture_on_commit_callbacks
):
    validated(cast)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/bilans/{cast.bilan.pk}/synthese/shares", who, SHARE)
    assert response.status_code == refusals("beneficiary")[who], response.content
    assert SyntheseShare.objects.exists() == (who == "beneficiary")
    if who == "beneficiary":
        data = response.json()
        assert data["recipient_email"] == "cep@exemple.test" and data["revoked_at"] is None
        assert "token" not in data  # the link goes to the recipient only
        assert [m.to for m in mailoutbox] == [["cep@exemple.test"]]
    else:
        assert not mailoutbox


def test_a_share_without_the_agreement_is_422_in_french(api, cast, conclusions):
    validated(cast)
    body = {**SHARE, "agree": False}
    response = api.post(f"/bilans/{cast.bilan.pk}/synthese/shares", "beneficiary", body)
    assert response.status_code == 422
    assert "Cochez la case pour confirmer votre accord" in response.json()["detail"]
    assert not SyntheseShare.objects.exists()


def test_a_share_before_the_decision_is_409(api, cast, conclusions):
    submitted(cast)
    response = api.post(f"/bilans/{cast.bilan.pk}/synthese/shares", "beneficiary", SHARE)
    assert response.status_code == 409
    assert not SyntheseShare.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_revoke_synthese_share_is_the_beneficiarys_who_made_it(api, cast, conclusions, who):
    made, _token = service.share_synthese(synthese=validated(cast), by=cast.beneficiary, **SHARE)
    response = api.post(f"/bilans/{cast.bilan.pk}/synthese/shares/{made.pk}/revoke", who, {})
    # A share is the beneficiary's: nobody else learns that it exists (404).
    assert response.status_code == (200 if who == "beneficiary" else 404), response.content
    made.refresh_from_db()
    assert (made.revoked_at is not None) == (who == "beneficiary")
    if who == "beneficiary":
        assert response.json()["revoked_at"] is not None


def test_a_share_of_another_bilan_is_404(api, cast, conclusions):
    made, _token = service.share_synthese(synthese=validated(cast), by=cast.beneficiary, **SHARE)
    path = f"/bilans/{cast.other_bilan.pk}/synthese/shares/{made.pk}/revoke"
    assert api.post(path, "beneficiary", {}).status_code == 404
    made.refresh_from_db()
    assert made.revoked_at is None
