"""The beneficiary's documentary research: fiches métiers kept with their notes (« ce qui
m'attire », « ce qui m'inquiète », « questions à poser »), on their own or as the answer to a
documentary-research assignment (travail inter-session).

Only the bilan's beneficiary writes, and only while the bilan is in its three phases; saving the
same fiche again updates it. Reading is reading content: the assigned consultant's reads are
audited; the administration never reads it (REQ-54); anyone else does not see the bilan (404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import can_read_content
from bilan.bilans.models import Bilan, RuleViolation, Status
from bilan.careers.fiches import get_metier
from bilan.careers.models import TEXT_MAX, SavedFiche
from bilan.careers.referential import current_version
from bilan.compliance.audit import record_content_access
from bilan.entretiens.models import Assignment, AssignmentKind
from bilan.lib.text import capped

NOTE_FIELDS = {
    "attracts": _("Ce qui m'attire"),
    "worries": _("Ce qui m'inquiète"),
    "questions": _("Questions à poser"),
}
MAX_SAVED = 200


def may_edit(bilan: Bilan, user) -> bool:
    """Whether `user` may save or remove fiches of this bilan now (to show or hide forms)."""
    return user.pk == bilan.beneficiary_id and bilan.in_phases


def not_editable_message(bilan: Bilan) -> str:
    if bilan.status == Status.ENQUIRY:
        message = _t(
            "Votre bilan est à l'étape « %(status)s » : vous pourrez garder des fiches dans "
            "votre recherche documentaire dès la phase préliminaire."
        )
    else:
        message = _t(
            "Votre bilan est à l'étape « %(status)s » : votre recherche documentaire se lit "
            "mais ne se modifie plus."
        )
    return message % {"status": bilan.get_status_display()}


def _require_writer(bilan: Bilan, by: User) -> None:
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire enregistre des fiches dans sa recherche."),
            code="forbidden",
        )


def _locked_editable(bilan: Bilan) -> Bilan:
    locked = bilan._locked()
    if not locked.in_phases:
        raise RuleViolation(not_editable_message(locked))
    return locked


def _note(name: str, value: str | None) -> str:
    return capped(NOTE_FIELDS[name], value, TEXT_MAX)


def open_research_assignments(bilan: Bilan):
    """The bilan's documentary-research assignments not done yet (a fiche may answer one)."""
    return Assignment.objects.filter(bilan=bilan, kind=AssignmentKind.RESEARCH).open()


def _assignment(bilan: Bilan, assignment_id: int | str | None, keep: int | None) -> int | None:
    """The assignment id to link, checked: one of the bilan's open research assignments, or
    the one already linked (it may have been done since)."""
    if assignment_id in (None, ""):
        return None
    try:
        pk = int(assignment_id)
    except (TypeError, ValueError):
        pk = 0
    if pk == keep:
        return pk
    if not open_research_assignments(bilan).filter(pk=pk).exists():
        raise RuleViolation(
            _t("Choisissez une recherche documentaire à faire de votre bilan, ou aucune."),
            code="invalid",
        )
    return pk


def save_fiche(
    *,
    bilan: Bilan,
    by: User,
    code_rome: str,
    attracts: str = "",
    worries: str = "",
    questions: str = "",
    assignment_id: int | str | None = None,
) -> tuple[SavedFiche, bool]:
    """The beneficiary keeps a fiche in their research with their notes; saving it again
    updates the notes (and the assignment it answers). Returns (saved fiche, created)."""
    _require_writer(bilan, by)
    try:
        metier = get_metier(code_rome)
    except Http404:
        raise RuleViolation(
            _t("Le code ROME « %(code)s » n'existe pas.") % {"code": (code_rome or "")[:20]},
            code="invalid",
        ) from None
    notes = {
        "attracts": _note("attracts", attracts),
        "worries": _note("worries", worries),
        "questions": _note("questions", questions),
    }
    version = current_version()
    with transaction.atomic():
        locked = _locked_editable(bilan)
        saved = (
            SavedFiche.objects.select_for_update()
            .filter(bilan=locked, code_rome=metier.code_rome)
            .first()
        )
        created = saved is None
        if created:
            if SavedFiche.objects.filter(bilan=locked).count() >= MAX_SAVED:
                raise RuleViolation(
                    _t("%(max)s fiches au plus dans votre recherche.") % {"max": MAX_SAVED},
                    code="invalid",
                )
            saved = SavedFiche(bilan=locked, code_rome=metier.code_rome)
        saved.assignment_id = _assignment(
            locked, assignment_id, None if created else saved.assignment_id
        )
        saved.metier = metier
        saved.metier_label = metier.label
        saved.rome_version = version.number if version else ""
        for name, value in notes.items():
            setattr(saved, name, value)
        try:
            with transaction.atomic():
                saved.save()
        except IntegrityError:  # saved at the same instant from another tab: update that one
            saved = SavedFiche.objects.get(bilan=locked, code_rome=metier.code_rome)
            for name, value in notes.items():
                setattr(saved, name, value)
            saved.save()
            created = False
    return saved, created


def remove_fiche(*, saved: SavedFiche, by: User) -> None:
    """The beneficiary removes a fiche (and its notes) from their research."""
    _require_writer(saved.bilan, by)
    with transaction.atomic():
        _locked_editable(saved.bilan)
        SavedFiche.objects.filter(pk=saved.pk).delete()


# ---- reading --------------------------------------------------------------------------------


def _require_reader(reader, bilan: Bilan) -> None:
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t(
                "La recherche documentaire est réservée au ou à la bénéficiaire et à son ou sa "
                "consultant·e."
            )
        )


def read_saved_fiches(*, reader, bilan: Bilan, channel: str = "web") -> list[SavedFiche]:
    """The bilan's saved fiches, last updated first, for the beneficiary or the assigned
    consultant (whose read is audited, each fiche)."""
    _require_reader(reader, bilan)
    fiches = list(bilan.saved_fiches.select_related("assignment"))
    record_content_access(actor=reader, bilan=bilan, objects=fiches, channel=channel)
    return fiches


def read_saved_fiche(
    *,
    reader,
    bilan: Bilan,
    code_rome: str,
    channel: str = "web",
) -> SavedFiche | None:
    """The bilan's saved fiche for this ROME code, if any (read audited as above)."""
    _require_reader(reader, bilan)
    saved = (
        bilan.saved_fiches.select_related("assignment")
        .filter(code_rome=(code_rome or "").strip().upper())
        .first()
    )
    if saved is not None:
        record_content_access(actor=reader, bilan=bilan, objects=[saved], channel=channel)
    return saved


def get_saved_fiche_for_user(user, pk: int) -> SavedFiche:
    """The saved fiche `pk` of a bilan `user` may see, else 404 (its existence is not told)."""
    try:
        return (
            SavedFiche.objects.filter(bilan__in=Bilan.objects.for_user(user))
            .select_related("bilan__beneficiary", "bilan__consultant", "bilan__organisation")
            .get(pk=pk)
        )
    except (SavedFiche.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def current_bilan(user) -> Bilan | None:
    """The beneficiary's bilan their research belongs to."""
    return Bilan.objects.with_people().current_for(user)
