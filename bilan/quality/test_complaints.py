"""Complaints (REQ-46): filed from the beneficiary's space or entered by the staff, the
acknowledgment, the answer deadline (the organisation's setting, 15 days by default) and its
alerts, each sent once, the treatment and the answer, the register — pages and API, every role."""

from __future__ import annotations

import datetime as dt
import html
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import RuleViolation
from bilan.quality import complaints
from bilan.quality.models import Complaint, ComplaintStatus
from bilan.quality.tasks import send_complaint_emails

STAFF = {"admin", "consultant", "colleague", "outsider_admin", "outsider_consultant"}
ADMINS = {"admin", "outsider_admin"}


def text(response: Any) -> str:
    return html.unescape(str(response.content.decode()))


def by_email(cast: SimpleNamespace, **extra: Any) -> Complaint:
    fields: dict[str, Any] = dict(
        organisation=cast.org,
        by=cast.consultant,
        text="Le financeur n'a jamais reçu l'attestation de présence.",
        category="administrative",
        channel="email",
        complainant_role="funder",
        complainant_name="OPCO Atlas",
        complainant_email="contact@opco.test",
    )
    fields.update(extra)
    return complaints.create_complaint(**fields)


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


# ---- the owner ------------------------------------------------------------------------------


def test_a_beneficiary_files_a_complaint_and_gets_an_acknowledgment(
    cast: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        c = complaints.create_complaint(
            organisation=cast.org, by=cast.beneficiary, text="  Rendez-vous annulé deux fois. ",
            category="organisation",
        )  # fmt: skip
    assert c.reference == f"REC-{timezone.localdate().year}-001"
    assert c.channel == "portal" and c.complainant == cast.beneficiary
    assert c.text == "Rendez-vous annulé deux fois."
    assert c.answer_due_on == timezone.localdate() + dt.timedelta(days=15)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [cast.beneficiary.email]
    assert c.reference in mail.outbox[0].subject
    c.refresh_from_db()
    assert c.ack_sent_at is not None
    assert send_complaint_emails() == 0  # acknowledged once


def test_the_staff_enter_a_complaint_received_by_email_with_the_organisations_deadline(
    cast: SimpleNamespace,
) -> None:
    complaints.update_settings(
        organisation=cast.org, by=cast.admin, complaint_answer_days=10, complaint_alert_days=2
    )
    received = timezone.localdate() - dt.timedelta(days=3)
    c = by_email(cast, received_on=received)
    assert c.channel == "email" and c.complainant is None
    assert c.answer_due_on == received + dt.timedelta(days=10)
    second = by_email(cast)
    assert second.reference.endswith("-002")
    other = by_email(cast, organisation=cast.outsider_org, by=cast.outsider_admin)
    assert other.reference.endswith("-001")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"text": "   "}, "texte est vide"),
        ({"category": "nope"}, "objet"),
        ({"channel": "portal"}, "canal"),
        ({"complainant_name": ""}, "nom"),
        ({"complainant_email": "pas-une-adresse"}, "e-mail"),
        ({"received_on": dt.date(2020, 1, 1)}, "date de réception"),
        ({"text": "x" * 5001}, "5000"),
    ],
)
def test_a_bad_complaint_is_refused_in_french_and_nothing_is_saved(
    cast: SimpleNamespace, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(RuleViolation, match=message):
        by_email(cast, **extra)
    assert not Complaint.objects.exists() and not mail.outbox


def test_the_admin_records_the_treatment_then_sends_the_answer_once(
    cast: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    c = by_email(cast)
    mail.outbox.clear()
    c = complaints.treat_complaint(complaint=c, by=cast.admin, treatment="Appel au financeur.")
    assert c.status == ComplaintStatus.IN_TREATMENT and not mail.outbox
    with pytest.raises(RuleViolation, match="Écrivez la réponse"):
        complaints.treat_complaint(complaint=c, by=cast.admin, treatment="x", send_answer=True)
    with django_capture_on_commit_callbacks(execute=True):
        c = complaints.treat_complaint(
            complaint=c, by=cast.admin, treatment="Appel au financeur.",
            answer="L'attestation vous a été renvoyée.", send_answer=True,
        )  # fmt: skip
    assert c.status == ComplaintStatus.ANSWERED and c.answered_by == cast.admin
    assert len(mail.outbox) == 1 and "renvoyée" in mail.outbox[0].body
    with pytest.raises(RuleViolation, match="déjà reçu sa réponse"):
        complaints.treat_complaint(complaint=c, by=cast.admin, treatment="autre")
    c.refresh_from_db()
    assert c.treatment == "Appel au financeur."


def test_only_an_admin_treats_a_complaint_or_sets_the_deadline(cast: SimpleNamespace) -> None:
    c = by_email(cast)
    for who in (cast.consultant, cast.beneficiary, cast.outsider_admin):
        with pytest.raises(RuleViolation):
            complaints.treat_complaint(complaint=c, by=who, treatment="x")
        with pytest.raises(RuleViolation):
            complaints.update_settings(
                organisation=cast.org, by=who, complaint_answer_days=5, complaint_alert_days=1
            )
    c.refresh_from_db()
    assert c.status == ComplaintStatus.RECEIVED and c.treatment == ""
    with pytest.raises(RuleViolation, match="avant l'échéance"):
        complaints.update_settings(
            organisation=cast.org, by=cast.admin, complaint_answer_days=5, complaint_alert_days=5
        )
    assert complaints.settings_for(cast.org).complaint_answer_days == 15


def test_the_admins_are_alerted_before_the_deadline_and_once_it_has_passed(
    cast: SimpleNamespace,
) -> None:
    by_email(cast)
    now = timezone.now()
    send_complaint_emails(now)  # the acknowledgment
    mail.outbox.clear()
    assert send_complaint_emails(now + dt.timedelta(days=11)) == 0
    assert send_complaint_emails(now + dt.timedelta(days=12)) == 1  # 3 days before
    assert mail.outbox[-1].to == [cast.admin.email]
    assert "Échéance proche" in mail.outbox[-1].subject
    assert "attestation" not in mail.outbox[-1].body  # never the complaint's text
    assert send_complaint_emails(now + dt.timedelta(days=13)) == 0
    assert send_complaint_emails(now + dt.timedelta(days=16)) == 1
    assert "Délai dépassé" in mail.outbox[-1].subject
    assert send_complaint_emails(now + dt.timedelta(days=30)) == 0
    assert len(mail.outbox) == 2


def test_an_answered_complaint_raises_no_alert(cast: SimpleNamespace) -> None:
    c = by_email(cast)
    complaints.treat_complaint(
        complaint=c, by=cast.admin, treatment="t", answer="r", send_answer=True
    )
    now = timezone.now()
    send_complaint_emails(now)
    mail.outbox.clear()
    assert send_complaint_emails(now + dt.timedelta(days=20)) == 0


def test_a_beneficiary_sees_only_her_own_complaints(cast: SimpleNamespace) -> None:
    mine = complaints.create_complaint(
        organisation=cast.org, by=cast.beneficiary, text="A", category="other"
    )
    complaints.create_complaint(
        organisation=cast.org, by=cast.other_beneficiary, text="B", category="other"
    )
    by_email(cast)
    assert list(complaints.complaints_for(cast.beneficiary)) == [mine]
    assert complaints.complaints_for(cast.consultant).count() == 3
    assert complaints.complaints_for(cast.outsider_admin).count() == 0


# ---- pages ----------------------------------------------------------------------------------


def test_the_beneficiary_files_from_her_space_and_reads_the_answer(cast: SimpleNamespace) -> None:
    client = Client()
    client.force_login(cast.beneficiary)
    url = reverse("portal:complaints")
    empty = client.post(url, {"category": "other", "text": "  "})
    assert empty.status_code == 422 and "texte est vide" in text(empty)
    assert not Complaint.objects.exists()
    done = client.post(url, {"category": "other", "text": "Je n'ai pas reçu ma convocation."})
    assert done.status_code == 302
    c = Complaint.objects.get()
    complaints.treat_complaint(
        complaint=c, by=cast.admin, treatment="interne", answer="Elle est repartie.",
        send_answer=True,
    )  # fmt: skip
    page = text(client.get(url))
    assert c.reference in page and "Elle est repartie." in page
    assert "interne" not in page  # the treatment is the staff's
    client.force_login(cast.other_beneficiary)
    assert c.reference not in text(client.get(url))


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("quality:complaints", "get", False),
        ("quality:complaint_new", "post", False),
        ("quality:complaint_settings", "post", False),
        ("quality:complaint", "get", True),
        ("quality:complaint_treat", "post", True),
    ],
)
def test_the_register_pages_need_a_staff_login(
    cast: SimpleNamespace, name: str, method: str, args: bool
) -> None:
    c = by_email(cast)
    url = reverse(name, args=[c.pk] if args else [])
    client = Client()
    assert getattr(client, method)(url).status_code == 302
    client.force_login(cast.beneficiary)
    assert getattr(client, method)(url).status_code == 403
    if args:
        client.force_login(cast.outsider_admin)
        assert getattr(client, method)(url, {"treatment": "x"}).status_code == 404


