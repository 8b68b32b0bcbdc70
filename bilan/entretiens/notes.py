"""Writing during an entretien: the note fields (autosaved, conflict-checked) and the checklist.

A note field is named by a key: a question id of the entretien's guide interview, "free"
(private free notes) or "summary" (the summary shared with the beneficiary once the
entretien is held). Every save names the version it started from; a save from an older
version is a conflict that shows both texts, never a silent overwrite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import functools

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.access import can_read_content
from bilan.bilans.encryption import seal_text
from bilan.bilans.models import Bilan, RuleViolation, Status, is_visible_to
from bilan.entretiens.models import (
    Entretien,
    EntretienChecklist,
    EntretienNote,
    EntretienStatus,
    InterviewGuide,
    NoteKind,
)
from bilan.lib.rows import column_list, instances
from bilan.lib.text import check_storable

FREE = "free"
SUMMARY = "summary"
MAX_NOTE_LENGTH = 100_000
# A version is a counter bumped once per save: past a signed 32-bit integer is no version at
# all (and past 64 bits SQLite's driver overflows).
MAX_VERSION = 2**31 - 1
CHECKLIST_SECTIONS = {"objectives": "objectives_done", "closing": "closing_done"}


class NoteConflict(RuleViolation):
    """The stored note moved on since `base_version`: `note` is theirs, `yours` the text sent."""

    def __init__(self, *, note: EntretienNote, yours: str) -> None:
        super().__init__(
            _t(
                "Ce champ a été modifié ailleurs (version %(v)s) : comparez les deux textes, "
                "puis enregistrez celui à garder."
            )
            % {"v": note.version},
            code="refused",
        )
        self.note = note
        self.yours = yours


def get_entretien_for_consultant(user, pk: int) -> Entretien:
    """The entretien `pk` for its bilan's assigned consultant: 404 when the bilan is out of the
    user's reach, 403 when they see it but not its content (an admin, the beneficiary)."""
    if not 0 < pk < 2**63:  # past a 64-bit id the database driver overflows
        raise Http404
    # One query written once (autosave calls this on every save); the guide is loaded only
    # when shown.
    entretien = _entretien_with_bilan(pk)
    if entretien is None or not is_visible_to(user, entretien.bilan):
        raise Http404
    if user.pk == entretien.bilan.beneficiary_id or not can_read_content(user, entretien.bilan):
        raise PermissionDenied
    return entretien


@functools.cache
def _entretien_sql() -> str:
    q = connection.ops.quote_name
    return (
        f"SELECT {column_list(Entretien, 'e')}, {column_list(Bilan, 'b')} "
        f"FROM {q(Entretien._meta.db_table)} e "
        f"JOIN {q(Bilan._meta.db_table)} b ON b.{q('id')} = e.{q('bilan_id')} "
        f"WHERE e.{q('id')} = %s"
    )


