"""Journal de bord: the beneficiary writes dated entries, private by default, and shares the
ones they choose with their consultant (and can take them back).

Only the beneficiary writes, edits, shares or deletes their entries. The consultant assigned
now reads the shared ones, each read audited; the administration never reads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.access import can_read_content
from bilan.bilans.models import Bilan, RuleViolation, Status, check_date, visible_to
from bilan.compliance.audit import record_content_access
from bilan.exchanges.models import JournalEntry

TITLE_MAX = 200
TEXT_MAX = 20000
CLOSED_STATUSES = (Status.ARCHIVED,)


def _check_writer(bilan: Bilan, by: User) -> None:
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire écrit dans son journal de bord."), code="forbidden"
        )
    if bilan.status in CLOSED_STATUSES:
        raise RuleViolation(_t("Ce bilan est archivé : son journal de bord ne change plus."))


def _clean(*, title: str, text: str, entry_date: dt.date | None) -> tuple[str, str, dt.date]:
    title, text = title.strip(), text.strip()
    if not text:
        raise RuleViolation(_t("Écrivez le texte de votre entrée."), code="invalid")
    if len(text) > TEXT_MAX:
        raise RuleViolation(
            _t("Votre texte fait %(n)s caractères : %(max)s au plus. Rien n'a été enregistré.")
            % {"n": len(text), "max": TEXT_MAX},
            code="invalid",
        )
    if len(title) > TITLE_MAX:
        raise RuleViolation(
            _t("Le titre fait %(n)s caractères : %(max)s au plus.")
            % {"n": len(title), "max": TITLE_MAX},
            code="invalid",
        )
    entry_date = entry_date or timezone.localdate()
    if entry_date > timezone.localdate():
        raise RuleViolation(
            _t("La date de l'entrée est dans le futur : choisissez aujourd'hui ou avant."),
            code="invalid",
        )
    check_date(entry_date, label=_t("date"))
    return title, text, entry_date


def write_entry(
    *,
    bilan: Bilan,
    by: User,
    text: str,
    title: str = "",
    entry_date: dt.date | None = None,
    shared: bool = False,
) -> JournalEntry:
    """A new entry of the beneficiary's journal, private unless `shared`."""
    _check_writer(bilan, by)
    title, text, entry_date = _clean(title=title, text=text, entry_date=entry_date)
    return JournalEntry.objects.create(
        bilan=bilan,
        author=by,
        title=title,
        text=text,
        entry_date=entry_date,
        shared_at=timezone.now() if shared else None,
    )


def edit_entry(
    *,
    entry: JournalEntry,
    by: User,
    text: str,
    title: str = "",
    entry_date: dt.date | None = None,
) -> JournalEntry:
    _check_writer(entry.bilan, by)
    entry.title, entry.text, entry.entry_date = _clean(
        title=title, text=text, entry_date=entry_date
    )
    entry.save(update_fields=["title", "text", "entry_date", "updated_at"])
    return entry


def share_entry(*, entry: JournalEntry, by: User, shared: bool) -> JournalEntry:
    """Share the entry with the consultant on purpose, or take it back."""
    _check_writer(entry.bilan, by)
    with transaction.atomic():
        locked = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        if shared and locked.shared_at is None:
            locked.shared_at = timezone.now()
        elif not shared:
            locked.shared_at = None
        locked.save(update_fields=["shared_at"])
    entry.shared_at = locked.shared_at
    return entry


def delete_entry(*, entry: JournalEntry, by: User) -> None:
    _check_writer(entry.bilan, by)
    entry.delete()


# ---- reading ------------------------------------------------------------------------------


def read_entries(*, reader, bilan: Bilan, channel: str = "web") -> list[JournalEntry]:
    """The beneficiary's entries (all of them for the beneficiary, the shared ones for the
    assigned consultant, whose read is audited); the administration gets PermissionDenied."""
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t(
                "Le journal de bord est réservé au ou à la bénéficiaire et à son ou sa "
                "consultant·e."
            )
        )
    entries = bilan.journal_entries.all()
    if reader.pk != bilan.beneficiary_id:
        entries = entries.shared()
    items = list(entries)
    record_content_access(actor=reader, bilan=bilan, objects=items, channel=channel)
    return items


def own_entries(user) -> list[JournalEntry]:
    """All the entries of `user`'s journal, on all their bilans (their own read: no audit)."""
    condition = visible_to(user, "bilan__")
    if condition is None:
        return []
    return list(
        JournalEntry.objects.filter(condition, bilan__beneficiary=user).select_related("bilan")
    )


def get_entry_for_user(user, pk: int) -> JournalEntry:
    """An entry of `user`'s own journal, else 404 (its existence is not told)."""
    try:
        condition = visible_to(user, "bilan__")
        if condition is None:
            raise Http404
        return JournalEntry.objects.select_related("bilan").get(
            condition, pk=pk, bilan__beneficiary=user
        )
    except (JournalEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
