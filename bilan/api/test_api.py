"""API v1: every endpoint for every member of the cast, error bodies, audit, OpenAPI."""

from __future__ import annotations

import base64
import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bilan.accounts.models import ApiToken
from bilan.bilans.models import Bilan, ConsentMethod, Status, StatusChange
from bilan.bilans.testing import make_bilan
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to, conclude
from bilan.organisations.models import Membership, Role

ROLES = [
    "admin",
    "consultant",
    "colleague",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    """Scanned consent forms go to a temporary MEDIA_ROOT in these tests."""
    settings.MEDIA_ROOT = tmp_path / "media"


class Api:
    """Calls /api/v1/ as a member of the cast, by role name; None means no token."""

    def __init__(self, cast: SimpleNamespace) -> None:
        self.cast = cast
        self.client = Client()
        self.tokens = {role: ApiToken.issue(getattr(cast, role)) for role in ROLES}
        self.tokens["bad_token"] = "bil_not-a-real-token"

    def headers(self, who: str | None) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[who]}"} if who else {}

    def get(self, path: str, who: str | None) -> Any:
        return self.client.get(f"/api/v1{path}", **self.headers(who))

    def post(self, path: str, who: str | None, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(body),
            content_type="application/json",
            **self.headers(who),
        )


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def new_bilan_body(**extra: Any) -> dict[str, Any]:
    return {
        "email": "nouvelle@exemple.test",
        "first_name": "Nora",
        "last_name": "Nouvelle",
        "situation": "job_seeker",
        "request_text": "Je veux changer de voie.",
        "funding_route": "cpf",
        "funding_reference": "CPF-987654321",
        "format": "remote",
        **extra,
    }


def consent(bilan: Bilan) -> None:
    bilan.record_consent(
        by=bilan.beneficiary,
        method=ConsentMethod.ONLINE,
    )


# ---- authentication -----------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "bad_token"])
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/bilans"),
        ("get", "/bilans/{id}"),
        ("post", "/bilans"),
        ("post", "/bilans/{id}/consent"),
        ("post", "/bilans/{id}/advance"),
        ("post", "/bilans/{id}/hours"),
        ("post", "/bilans/{id}/consultant"),
    ],
)
def test_every_endpoint_answers_401_in_french_without_a_valid_token(api, cast, who, method, path):
    path = path.format(id=cast.bilan.pk)
    response = api.get(path, who) if method == "get" else api.post(path, who, {})
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentification requise : jeton d'API absent, invalide ou révoqué."
    }
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_without_the_bearer_scheme_gets_401(api, cast):
    response = api.client.get("/api/v1/bilans", HTTP_AUTHORIZATION=api.tokens["consultant"])
    assert response.status_code == 401


def test_a_revoked_token_gets_401(api, cast):
    ApiToken.objects.filter(user=cast.consultant).update(revoked_at=timezone.now())
    assert api.get("/bilans", "consultant").status_code == 401


def test_a_deactivated_user_gets_401(api, cast):
    cast.consultant.is_active = False
    cast.consultant.save()
    assert api.get("/bilans", "consultant").status_code == 401


def test_a_user_without_an_active_membership_gets_403_in_french(api, cast):
    Membership.objects.filter(user=cast.colleague).update(is_active=False)
    response = api.get("/bilans", "colleague")
    assert response.status_code == 403
    assert response.json() == {"detail": "Ce compte n'est membre actif d'aucun organisme."}


def test_a_valid_token_records_its_last_use(api, cast):
    api.get("/bilans", "consultant")
    assert ApiToken.objects.get(user=cast.consultant).last_used_at is not None


def test_the_last_use_is_written_at_most_once_a_minute(api, cast):
    api.get("/bilans", "consultant")
    first = ApiToken.objects.get(user=cast.consultant).last_used_at
    api.get("/bilans", "consultant")
    assert ApiToken.objects.get(user=cast.consultant).last_used_at == first
    ApiToken.objects.filter(user=cast.consultant).update(
        last_used_at=first - dt.timedelta(seconds=61)
    )
    api.get("/bilans", "consultant")
    assert ApiToken.objects.get(user=cast.consultant).last_used_at > first