def _entretien_with_bilan(pk: int) -> Entretien | None:
    with connection.cursor() as cursor:
        cursor.execute(_entretien_sql(), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    entretien, bilan = instances(row, Entretien, Bilan)
    entretien.bilan = bilan
    return entretien


def interview_of(entretien: Entretien) -> dict | None:
    """The guide interview the entretien follows, or None for a free entretien."""
    if entretien.guide_id is None or not entretien.interview_key:
        return None
    return entretien.guide.interview(entretien.interview_key)


def question_ids(interview: dict | None) -> list[str]:
    if not interview:
        return []
    return [q["id"] for g in interview.get("question_groups", []) for q in g.get("questions", [])]


@functools.lru_cache(maxsize=256)
def _question_ids_of(guide_id: int, interview_key: str) -> frozenset[str]:
    # Guide versions are immutable, so their question ids are kept for the process's life:
    # autosave checks a key without loading the whole guide on every keystroke.
    guide = InterviewGuide.objects.get(pk=guide_id)
    return frozenset(question_ids(guide.interview(interview_key)))


@receiver(post_save, sender=InterviewGuide)
def _forget_question_ids(**kwargs) -> None:
    _question_ids_of.cache_clear()  # a test database may give a new guide a former id


def note_kind(entretien: Entretien, key: str) -> str | None:
    """The kind of the note field `key` of this entretien, None if it has no such field."""
    if key == SUMMARY:
        return NoteKind.SHARED
    if key == FREE or (
        entretien.guide_id
        and entretien.interview_key
        and key in _question_ids_of(entretien.guide_id, entretien.interview_key)
    ):
        return NoteKind.PRIVATE
    return None


def checklist_ids(entretien: Entretien, section: str) -> list[str]:
    interview = interview_of(entretien) or {}
    items = interview.get("objectives" if section == "objectives" else "closing_items", [])
    return [item["id"] for item in items]


def _check_writable(entretien: Entretien, bilan: Bilan, by: User) -> None:
    bilan._authorise(by, "write_entretien_notes")
    if bilan.status == Status.ARCHIVED:
        raise RuleViolation(_t("Le bilan est archivé : ses notes ne sont plus modifiables."))
    if entretien.status not in (EntretienStatus.PLANNED, EntretienStatus.HELD):
        raise RuleViolation(
            _t("Cet entretien est « %(s)s » : ses notes ne sont pas modifiables.")
            % {"s": entretien.get_status_display()}
        )


def save_note(
    *, entretien: Entretien, key: str, text: str, base_version: int, by: User
) -> EntretienNote:
    """Save the note field `key` if it is still at `base_version`, else raise NoteConflict.

    One conditional UPDATE (or an INSERT for a first save): two tabs saving from the same
    version cannot both win. Re-sending the text already stored is not a conflict, so a
    retry after a lost response succeeds.
    """
    kind = note_kind(entretien, key)
    if kind is None:
        raise RuleViolation(
            _t("Champ de notes inconnu pour cet entretien : « %(key)s ».") % {"key": key},
            code="invalid",
        )
    check_storable(_t("Note"), text)  # its raw UPDATE does not go through the save() check
    if len(text) > MAX_NOTE_LENGTH:
        raise RuleViolation(
            _t("Note trop longue (%(max)s caractères au plus).") % {"max": MAX_NOTE_LENGTH},
            code="invalid",
        )
    if not 0 <= base_version <= MAX_VERSION:
        raise RuleViolation(_t("Version de départ invalide."), code="invalid")
    _check_writable(entretien, entretien.bilan, by)
    notes = EntretienNote.objects.filter(entretien=entretien, key=key)
    if base_version == 0:
        try:
            with transaction.atomic():
                return EntretienNote.objects.create(
                    entretien=entretien, key=key, kind=kind, text=text, version=1, updated_by=by
                )
        except IntegrityError:
            pass  # another tab saved this field first: compare below
    elif (saved := _update_if_at(entretien, key, text, base_version, by)) is not None:
        return saved
    stored = notes.first() or EntretienNote(entretien=entretien, key=key, kind=kind)
    if stored.text == text:
        return stored
    raise NoteConflict(note=stored, yours=text)


def _update_if_at(
    entretien: Entretien, key: str, text: str, base_version: int, by
) -> EntretienNote | None:
    """The conditional UPDATE of an autosave, returning the saved row (None if the note is no
    longer at `base_version`). Raw SQL for its RETURNING: the ORM would need a second query,
    and this runs on every keystroke pause (bench/autosave.py)."""
    now = timezone.now()
    q = connection.ops.quote_name  # "key" and "text" are SQL keywords
    sql = (
        f"UPDATE {q(EntretienNote._meta.db_table)} SET {q('text')} = %s, "
        f"{q('version')} = {q('version')} + 1, {q('updated_at')} = %s, {q('updated_by_id')} = %s "
        f"WHERE {q('entretien_id')} = %s AND {q('key')} = %s AND {q('version')} = %s "
        f"RETURNING {q('id')}, {q('kind')}, {q('version')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                # sealed here: this raw UPDATE skips the encrypted field's pre_save (issue 16)
                seal_text(entretien.bilan_id, text) if text else "",
                connection.ops.adapt_datetimefield_value(now),
                by.pk,
                entretien.pk,
                key,
                base_version,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    note = EntretienNote(
        id=row[0], entretien=entretien, key=key, kind=row[1], text=text, version=row[2]
    )
    note.updated_at, note.updated_by = now, by
    note._state.adding, note._state.db = False, connection.alias
    return note


def notes_by_key(entretien: Entretien) -> dict[str, EntretienNote]:
    return {note.key: note for note in EntretienNote.objects.filter(entretien=entretien)}


def checklist_of(entretien: Entretien) -> EntretienChecklist | None:
    return EntretienChecklist.objects.filter(entretien=entretien).first()


def set_checklist_item(
    *, entretien: Entretien, section: str, item: str, done: bool, by
) -> EntretienChecklist:
    """Tick or untick one objective or closing item; the list keeps the guide's order."""
    if section not in CHECKLIST_SECTIONS or item not in checklist_ids(entretien, section):
        raise RuleViolation(_t("Élément de liste inconnu pour cet entretien."), code="invalid")
    _check_writable(entretien, entretien.bilan, by)
    field = CHECKLIST_SECTIONS[section]
    order = checklist_ids(entretien, section)
    with transaction.atomic():
        EntretienChecklist.objects.get_or_create(entretien=entretien)
        checklist = EntretienChecklist.objects.select_for_update().get(entretien=entretien)
        ticked = set(getattr(checklist, field)) - {item}
        if done:
            ticked.add(item)
        setattr(checklist, field, [i for i in order if i in ticked])
        checklist.save(update_fields=[field, "updated_at"])
    return checklist


def held_summaries(bilan: Bilan) -> list[EntretienNote]:
    """The shared summaries the beneficiary may read: only of held entretiens, never a private note."""
    return list(
        EntretienNote.objects.filter(
            entretien__bilan=bilan,
            entretien__status=EntretienStatus.HELD,
            key=SUMMARY,
            kind=NoteKind.SHARED,
        )
        .exclude(text="")
        .select_related("entretien")
        .order_by("entretien__starts_at", "entretien_id")
    )
