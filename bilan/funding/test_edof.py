"""The EDOF file (issue 13 item 6): statuses forward only, no cancelling a declared entry, the
CSV import (all rows or none), the 3-working-day deadlines across a public holiday, the late
ones escalated, the session gate through bilans.gates, the page and the API for every role."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from bilan.api.test_api import Api
from bilan.bilans import gates
from bilan.bilans.models import Bilan, Phase, RuleViolation, Status
from bilan.entretiens.models import Entretien
from bilan.funding import edof, rules
from bilan.funding.models import EdofStatus, EdofStatusChange
from bilan.funding.testing import at_status
from bilan.funding.working_days import add_working_days, is_working_day


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def tracked(cast: SimpleNamespace) -> Bilan:
    bilan: Bilan = cast.bilan
    rules.funding_of(bilan)  # the bilan's CPF file is held by the funding feature
    return bilan


def test_the_3rd_working_day_across_a_public_holiday() -> None:
    # Wednesday 5 May 2027; Thursday 6 is Ascension (férié): Fri 7, Mon 10, Tue 11.
    assert not is_working_day(dt.date(2027, 5, 6))
    assert add_working_days(dt.date(2027, 5, 5), 3) == dt.date(2027, 5, 11)
    # Without a holiday in between, Monday + 3 working days is Thursday.
    assert add_working_days(dt.date(2027, 5, 17), 3) == dt.date(2027, 5, 20)
    # Friday 12 July 2030 → Mon 15, Tue 16 (the 14th is a Sunday): the weekend is skipped.
    assert add_working_days(dt.date(2030, 7, 12), 2) == dt.date(2030, 7, 16)


def test_statuses_go_forward_and_are_logged(cast: SimpleNamespace, tracked: Bilan) -> None:
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.RECEIVED)
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.ACCEPTED)
    with pytest.raises(RuleViolation, match="ne revient pas"):
        edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.RECEIVED)
    assert [c.status for c in EdofStatusChange.objects.all()] == ["received", "accepted"]


def test_a_declared_entry_cannot_be_cancelled(cast: SimpleNamespace, tracked: Bilan) -> None:
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.ENTRY_DECLARED)
    with pytest.raises(RuleViolation, match="ne peut plus être annulée"):
        edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.CANCELLED)
    assert rules.funding_of(tracked).edof_status == EdofStatus.ENTRY_DECLARED


def test_a_bilan_without_cpf_has_no_edof_file(cast: SimpleNamespace) -> None:
    Bilan.objects.filter(pk=cast.bilan.pk).update(funding_route="personal")
    cast.bilan.refresh_from_db()
    with pytest.raises(RuleViolation, match="pas de dossier EDOF"):
        edof.record_status(bilan=cast.bilan, by=cast.consultant, status=EdofStatus.ACCEPTED)


def test_the_csv_import_applies_every_row_or_none(cast: SimpleNamespace, tracked: Bilan) -> None:
    good = "Numéro du dossier;Statut\nCPF-123456789;Accepté\n"
    report = edof.import_csv(organisation=cast.org, by=cast.admin, text=good)
    assert (report.updated, report.unchanged) == (1, 0)
    assert rules.funding_of(tracked).edof_status == EdofStatus.ACCEPTED
    bad = "Numéro du dossier;Statut\nCPF-123456789;Entrée déclarée\nCPF-000;Accepté\n"
    with pytest.raises(RuleViolation, match="Ligne 3 : dossier CPF inconnu"):
        edof.import_csv(organisation=cast.org, by=cast.admin, text=bad)
    assert rules.funding_of(tracked).edof_status == EdofStatus.ACCEPTED  # nothing half-done


def test_another_organisations_dossier_is_unknown_to_the_import(cast: SimpleNamespace) -> None:
    rules.funding_of(cast.outsider_bilan)
    with pytest.raises(RuleViolation, match="dossier CPF inconnu"):
        edof.import_csv(
            organisation=cast.org, by=cast.admin, text="Dossier,Statut\nCPF-123456789,accepté\n"
        )


def held_on(bilan: Bilan, day: dt.date) -> None:
    Bilan.objects.filter(pk=bilan.pk).update(status=Status.PRELIMINARY)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    Entretien.objects.create(
        bilan=bilan,
        phase=Phase.PRELIMINARY,
        starts_at=start,
        planned_minutes=90,
        status="held",
        held_minutes=90,
    )


def test_the_entry_is_due_on_the_3rd_working_day_and_late_the_day_after(
    cast: SimpleNamespace, tracked: Bilan
) -> None:
    held_on(tracked, dt.date(2027, 5, 5))
    (task,) = edof.edof_tasks(cast.org, today=dt.date(2027, 5, 11))
    assert (task.kind, task.due_on, task.late) == ("entry", dt.date(2027, 5, 11), False)
    (late,) = edof.edof_tasks(cast.org, today=dt.date(2027, 5, 12))
    assert late.late
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.ENTRY_DECLARED)
    assert edof.edof_tasks(cast.org, today=dt.date(2027, 5, 12)) == []


def test_the_exit_and_service_fait_are_due_3_working_days_after_the_end(
    cast: SimpleNamespace, tracked: Bilan
) -> None:
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.ENTRY_DECLARED)
    Bilan.objects.filter(pk=tracked.pk).update(status=Status.CLOSED, closed_on=dt.date(2027, 5, 5))
    (task,) = edof.edof_tasks(cast.org, today=dt.date(2027, 5, 6))
    assert (task.kind, task.due_on, task.late) == ("exit", dt.date(2027, 5, 11), False)
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.SERVICE_DONE)
    assert edof.edof_tasks(cast.org, today=dt.date(2027, 5, 12)) == []


def test_no_first_investigation_entretien_unless_the_file_is_accepted(
    cast: SimpleNamespace, tracked: Bilan
) -> None:
    message = gates.refusal(tracked, Phase.INVESTIGATION)
    assert message and "n'est pas « accepté » sur EDOF" in message
    assert gates.refusal(tracked, Phase.PRELIMINARY) is None
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.ACCEPTED)
    assert gates.refusal(tracked, Phase.INVESTIGATION) is None


def test_scheduling_calls_the_gate_and_saves_nothing_on_refusal(
    cast: SimpleNamespace, tracked: Bilan
) -> None:
    at_status(tracked, Status.INVESTIGATION)
    start = timezone.now() + dt.timedelta(days=7)
    with pytest.raises(RuleViolation, match="EDOF"):
        Entretien.schedule(bilan=tracked, by=cast.consultant, starts_at=start, planned_minutes=60)
    assert not Entretien.objects.filter(bilan=tracked).exists()
    edof.record_status(bilan=tracked, by=cast.consultant, status=EdofStatus.ACCEPTED)
    Entretien.schedule(bilan=tracked, by=cast.consultant, starts_at=start, planned_minutes=60)


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("admin", 200, 302),
        ("consultant", 200, 302),
        ("colleague", 200, 404),
        ("beneficiary", 403, 403),
    ],
)
def test_the_edof_page_for_every_role(
    cast: SimpleNamespace, tracked: Bilan, who: str, get: int, post: int
) -> None:
    client = Client()
    client.force_login(getattr(cast, who))
    assert client.get("/financement/edof/").status_code == get
    response = client.post("/financement/edof/", {"bilan": tracked.pk, "status": "accepted"})
    assert response.status_code == post
    assert (rules.funding_of(tracked).edof_status == "accepted") is (post == 302)


def test_the_edof_page_imports_a_csv_and_shows_refusals(
    cast: SimpleNamespace, tracked: Bilan
) -> None:
    client = Client()
    client.force_login(cast.admin)
    upload = SimpleUploadedFile("edof.csv", "Dossier;Statut\nCPF-123456789;Reçu\n".encode())
    response = client.post("/financement/edof/", {"file": upload}, follow=True)
    assert "1 dossier(s) mis à jour" in response.content.decode()
    bad = SimpleUploadedFile("edof.csv", b"Dossier;Statut\nCPF-123456789;perdu\n")
    response = client.post("/financement/edof/", {"file": bad}, follow=True)
    assert "Ligne 2 : statut inconnu" in response.content.decode()
    assert rules.funding_of(tracked).edof_status == "received"


@pytest.mark.parametrize(
    ("who", "listed", "recorded"),
    [
        ("admin", 200, 200),
        ("consultant", 200, 200),
        ("colleague", 200, 404),
        ("beneficiary", 403, 403),
        (None, 401, 401),
    ],
)
def test_the_edof_api_for_every_role(
    api: Api, cast: SimpleNamespace, tracked: Bilan, who: str | None, listed: int, recorded: int
) -> None:
    assert api.get("/edof-tasks", who).status_code == listed
    response = api.client.put(
        f"/api/v1/bilans/{tracked.pk}/edof-status",
        data=json.dumps({"status": "accepted"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens[who]}"} if who else None,
    )
    assert response.status_code == recorded
    if recorded == 200:
        assert response.json() == {"bilan_id": tracked.pk, "edof_status": "accepted"}
        again = api.client.put(
            f"/api/v1/bilans/{tracked.pk}/edof-status",
            data=json.dumps({"status": "received"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {api.tokens[who]}"} if who else None,
        )
        assert again.status_code == 409 and "ne revient pas" in again.json()["detail"]
