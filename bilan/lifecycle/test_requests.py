"""Data-subject requests (issue 16, item 6, REQ-53): filed by the beneficiary, answered by the
administration within one month (extension flag), each answer logged; an erasure deletes
TRAVAIL_BILAN at once and freezes the proofs, explained to her; refused while the bilan is in
progress. Owners, API operations and pages for every role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Bilan, Consent, RuleViolation, Status
from bilan.entretiens.models import Entretien, Modality
from bilan.exchanges.journal import write_entry
from bilan.exchanges.models import JournalEntry
from bilan.lifecycle import destruction, requests
from bilan.lifecycle.models import (
    BilanLifecycle,
    DataRequest,
    DataRequestAnswer,
    DestructionLine,
    RequestStatus,
)

OTHERS_404 = {
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def ended(bilan: Bilan) -> Bilan:
    Bilan.objects.filter(pk=bilan.pk).update(status=Status.CLOSED, closed_on=dt.date(2026, 6, 30))
    bilan.refresh_from_db()
    return bilan


def filed(cast: SimpleNamespace, kind: str = "access", details: str = "") -> DataRequest:
    return requests.create_request(
        bilan=cast.bilan, by=cast.beneficiary, kind=kind, details=details
    )


def test_a_request_is_due_within_one_month(cast: SimpleNamespace) -> None:
    now = timezone.make_aware(dt.datetime(2026, 12, 2, 10))
    r = requests.create_request(bilan=cast.bilan, by=cast.beneficiary, kind="access", now=now)
    assert r.due_on == dt.date(2027, 1, 2) and r.status == RequestStatus.OPEN and not r.extended


@pytest.mark.parametrize("who", ["consultant", "admin"])
def test_only_the_beneficiary_files_a_request(cast: SimpleNamespace, who: str) -> None:
    with pytest.raises(RuleViolation, match="bénéficiaire") as refused:
        requests.create_request(bilan=cast.bilan, by=getattr(cast, who), kind="access")
    assert refused.value.code == "forbidden" and not DataRequest.objects.exists()


def test_bad_requests_are_refused(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="droit"):
        filed(cast, kind="everything")
    with pytest.raises(RuleViolation, match="rectifié"):
        filed(cast, kind="rectification")
    assert not DataRequest.objects.exists()


@pytest.mark.parametrize("status", [Status.ENQUIRY, Status.INVESTIGATION, Status.INTERRUPTED])
def test_an_erasure_during_the_bilan_is_refused_with_the_reason(
    cast: SimpleNamespace, status: str
) -> None:
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=status)
    cast.bilan.refresh_from_db()
    write_entry(bilan=cast.bilan, by=cast.beneficiary, text="x")
    with pytest.raises(RuleViolation, match="Effacement impossible pendant le bilan"):
        filed(cast, kind="erasure")
    assert JournalEntry.objects.exists() and not DataRequest.objects.exists()


def test_an_erasure_deletes_the_work_at_once_and_freezes_the_proofs(
    cast: SimpleNamespace,
) -> None:
    bilan = ended(cast.bilan)
    write_entry(bilan=bilan, by=cast.beneficiary, text="Mes réflexions")
    Entretien.objects.create(
        bilan=bilan,
        phase="preliminary",
        starts_at=timezone.now() - dt.timedelta(days=30),
        planned_minutes=60,
        modality=Modality.IN_PERSON,
        status="held",
        held_minutes=60,
    )
    r = filed(cast, kind="erasure")
    assert not JournalEntry.objects.filter(bilan=bilan).exists()
    assert Entretien.objects.filter(bilan=bilan).exists()  # a proof: kept, frozen
    assert Bilan.objects.filter(pk=bilan.pk).exists()
    assert BilanLifecycle.objects.get(bilan=bilan).frozen_at is not None
    line = DestructionLine.objects.get(model_label="exchanges.JournalEntry")
    assert line.reason == "erasure" and line.destroyed_class == "travail_bilan"
    r.refresh_from_db()
    assert r.status == RequestStatus.ANSWERED
    (answer,) = r.answers.all()
    assert "sont effacés" in answer.text and "30/06/2029" in answer.text  # proofs: 3 years
    assert "30/06/2031" in answer.text  # contract: 5 years


def test_an_erasure_under_a_legal_hold_is_refused_and_saves_nothing(
    cast: SimpleNamespace,
) -> None:
    bilan = ended(cast.bilan)
    write_entry(bilan=bilan, by=cast.beneficiary, text="x")
    destruction.place_hold(bilan=bilan, by=cast.admin, kind="litigation", reason="Litige")
    with pytest.raises(RuleViolation, match="suspendues"):
        filed(cast, kind="erasure")
    assert JournalEntry.objects.exists() and not DataRequest.objects.exists()


def test_the_admin_answers_once_and_it_is_logged(cast: SimpleNamespace) -> None:
    r = filed(cast, kind="access")
    with pytest.raises(RuleViolation, match="Rédigez"):
        requests.answer_request(request=r, by=cast.admin, text=" ")
    requests.answer_request(request=r, by=cast.admin, text="Votre export est joint.")
    r.refresh_from_db()
    assert r.status == RequestStatus.ANSWERED
    assert DataRequestAnswer.objects.get().by == cast.admin
    with pytest.raises(RuleViolation, match="déjà reçu"):
        requests.answer_request(request=r, by=cast.admin, text="Encore")


def test_a_motivated_refusal(cast: SimpleNamespace) -> None:
    r = filed(cast, kind="objection", details="Je m'oppose aux enquêtes")
    requests.answer_request(request=r, by=cast.admin, text="Obligation légale", refused=True)
    r.refresh_from_db()
    assert r.status == RequestStatus.REFUSED


def test_the_deadline_is_extended_once_by_two_months(cast: SimpleNamespace) -> None:
    now = timezone.make_aware(dt.datetime(2026, 12, 2, 10))
    r = requests.create_request(bilan=cast.bilan, by=cast.beneficiary, kind="portability", now=now)
    with pytest.raises(RuleViolation, match="pourquoi"):
        requests.extend_request(request=r, by=cast.admin, reason="")
    requests.extend_request(request=r, by=cast.admin, reason="Plusieurs bilans")
    r.refresh_from_db()
    assert r.extended and r.due_on == dt.date(2027, 3, 2)
    assert r.answers.get().kind == "extension"
    with pytest.raises(RuleViolation, match="déjà prolongé"):
        requests.extend_request(request=r, by=cast.admin, reason="Encore")


@pytest.mark.parametrize("who", ["consultant", "beneficiary", "outsider_admin"])
def test_only_the_organisation_admin_answers_or_extends(cast: SimpleNamespace, who: str) -> None:
    r = filed(cast)
    with pytest.raises(RuleViolation, match="administration"):
        requests.answer_request(request=r, by=getattr(cast, who), text="x")
    with pytest.raises(RuleViolation, match="administration"):
        requests.extend_request(request=r, by=getattr(cast, who), reason="x")
    r.refresh_from_db()
    assert r.status == RequestStatus.OPEN and not r.extended


# ---- API -------------------------------------------------------------------------------------

CREATE = {"beneficiary": 201, "consultant": 403, "admin": 403, **OTHERS_404}
LIST = {
    "beneficiary": 200,
    "admin": 200,
    "other_beneficiary": 200,
    "outsider_admin": 200,
    "outsider_beneficiary": 200,
}


@pytest.mark.parametrize("who", ROLES)
def test_create_data_request(api: Api, cast: SimpleNamespace, who: str) -> None:
    response = api.post(
        f"/bilans/{cast.bilan.pk}/data-requests", who, {"kind": "access", "details": ""}
    )
    assert response.status_code == CREATE[who], response.json()
    assert DataRequest.objects.count() == (1 if who == "beneficiary" else 0)
    if who == "beneficiary":
        assert response.json()["status"] == "open" and response.json()["due_on"]


def test_an_erasure_through_the_api(api: Api, cast: SimpleNamespace) -> None:
    path = f"/bilans/{cast.bilan.pk}/data-requests"
    write_entry(bilan=cast.bilan, by=cast.beneficiary, text="x")
    refused = api.post(path, "beneficiary", {"kind": "erasure"})
    assert refused.status_code == 409 and "pendant le bilan" in refused.json()["detail"]
    ended(cast.bilan)
    response = api.post(path, "beneficiary", {"kind": "erasure"})
    assert response.status_code == 201 and response.json()["status"] == "answered"
    assert "effacés" in response.json()["answers"][0]["text"]
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_list_data_requests(api: Api, cast: SimpleNamespace, who: str) -> None:
    filed(cast)
    response = api.get("/data-requests", who)
    assert response.status_code == LIST.get(who, 403), response.json()
    if response.status_code == 200:
        mine = who in ("beneficiary", "admin")
        assert len(response.json()) == (1 if mine else 0)


# The beneficiary finds her own request but answering is not hers (403); another person's is
# not found (404); consultants do not treat requests (403).
TREAT = {
    "admin": 200,
    "consultant": 403,
    "colleague": 403,
    "beneficiary": 403,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 403,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_answer_data_request(api: Api, cast: SimpleNamespace, who: str) -> None:
    r = filed(cast)
    response = api.post(f"/data-requests/{r.pk}/answer", who, {"text": "Voici vos données."})
    assert response.status_code == TREAT[who], response.json()
    assert DataRequestAnswer.objects.count() == (1 if who == "admin" else 0)


@pytest.mark.parametrize("who", ROLES)
def test_extend_data_request(api: Api, cast: SimpleNamespace, who: str) -> None:
    r = filed(cast)
    response = api.post(f"/data-requests/{r.pk}/extend", who, {"reason": "Complexe"})
    assert response.status_code == TREAT[who], response.json()
    r.refresh_from_db()
    assert r.extended == (who == "admin")


# ---- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_filing_from_my_data(client: Client, cast: SimpleNamespace, who: str) -> None:
    client.force_login(getattr(cast, who))
    response = client.post(
        f"/espace/mes-donnees/bilan/{cast.bilan.pk}/demande/", {"kind": "access", "details": ""}
    )
    expected = {"beneficiary": 302, "other_beneficiary": 404, "outsider_beneficiary": 404}
    assert response.status_code == expected.get(who, 403)
    assert DataRequest.objects.count() == (1 if who == "beneficiary" else 0)


def test_my_data_shows_my_requests_and_the_erasure_refusal(
    client: Client, cast: SimpleNamespace
) -> None:
    client.force_login(cast.beneficiary)
    url = f"/espace/mes-donnees/bilan/{cast.bilan.pk}/demande/"
    response = client.post(url, {"kind": "erasure"})
    assert response.status_code == 422
    assert "Effacement impossible pendant le bilan" in response.content.decode()
    client.post(url, {"kind": "access"})
    page = client.get("/espace/mes-donnees/").content.decode()
    assert "accès à mes données" in page.lower() and "réponse au plus tard le" in page


@pytest.mark.parametrize("who", ROLES)
def test_the_staff_request_pages(client: Client, cast: SimpleNamespace, who: str) -> None:
    r = filed(cast)
    client.force_login(getattr(cast, who))
    listing = client.get("/donnees/demandes/")
    one = client.get(f"/donnees/demandes/{r.pk}/")
    answer = client.post(f"/donnees/demandes/{r.pk}/reponse/", {"text": "Réponse"})
    extend = client.post(f"/donnees/demandes/{r.pk}/prolongation/", {"reason": "Complexe"})
    if who == "admin":
        assert listing.status_code == 200 and cast.bilan.reference in listing.content.decode()
        assert one.status_code == 200
        assert answer.status_code == 302 and extend.status_code == 302
        r.refresh_from_db()
        assert r.status == RequestStatus.ANSWERED  # then the extension is refused: answered
        assert not r.extended
    elif who == "outsider_admin":
        assert listing.status_code == 200 and cast.bilan.reference not in listing.content.decode()
        assert one.status_code == 404 and answer.status_code == 404
    else:
        assert {listing.status_code, one.status_code, answer.status_code} == {403}
    assert DataRequestAnswer.objects.count() == (1 if who == "admin" else 0)
    assert Consent.objects.count() == 0