def test_a_user_acts_in_their_oldest_active_membership_through_the_api(api, cast):
    # The colleague also joins the outsider organisation: the API keeps the first one.
    Membership.objects.create(user=cast.colleague, organisation=cast.outsider_org, role=Role.ADMIN)
    response = api.get("/bilans", "colleague")
    assert response.status_code == 200
    assert all(b["consultant"]["id"] == cast.colleague.pk for b in response.json()["items"])


# ---- list_bilans ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,expected",
    [
        ("admin", {"bilan", "other_bilan"}),
        ("consultant", {"bilan"}),
        ("colleague", {"other_bilan"}),
        ("beneficiary", {"bilan"}),
        ("other_beneficiary", {"other_bilan"}),
        ("outsider_admin", {"outsider_bilan"}),
        ("outsider_consultant", {"outsider_bilan"}),
        ("outsider_beneficiary", {"outsider_bilan"}),
    ],
)
def test_each_role_lists_only_the_bilans_it_may_see(api, cast, who, expected):
    response = api.get("/bilans", who)
    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == {
        getattr(cast, name).pk for name in expected
    }
    assert response.json()["count"] == len(expected)


def test_the_list_gives_administrative_fields_and_hours_in_minutes(api, cast):
    cast.bilan.plan_hours(by=cast.consultant, accompaniment_minutes=600, personal_minutes=120)
    rule = cast.bilan.rule()
    item = api.get("/bilans", "consultant").json()["items"][0]
    assert item == {
        "id": cast.bilan.pk,
        "reference": cast.bilan.reference,
        "status": "enquiry",
        "status_label": "demande",
        "beneficiary": {
            "id": cast.beneficiary.pk,
            "name": "Bruno Bénéf",
            "email": "benef@cap.test",
        },
        "consultant": {"id": cast.consultant.pk, "name": "Claire Conseil"},
        "situation": "employee",
        "funding_route": "cpf",
        "funding_reference": "CPF-123456789",
        "format": "in_person",
        "opened_on": cast.bilan.opened_on.isoformat(),
        "closed_on": None,
        "hours": {
            "planned_total": 720,
            "delivered_accompaniment": 0,
            "max_total": rule.max_total_minutes,
            "min_accompaniment": rule.min_accompaniment_minutes,
            "below_minimum": rule.min_accompaniment_minutes > 0,
        },
    }
    assert "content" not in item


def test_the_list_filters_by_status(api, cast):
    consent(cast.bilan)
    cast.bilan.start_preliminary(by=cast.consultant)
    ids = [item["id"] for item in api.get("/bilans?status=preliminary", "admin").json()["items"]]
    assert ids == [cast.bilan.pk]
    assert api.get("/bilans?status=closed", "admin").json()["items"] == []


def test_an_unknown_status_filter_gets_422_in_french(api, cast):
    response = api.get("/bilans?status=nimportequoi", "admin")
    assert response.status_code == 422
    assert response.json()["detail"] == "Requête invalide, vérifiez : query.status."


def test_the_list_is_paginated(api, cast):
    body = api.get("/bilans?limit=1&offset=1", "admin").json()
    assert body["count"] == 2 and body["limit"] == 1 and body["offset"] == 1
    assert [item["id"] for item in body["items"]] == [cast.bilan.pk]  # newest first
    assert api.get("/bilans?limit=500", "admin").status_code == 422


def test_the_list_costs_the_same_queries_for_one_bilan_or_many(api, cast):
    api.get("/bilans", "admin")  # the token's first use of the minute also writes last_used_at
    with CaptureQueriesContext(connection) as few:
        api.get("/bilans", "admin")
    for i in range(5):
        extra = make_bilan(
            cast.org, cast.beneficiary, cast.colleague, email=f"b{i}@cap.test", first_name="B"
        )
        consent(extra)
        advance_to(extra, Status.INVESTIGATION)
    with CaptureQueriesContext(connection) as many:
        response = api.get("/bilans", "admin")
    assert response.json()["count"] == 7
    assert len(many) == len(few)


