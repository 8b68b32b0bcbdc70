"""Every audit row names its channel and the client's hashed address; a refused read of a
bilan's content is logged whoever asks (issue 11, item 8)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bilan.accounts.models import ApiToken
from bilan.bilans.models import Status
from bilan.compliance import origin
from bilan.compliance.audit import record_content_access, record_refused_read
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.test_conduct import make_entretien
from bilan.lib.net import hash_ip

IP = "203.0.113.7"


def web(user) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return client


def api_get(user, path: str) -> int:
    response = Client(REMOTE_ADDR=IP).get(
        f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}"
    )
    return response.status_code


def denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).order_by("id"))


@pytest.fixture
def framed(cast):
    """The consultant's bilan with its cadrage written (content an admin may not read)."""
    advance_to(cast.bilan, Status.PRELIMINARY)
    framing = cast.bilan.framing_or_empty()
    framing.needs_analysis = "Reconversion après un licenciement."
    framing.save()
    return framing


# ---- channel and hashed address ---------------------------------------------------------------


def test_a_read_on_a_web_page_records_the_channel_and_the_hashed_address(cast, framed):
    assert (
        web(cast.consultant).get(reverse("bilans:detail", args=[cast.bilan.pk])).status_code == 200
    )
    row = AuditEvent.objects.get(object_type="bilans.BilanFraming")
    assert (row.channel, row.ip_hash) == ("web", hash_ip(IP))
    assert IP not in row.ip_hash and len(row.ip_hash) == 64


def test_a_read_through_the_api_records_the_api_channel(cast, framed):
    assert api_get(cast.consultant, f"/bilans/{cast.bilan.pk}") == 200
    row = AuditEvent.objects.get(object_type="bilans.BilanFraming")
    assert (row.channel, row.ip_hash) == ("api", hash_ip(IP))


def test_outside_a_request_the_process_names_the_channel(cast, framed, monkeypatch):
    monkeypatch.setattr("sys.argv", ["manage.py", "qcluster"])
    record_content_access(actor=cast.consultant, bilan=cast.bilan, objects=[framed])
    monkeypatch.setattr("sys.argv", ["manage.py", "send_reminders"])
    record_content_access(actor=cast.consultant, bilan=cast.bilan, objects=[framed])
    rows = AuditEvent.objects.order_by("id")
    assert [(r.channel, r.ip_hash) for r in rows] == [("worker", ""), ("command", "")]
    assert [r.channel_label for r in rows] == ["tâche de fond", "commande d'exploitation"]


def test_a_row_written_directly_still_gets_the_requests_origin(cast):
    with origin.audit_origin(origin.API, hash_ip(IP)):
        event = AuditEvent.objects.create(
            actor_id=cast.beneficiary.pk,
            actor_email=cast.beneficiary.email,
            organisation_id=cast.org.pk,
            bilan_id=cast.bilan.pk,
            action=AuditEvent.Action.EXPORT,
            object_type="bilans.Bilan",
            channel="web",
        )
    event.refresh_from_db()
    assert (event.channel, event.ip_hash) == ("api", hash_ip(IP))


# ---- refused reads ---------------------------------------------------------------------------


def test_a_consultant_refused_another_consultants_bilan_is_logged(cast, framed):
    assert (
        web(cast.colleague).get(reverse("bilans:detail", args=[cast.bilan.pk])).status_code == 404
    )
    (row,) = denied()
    assert (row.actor_email, row.actor_role) == ("collegue@cap.test", "consultant")
    assert (row.organisation_id, row.bilan_id) == (cast.org.pk, cast.bilan.pk)
    assert (row.object_type, row.channel, row.ip_hash) == ("bilans:detail", "web", hash_ip(IP))


def test_an_admin_refused_an_entretiens_notes_is_logged_on_its_bilan(cast):
    entretien = make_entretien(cast)
    response = web(cast.admin).get(reverse("entretiens:conduct", args=[entretien.pk]))
    assert response.status_code == 403
    (row,) = denied()
    assert (row.actor_role, row.bilan_id, row.object_id) == (
        "admin",
        cast.bilan.pk,
        str(entretien.pk),
    )
    assert row.object_type == "entretiens:conduct"


def test_a_beneficiary_refused_the_consultants_notes_through_the_api_is_logged(cast):
    entretien = make_entretien(cast)
    assert api_get(cast.beneficiary, f"/entretiens/{entretien.pk}/notes") == 403
    (row,) = denied()
    assert (row.actor_email, row.actor_role, row.channel) == (
        "benef@cap.test",
        "beneficiary",
        "api",
    )
    assert row.bilan_id == cast.bilan.pk


def test_another_organisations_admin_is_logged_in_the_bilans_organisation(cast):
    assert api_get(cast.outsider_admin, f"/bilans/{cast.bilan.pk}/journal") == 404
    (row,) = denied()
    assert (row.actor_email, row.actor_role) == ("admin@horizon.test", "")
    assert (row.organisation_id, row.bilan_id) == (cast.org.pk, cast.bilan.pk)
    assert AuditEvent.objects.for_organisation(cast.org.pk).count() == 1


def test_asking_for_a_bilan_that_does_not_exist_is_logged_in_ones_own_organisation(cast):
    assert web(cast.consultant).get("/bilans/987654/").status_code == 404
    (row,) = denied()
    assert (row.bilan_id, row.object_id, row.organisation_id) == (None, "987654", cast.org.pk)


def test_the_synthese_refusal_is_logged_once(cast):
    advance_to(cast.bilan, Status.CONCLUSIONS)
    response = web(cast.admin).get(reverse("documents:synthese", args=[cast.bilan.pk]))
    assert response.status_code == 403
    assert len(denied()) == 1


def test_a_granted_read_and_an_anonymous_visit_log_no_refusal(cast, framed):
    assert (
        web(cast.consultant).get(reverse("bilans:detail", args=[cast.bilan.pk])).status_code == 200
    )
    assert Client().get(reverse("bilans:detail", args=[cast.bilan.pk])).status_code == 302
    assert denied() == []


def test_record_refused_read_can_be_called_by_a_view_that_refuses_itself(cast):
    event = record_refused_read(cast.other_beneficiary, cast.bilan.pk, "exchanges.JournalEntry")
    assert event is not None
    row = AuditEvent.objects.get()
    assert (row.action, row.bilan_id, row.actor_role) == ("denied", cast.bilan.pk, "beneficiary")
    assert row.object_type == "exchanges.JournalEntry"
