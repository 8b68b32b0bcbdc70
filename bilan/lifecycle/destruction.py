"""Destruction by document class (REQ-11 d, REQ-52): the one owner that deletes a class of a
bilan, refuses under a legal hold, and writes the destruction certificate (classes, counts,
dates — never content).

Destroyers are a registry per class: the default one deletes the class's rows and files; a
helper registers more (the crypto-shredding of the bilan's data key, issue 16) with
`register(document_class, destroyer)`, and each runs after the rows are gone, in the same
transaction as the certificate line.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Count
from django.db.models.deletion import ProtectedError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.content import SHELLS, DocumentClass, file_class, models_of_class
from bilan.bilans.models import Bilan, RuleViolation
from bilan.lifecycle.models import (
    DestructionCertificate,
    DestructionLine,
    HoldKind,
    LegalHold,
)
from bilan.lifecycle.retention import log
from bilan.organisations.models import Role

# The order classes are destroyed in when several are due: the work first, the anchor last.
ORDER = (
    DocumentClass.TRAVAIL_BILAN,
    DocumentClass.SYNTHESE,
    DocumentClass.PREUVE_REALISATION,
    DocumentClass.FACTURATION,
    DocumentClass.ADMIN_CONTRAT,
)
# Kept when ADMIN_CONTRAT goes: the proof of destruction itself, and the lifecycle's log.
SURVIVORS = frozenset({"lifecycle.DestructionCertificate", "lifecycle.DestructionLine"})


@dataclass
class Destroyed:
    """What one destroyer removed: rows per model label, files."""

    rows: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    files: dict[int, int] = field(default_factory=lambda: defaultdict(int))


Destroyer = Callable[[list[Bilan], DocumentClass, Destroyed], None]
_destroyers: dict[str, list[Destroyer]] = defaultdict(list)


def register(document_class: str, destroyer: Destroyer) -> None:
    """Add a destroyer for a class (called once, from an AppConfig.ready). It receives the
    bilans, the class and what was destroyed so far, after the rows are deleted."""
    if destroyer not in _destroyers[document_class]:
        _destroyers[document_class].append(destroyer)


def unregister(document_class: str, destroyer: Destroyer) -> None:
    if destroyer in _destroyers[document_class]:
        _destroyers[document_class].remove(destroyer)


# ---- where each model's rows of a bilan are --------------------------------------------------


def bilan_path_of(model: type[models.Model]) -> str | None:
    """The lookup from `model` to its Bilan ("" for Bilan itself), None when it has none:
    a content model's declared `bilan_path`, else the shortest chain of foreign keys."""
    if model is Bilan:
        return ""
    declared: str | None = getattr(model, "bilan_path", None)
    if declared:
        return declared
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _depth in range(4):
        following = []
        for current, path in frontier:
            for f in current._meta.concrete_fields:
                target = f.related_model if f.is_relation else None
                if not isinstance(target, type):
                    continue
                step = f"{path}__{f.name}" if path else f.name
                if target is Bilan:
                    return step
                following.append((target, step))
        frontier = following
    return None


def destroyable_models(document_class: str) -> list[type[models.Model]]:
    """The models of a class reachable from a bilan, shells and survivors aside."""
    out = []
    for model in models_of_class(document_class):
        label = model._meta.label
        if label in SHELLS or label in SURVIVORS or model is Bilan:
            continue
        if bilan_path_of(model) is not None:
            out.append(model)
    return out


# ---- the default destroyer: rows and files -----------------------------------------------------


def _files_of(
    model: type[models.Model], qs: models.QuerySet[models.Model], path: str
) -> list[tuple[int, str]]:
    names: list[tuple[int, str]] = []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.FileField) and file_class(model, f.name) is not None:
            for bilan_id, name in qs.exclude(**{f.name: ""}).values_list(path or "pk", f.name):
                names.append((bilan_id, name))
    return names