# ---- get_bilan ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status,sees_content",
    [
        ("admin", 200, False),
        ("consultant", 200, True),
        ("colleague", 404, None),
        ("beneficiary", 200, True),
        ("other_beneficiary", 404, None),
        ("outsider_admin", 404, None),
        ("outsider_consultant", 404, None),
        ("outsider_beneficiary", 404, None),
    ],
)
def test_each_role_reads_a_bilan_with_content_only_when_allowed(
    api, cast, who, status, sees_content
):
    response = api.get(f"/bilans/{cast.bilan.pk}", who)
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"detail": "Ressource introuvable."}
    elif sees_content:
        assert response.json()["content"] == {
            "request_text": "Je voudrais savoir si je peux changer de métier.",
            "needs_analysis": "",
            "agreed_arrangements": "",
            "arrangements_validations": {
                "beneficiary_validated_at": None,
                "consultant_validated_at": None,
            },
        }
    else:
        assert response.json()["content"] is None
        assert response.json()["reference"] == cast.bilan.reference


def test_a_token_of_another_organisation_gets_404(api, cast):
    assert api.get(f"/bilans/{cast.outsider_bilan.pk}", "admin").status_code == 404
    assert api.get(f"/bilans/{cast.bilan.pk}", "outsider_admin").status_code == 404


def test_a_bilan_that_does_not_exist_gets_404(api, cast):
    assert api.get("/bilans/999999", "admin").status_code == 404


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "99999999999999999999999"])
def test_a_malformed_bilan_id_gets_422_in_json(api, cast, bad_id):
    response = api.get(f"/bilans/{bad_id}", "admin")
    assert response.status_code == 422
    assert response.json()["detail"] == "Requête invalide, vérifiez : path.bilan_id."


def test_the_consultant_reading_content_writes_an_audit_event(api, cast):
    api.get(f"/bilans/{cast.bilan.pk}", "consultant")
    event = AuditEvent.objects.get()
    assert event.actor_id == cast.consultant.pk
    assert event.actor_role == "consultant"
    assert event.bilan_id == cast.bilan.pk
    assert event.action == AuditEvent.Action.READ
    assert event.object_type == "bilans.BilanFraming"
    assert event.object_id == str(cast.bilan.framing.pk)
    assert event.channel == "api"


def test_the_beneficiary_reading_their_own_bilan_writes_no_audit_event(api, cast):
    assert api.get(f"/bilans/{cast.bilan.pk}", "beneficiary").status_code == 200
    assert not AuditEvent.objects.exists()


def test_an_admin_reading_administrative_data_writes_no_audit_event(api, cast):
    assert api.get(f"/bilans/{cast.bilan.pk}", "admin").json()["content"] is None
    assert not AuditEvent.objects.exists()


def test_a_refused_read_writes_no_read_event_only_the_refusal(api, cast):
    assert api.get(f"/bilans/{cast.bilan.pk}", "colleague").status_code == 404
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["denied"]


# ---- create_bilan ------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status", [("beneficiary", 403), ("other_beneficiary", 403), ("outsider_beneficiary", 403)]
)
def test_a_beneficiary_cannot_create_a_bilan(api, cast, who, status):
    response = api.post("/bilans", who, new_bilan_body())
    assert response.status_code == status
    assert response.json() == {"detail": "Votre rôle ne permet pas cette action."}
    assert Bilan.objects.count() == 3


def test_an_admin_creates_a_bilan_for_a_consultant_of_the_organisation(api, cast):
    response = api.post("/bilans", "admin", new_bilan_body(consultant_id=cast.colleague.pk))
    assert response.status_code == 201
    bilan = Bilan.objects.get(pk=response.json()["id"])
    assert (bilan.organisation, bilan.consultant, bilan.created_by) == (
        cast.org,
        cast.colleague,
        cast.admin,
    )
    assert bilan.beneficiary.email == "nouvelle@exemple.test"
    assert bilan.framing.request_text == "Je veux changer de voie."
    assert response.json()["status"] == "enquiry"
    assert response.json()["consultant"] == {"id": cast.colleague.pk, "name": "Karim Collègue"}


@pytest.mark.parametrize("who", ["consultant", "colleague", "outsider_consultant"])
def test_a_consultant_creates_a_bilan_assigned_to_themself(api, cast, who):
    response = api.post("/bilans", who, new_bilan_body())
    assert response.status_code == 201
    bilan = Bilan.objects.get(pk=response.json()["id"])
    me = getattr(cast, who)
    assert (bilan.consultant, bilan.organisation) == (me, me.membership.organisation)


