"""The nightly job (issue 16, item 3): D-15 e-mail, destruction per class with the clock moved
forward, the destruction certificate, legal holds, the destroyers registry; API operations
and pages for every role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django import Settings as SettingsWrapper

from bilan.api.test_api import ROLES, Api
from bilan.bilans.content import DocumentClass
from bilan.bilans.models import Bilan, BilanFraming, Consent, Status, StatusChange
from bilan.demo.scenario import advance_to
from bilan.documents.models import Synthese, SyntheseHandover, SyntheseVersion
from bilan.entretiens.models import Entretien
from bilan.exchanges.journal import write_entry
from bilan.exchanges.messaging import post_message
from bilan.exchanges.models import JournalEntry, Message, MessageAttachment
from bilan.followup.models import ActionPlan
from bilan.lifecycle import destruction, retention, tasks
from bilan.lifecycle.models import (
    BilanLifecycle,
    DestructionCertificate,
    DestructionLine,
    LegalHold,
    LifecycleEvent,
)
from bilan.lifecycle.retention import add_months

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHERS_404 = {
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.fixture(autouse=True)
def _media_root(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def at(day: dt.date, hour: int = 3) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def with_work(cast: SimpleNamespace) -> Bilan:
    """The cast's bilan in investigation with a journal entry and a message with a file."""
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    write_entry(bilan=bilan, by=cast.beneficiary, text="Mon journal très privé", shared=False)
    post_message(
        bilan=bilan,
        by=cast.beneficiary,
        text="Voici mon CV",
        files=[SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")],
    )
    return bilan


def close(cast: SimpleNamespace) -> Bilan:
    bilan = with_work(cast)
    return advance_to(bilan, Status.CLOSED)


def closed_directly(bilan: Bilan, on: dt.date) -> Bilan:
    """Faster than the real closing where only the dates matter."""
    Bilan.objects.filter(pk=bilan.pk).update(status=Status.CLOSED, closed_on=on)
    bilan.refresh_from_db()
    return bilan


def counts(bilan_id: int) -> dict[str, int]:
    return {
        "journal": JournalEntry.objects.filter(bilan_id=bilan_id).count(),
        "messages": Message.objects.filter(bilan_id=bilan_id).count(),
        "attachments": MessageAttachment.objects.filter(message__bilan_id=bilan_id).count(),
        "framing": BilanFraming.objects.filter(bilan_id=bilan_id).count(),
        "synthese_versions": SyntheseVersion.objects.filter(synthese__bilan_id=bilan_id).count(),
        "plan": ActionPlan.objects.filter(bilan_id=bilan_id).count(),
        "synthese_shell": Synthese.objects.filter(bilan_id=bilan_id).count(),
        "entretiens": Entretien.objects.filter(bilan_id=bilan_id).count(),
        "status_changes": StatusChange.objects.filter(bilan_id=bilan_id).count(),
        "handovers": SyntheseHandover.objects.filter(synthese__bilan_id=bilan_id).count(),
        "consents": Consent.objects.filter(bilan_id=bilan_id).count(),
        "bilan": Bilan.objects.filter(pk=bilan_id).count(),
    }


WORK = ("journal", "messages", "attachments", "framing", "synthese_versions", "plan")
PROOFS = ("entretiens", "status_changes", "handovers")
ADMIN = ("consents", "bilan", "synthese_shell")


def test_the_matrix_with_the_clock_moved_forward(
    cast: SimpleNamespace, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    bilan = close(cast)
    pk, end = bilan.pk, bilan.closed_on
    assert end is not None
    write_entry(bilan=cast.other_bilan, by=cast.other_beneficiary, text="En cours")
    attachment = MessageAttachment.objects.get(message__bilan=bilan).file.name
    assert default_storage.exists(attachment)
    before = counts(pk)
    assert all(before[k] for k in WORK + PROOFS + ADMIN), before

    # The end of the action: the beneficiary is told (D-15), nothing is destroyed yet.
    report = tasks.nightly(at(end))
    assert report.notices == 1 and not report.destroyed
    assert [m.to for m in mail.outbox] == [[cast.beneficiary.email]]
    notice = mail.outbox[0]
    until = end + dt.timedelta(days=15)
    assert (
        "détruits" in notice.subject and "/espace/mes-donnees/toutes-mes-donnees.zip" in notice.body
    )
    assert f"{until.day}" in notice.subject
    assert "Mon journal très privé" not in notice.body
    assert counts(pk) == before

    # Fourteen days later: still nothing, and no second e-mail.
    tasks.nightly(at(end + dt.timedelta(days=14)))
    assert counts(pk) == before and len(mail.outbox) == 1

    # D+15: the work of the bilan and the provider's synthèse are destroyed, files too.
    with django_capture_on_commit_callbacks(execute=True):
        report = tasks.nightly(at(until))
    assert report.destroyed == {DocumentClass.TRAVAIL_BILAN: 1, DocumentClass.SYNTHESE: 1}
    after = counts(pk)
    assert all(after[k] == 0 for k in WORK), after
    assert all(after[k] == before[k] for k in PROOFS + ADMIN), after
    assert not default_storage.exists(attachment)
    assert JournalEntry.objects.filter(bilan=cast.other_bilan).count() == 1  # in progress

    # The certificate: classes, counts, dates; no content.
    certificate = DestructionCertificate.objects.get(bilan_id=pk)
    lines = {(line.destroyed_class, line.model_label): line for line in certificate.lines.all()}
    assert lines[("travail_bilan", "exchanges.JournalEntry")].count == 1
    assert lines[("travail_bilan", "exchanges.Message")].count == 1
    assert sum(line.files for line in lines.values()) == 1
    assert lines[("synthese", "documents.SyntheseVersion")].count == before["synthese_versions"]
    assert all(line.due_on == end for line in lines.values())
    text = " ".join(str(v) for line in certificate.lines.values() for v in line.values()) + str(
        vars(certificate)
    )
    assert "journal très privé" not in text and "CV" not in text

    # A further run destroys nothing twice.
    assert not tasks.nightly(at(until + dt.timedelta(days=1))).destroyed

    # After 3 years, the proofs go (the control period); the contract stays.
    proofs_due = add_months(end, 36)
    tasks.nightly(at(proofs_due - dt.timedelta(days=1)))
    assert counts(pk)["entretiens"] == before["entretiens"]
    report = tasks.nightly(at(proofs_due))
    assert report.destroyed == {DocumentClass.PREUVE_REALISATION: 1}
    after = counts(pk)
    assert all(after[k] == 0 for k in PROOFS) and after["consents"] and after["bilan"]

    # After 5 years, the contract and the bilan's record go; the certificate stays.
    report = tasks.nightly(at(add_months(end, 60)))
    assert report.destroyed == {DocumentClass.ADMIN_CONTRAT: 1}
    assert all(v == 0 for v in counts(pk).values())
    certificate = DestructionCertificate.objects.get(bilan_id=pk)
    assert certificate.lines.filter(destroyed_class="admin_contrat").exists()
    assert Bilan.objects.filter(pk=cast.other_bilan.pk).exists()
    assert JournalEntry.objects.filter(bilan=cast.other_bilan).count() == 1


def test_the_agreement_keeps_the_work_until_its_end(cast: SimpleNamespace) -> None:
    bilan = closed_directly(cast.bilan, dt.date(2026, 6, 30))
    write_entry(bilan=bilan, by=cast.beneficiary, text="À garder pour le suivi")
    retention.sign_agreement(bilan=bilan, by=cast.beneficiary, scope="both", reason="Suivi")
    assert not tasks.nightly(at(dt.date(2026, 7, 20))).notices
    assert JournalEntry.objects.filter(bilan=bilan).exists()
    deadline = dt.date(2029, 6, 30)
    assert not tasks.nightly(at(deadline - dt.timedelta(days=16))).notices
    assert tasks.nightly(at(deadline - dt.timedelta(days=15))).notices == 1
    tasks.nightly(at(deadline - dt.timedelta(days=1)))
    assert JournalEntry.objects.filter(bilan=bilan).exists()
    tasks.nightly(at(deadline))
    assert not JournalEntry.objects.filter(bilan=bilan).exists()


def test_a_withdrawn_agreement_brings_a_new_notice_then_destruction(
    cast: SimpleNamespace,
) -> None:
    end = dt.date(2026, 6, 30)
    bilan = closed_directly(cast.bilan, end)
    write_entry(bilan=bilan, by=cast.beneficiary, text="x")
    tasks.nightly(at(end))  # told once
    retention.sign_agreement(bilan=bilan, by=cast.beneficiary, scope="both", reason="Suivi")
    tasks.nightly(at(end + dt.timedelta(days=20)))
    assert JournalEntry.objects.filter(bilan=bilan).exists()  # kept by the agreement
    withdrawn = at(end + dt.timedelta(days=100))
    retention.withdraw_agreement(bilan=bilan, by=cast.beneficiary, now=withdrawn)
    report = tasks.nightly(withdrawn)
    assert report.notices == 1 and len(mail.outbox) == 2  # told again: the date moved
    tasks.nightly(withdrawn + dt.timedelta(days=14))
    assert JournalEntry.objects.filter(bilan=bilan).exists()
    tasks.nightly(withdrawn + dt.timedelta(days=15))
    assert not JournalEntry.objects.filter(bilan=bilan).exists()


def test_a_legal_hold_suspends_destruction_and_is_logged(cast: SimpleNamespace) -> None:
    end = dt.date(2026, 6, 30)
    bilan = closed_directly(cast.bilan, end)
    write_entry(bilan=bilan, by=cast.beneficiary, text="x")
    tasks.nightly(at(end))
    destruction.place_hold(bilan=bilan, by=cast.admin, kind="control", reason="Contrôle DREETS")
    for days in (15, 16):
        report = tasks.nightly(at(end + dt.timedelta(days=days)))
        assert report.suspended == 2 and not report.destroyed  # travail and synthèse
    assert JournalEntry.objects.filter(bilan=bilan).exists()
    events = LifecycleEvent.objects.filter(bilan_id=bilan.pk, kind="destruction_suspended")
    assert events.count() == 2  # once per class for this hold, not every night
    assert LifecycleEvent.objects.filter(kind="hold_placed", bilan_id=bilan.pk).exists()

    with pytest.raises(Exception, match="suspendues depuis le") as refused:
        destruction.destroy(
            [destruction.Due(bilan, DocumentClass.TRAVAIL_BILAN, end, "R6313-7")],
            by=cast.admin,
        )
    assert "Contrôle DREETS" in str(refused.value)
    assert JournalEntry.objects.filter(bilan=bilan).exists()
    assert LifecycleEvent.objects.filter(kind="destruction_refused", bilan_id=bilan.pk).exists()

    destruction.lift_hold(bilan=bilan, by=cast.admin)
    tasks.nightly(at(end + dt.timedelta(days=17)))
    assert not JournalEntry.objects.filter(bilan=bilan).exists()


def test_no_notice_while_held(cast: SimpleNamespace) -> None:
    bilan = closed_directly(cast.bilan, dt.date(2026, 6, 30))
    destruction.place_hold(bilan=bilan, by=cast.admin, kind="litigation", reason="Prud'hommes")
    assert tasks.nightly(at(dt.date(2026, 6, 30))).notices == 0
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["consultant", "beneficiary", "outsider_admin"])
def test_only_the_organisation_admin_places_or_lifts_a_hold(
    cast: SimpleNamespace, who: str
) -> None:
    with pytest.raises(Exception, match="administration"):
        destruction.place_hold(bilan=cast.bilan, by=getattr(cast, who), kind="control", reason="x")
    destruction.place_hold(bilan=cast.bilan, by=cast.admin, kind="control", reason="x")
    with pytest.raises(Exception, match="administration"):
        destruction.lift_hold(bilan=cast.bilan, by=getattr(cast, who))
    assert LegalHold.objects.get().lifted_at is None


def test_a_hold_needs_a_kind_and_a_reason_and_is_one_at_a_time(cast: SimpleNamespace) -> None:
    with pytest.raises(Exception, match="contrôle ou contentieux"):
        destruction.place_hold(bilan=cast.bilan, by=cast.admin, kind="other", reason="x")
    with pytest.raises(Exception, match="motif"):
        destruction.place_hold(bilan=cast.bilan, by=cast.admin, kind="control", reason=" ")
    destruction.place_hold(bilan=cast.bilan, by=cast.admin, kind="control", reason="x")
    with pytest.raises(Exception, match="déjà suspendues"):
        destruction.place_hold(bilan=cast.bilan, by=cast.admin, kind="control", reason="y")
    assert LegalHold.objects.count() == 1


@pytest.fixture
def spy() -> Iterator[list[tuple[list[int], str]]]:
    calls: list[tuple[list[int], str]] = []

    def shred(
        bilans: list[Bilan], document_class: DocumentClass, _d: destruction.Destroyed
    ) -> None:
        calls.append(([b.pk for b in bilans], document_class.value))

    destruction.register(DocumentClass.TRAVAIL_BILAN, shred)
    yield calls
    destruction.unregister(DocumentClass.TRAVAIL_BILAN, shred)


def test_a_registered_destroyer_runs_with_its_class(
    cast: SimpleNamespace, spy: list[tuple[list[int], str]]
) -> None:
    end = dt.date(2026, 6, 30)
    bilan = closed_directly(cast.bilan, end)
    tasks.nightly(at(end))
    assert spy == []
    tasks.nightly(at(end + dt.timedelta(days=15)))
    assert spy == [([bilan.pk], "travail_bilan")]


def test_the_nightly_schedule_exists(db: None) -> None:
    schedule = Schedule.objects.get(name="bilan-lifecycle-nightly")
    assert schedule.func == "bilan.lifecycle.tasks.nightly" and schedule.schedule_type == "D"
    assert schedule.repeats == -1


def test_every_bilan_class_has_a_path_or_is_declared_without(db: None) -> None:
    for document_class in destruction.ORDER:
        for model in destruction.destroyable_models(document_class):
            assert destruction.bilan_path_of(model) is not None, model


def test_a_bilan_in_progress_is_never_touched(cast: SimpleNamespace) -> None:
    write_entry(bilan=cast.bilan, by=cast.beneficiary, text="x")
    report = tasks.nightly(at(dt.date(2040, 1, 1)))
    assert not report.destroyed and not report.notices
    assert JournalEntry.objects.filter(bilan=cast.bilan).exists()
    assert BilanLifecycle.objects.filter(bilan=cast.bilan).count() == 0


# ---- API -------------------------------------------------------------------------------------

CERTIFICATE = {"beneficiary": 200, "consultant": 200, "admin": 200, **OTHERS_404}
PLACE = {"admin": 201, "consultant": 403, "beneficiary": 403, **OTHERS_404}
LIFT = {"admin": 200, "consultant": 403, "beneficiary": 403, **OTHERS_404}
VARIANT = {"admin": 200, "consultant": 403, "beneficiary": 403, **OTHERS_404}


def destroyed_work(cast: SimpleNamespace) -> Bilan:
    end = dt.date(2026, 6, 30)
    bilan = closed_directly(cast.bilan, end)
    write_entry(bilan=bilan, by=cast.beneficiary, text="x")
    tasks.nightly(at(end))
    tasks.nightly(at(end + dt.timedelta(days=15)))
    return bilan


@pytest.mark.parametrize("who", ROLES)
def test_get_destruction_certificate(api: Api, cast: SimpleNamespace, who: str) -> None:
    bilan = destroyed_work(cast)
    response = api.get(f"/bilans/{bilan.pk}/destruction-certificate", who)
    assert response.status_code == CERTIFICATE[who], response.json()
    if response.status_code == 200:
        body = response.json()
        assert body["bilan_reference"] == bilan.reference
        lines = {(x["document_class"], x["model"]): x["count"] for x in body["lines"]}
        assert lines[("travail_bilan", "exchanges.JournalEntry")] == 1


def test_a_certificate_outlives_its_bilan_for_the_admin_only(
    api: Api, cast: SimpleNamespace
) -> None:
    bilan = destroyed_work(cast)
    tasks.nightly(at(add_months(dt.date(2026, 6, 30), 60)))
    assert not Bilan.objects.filter(pk=bilan.pk).exists()
    path = f"/bilans/{bilan.pk}/destruction-certificate"
    assert api.get(path, "admin").status_code == 200
    for who in ("beneficiary", "consultant", "outsider_admin"):
        assert api.get(path, who).status_code == 404


def test_no_certificate_before_any_destruction(api: Api, cast: SimpleNamespace) -> None:
    response = api.get(f"/bilans/{cast.bilan.pk}/destruction-certificate", "admin")
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.parametrize("who", ROLES)
def test_place_legal_hold(api: Api, cast: SimpleNamespace, who: str) -> None:
    response = api.post(
        f"/bilans/{cast.bilan.pk}/legal-hold", who, {"kind": "litigation", "reason": "Litige"}
    )
    assert response.status_code == PLACE[who], response.json()
    assert LegalHold.objects.count() == (1 if who == "admin" else 0)


@pytest.mark.parametrize("who", ROLES)
def test_lift_legal_hold(api: Api, cast: SimpleNamespace, who: str) -> None:
    destruction.place_hold(bilan=cast.bilan, by=cast.admin, kind="control", reason="x")
    response = api.post(f"/bilans/{cast.bilan.pk}/legal-hold/lift", who, {})
    assert response.status_code == LIFT[who], response.json()
    assert (LegalHold.objects.get().lifted_at is not None) == (who == "admin")


def test_the_schedule_shows_the_hold(api: Api, cast: SimpleNamespace) -> None:
    destruction.place_hold(bilan=cast.bilan, by=cast.admin, kind="control", reason="x")
    body = api.get(f"/bilans/{cast.bilan.pk}/retention", "beneficiary").json()
    assert body["legal_hold"]["kind"] == "control"
    assert (
        api.post(
            f"/bilans/{cast.bilan.pk}/legal-hold", "admin", {"kind": "control", "reason": "y"}
        ).status_code
        == 409
    )


@pytest.mark.parametrize("who", ROLES)
def test_set_proof_retention(api: Api, cast: SimpleNamespace, who: str) -> None:
    closed_directly(cast.bilan, dt.date(2026, 6, 30))
    response = api.client.put(
        f"/api/v1/bilans/{cast.bilan.pk}/proof-retention",
        data='{"variant": "cofinanced"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens[who]}"},
    )
    assert response.status_code == VARIANT[who], response.json()
    if who == "admin":
        classes = {c["document_class"]: c for c in response.json()["classes"]}
        assert classes["preuve_realisation"]["due_on"] == "2036-06-30"
        assert response.json()["proof_variant"] == "cofinanced"


# ---- pages -----------------------------------------------------------------------------------

PAGE = {"admin": 200, "consultant": 200, "colleague": 404, "outsider_admin": 404}
PAGE.update(outsider_consultant=404)


@pytest.mark.parametrize("who", ROLES)
def test_the_bilan_lifecycle_page(client: Client, cast: SimpleNamespace, who: str) -> None:
    destroyed_work(cast)
    client.force_login(getattr(cast, who))
    response = client.get(f"/donnees/bilan/{cast.bilan.pk}/")
    assert response.status_code == PAGE.get(who, 403)
    if response.status_code == 200:
        page = response.content.decode()
        assert "exchanges.JournalEntry" in page and "Certificat de destruction" in page
        assert ("Suspendre les destructions" in page) == (who == "admin")


@pytest.mark.parametrize("who", ROLES)
def test_holds_from_the_page(client: Client, cast: SimpleNamespace, who: str) -> None:
    client.force_login(getattr(cast, who))
    url = f"/donnees/bilan/{cast.bilan.pk}/suspension/"
    response = client.post(url, {"kind": "control", "reason": "Contrôle"})
    expected = {"admin": 302, "outsider_admin": 404}
    assert response.status_code == expected.get(who, 403)
    assert LegalHold.objects.count() == (1 if who == "admin" else 0)
    if who == "admin":
        client.post(f"/donnees/bilan/{cast.bilan.pk}/suspension/levee/")
        assert LegalHold.objects.get().lifted_at is not None


@pytest.mark.parametrize("who", ROLES)
def test_proof_variant_from_the_page(client: Client, cast: SimpleNamespace, who: str) -> None:
    client.force_login(getattr(cast, who))
    response = client.post(f"/donnees/bilan/{cast.bilan.pk}/preuves/", {"variant": "opco"})
    expected = {"admin": 302, "outsider_admin": 404}
    assert response.status_code == expected.get(who, 403)
    variant = BilanLifecycle.objects.filter(bilan=cast.bilan).values_list(
        "proof_variant", flat=True
    )
    assert list(variant) == (["opco"] if who == "admin" else [])


@pytest.mark.parametrize("who", ROLES)
def test_the_certificates_pages(client: Client, cast: SimpleNamespace, who: str) -> None:
    bilan = destroyed_work(cast)
    client.force_login(getattr(cast, who))
    listing = client.get("/donnees/certificats/")
    one = client.get(f"/donnees/certificats/{bilan.pk}/")
    expected = {"admin": 200, "outsider_admin": 200}
    assert listing.status_code == expected.get(who, 403)
    assert one.status_code == {"admin": 200, "outsider_admin": 404}.get(who, 403)
    if who == "admin":
        assert bilan.reference in listing.content.decode()
        assert DestructionLine.objects.exists()
    if who == "outsider_admin":
        assert bilan.reference not in listing.content.decode()
