"""« Télécharger tout mon bilan » (REQ-7): one zip for the beneficiary only — bilan.json with
their own content, the results PDFs; never the consultant's private notes; audited."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from bilan.assessments.administrations import save_answers, start_test, submit_test
from bilan.assessments.instruments import get_instrument
from bilan.bilans.models import Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.documents.export import export_zip
from bilan.documents.test_views import done_job, submitted
from bilan.entretiens.models import Entretien, EntretienNote, NoteKind
from bilan.exchanges.models import JournalEntry, Message
from bilan.exercises.models import MotivationsExercise

COMMENT = "Je me reconnais dans le goût du contact."
DEBRIEF = "Note de restitution du consultant, hors export."
PRIVATE = "Conflit ouvert avec son manager, note privée."
JOURNAL = "Aujourd'hui j'ai rencontré une boulangère."
MESSAGE = "Bonjour, voici mes questions."


@pytest.fixture
def bilan(cast):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    administration = start_test(bilan=bilan, by=bilan.beneficiary, code="riasec_48")
    save_answers(
        administration=administration,
        by=bilan.beneficiary,
        answers=dict.fromkeys(get_instrument("riasec_48").item_ids, 4),
    )
    result = submit_test(administration=administration, by=bilan.beneficiary)
    result.beneficiary_comment = COMMENT
    result.debrief_note = DEBRIEF
    result.save()
    entretien = Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        phase="investigation",
        starts_at=timezone.now() - dt.timedelta(hours=2),
        planned_minutes=60,
        title="Exploration",
    )
    EntretienNote.objects.create(entretien=entretien, key="q1", kind=NoteKind.PRIVATE, text=PRIVATE)
    JournalEntry.objects.create(bilan=bilan, author=bilan.beneficiary, text=JOURNAL)
    Message.objects.create(bilan=bilan, author=bilan.beneficiary, text=MESSAGE)
    return bilan


def opened(content: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    return archive


def test_the_zip_holds_bilan_json_with_every_section_and_the_results_pdf(cast, bilan):
    archive = opened(export_zip(user=cast.beneficiary, bilan=bilan))
    names = archive.namelist()
    data = json.loads(archive.read("bilan.json"))
    for section in (
        "tests",
        "exercices",
        "journal",
        "messages",
        "fiches",
        "pistes",
        "enquetes",
        "validations_projet",
        "synthese",
        "plan_action",
        "centres_interet",
    ):
        assert section in data, section
    assert set(data["exercices"]) == {"parcours", "motivations"}
    [test] = data["tests"]
    assert test["instrument_code"] == "riasec_48"
    assert test["result"]["beneficiary_comment"] == COMMENT
    assert test["result"]["scores"]
    assert data["journal"][0]["text"] == JOURNAL
    assert data["messages"][0]["text"] == MESSAGE
    pdfs = [n for n in names if n.startswith("tests/") and n.endswith(".pdf")]
    assert len(pdfs) == 1
    assert archive.read(pdfs[0]).startswith(b"%PDF")


def test_the_consultant_private_notes_and_debrief_are_never_exported(cast, bilan):
    archive = opened(export_zip(user=cast.beneficiary, bilan=bilan))
    everything = b"".join(archive.read(n) for n in archive.namelist())
    raw = archive.read("bilan.json").decode()
    assert PRIVATE not in raw
    assert DEBRIEF not in raw
    assert "debrief_note" not in raw
    assert PRIVATE.encode() not in everything


def test_the_motivations_exercise_is_in_the_export(cast, bilan):
    MotivationsExercise.objects.create(bilan=bilan)
    data = json.loads(opened(export_zip(user=cast.beneficiary, bilan=bilan)).read("bilan.json"))
    assert data["exercices"]["motivations"] is not None


@pytest.mark.parametrize(
    "role", ["consultant", "colleague", "admin", "other_beneficiary", "outsider_admin"]
)
def test_nobody_but_the_beneficiary_exports(cast, bilan, role):
    with pytest.raises(PermissionDenied):
        export_zip(user=getattr(cast, role), bilan=bilan)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_export_view_streams_the_zip_and_audits_it(cast, bilan, client):
    client.force_login(cast.beneficiary)
    response = client.get(reverse("portal:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "bilan.json" in opened(response.content).namelist()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, bilan_id=bilan.pk)
    assert event.actor_id == cast.beneficiary.pk


def test_another_beneficiary_gets_their_own_bilan_never_mine(cast, bilan, client):
    client.force_login(cast.other_beneficiary)
    response = client.get(reverse("portal:export"))
    assert response.status_code == 200
    raw = b"".join(opened(response.content).read(n) for n in opened(response.content).namelist())
    assert COMMENT.encode() not in raw
    assert JOURNAL.encode() not in raw


@pytest.mark.parametrize(
    "role,status",
    [("consultant", 403), ("colleague", 403), ("admin", 403), ("outsider_admin", 403)],
)
def test_staff_cannot_reach_the_export(cast, bilan, client, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:export")).status_code == status
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_an_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("portal:export"))
    assert response.status_code == 302


def test_the_latest_rendered_synthese_and_its_visible_version_are_in_the_zip(cast):
    advance_to(cast.bilan, Status.CONCLUSIONS)
    synthese = submitted(cast)
    done_job(cast, synthese, who="beneficiary")
    archive = opened(export_zip(user=cast.beneficiary, bilan=cast.bilan))
    assert [n for n in archive.namelist() if n.startswith("synthese/")]
    data = json.loads(archive.read("bilan.json"))
    assert data["synthese"]["version"]["number"] == synthese.submitted_number
    assert "Texte" in json.dumps(data["synthese"]["version"]["sections"])