def delete_rows(bilans: list[Bilan], document_class: DocumentClass, destroyed: Destroyed) -> None:
    """Delete every row (and file) of `document_class` of `bilans`; counts per bilan."""
    ids = [b.pk for b in bilans]
    pending = destroyable_models(document_class)
    if document_class == DocumentClass.ADMIN_CONTRAT:
        # The anchor goes last, with whatever still hangs on it (the shells).
        pending += [apps.get_model(label) for label in SHELLS]
    # Count and list the files of every model first: deleting a parent cascades to its
    # children (a message takes its attachments), which must be counted and unlinked too.
    files: list[tuple[int, str]] = []
    querysets = {}
    for model in pending:
        path = bilan_path_of(model) or "bilan"
        qs = model._default_manager.filter(**{f"{path}__in": ids})
        counts = dict(qs.order_by().values_list(path).annotate(n=Count("pk")))
        if not counts:
            continue
        querysets[model] = qs
        files += _files_of(model, qs, path)
        for bilan_id, n in counts.items():
            destroyed.rows[model._meta.label][bilan_id] = n
    remaining = list(querysets)
    for _round in range(len(remaining) + 1):
        postponed = []
        for model in remaining:
            try:
                with transaction.atomic():
                    querysets[model].delete()
            except ProtectedError:
                postponed.append(model)  # another model of the class points at it: after it
        remaining = postponed
        if not remaining:
            break
    if remaining:
        raise ProtectedError(f"Cannot destroy {remaining}: protected outside their class", set())
    if document_class == DocumentClass.ADMIN_CONTRAT:
        for bilan_id in ids:
            destroyed.rows["bilans.Bilan"][bilan_id] = 1
        Bilan.objects.filter(pk__in=ids).delete()
    for bilan_id, name in files:
        destroyed.files[bilan_id] += 1
        transaction.on_commit(functools.partial(default_storage.delete, name))


# ---- legal holds -----------------------------------------------------------------------------


def active_hold(bilan: Bilan) -> LegalHold | None:
    return LegalHold.objects.filter(bilan=bilan, lifted_at__isnull=True).first()


def _require_admin(bilan: Bilan, by: User) -> None:
    membership = getattr(by, "membership", None)
    if (
        membership is None
        or membership.role != Role.ADMIN
        or membership.organisation_id != bilan.organisation_id
    ):
        raise RuleViolation(
            _t("Seule l'administration de l'organisme gère une suspension des destructions."),
            code="forbidden",
        )


def place_hold(
    *, bilan: Bilan, by: User, kind: str, reason: str, now: dt.datetime | None = None
) -> LegalHold:
    """A control or a litigation: every destruction of the bilan is suspended until lifted."""
    _require_admin(bilan, by)
    if kind not in HoldKind.values:
        raise RuleViolation(_t("Choisissez : contrôle ou contentieux."), code="invalid")
    if not reason.strip():
        raise RuleViolation(_t("Indiquez le motif de la suspension."), code="invalid")
    now = now or timezone.now()
    with transaction.atomic():
        Bilan.objects.select_for_update().get(pk=bilan.pk)
        if active_hold(bilan) is not None:
            raise RuleViolation(_t("Les destructions de ce bilan sont déjà suspendues."))
        hold = LegalHold.objects.create(
            bilan=bilan, kind=kind, reason=reason.strip(), placed_at=now, placed_by=by
        )
        log(bilan, "hold_placed", by=by, at=now, detail=f"{kind}: {reason.strip()}")
    return hold


def lift_hold(*, bilan: Bilan, by: User, now: dt.datetime | None = None) -> LegalHold:
    _require_admin(bilan, by)
    now = now or timezone.now()
    with transaction.atomic():
        Bilan.objects.select_for_update().get(pk=bilan.pk)
        hold = active_hold(bilan)
        if hold is None:
            raise RuleViolation(_t("Aucune suspension en cours sur ce bilan."))
        hold.lifted_at = now
        hold.lifted_by = by
        hold.save(update_fields=["lifted_at", "lifted_by"])
        log(bilan, "hold_lifted", by=by, at=now, detail=hold.kind)
    return hold


def hold_refusal(hold: LegalHold) -> RuleViolation:
    return RuleViolation(
        _t(
            "Destruction refusée : les destructions de ce bilan sont suspendues depuis le "
            "%(d)s (%(kind)s : %(reason)s). Levez la suspension d'abord."
        )
        % {
            "d": f"{timezone.localtime(hold.placed_at):%d/%m/%Y}",
            "kind": hold.get_kind_display(),
            "reason": hold.reason,
        }
    )