def test_the_staff_enter_a_complaint_and_the_admin_answers_it_from_the_pages(
    cast: SimpleNamespace,
) -> None:
    client = Client()
    client.force_login(cast.consultant)
    form = {"channel": "phone", "complainant_role": "employer", "complainant_name": "SARL Dupont",
            "complainant_email": "", "category": "accompaniment", "text": "", "received_on": ""}  # fmt: skip
    refused = client.post(reverse("quality:complaint_new"), form)
    assert refused.status_code == 422 and "SARL Dupont" in text(refused)
    done = client.post(reverse("quality:complaint_new"), {**form, "text": "Retards répétés."})
    c = Complaint.objects.get()
    assert done.status_code == 302 and c.channel == "phone"
    assert c.reference in text(client.get(reverse("quality:complaints")))
    assert "Retards répétés." in text(client.get(reverse("quality:complaint", args=[c.pk])))
    treat = reverse("quality:complaint_treat", args=[c.pk])
    assert client.post(treat, {"treatment": "x"}).status_code == 403
    client.force_login(cast.admin)
    sent = client.post(treat, {"treatment": "Rappel fait.", "answer": "Désolés.", "send": "1"})
    assert sent.status_code == 302
    c.refresh_from_db()
    assert c.status == ComplaintStatus.ANSWERED and c.answer == "Désolés."
    settings = reverse("quality:complaint_settings")
    assert client.post(settings, {"complaint_answer_days": "x"}).status_code == 422
    ok = {"complaint_answer_days": "20", "complaint_alert_days": "5"}
    assert client.post(settings, ok).status_code == 302
    assert complaints.settings_for(cast.org).complaint_answer_days == 20


