"""Saving notes: round trip, conflicts, which fields exist and when they can be written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bilan.bilans.models import Phase, RuleViolation, Status
from bilan.demo.scenario import advance_to, sign_both
from bilan.entretiens.models import (
    Entretien,
    EntretienChecklist,
    EntretienNote,
    EntretienStatus,
    InterviewGuide,
    NoteKind,
)
from bilan.entretiens.notes import (
    NoteConflict,
    held_summaries,
    save_note,
    set_checklist_item,
)

GUIDE = {
    "interviews": [
        {
            "key": "accueil",
            "phase": "preliminary",
            "title": "Entretien d'accueil et d'information",
            "objectives": [
                {"id": "obj-1", "text": "Présenter la démarche"},
                {"id": "obj-2", "text": "Recueillir les attentes"},
            ],
            "question_groups": [
                {
                    "id": "g-1",
                    "title": "Situation actuelle",
                    "questions": [
                        {"id": "q-1", "text": "Quel est votre poste actuel ?"},
                        {"id": "q-2", "text": "Qu'attendez-vous de ce bilan ?"},
                    ],
                }
            ],
            "closing_items": [
                {"id": "close-1", "text": "Remise du questionnaire d'auto-évaluation"},
            ],
        }
    ]
}


def make_guide() -> InterviewGuide:
    return InterviewGuide.objects.create(name="Guide de test", content=GUIDE)


def make_entretien(cast, *, guide: InterviewGuide | None = None) -> Entretien:
    """A planned preliminary entretien of the consultant's bilan, an hour ago."""
    advance_to(cast.bilan, Status.PRELIMINARY)
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=90,
    )
    if guide is not None:
        Entretien.objects.filter(pk=entretien.pk).update(guide=guide, interview_key="accueil")
    return Entretien.objects.select_related("bilan", "guide").get(pk=entretien.pk)


@pytest.fixture
def entretien(cast) -> Entretien:
    return make_entretien(cast, guide=make_guide())


def test_a_first_save_creates_the_note_at_version_1(cast, entretien):
    note = save_note(
        entretien=entretien, key="q-1", text="Cheffe de rayon", base_version=0, by=cast.consultant
    )
    assert (note.version, note.text, note.kind) == (1, "Cheffe de rayon", NoteKind.PRIVATE)
    note = save_note(
        entretien=entretien,
        key="q-1",
        text="Cheffe de rayon, 12 ans",
        base_version=1,
        by=cast.consultant,
    )
    assert note.version == 2
    stored = EntretienNote.objects.get(entretien=entretien, key="q-1")
    assert stored.text == "Cheffe de rayon, 12 ans"
    # The note returned by the conditional UPDATE is the stored row, not a guess.
    assert (note.pk, note.version, note.kind, note.updated_by) == (
        stored.pk,
        stored.version,
        stored.kind,
        cast.consultant,
    )
    assert stored.updated_by == cast.consultant


def test_two_saves_from_the_same_version_the_second_is_a_conflict_with_both_texts(cast, entretien):
    save_note(entretien=entretien, key="free", text="début", base_version=0, by=cast.consultant)
    save_note(entretien=entretien, key="free", text="onglet A", base_version=1, by=cast.consultant)
    with pytest.raises(NoteConflict) as conflict:
        save_note(
            entretien=entretien, key="free", text="onglet B", base_version=1, by=cast.consultant
        )
    assert conflict.value.note.text == "onglet A" and conflict.value.yours == "onglet B"
    assert conflict.value.note.version == 2
    stored = EntretienNote.objects.get(entretien=entretien, key="free")
    assert (stored.text, stored.version) == ("onglet A", 2)


def test_two_first_saves_the_second_is_a_conflict(cast, entretien):
    save_note(
        entretien=entretien, key="summary", text="premier", base_version=0, by=cast.consultant
    )
    with pytest.raises(NoteConflict):
        save_note(
            entretien=entretien, key="summary", text="second", base_version=0, by=cast.consultant
        )
    assert EntretienNote.objects.get(entretien=entretien, key="summary").text == "premier"


def test_resending_the_stored_text_after_a_lost_response_is_not_a_conflict(cast, entretien):
    save_note(entretien=entretien, key="free", text="texte", base_version=0, by=cast.consultant)
    note = save_note(
        entretien=entretien, key="free", text="texte", base_version=0, by=cast.consultant
    )
    assert note.version == 1


def test_the_summary_is_shared_and_other_notes_are_private(cast, entretien):
    assert (
        save_note(
            entretien=entretien, key="summary", text="s", base_version=0, by=cast.consultant
        ).kind
        == NoteKind.SHARED
    )
    assert (
        save_note(
            entretien=entretien, key="free", text="f", base_version=0, by=cast.consultant
        ).kind
        == NoteKind.PRIVATE
    )


@pytest.mark.parametrize("key", ["q-99", "g-1", "obj-1", ""])
def test_an_unknown_key_is_invalid_input(cast, entretien, key):
    with pytest.raises(RuleViolation) as refused:
        save_note(entretien=entretien, key=key, text="x", base_version=0, by=cast.consultant)
    assert refused.value.code == "invalid"
    assert not EntretienNote.objects.exists()


