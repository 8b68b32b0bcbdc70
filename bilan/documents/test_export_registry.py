"""« Télécharger tout mon bilan » walks the content registry (bilan.bilans.content): every
content model is either exported (EXPORTED says where) or left out for a written reason
(NOT_EXPORTED); a model in neither stops the export, so none is ever forgotten."""

from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from bilan.bilans.content import content_models
from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.documents import export
from bilan.entretiens.models import EntretienNote, EntretienStatus, NoteKind
from bilan.entretiens.notes import SUMMARY
from bilan.entretiens.test_conduct import make_entretien
from bilan.followup.models import SelfDiagnosis, SuiviReport


def test_every_content_model_of_the_registry_is_decided_once():
    labels = {m._meta.label for m in content_models()}
    exported, left_out = set(export.EXPORTED), set(export.NOT_EXPORTED)
    assert not exported & left_out
    assert labels - exported - left_out == set(), "content models the export forgot"
    assert (exported | left_out) - labels == set(), "entries for models that are not content"
    assert all(reason.strip() for reason in export.NOT_EXPORTED.values())


def test_a_content_model_missing_from_the_export_stops_it(cast, monkeypatch):
    forgotten = dict(export.EXPORTED)
    del forgotten["followup.SelfDiagnosis"]
    monkeypatch.setattr(export, "EXPORTED", forgotten)
    with pytest.raises(ImproperlyConfigured, match="followup.SelfDiagnosis"):
        export.bilan_data(cast.bilan)


def data_of(cast: SimpleNamespace) -> dict:
    archive = zipfile.ZipFile(
        io.BytesIO(export.export_zip(user=cast.beneficiary, bilan=cast.bilan))
    )
    return json.loads(archive.read("bilan.json"))


def test_the_beneficiarys_summaries_suivi_and_framing_are_exported_never_a_private_note(cast):
    entretien = make_entretien(cast)
    EntretienNote.objects.create(
        entretien=entretien, key=SUMMARY, kind=NoteKind.SHARED, text="Synthèse partagée."
    )
    EntretienNote.objects.create(
        entretien=entretien, key="free", kind=NoteKind.PRIVATE, text="Note privée."
    )
    type(entretien).objects.filter(pk=entretien.pk).update(status=EntretienStatus.HELD)
    advance_to(cast.bilan, Status.INVESTIGATION)
    SelfDiagnosis.objects.create(bilan=cast.bilan, results="Admise en formation")
    SuiviReport.objects.create(bilan=cast.bilan, advances="Brouillon du consultant")
    data = data_of(cast)
    assert data["format"] == 2
    assert [e["text"] for e in data["entretiens"]] == ["Synthèse partagée."]
    assert "Note privée." not in json.dumps(data, ensure_ascii=False)
    assert data["suivi"]["auto_diagnostic"]["results"] == "Admise en formation"
    assert data["suivi"]["compte_rendu"] is None  # a report not finalised is the consultant's
    assert data["cadrage"]["request_text"] == cast.bilan.framing.request_text
    assert data["travaux"] == [] and data["synthese"] is None