# ---- API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*ROLES, None])
def test_list_complaints_for_every_role(api: Api, cast: SimpleNamespace, who: str | None) -> None:
    by_email(cast)
    complaints.create_complaint(
        organisation=cast.org, by=cast.beneficiary, text="A", category="other"
    )
    response = api.get("/quality/complaints", who)
    assert response.status_code == (401 if who is None else 200)
    if who is None:
        return
    expected = {"admin": 2, "consultant": 2, "colleague": 2, "beneficiary": 1}.get(who, 0)
    body = response.json()
    assert len(body) == expected
    if who == "beneficiary":
        assert body[0]["treatment"] is None and body[0]["answer"] is None


@pytest.mark.parametrize("who", [*ROLES, None])
def test_create_complaint_for_every_role(api: Api, who: str | None) -> None:
    body = {"text": "Un souci.", "category": "other", "channel": "email",
            "complainant_role": "funder", "complainant_name": "OPCO"}  # fmt: skip
    response = api.post("/quality/complaints", who, body)
    assert response.status_code == (401 if who is None else 201)
    if who is not None:
        out = response.json()
        assert out["channel"] == ("email" if who in STAFF else "portal")
        assert Complaint.objects.count() == 1


def test_create_complaint_without_text_is_a_422_and_saves_nothing(api: Api) -> None:
    response = api.post("/quality/complaints", "beneficiary", {"text": " ", "category": "other"})
    assert response.status_code == 422 and "vide" in response.json()["detail"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("who", [*ROLES, None])
def test_treat_complaint_for_every_role(api: Api, cast: SimpleNamespace, who: str | None) -> None:
    c = by_email(cast)
    response = api.post(f"/quality/complaints/{c.pk}/treatment", who, {"treatment": "Vu."})
    expected = {None: 401, "admin": 200, "consultant": 403, "colleague": 403}.get(
        who, 404 if who in STAFF else 403
    )
    assert response.status_code == expected
    c.refresh_from_db()
    assert (c.treatment == "Vu.") is (expected == 200)


def test_treat_an_answered_complaint_is_a_409(api: Api, cast: SimpleNamespace) -> None:
    c = by_email(cast)
    complaints.treat_complaint(
        complaint=c, by=cast.admin, treatment="t", answer="r", send_answer=True
    )
    response = api.post(f"/quality/complaints/{c.pk}/treatment", "admin", {"treatment": "x"})
    assert response.status_code == 409


@pytest.mark.parametrize("who", [*ROLES, None])
def test_quality_settings_for_every_role(api: Api, who: str | None) -> None:
    read = api.get("/quality/settings", who)
    assert read.status_code == (401 if who is None else 200 if who in STAFF else 403)
    client: Any = api.client
    response = client.put(
        "/api/v1/quality/settings",
        data='{"complaint_answer_days": 30, "complaint_alert_days": 4}',
        content_type="application/json",
        **api.headers(who),
    )
    assert response.status_code == (401 if who is None else 200 if who in ADMINS else 403)
