"""The proof bundle (« dossier de preuve », issue 14): a zip of PDFs with an index, from parts
registered by their features, and no content of the bilan in any file (a marker planted in
every content field of the bilan is absent from every file read back)."""

from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from bilan.accounts.models import ApiToken
from bilan.bilans.content import content_models
from bilan.bilans.models import Bilan
from bilan.demo.testing import close
from bilan.entretiens import proof
from bilan.entretiens.models import Entretien, EntretienNote, NoteKind

MARKER = "ZQXMARK"


def files_of(data: bytes) -> dict[str, str]:
    """Every file of the zip, as text (PDF text extracted)."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            assert name.endswith(".pdf"), name
            out[name] = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages)
    return out


def plant_rows(rows: Any, values: dict[str, Any]) -> None:
    """Each row saved with the marker through the fields (content is encrypted at rest: it
    cannot be written by a SQL UPDATE)."""
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        models.Model.save(row, update_fields=list(values))


def plant(bilan: Bilan) -> int:
    """The marker in every text field of every content row of the bilan (and the entretiens'
    free titles). Returns how many content models had rows."""
    planted = 0
    for model in content_models():
        path = getattr(model, "bilan_path", "bilan")
        rows = model._default_manager.filter(**{path: bilan})
        keys = {
            name
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint)
            for name in c.fields
        }
        fields = {
            f.name: MARKER
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and not f.unique
            and f.name not in keys  # identifiers (a note's question id), not text
        }
        if fields and rows.exists():
            plant_rows(rows, fields)
            planted += 1
    Entretien.objects.filter(bilan=bilan).update(title=MARKER)
    return planted


@pytest.fixture
def closed(cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Bilan:
    bilan = close(cast.bilan, monkeypatch)
    entretien = bilan.entretiens.filter(status="held").first()
    assert entretien is not None
    EntretienNote.objects.create(entretien=entretien, key="free", text=MARKER)
    EntretienNote.objects.create(
        entretien=entretien, key="summary", kind=NoteKind.SHARED, text=MARKER
    )
    return bilan


def test_the_bundle_holds_an_index_the_sheet_and_the_certificate(closed: Bilan) -> None:
    files = files_of(proof.proof_bundle(closed))
    names = sorted(files)
    assert names[0] == "00-index.pdf"
    assert any("emargement" in n for n in names) and any("certificat" in n for n in names)
    index = files["00-index.pdf"]
    flat = "".join(index.split())  # a long name wraps in its cell
    for name in names[1:]:
        assert name in flat, name
    assert "Dossier de preuve de réalisation" in index


def test_no_content_reaches_any_file_of_the_bundle(closed: Bilan) -> None:
    planted = plant(closed)
    assert planted >= 3  # framing, action plan, notes at least
    for name, text in files_of(proof.proof_bundle(closed)).items():
        assert MARKER not in text, name


def test_a_feature_adds_its_part_through_the_registry(
    closed: Bilan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proof, "_parts", dict(proof._parts))
    sheet = proof.attendance_part(closed)[0].content
    proof.register_bundle_part(
        "convention", lambda bilan: [proof.BundleFile("convention.pdf", "Convention", sheet)]
    )
    files = files_of(proof.proof_bundle(closed))
    assert any(n.endswith("-convention.pdf") for n in files)
    assert "Convention" in files["00-index.pdf"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("consultant", 200), ("admin", 200), ("colleague", 404), ("beneficiary", 403)],
)
def test_who_downloads_the_bundle_from_the_page(
    closed: Bilan, cast: SimpleNamespace, client: Client, who: str, status: int
) -> None:
    client.force_login(getattr(cast, who))
    response = client.get(reverse("entretiens:proof_bundle", args=[closed.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/zip"
        assert "00-index.pdf" in files_of(response.content)
        page = client.get(reverse("bilans:detail", args=[closed.pk])).content.decode()
        assert 'id="proof-bundle"' in page


@pytest.mark.parametrize(
    ("who", "status"), [("consultant", 200), ("beneficiary", 403), ("outsider_admin", 404)]
)
def test_the_api_gives_the_same_bundle(
    closed: Bilan, cast: SimpleNamespace, who: str, status: int
) -> None:
    response = Client().get(
        f"/api/v1/bilans/{closed.pk}/proof-bundle",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(getattr(cast, who))}",
    )
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/zip"
        assert "00-index.pdf" in files_of(response.content)
    else:
        assert "detail" in json.loads(response.content)