def test_a_consultant_cannot_assign_a_colleague(api, cast):
    response = api.post("/bilans", "consultant", new_bilan_body(consultant_id=cast.colleague.pk))
    assert response.status_code == 403
    assert "propre suivi" in response.json()["detail"]
    assert Bilan.objects.count() == 3


def test_an_admin_must_name_the_consultant(api, cast):
    response = api.post("/bilans", "admin", new_bilan_body())
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Choisissez un·e consultant·e de l'organisme (consultant_id)."
    }


@pytest.mark.parametrize("who_id", ["outsider_consultant", "beneficiary"])
def test_an_admin_cannot_assign_someone_who_is_not_a_consultant_of_the_organisation(
    api, cast, who_id
):
    body = new_bilan_body(consultant_id=getattr(cast, who_id).pk)
    response = api.post("/bilans", "admin", body)
    assert response.status_code == 422
    assert "consultant·e de l'organisme" in response.json()["detail"]
    assert Bilan.objects.count() == 3


def test_a_cpf_bilan_without_its_file_number_gets_422_in_french(api, cast):
    response = api.post("/bilans", "consultant", new_bilan_body(funding_reference=""))
    assert response.status_code == 422
    assert response.json() == {"detail": "Indiquez le numéro de dossier CPF."}


def test_an_invalid_body_gets_422_naming_the_fields(api, cast):
    response = api.post(
        "/bilans", "consultant", new_bilan_body(email="pas-une-adresse", format="hologramme")
    )
    assert response.status_code == 422
    assert (
        response.json()["detail"] == "Requête invalide, vérifiez : body.payload.email, "
        "body.payload.format."
    )
    assert Bilan.objects.count() == 3


# ---- record_consent ----------------------------------------------------------------


@pytest.mark.parametrize(
    "who,method,status",
    [
        ("beneficiary", "online", 201),
        ("consultant", "paper", 201),
        ("admin", "paper", 201),
        ("consultant", "online", 403),
        ("admin", "online", 403),
        ("beneficiary", "paper", 403),
        ("colleague", "paper", 404),
        ("other_beneficiary", "online", 404),
        ("outsider_admin", "paper", 404),
        ("outsider_consultant", "paper", 404),
        ("outsider_beneficiary", "online", 404),
    ],
)
def test_consent_is_recorded_only_by_whom_the_model_allows(api, cast, who, method, status):
    body = {"method": method}
    if method == "paper":
        body["scan"] = {"name": "consentement.pdf", "content_base64": SCAN_B64}
    response = api.post(f"/bilans/{cast.bilan.pk}/consent", who, body)
    assert response.status_code == status
    assert cast.bilan.consents.exists() == (status == 201)
    if status == 201:
        assert response.json()["method"] == method
        assert response.json()["notice_version"] == settings.INFORMATION_NOTICE_VERSION
        assert response.json()["given_at"]


SCAN_B64 = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def test_paper_consent_needs_its_scanned_form(api, cast):
    path = f"/bilans/{cast.bilan.pk}/consent"
    response = api.post(path, "consultant", {"method": "paper"})
    assert response.status_code == 422 and "numérisé" in response.json()["detail"]
    forged = {"name": "consentement.pdf", "content_base64": base64.b64encode(b"<html>").decode()}
    response = api.post(path, "consultant", {"method": "paper", "scan": forged})
    assert response.status_code == 422 and "autre type" in response.json()["detail"]
    garbled = {"name": "consentement.pdf", "content_base64": "@@@"}
    assert api.post(path, "consultant", {"method": "paper", "scan": garbled}).status_code == 422
    assert not cast.bilan.consents.exists()
    scan = {"name": "consentement.pdf", "content_base64": SCAN_B64}
    assert api.post(path, "consultant", {"method": "paper", "scan": scan}).status_code == 201
    consent = cast.bilan.active_consent()
    assert consent.scan.read().startswith(b"%PDF") and consent.scan_name == "consentement.pdf"
    assert consent.session_hash == ""


def test_online_consent_through_the_api_keeps_its_token_as_proof(api, cast):
    api.post(f"/bilans/{cast.bilan.pk}/consent", "beneficiary", {"method": "online"})
    consent = cast.bilan.active_consent()
    assert len(consent.session_hash) == 64
    assert api.tokens["beneficiary"] not in consent.session_hash


