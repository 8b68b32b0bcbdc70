"""Data-subject requests (REQ-53): the beneficiary files them from « Mes données »; the
organisation's administration answers within one month (extendable by two months, GDPR
Art. 12-3), each answer logged. An erasure on an ended bilan deletes TRAVAIL_BILAN at once and
freezes the proof classes until their retention ends (explained to her); on a bilan still in
progress it is refused with the reason. The one owner of these rules: pages and API call it.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.content import DocumentClass
from bilan.bilans.models import ACTIVE_STATUSES, Bilan, RuleViolation, Status
from bilan.lifecycle import destruction, retention
from bilan.lifecycle.models import (
    DataRequest,
    DataRequestAnswer,
    RequestKind,
    RequestStatus,
)
from bilan.lifecycle.retention import add_months
from bilan.organisations.models import Role

DETAILS_MAX = 2000
ANSWER_MAX = 4000


def _is_admin_of(user: User, bilan: Bilan) -> bool:
    membership = getattr(user, "membership", None)
    return (
        membership is not None
        and membership.role == Role.ADMIN
        and membership.organisation_id == bilan.organisation_id
    )


def erasure_explanation(bilan: Bilan) -> str:
    """What an erasure does and keeps, in her words (REQ-53)."""
    dates: dict[str, dt.date | None] = {
        s.document_class.value: s.due_on for s in retention.schedule(bilan)
    }

    def on(document_class: str) -> str:
        day = dates.get(document_class)
        return f"{day:%d/%m/%Y}" if day else _t("la fin de leur durée légale")

    return _t(
        "Vos documents de travail du bilan (notes, tests, exercices, journal, messages, pièces "
        "jointes, pistes, enquêtes) sont effacés. La loi impose de conserver les preuves de "
        "réalisation jusqu'au %(proofs)s et le contrat et votre consentement jusqu'au "
        "%(admin)s : ils sont gelés d'ici là (plus utilisés, sauf pour répondre à un "
        "contrôle), puis détruits."
    ) % {
        "proofs": on(DocumentClass.PREUVE_REALISATION),
        "admin": on(DocumentClass.ADMIN_CONTRAT),
    }


def create_request(
    *, bilan: Bilan, by: User, kind: str, details: str = "", now: dt.datetime | None = None
) -> DataRequest:
    """File a request; an erasure is carried out at once (and answered), or refused."""
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire exerce ses droits sur ses données."), code="forbidden"
        )
    if kind not in RequestKind.values:
        raise RuleViolation(_t("Choisissez le droit que vous exercez."), code="invalid")
    details = details.strip()
    if len(details) > DETAILS_MAX:
        raise RuleViolation(
            _t("Précisions trop longues (%(n)s caractères au plus).") % {"n": DETAILS_MAX},
            code="invalid",
        )
    if kind == RequestKind.RECTIFICATION and not details:
        raise RuleViolation(_t("Indiquez ce qui doit être rectifié."), code="invalid")
    now = now or timezone.now()
    if kind == RequestKind.ERASURE and (
        bilan.status in ACTIVE_STATUSES or bilan.status == Status.INTERRUPTED
    ):
        raise RuleViolation(
            _t(
                "Effacement impossible pendant le bilan (étape « %(status)s ») : vos documents "
                "de travail sont nécessaires à sa réalisation. Vous pouvez retirer votre "
                "consentement, ce qui interrompt le bilan ; ils seront détruits à sa fin."
            )
            % {"status": bilan.get_status_display()}
        )
    with transaction.atomic():
        request = DataRequest.objects.create(
            bilan=bilan,
            requested_by=by,
            kind=kind,
            details=details,
            created_at=now,
            due_on=add_months(timezone.localdate(now), 1),
        )
        if kind == RequestKind.ERASURE:
            _erase(request, bilan, now=now)
    return request


def _erase(request: DataRequest, bilan: Bilan, *, now: dt.datetime) -> None:
    hold = destruction.active_hold(bilan)
    if hold is not None:
        raise destruction.hold_refusal(hold)
    done = retention.destroyed_classes(bilan.pk)
    if DocumentClass.TRAVAIL_BILAN not in done:
        destruction.destroy(
            [
                destruction.Due(
                    bilan, DocumentClass.TRAVAIL_BILAN, timezone.localdate(now), "RGPD art. 17"
                )
            ],
            reason="erasure",
            now=now,
        )
    state = retention.lifecycle_of(bilan)
    state.frozen_at = now
    state.save(update_fields=["frozen_at"])
    DataRequestAnswer.objects.create(
        request=request, at=now, by=None, kind="erasure", text=erasure_explanation(bilan)
    )
    request.status = RequestStatus.ANSWERED
    request.save(update_fields=["status"])
    retention.log(bilan, "erasure", at=now)


def answer_request(
    *,
    request: DataRequest,
    by: User,
    text: str,
    refused: bool = False,
    now: dt.datetime | None = None,
) -> DataRequestAnswer:
    """The administration answers (or refuses, with its reasons); logged."""
    if not _is_admin_of(by, request.bilan):
        raise RuleViolation(
            _t("Seule l'administration de l'organisme répond aux demandes."), code="forbidden"
        )
    text = text.strip()
    if not text:
        raise RuleViolation(_t("Rédigez la réponse."), code="invalid")
    if len(text) > ANSWER_MAX:
        raise RuleViolation(
            _t("Réponse trop longue (%(n)s caractères au plus).") % {"n": ANSWER_MAX},
            code="invalid",
        )
    if request.status != RequestStatus.OPEN:
        raise RuleViolation(_t("Cette demande a déjà reçu sa réponse."))
    now = now or timezone.now()
    with transaction.atomic():
        answer = DataRequestAnswer.objects.create(
            request=request, at=now, by=by, kind="refusal" if refused else "answer", text=text
        )
        request.status = RequestStatus.REFUSED if refused else RequestStatus.ANSWERED
        request.save(update_fields=["status"])
    return answer


def extend_request(
    *, request: DataRequest, by: User, reason: str, now: dt.datetime | None = None
) -> DataRequest:
    """Two more months for a complex request (Art. 12-3), once, with the reason; logged."""
    if not _is_admin_of(by, request.bilan):
        raise RuleViolation(
            _t("Seule l'administration de l'organisme prolonge le délai."), code="forbidden"
        )
    if not reason.strip():
        raise RuleViolation(_t("Indiquez pourquoi le délai est prolongé."), code="invalid")
    if request.status != RequestStatus.OPEN:
        raise RuleViolation(_t("Cette demande a déjà reçu sa réponse."))
    if request.extended:
        raise RuleViolation(_t("Le délai de cette demande est déjà prolongé."))
    now = now or timezone.now()
    with transaction.atomic():
        request.extended = True
        request.extension_reason = reason.strip()[:500]
        request.due_on = add_months(request.due_on, 2)
        request.save(update_fields=["extended", "extension_reason", "due_on"])
        DataRequestAnswer.objects.create(
            request=request, at=now, by=by, kind="extension", text=request.extension_reason
        )
    return request


def requests_for(user: User) -> models.QuerySet[DataRequest]:
    """The beneficiary's own requests; the administration's organisation's; else 403."""
    membership = getattr(user, "membership", None)
    if membership is None:
        raise RuleViolation(_t("Votre rôle ne permet pas cette action."), code="forbidden")
    qs = DataRequest.objects.select_related("bilan", "bilan__beneficiary").prefetch_related(
        "answers"
    )
    if membership.role == Role.BENEFICIARY:
        return qs.filter(bilan__beneficiary=user, bilan__organisation_id=membership.organisation_id)
    if membership.role == Role.ADMIN:
        return qs.filter(bilan__organisation_id=membership.organisation_id)
    raise RuleViolation(
        _t("Les demandes sur les données sont traitées par l'administration de l'organisme."),
        code="forbidden",
    )


def get_request(user: User, pk: int) -> DataRequest:
    """A request the administration treats (404 otherwise, or 403 for other roles)."""
    try:
        return requests_for(user).get(pk=pk)
    except DataRequest.DoesNotExist:
        raise Http404 from None
