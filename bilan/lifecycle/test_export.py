"""« Toutes mes données » (issue 16, item 7): the export contains everything listed —
consents, attendance, shared entretien summaries, attachments, the certificate, a readable
journal and thread beside bilan.json — for all her bilans; hers only."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import Settings

from bilan.api.test_api import ROLES
from bilan.bilans.models import Status
from bilan.bilans.testing import make_bilan
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import EntretienNote, EntretienStatus, NoteKind
from bilan.entretiens.notes import SUMMARY
from bilan.exchanges.journal import write_entry
from bilan.exchanges.messaging import post_message
from bilan.lifecycle import export, requests, retention

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def zip_of(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def test_the_export_contains_everything_listed(cast: SimpleNamespace) -> None:
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    write_entry(bilan=bilan, by=cast.beneficiary, text="Mon journal, ligne <b>un</b>")
    post_message(
        bilan=bilan,
        by=cast.beneficiary,
        text="Voici mon CV",
        files=[SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")],
    )
    held = bilan.entretiens.filter(status=EntretienStatus.HELD).order_by("starts_at").first()
    assert held is not None
    EntretienNote.objects.create(
        entretien=held, key=SUMMARY, kind=NoteKind.SHARED, text="Synthèse partagée du premier"
    )
    # The scenario has both parties sign each entretien it holds (the hours ledger's proof).
    assert held.attendances.count() == 2
    bilan = advance_to(bilan, Status.CLOSED)
    retention.sign_agreement(bilan=bilan, by=cast.beneficiary, scope="both", reason="Suivi")
    requests.create_request(bilan=bilan, by=cast.beneficiary, kind="access")
    # Her earlier bilan in the same organisation: in the export too.
    older = make_bilan(cast.org, cast.beneficiary, cast.consultant)
    write_entry(bilan=older, by=cast.beneficiary, text="Ancien bilan")

    archive = zip_of(export.export_all(user=cast.beneficiary))
    names = set(archive.namelist())
    folder = f"{bilan.reference}/"
    for name in (
        "bilan.json",
        "dossier.json",
        "journal.html",
        "messages.html",
        "certificat-de-realisation.pdf",
    ):
        assert folder + name in names, name
    assert f"{older.reference}/bilan.json" in names
    attachment = next(n for n in names if n.startswith(folder + "pieces-jointes/"))
    assert archive.read(attachment) == PDF

    dossier = json.loads(archive.read(folder + "dossier.json"))
    (consent,) = dossier["consentements"]
    assert consent["method"] == "online" and consent["notice_version"] == "2026-11"
    assert any(s["signatures"] for s in dossier["emargement"])
    assert sum(e["minutes"] for e in dossier["emargement"]) > 0
    assert dossier["syntheses_entretiens"][0]["summary"] == "Synthèse partagée du premier"
    assert dossier["accords_conservation"][0]["reason"] == "Suivi"
    assert dossier["demandes"][0]["kind"] == "access"
    assert dossier["certificat_destruction"] is None

    data = json.loads(archive.read(folder + "bilan.json"))
    assert data["journal"][0]["text"] == "Mon journal, ligne <b>un</b>"
    journal = archive.read(folder + "journal.html").decode()
    assert "Mon journal, ligne &lt;b&gt;un&lt;/b&gt;" in journal  # readable, escaped
    messages = archive.read(folder + "messages.html").decode()
    assert "Voici mon CV" in messages and "pieces-jointes/" in messages
    assert archive.read(folder + "certificat-de-realisation.pdf").startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", actor_id=cast.beneficiary.pk).count() == 2
    # Never another person's bilan.
    assert not any(cast.other_bilan.reference in n for n in names)


def test_the_paper_consent_scan_is_in_the_export(cast: SimpleNamespace) -> None:
    cast.bilan.record_consent(
        by=cast.consultant, method="paper", scan=SimpleUploadedFile("signe.pdf", PDF)
    )
    archive = zip_of(export.export_all(user=cast.beneficiary))
    assert archive.read(f"{cast.bilan.reference}/consentement/signe.pdf") == PDF
    dossier = json.loads(archive.read(f"{cast.bilan.reference}/dossier.json"))
    assert dossier["consentements"][0]["proof"] == {"scan": "consentement/signe.pdf"}


@pytest.mark.parametrize("who", ["consultant", "admin"])
def test_only_the_beneficiary_exports(cast: SimpleNamespace, who: str) -> None:
    with pytest.raises(PermissionDenied):
        export.export_all(user=getattr(cast, who))


@pytest.mark.parametrize("who", ROLES)
def test_the_export_page(client: Client, cast: SimpleNamespace, who: str) -> None:
    client.force_login(getattr(cast, who))
    response = client.get("/espace/mes-donnees/toutes-mes-donnees.zip")
    assert response.status_code == (200 if who.endswith("beneficiary") else 403)
    if response.status_code == 200:
        names = zip_of(response.content).namelist()
        own = getattr(
            cast, who.replace("beneficiary", "bilan") if who != "beneficiary" else "bilan"
        )
        assert any(n.startswith(f"{own.reference}/") for n in names)
        assert response["Content-Disposition"].startswith("attachment;")