def test_online_consent_by_someone_else_is_refused_in_french(api, cast):
    response = api.post(f"/bilans/{cast.bilan.pk}/consent", "consultant", {"method": "online"})
    assert response.json() == {
        "detail": "Le consentement ne peut être donné que par le ou la bénéficiaire."
    }


def test_a_forged_notice_version_is_refused_and_nothing_saved(api, cast):
    """The version recorded is the server's (REQ-58): a client claiming another is refused."""
    response = api.post(
        f"/bilans/{cast.bilan.pk}/consent",
        "beneficiary",
        {"method": "online", "notice_version": "2025-01"},
    )
    assert response.status_code == 422
    assert "notice d'information a changé" in response.json()["detail"]
    assert cast.bilan.active_consent() is None
    response = api.post(
        f"/bilans/{cast.bilan.pk}/consent",
        "beneficiary",
        {"method": "online", "notice_version": settings.INFORMATION_NOTICE_VERSION},
    )
    assert response.status_code == 201
    assert cast.bilan.active_consent().notice_version == settings.INFORMATION_NOTICE_VERSION


def test_a_second_consent_gets_409(api, cast):
    consent(cast.bilan)
    response = api.post(f"/bilans/{cast.bilan.pk}/consent", "beneficiary", {"method": "online"})
    assert response.status_code == 409
    assert response.json() == {"detail": "Le consentement est déjà enregistré pour ce bilan."}
    assert cast.bilan.consents.count() == 1


def test_an_unknown_consent_method_gets_422(api, cast):
    response = api.post(f"/bilans/{cast.bilan.pk}/consent", "beneficiary", {"method": "oral"})
    assert response.status_code == 422
    assert not cast.bilan.consents.exists()


# ---- advance_bilan ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("consultant", 200),
        ("admin", 403),
        ("beneficiary", 403),
        ("colleague", 404),
        ("other_beneficiary", 404),
        ("outsider_admin", 404),
        ("outsider_consultant", 404),
        ("outsider_beneficiary", 404),
    ],
)
def test_only_the_assigned_consultant_starts_the_preliminary_phase(api, cast, who, status):
    consent(cast.bilan)
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance", who, {"transition": "start_preliminary"}
    )
    assert response.status_code == status
    cast.bilan.refresh_from_db()
    expected = Status.PRELIMINARY if status == 200 else Status.ENQUIRY
    assert cast.bilan.status == expected
    if status == 200:
        assert response.json()["status"] == "preliminary"
        assert response.json()["status_label"] == "phase préliminaire"
    if status == 403:
        assert response.json() == {
            "detail": "Votre rôle ne permet pas cette transition (start_preliminary)."
        }


@pytest.mark.parametrize("transition", ["interrupt", "abandon"])
def test_an_admin_may_stop_a_bilan(api, cast, transition):
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance",
        "admin",
        {"transition": transition, "reason": "beneficiary_choice"},
    )
    assert response.status_code == 200
    cast.bilan.refresh_from_db()
    assert cast.bilan.stop_reason == "beneficiary_choice"
    assert cast.bilan.status_changes.get().by == cast.admin


def test_an_admin_may_resume_then_archive_an_abandoned_bilan(api, cast):
    url = f"/bilans/{cast.bilan.pk}/advance"
    api.post(url, "admin", {"transition": "interrupt", "reason": "health"})
    assert api.post(url, "admin", {"transition": "resume"}).json()["status"] == "enquiry"
    api.post(url, "admin", {"transition": "abandon", "reason": "health"})
    assert api.post(url, "admin", {"transition": "archive"}).json()["status"] == "archived"


@pytest.mark.parametrize(
    "transition",
    ["open_investigation", "open_conclusions", "close", "start_follow_up", "validate_arrangements"],
)
def test_an_admin_cannot_perform_the_consultants_acts(api, cast, transition):
    response = api.post(f"/bilans/{cast.bilan.pk}/advance", "admin", {"transition": transition})
    assert response.status_code == 403


def test_the_beneficiary_validates_the_arrangements_of_their_own_bilan(api, cast):
    advance_to(cast.bilan, Status.PRELIMINARY, beneficiary_validates=False)
    url = f"/bilans/{cast.bilan.pk}/advance"
    response = api.post(url, "beneficiary", {"transition": "validate_arrangements"})
    assert response.status_code == 200
    cast.bilan.framing.refresh_from_db()
    assert cast.bilan.framing.arrangements_beneficiary_validated_at is not None
    assert (
        api.post(url, "other_beneficiary", {"transition": "validate_arrangements"}).status_code
        == 404
    )