def test_a_free_entretien_has_only_free_notes_and_the_summary(cast):
    entretien = make_entretien(cast)
    save_note(entretien=entretien, key="free", text="x", base_version=0, by=cast.consultant)
    with pytest.raises(RuleViolation):
        save_note(entretien=entretien, key="q-1", text="x", base_version=0, by=cast.consultant)


@pytest.mark.parametrize("who", ["colleague", "admin", "beneficiary"])
def test_only_the_assigned_consultant_writes_notes(cast, entretien, who):
    with pytest.raises(RuleViolation) as refused:
        save_note(entretien=entretien, key="free", text="x", base_version=0, by=getattr(cast, who))
    assert refused.value.code == "forbidden"


def test_notes_can_be_corrected_after_the_entretien_is_held(cast, entretien):
    save_note(entretien=entretien, key="summary", text="avant", base_version=0, by=cast.consultant)
    entretien.mark_held(by=cast.consultant)
    note = save_note(
        entretien=entretien, key="summary", text="corrigé", base_version=1, by=cast.consultant
    )
    assert note.version == 2


def test_notes_of_a_cancelled_entretien_are_refused(cast, entretien):
    entretien.cancel(by=cast.consultant)
    with pytest.raises(RuleViolation, match="annulé"):
        save_note(entretien=entretien, key="free", text="x", base_version=0, by=cast.consultant)


def test_notes_of_an_archived_bilan_are_refused(cast, entretien):
    entretien.mark_held(by=cast.consultant)
    sign_both(entretien)  # closing in full needs it signed by both
    advance_to(cast.bilan, Status.ARCHIVED)
    entretien.bilan.refresh_from_db()
    with pytest.raises(RuleViolation, match="archivé"):
        save_note(entretien=entretien, key="free", text="x", base_version=0, by=cast.consultant)


def test_a_stale_or_negative_version_is_refused(cast, entretien):
    with pytest.raises(NoteConflict):
        save_note(entretien=entretien, key="free", text="x", base_version=3, by=cast.consultant)
    with pytest.raises(RuleViolation) as refused:
        save_note(entretien=entretien, key="free", text="x", base_version=-1, by=cast.consultant)
    assert refused.value.code == "invalid"


def test_checklist_items_are_ticked_in_the_guide_order(cast, entretien):
    set_checklist_item(
        entretien=entretien, section="objectives", item="obj-2", done=True, by=cast.consultant
    )
    set_checklist_item(
        entretien=entretien, section="objectives", item="obj-1", done=True, by=cast.consultant
    )
    set_checklist_item(
        entretien=entretien, section="closing", item="close-1", done=True, by=cast.consultant
    )
    checklist = EntretienChecklist.objects.get(entretien=entretien)
    assert checklist.objectives_done == ["obj-1", "obj-2"] and checklist.closing_done == ["close-1"]
    set_checklist_item(
        entretien=entretien, section="objectives", item="obj-1", done=False, by=cast.consultant
    )
    checklist.refresh_from_db()
    assert checklist.objectives_done == ["obj-2"]


def test_an_unknown_checklist_item_is_invalid(cast, entretien):
    with pytest.raises(RuleViolation):
        set_checklist_item(
            entretien=entretien, section="closing", item="obj-1", done=True, by=cast.consultant
        )


def test_the_beneficiary_reads_only_summaries_of_held_entretiens(cast, entretien):
    save_note(
        entretien=entretien,
        key="summary",
        text="Synthèse partagée",
        base_version=0,
        by=cast.consultant,
    )
    save_note(
        entretien=entretien, key="free", text="Note privée", base_version=0, by=cast.consultant
    )
    assert held_summaries(cast.bilan) == []
    entretien.mark_held(by=cast.consultant)
    assert [n.text for n in held_summaries(cast.bilan)] == ["Synthèse partagée"]


def test_mark_held_takes_the_actual_start_and_end(cast, entretien):
    before = cast.bilan.budget()
    end = timezone.now()
    entretien.mark_held(
        by=cast.consultant, actual_start=end - dt.timedelta(minutes=75), actual_end=end
    )
    assert entretien.status == EntretienStatus.HELD and entretien.held_minutes == 75
    assert entretien.actual_end == end
    after = cast.bilan.budget()
    assert after.held == before.held + 75
    # held, not yet delivered: the ledger counts it once both parties have signed
    assert after.delivered_accompaniment == before.delivered_accompaniment


@pytest.mark.parametrize(
    "start,end,message",
    [
        (-30, -60, "après le début"),
        (-30, -30, "après le début"),
        (-60, 60, "futur"),
    ],
)
def test_mark_held_refuses_an_impossible_span(cast, entretien, start, end, message):
    now = timezone.now()
    with pytest.raises(RuleViolation, match=message):
        entretien.mark_held(
            by=cast.consultant,
            actual_start=now + dt.timedelta(minutes=start),
            actual_end=now + dt.timedelta(minutes=end),
        )
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.PLANNED


def test_mark_held_refuses_a_span_far_beyond_the_plan(cast, entretien):
    """25 h for a planned 1 h 30: past the organisation's tolerance, long before the 24 h
    ceiling (which bilan/bilans/test_hours.py checks within the tolerance)."""
    end = timezone.now()
    with pytest.raises(RuleViolation, match=r"durée prévue 1 h 30 \+ 15 min de tolérance"):
        entretien.mark_held(
            by=cast.consultant, actual_start=end - dt.timedelta(hours=25), actual_end=end
        )
