"""Every content field of every feature is encrypted at rest (issue 16): a marker planted in
each one appears nowhere in a plain dump of the database nor in the private files, reads back
in clear through the ORM, and is gone for good once the bilan's key is shredded. Here, above
every feature, because it builds a row of each."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from bilan.assessments.models import Administration, Result
from bilan.bilans import encryption
from bilan.bilans.content import content_models
from bilan.bilans.fields import EncryptedFileField, EncryptedJSONField, EncryptedTextField
from bilan.bilans.models import BilanFraming, BilanKey
from bilan.careers.models import (
    CareerOption,
    CareerOptionStatusChange,
    EnqueteMetier,
    InterestSort,
    MatchDecision,
    MatchRun,
    ProjectValidation,
    SavedFiche,
)
from bilan.documents.models import (
    RenderJob,
    Synthese,
    SyntheseObservation,
    SyntheseVersion,
)
from bilan.entretiens.models import Assignment, Entretien, EntretienNote
from bilan.exchanges.models import JournalEntry, Message, MessageAttachment
from bilan.exercises.models import (
    Achievement,
    Experience,
    ExperienceCompetence,
    MotivationsExercise,
)
from bilan.followup.models import Action, ActionPlan, SelfDiagnosis, SuiviReport
from bilan.lib.crypto import KeyDestroyed
from bilan.lib.testing import database_dump

MARKER = "MARQUEUR-PLANTE-4b1d"

# Text in content models that stays in clear, and why: codes, states and ids of the product or
# of the ROME referential, technical labels, and the share's administrative record (REQ-8).
CLEAR = {
    "entretiens.EntretienChecklist": {"objectives_done", "closing_done"},  # guide item ids
    "exchanges.Message": {"question"},  # the label of the guide question it comments
    "documents.SyntheseVersion": {"note"},  # « préremplissage », « modification »
    "documents.SyntheseShare": {"consent_text", "recipient_name", "recipient_email"},
    "documents.RenderJob": {"error"},  # our own French error message
}
CODE_NAMES = {
    "key",
    "kind",
    "status",
    "format",
    "origin",
    "decision",
    "conclusion",
    "from_status",
    "to_status",
    "closing_item",
    "instrument_code",
    "norm_sex",
    "norm_age_band",
    "rome_code",
    "code_rome",
    "metier_label",
    "rome_version",
    "idempotency_key",
    "content_type",
    "token_digest",
}


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def mark(model: type[models.Model], **required: Any) -> Any:
    """A row of `model` with the marker in every encrypted field."""
    values: dict[str, Any] = {}
    for field in encrypted_fields(model):
        if isinstance(field, EncryptedJSONField):
            values[field.name] = {"réponse": f"{MARKER} {field.name}"}
        else:
            values[field.name] = f"{MARKER} {field.name}"[: field.max_length or None]
    return model._default_manager.create(**{**values, **required})


@pytest.fixture
def everything(cast: SimpleNamespace, settings: Any, tmp_path: Path) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    b, ben, con = cast.bilan, cast.beneficiary, cast.consultant
    framing = BilanFraming.objects.get(bilan=b)
    for field in encrypted_fields(BilanFraming):
        setattr(framing, field.name, f"{MARKER} {field.name}")
    framing.save()
    entretien = Entretien.objects.create(
        bilan=b, phase="preliminary", starts_at=timezone.now(), planned_minutes=60, created_by=con
    )
    mark(EntretienNote, entretien=entretien, key="free")
    mark(Assignment, bilan=b, kind="other")
    administration = mark(Administration, bilan=b, instrument_code="x", instrument_version=1)
    mark(Result, administration=administration)
    experience = mark(Experience, bilan=b, kind="job", start_on=dt.date(2020, 1, 1))
    mark(Achievement, experience=experience)
    mark(ExperienceCompetence, experience=experience)
    mark(MotivationsExercise, bilan=b)
    mark(JournalEntry, bilan=b, author=ben)
    message = mark(Message, bilan=b, author=ben)
    attachment = MessageAttachment(
        message=message, original_name=f"{MARKER}.txt", size=10, content_type="text/plain"
    )
    attachment.file.save("cv.txt", ContentFile(f"fichier {MARKER}".encode()), save=False)
    attachment.save()
    mark(SavedFiche, bilan=b, code_rome="M1805")
    mark(InterestSort, bilan=b)
    mark(MatchRun, bilan=b, rome_version="1")
    mark(MatchDecision, bilan=b, decision="pin", code_rome="M1805")
    option = mark(CareerOption, bilan=b, kind="free", origin="free")
    mark(CareerOptionStatusChange, career_option=option, to_status="exploring")
    mark(ProjectValidation, bilan=b, principal=option)
    mark(EnqueteMetier, career_option=option)
    plan = mark(ActionPlan, bilan=b)
    mark(Action, plan=plan)
    mark(SelfDiagnosis, bilan=b)
    mark(SuiviReport, bilan=b)
    synthese = Synthese.objects.create(bilan=b, created_by=con)
    version = mark(SyntheseVersion, synthese=synthese, number=1)
    mark(SyntheseObservation, synthese=synthese, version=version, by=ben)
    job = RenderJob.objects.create(synthese=synthese, version_number=1, format="pdf")
    job.file.save("s.pdf", ContentFile(f"%PDF {MARKER}".encode()), save=True)
    return SimpleNamespace(cast=cast, attachment=attachment, job=job, tmp=tmp_path)


plain_dump = database_dump


def stored_files(root: Path) -> list[bytes]:
    return [p.read_bytes() for p in root.rglob("*") if p.is_file()]


def test_every_free_text_of_bilan_content_is_encrypted_or_said_clear_on_purpose() -> None:
    unsaid = []
    for model in content_models():
        for field in model._meta.concrete_fields:
            text = isinstance(field, models.CharField | models.TextField | models.JSONField)
            if not text or isinstance(field, EncryptedTextField) or field.choices:
                continue
            if field.name in CODE_NAMES or field.name in CLEAR.get(model._meta.label, set()):
                continue
            unsaid.append(f"{model._meta.label}.{field.name}")
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                assert isinstance(field, EncryptedFileField), f"{model._meta.label}.{field.name}"
    assert unsaid == [], "encrypt these content fields, or list them in CLEAR with a reason"


def test_a_marker_in_every_content_field_is_nowhere_in_a_dump_nor_in_the_files(
    everything: SimpleNamespace,
) -> None:
    filled = {
        m for m in content_models() if encrypted_fields(m) and m._default_manager.exists()
    }  # a model gaining encrypted fields must be added to the fixture
    assert filled == {m for m in content_models() if encrypted_fields(m)}
    dump = plain_dump()
    assert MARKER not in dump
    assert dump.count("v1:") >= sum(len(encrypted_fields(m)) for m in filled)
    files = stored_files(everything.tmp)
    assert len(files) == 2 and not any(MARKER.encode() in f for f in files)
    for model in filled:  # and each reads back in clear
        row = (
            model._default_manager.get()
            if model is not BilanFraming
            else BilanFraming.objects.first()
        )
        for field in encrypted_fields(model):
            value = getattr(row, field.name)
            assert MARKER in (str(value)), f"{model._meta.label}.{field.name}"
    with everything.attachment.file.open("rb") as handle:
        assert handle.read() == f"fichier {MARKER}".encode()
    everything.job.refresh_from_db()
    with everything.job.file.open("rb") as handle:
        assert handle.read() == f"%PDF {MARKER}".encode()


def test_after_the_shred_the_dump_taken_before_and_the_files_are_unreadable(
    everything: SimpleNamespace,
) -> None:
    bilan = everything.cast.bilan
    before = plain_dump()
    files = stored_files(everything.tmp)
    key_id = BilanKey.objects.get(bilan=bilan).key_id
    tokens = re.findall(rf"v1:{key_id}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+", before)
    assert len(tokens) > 60 and MARKER in encryption.open_text(tokens[0])

    encryption.shred(bilan)
    encryption.reset_caches()

    opened = 0
    for token in tokens:
        try:
            encryption.open_text(token)
            opened += 1
        except KeyDestroyed:
            pass
    assert opened == 0
    for data in files:
        with pytest.raises(KeyDestroyed):
            encryption.open_file(data)
    assert MARKER not in plain_dump()
    # the rows still load (as empty), so the lifecycle can list and delete them
    assert JournalEntry.objects.get(bilan=bilan).text == ""
    assert Result.objects.get().scores is None
    assert JournalEntry.objects.filter(bilan=bilan).delete()[0] == 1