@pytest.mark.parametrize("transition", ["open_investigation", "interrupt", "archive"])
def test_a_beneficiary_may_do_nothing_else(api, cast, transition):
    advance_to(cast.bilan, Status.PRELIMINARY)
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance",
        "beneficiary",
        {"transition": transition, "reason": "beneficiary_choice"},
    )
    assert response.status_code == 403
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.PRELIMINARY


def test_a_refused_transition_returns_409_and_changes_nothing(api, cast):
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance", "consultant", {"transition": "open_investigation"}
    )
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Impossible d")
    assert response.json()["detail"].endswith("le bilan est à l'étape « demande ».")
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.ENQUIRY
    assert not StatusChange.objects.exists()


def test_starting_without_consent_returns_409_naming_the_law(api, cast):
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance", "consultant", {"transition": "start_preliminary"}
    )
    assert response.status_code == 409
    assert "consentement" in response.json()["detail"]
    assert "L6313-4" in response.json()["detail"]
    assert Bilan.objects.get(pk=cast.bilan.pk).status == Status.ENQUIRY


def test_opening_investigation_with_outputs_missing_lists_them(api, cast):
    consent(cast.bilan)
    cast.bilan.start_preliminary(by=cast.consultant)
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance", "consultant", {"transition": "open_investigation"}
    )
    assert response.status_code == 409
    assert "l'analyse de la demande et du besoin" in response.json()["detail"]
    assert Bilan.objects.get(pk=cast.bilan.pk).status == Status.PRELIMINARY


def test_the_consultant_walks_the_bilan_to_its_close(api, cast):
    advance_to(cast.bilan, Status.CONCLUSIONS)
    url = f"/bilans/{cast.bilan.pk}/advance"
    # Without a plan d'action and a validated, handed-over synthèse, closing is refused.
    refused = api.post(url, "consultant", {"transition": "close"})
    assert refused.status_code == 409
    assert "synthèse" in refused.json()["detail"]
    conclude(cast.bilan)
    response = api.post(url, "consultant", {"transition": "close"})
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_on"] == timezone.localdate().isoformat()
    assert (
        api.post(url, "consultant", {"transition": "start_follow_up"}).json()["status"]
        == "follow_up"
    )


def test_the_consultant_records_the_follow_up_decision(api, cast):
    advance_to(cast.bilan, Status.INVESTIGATION)
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance",
        "consultant",
        {"transition": "record_follow_up_decision", "decision": "refused"},
    )
    assert response.status_code == 200
    cast.bilan.refresh_from_db()
    assert cast.bilan.follow_up_decision == "refused"


def test_a_partial_close_without_a_reason_is_refused(api, cast):
    advance_to(cast.bilan, Status.CONCLUSIONS)
    response = api.post(
        f"/bilans/{cast.bilan.pk}/advance",
        "consultant",
        {"transition": "close", "completion": "partial"},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "Une réalisation partielle demande un motif."}
    assert Bilan.objects.get(pk=cast.bilan.pk).status == Status.CONCLUSIONS


@pytest.mark.parametrize(
    "body,field",
    [
        ({"transition": "teleport"}, "body.payload.transition"),
        ({"transition": "interrupt"}, "body.payload"),
        ({"transition": "interrupt", "reason": "lassitude"}, "body.payload.reason"),
        ({"transition": "record_follow_up_decision"}, "body.payload"),
        ({}, "body.payload.transition"),
    ],
)
def test_a_malformed_transition_request_gets_422(api, cast, body, field):
    response = api.post(f"/bilans/{cast.bilan.pk}/advance", "consultant", body)
    assert response.status_code == 422
    assert response.json()["detail"] == f"Requête invalide, vérifiez : {field}."
    assert Bilan.objects.get(pk=cast.bilan.pk).status == Status.ENQUIRY