# ---- the owner -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One class of one bilan to destroy, with the date it was due and the rule's source."""

    bilan: Bilan
    document_class: DocumentClass
    due_on: dt.date
    source: str


def destroy(
    due: Iterable[Due],
    *,
    reason: str = "retention",
    by: User | None = None,
    now: dt.datetime | None = None,
) -> DestructionCertificateMap:
    """Destroy each (bilan, class) of `due`, class by class in ORDER, refusing any bilan under
    a legal hold (nothing of it is destroyed), and record it on each bilan's certificate."""
    now = now or timezone.now()
    items = list(due)
    held_ids = set(
        LegalHold.objects.filter(
            bilan_id__in={d.bilan.pk for d in items}, lifted_at__isnull=True
        ).values_list("bilan_id", flat=True)
    )
    if held_ids:
        hold = LegalHold.objects.filter(bilan_id__in=held_ids, lifted_at__isnull=True).first()
        for bilan_id in held_ids:
            bilan = next(d.bilan for d in items if d.bilan.pk == bilan_id)
            log(bilan, "destruction_refused", by=by, at=now, detail="legal hold")
        assert hold is not None
        raise hold_refusal(hold)
    certificates: DestructionCertificateMap = {}
    with transaction.atomic():
        for document_class in ORDER:
            batch = [d for d in items if d.document_class == document_class]
            if not batch:
                continue
            bilans = [d.bilan for d in batch]
            destroyed = Destroyed()
            delete_rows(bilans, document_class, destroyed)
            for destroyer in _destroyers[document_class]:
                destroyer(bilans, document_class, destroyed)
            _certify(batch, destroyed, certificates, reason=reason, now=now)
    return certificates


DestructionCertificateMap = dict[int, DestructionCertificate]


def _certify(
    batch: list[Due],
    destroyed: Destroyed,
    certificates: DestructionCertificateMap,
    *,
    reason: str,
    now: dt.datetime,
) -> None:
    existing = {
        c.bilan_id: c
        for c in DestructionCertificate.objects.filter(bilan_id__in=[d.bilan.pk for d in batch])
    }
    lines = []
    for d in batch:
        bilan = d.bilan
        certificate = certificates.get(bilan.pk) or existing.get(bilan.pk)
        if certificate is None:
            certificate = DestructionCertificate.objects.create(
                bilan_id=bilan.pk,
                bilan_reference=bilan.reference,
                organisation_id=bilan.organisation_id,
                created_at=now,
                updated_at=now,
            )
        else:
            DestructionCertificate.objects.filter(pk=certificate.pk).update(updated_at=now)
        certificates[bilan.pk] = certificate
        rows = {label: per[bilan.pk] for label, per in destroyed.rows.items() if bilan.pk in per}
        files = destroyed.files.get(bilan.pk, 0)
        for i, (label, count) in enumerate(sorted(rows.items()) or [("", 0)]):
            lines.append(
                DestructionLine(
                    certificate=certificate,
                    destroyed_class=d.document_class,
                    model_label=label,
                    count=count,
                    files=files if i == 0 else 0,
                    due_on=d.due_on,
                    destroyed_at=now,
                    rule_source=d.source[:300],
                    reason=reason,
                )
            )
    DestructionLine.objects.bulk_create(lines)


def certificate_for(user: User, bilan_id: int) -> DestructionCertificate:
    """A bilan's destruction certificate for whoever sees the bilan; once the bilan itself is
    gone, for its organisation's administration only. Else 404."""
    if Bilan.objects.filter(pk=bilan_id).exists():
        get_bilan_for_user(user, bilan_id)
        certificate = DestructionCertificate.objects.filter(bilan_id=bilan_id).first()
    else:
        membership = getattr(user, "membership", None)
        certificate = (
            DestructionCertificate.objects.filter(
                bilan_id=bilan_id, organisation_id=membership.organisation_id
            ).first()
            if membership is not None and membership.role == Role.ADMIN
            else None
        )
    if certificate is None:
        raise Http404
    return certificate


def certificate_lines(certificate: DestructionCertificate) -> list[DestructionLine]:
    return list(certificate.lines.order_by("destroyed_at", "destroyed_class", "model_label"))