# ---- plan_hours ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("consultant", 200),
        # The programme is the consultant's act with the beneficiary, as on the page.
        ("admin", 403),
        ("beneficiary", 403),
        ("colleague", 404),
        ("other_beneficiary", 404),
        ("outsider_admin", 404),
        ("outsider_consultant", 404),
    ],
)
def test_the_assigned_consultant_plans_the_hours(api, cast, who, status):
    body = {"accompaniment_minutes": 18 * 60, "personal_minutes": 4 * 60}
    response = api.post(f"/bilans/{cast.bilan.pk}/hours", who, body)
    assert response.status_code == status
    cast.bilan.refresh_from_db()
    assert cast.bilan.planned_accompaniment_minutes == (18 * 60 if status == 200 else 0)
    if status == 200:
        assert response.json()["hours"]["planned_total"] == 22 * 60


def test_hours_over_the_ceiling_get_409_citing_the_law(api, cast):
    body = {"accompaniment_minutes": 20 * 60, "personal_minutes": 5 * 60}
    response = api.post(f"/bilans/{cast.bilan.pk}/hours", "consultant", body)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Programme refusé : durée planifiée 25 h > 24 h maximum "
        "(art. L6313-4 du Code du travail)."
    }
    cast.bilan.refresh_from_db()
    assert cast.bilan.planned_accompaniment_minutes == 0


def test_negative_hours_get_422(api, cast):
    body = {"accompaniment_minutes": -60, "personal_minutes": 0}
    assert api.post(f"/bilans/{cast.bilan.pk}/hours", "consultant", body).status_code == 422


# ---- assign_consultant -------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 200),
        ("consultant", 403),
        ("colleague", 403),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
        ("outsider_admin", 404),
        ("outsider_consultant", 403),
    ],
)
def test_only_an_admin_reassigns_a_bilan(api, cast, who, status):
    body = {"consultant_id": cast.colleague.pk, "reason": "congé"}
    response = api.post(f"/bilans/{cast.bilan.pk}/consultant", who, body)
    assert response.status_code == status
    cast.bilan.refresh_from_db()
    assert cast.bilan.consultant == (cast.colleague if status == 200 else cast.consultant)
    if status == 200:
        assert response.json()["consultant"]["id"] == cast.colleague.pk
        assert (
            cast.bilan.consultant_assignments.filter(ended_at__isnull=True).get().consultant
            == cast.colleague
        )


def test_a_reassigned_bilan_leaves_the_former_consultants_reach(api, cast):
    api.post(f"/bilans/{cast.bilan.pk}/consultant", "admin", {"consultant_id": cast.colleague.pk})
    assert api.get(f"/bilans/{cast.bilan.pk}", "consultant").status_code == 404
    assert api.get(f"/bilans/{cast.bilan.pk}", "colleague").json()["content"] is not None


def test_reassigning_to_the_same_consultant_gets_409(api, cast):
    body = {"consultant_id": cast.consultant.pk}
    response = api.post(f"/bilans/{cast.bilan.pk}/consultant", "admin", body)
    assert response.status_code == 409
    assert response.json() == {"detail": "Ce bilan est déjà suivi par cette personne."}


@pytest.mark.parametrize("who_id", ["outsider_consultant", "beneficiary"])
def test_reassigning_to_someone_not_a_consultant_of_the_organisation_is_refused(api, cast, who_id):
    body = {"consultant_id": getattr(cast, who_id).pk}
    response = api.post(f"/bilans/{cast.bilan.pk}/consultant", "admin", body)
    assert response.status_code in (409, 422)
    assert "consultant·e de l'organisme" in response.json()["detail"]
    assert Bilan.objects.get(pk=cast.bilan.pk).consultant == cast.consultant


# ---- OpenAPI -------------------------------------------------------------------------


def test_the_openapi_schema_is_served_without_a_token(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    operations = {
        op["operationId"]: op for path in schema["paths"].values() for op in path.values()
    }
    assert {"list_bilans", "create_bilan", "get_bilan", "record_consent", "advance_bilan"} <= set(
        operations
    )
    for op in operations.values():
        assert {"401", "403"} <= set(op["responses"])
    for name in ("get_bilan", "record_consent", "advance_bilan"):
        assert "404" in operations[name]["responses"]
    for name in ("record_consent", "advance_bilan"):
        assert {"409", "422"} <= set(operations[name]["responses"])
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_docs_page_is_served(db):
    assert Client().get("/api/v1/docs").status_code == 200
