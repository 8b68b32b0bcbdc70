"""The retention schedule of a bilan (REQ-11, REQ-52): for each document class, the rule in
force, its start date and the date its outcome applies. The one owner of « when is what of
this bilan destroyed »: the « Mes données » page, the API and the nightly job all ask here.

Also the rules table's owners (the rule in force, an admin's confirmation) and the
« accord écrit de conservation pour suivi » (sign, withdraw).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.content import DocumentClass
from bilan.bilans.models import Bilan, RuleViolation
from bilan.lifecycle.models import (
    AgreementScope,
    BilanLifecycle,
    ConservationAgreement,
    DestructionLine,
    LifecycleEvent,
    Outcome,
    RetentionRule,
    StartEvent,
    Variant,
    end_of_action,
)
from bilan.organisations.models import Organisation, Role

# The classes a bilan's schedule lists, in the order « Mes données » shows them.
BILAN_CLASSES = (
    DocumentClass.TRAVAIL_BILAN,
    DocumentClass.SYNTHESE,
    DocumentClass.PREUVE_REALISATION,
    DocumentClass.ADMIN_CONTRAT,
    DocumentClass.FACTURATION,
    DocumentClass.JOURNAUX_SECURITE,
)
# Destroyed at the end of the action unless the written agreement keeps them (R6313-7).
AT_END_OF_ACTION = (DocumentClass.TRAVAIL_BILAN, DocumentClass.SYNTHESE)
# The beneficiary is warned this long before her work is destroyed, and offered the export.
NOTICE_DAYS = 15
FALLBACK_FROM = dt.date(2019, 1, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus `months` calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ---- the rules table ---------------------------------------------------------------------------


def rules_table(organisation: Organisation | None) -> Callable[[str, str, dt.date], RetentionRule]:
    """Load the rules once; the returned function picks the one in force for a class and a
    variant on a day: the newest, the organisation's own on a tie (as HoursRule), the
    standard variant when the variant has no row."""
    org_id = organisation.pk if organisation is not None else None
    rules = list(
        RetentionRule.objects.filter(
            models.Q(organisation__isnull=True) | models.Q(organisation_id=org_id)
        )
    )

    def pick(data_class: str, variant: str, day: dt.date) -> RetentionRule:
        for wanted in dict.fromkeys((variant, Variant.STANDARD)):
            dated = sorted(
                (
                    r
                    for r in rules
                    if r.data_class == data_class and r.variant == wanted and r.valid_from <= day
                ),
                key=lambda r: (r.valid_from, r.organisation_id is not None),
                reverse=True,
            )
            if dated:
                return dated[0]
        # Without any row (an empty test database): keep, and say the matrix is missing.
        return RetentionRule(
            data_class=data_class,
            valid_from=FALLBACK_FROM,
            start_event=StartEvent.NONE,
            outcome=Outcome.KEEP,
            source=_t("Aucune règle de conservation en vigueur : à paramétrer."),
        )

    return pick


def rules_in_force(organisation: Organisation, day: dt.date | None = None) -> list[RetentionRule]:
    """Every class and variant's rule in force for `organisation` on `day` (today)."""
    day = day or timezone.localdate()
    pick = rules_table(organisation)
    keys = dict.fromkeys(
        RetentionRule.objects.filter(
            models.Q(organisation__isnull=True) | models.Q(organisation=organisation)
        )
        .order_by("data_class", "variant")
        .values_list("data_class", "variant")
    )
    return [pick(data_class, variant, day) for data_class, variant in keys]


def visible_rule(user: User, pk: int) -> RetentionRule:
    """A general rule, or one of `user`'s organisation: else 404 (not disclosed)."""
    membership = getattr(user, "membership", None)
    org_id = membership.organisation_id if membership is not None else None
    rule = (
        RetentionRule.objects.filter(pk=pk)
        .filter(models.Q(organisation__isnull=True) | models.Q(organisation_id=org_id))
        .first()
    )
    if rule is None:
        raise Http404
    return rule


def confirm_rule(*, rule: RetentionRule, by: User, now: dt.datetime | None = None) -> RetentionRule:
    """An organisation's admin confirms a rule after checking the text (« à vérifier au JO »).
    A general rule is adopted as the organisation's own dated row (the other organisations'
    stays to verify); the organisation's own row is marked confirmed."""
    membership = getattr(by, "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        raise RuleViolation(
            _t("Seule l'administration de l'organisme confirme une règle de conservation."),
            code="forbidden",
        )
    if rule.organisation_id not in (None, membership.organisation_id):
        raise RuleViolation(_t("Cette règle n'est pas celle de votre organisme."), code="forbidden")
    now = now or timezone.now()
    with transaction.atomic():
        if rule.organisation_id is None:
            own, _created = RetentionRule.objects.get_or_create(
                organisation_id=membership.organisation_id,
                data_class=rule.data_class,
                variant=rule.variant,
                valid_from=rule.valid_from,
                defaults={
                    "duration_months": rule.duration_months,
                    "start_event": rule.start_event,
                    "outcome": rule.outcome,
                    "agreement_max_months": rule.agreement_max_months,
                    "source": rule.source,
                },
            )
            rule = own
        if not rule.to_verify:
            raise RuleViolation(_t("Cette règle est déjà confirmée."))
        rule.to_verify = False
        rule.confirmed_at = now
        rule.confirmed_by = by
        rule.save(update_fields=["to_verify", "confirmed_at", "confirmed_by"])
    return rule


# ---- a bilan's schedule ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassSchedule:
    """One class of one bilan: the rule, when it runs from, when its outcome applies."""

    document_class: DocumentClass
    rule: RetentionRule
    starts_on: dt.date | None  # None: the event has not happened (bilan in progress)
    due_on: dt.date | None  # None: not known yet, or nothing is due (kept, per row…)
    outcome: str
    kept_by_agreement: bool
    destroyed_on: dt.date | None
    note: str

    @property
    def label(self) -> str:
        return str(self.document_class.label)


def lifecycle_of(bilan: Bilan) -> BilanLifecycle:
    state, _created = BilanLifecycle.objects.get_or_create(bilan=bilan)
    return state


def active_agreement(bilan: Bilan) -> ConservationAgreement | None:
    return ConservationAgreement.objects.filter(bilan=bilan, withdrawn_at__isnull=True).first()


def destroyed_classes(bilan_id: int) -> dict[str, dt.date]:
    """The classes already destroyed for a bilan (by retention or erasure), with the date."""
    out: dict[str, dt.date] = {}
    for line in DestructionLine.objects.filter(certificate__bilan_id=bilan_id):
        out.setdefault(line.destroyed_class, timezone.localdate(line.destroyed_at))
    return out


def schedule(
    bilan: Bilan,
    *,
    pick: Callable[[str, str, dt.date], RetentionRule] | None = None,
    state: BilanLifecycle | None = None,
    agreement: ConservationAgreement | None | bool = False,
    destroyed: dict[str, dt.date] | None = None,
) -> list[ClassSchedule]:
    """The bilan's retention schedule, class by class. The optional arguments let the
    nightly job pass what it loaded once for many bilans."""
    end = end_of_action(bilan)
    pick = pick or rules_table(bilan.organisation)
    state = state or lifecycle_of(bilan)
    if agreement is False:
        agreement = active_agreement(bilan)
    destroyed = destroyed if destroyed is not None else destroyed_classes(bilan.pk)
    law_day = end or timezone.localdate()  # the rule in force at the end of the action
    out: list[ClassSchedule] = []
    for document_class in BILAN_CLASSES:
        variant = state.proof_variant if document_class == DocumentClass.PREUVE_REALISATION else ""
        rule = pick(document_class, variant, law_day)
        kept = (
            isinstance(agreement, ConservationAgreement)
            and agreement.covers(document_class)
            and rule.agreement_max_months is not None
        )
        starts_on, due_on, note = _dates(bilan, rule, end, kept, agreement)
        proofs = next(
            (s for s in out if s.document_class == DocumentClass.PREUVE_REALISATION), None
        )
        if (
            document_class == DocumentClass.ADMIN_CONTRAT
            and proofs is not None
            and proofs.due_on is not None
            and due_on is not None
            and proofs.due_on > due_on
        ):
            # The contract and the consent are kept at least as long as the proofs (REQ-52).
            due_on = proofs.due_on
            note = _t("Conservé au moins aussi longtemps que les preuves de réalisation.")
        out.append(
            ClassSchedule(
                document_class=document_class,
                rule=rule,
                starts_on=starts_on,
                due_on=due_on,
                outcome=rule.outcome,
                kept_by_agreement=kept,
                destroyed_on=destroyed.get(document_class),
                note=note,
            )
        )
    return out


def _dates(
    bilan: Bilan,
    rule: RetentionRule,
    end: dt.date | None,
    kept: bool,
    agreement: ConservationAgreement | None | bool,
) -> tuple[dt.date | None, dt.date | None, str]:
    if rule.outcome == Outcome.KEEP or rule.start_event == StartEvent.NONE:
        return None, None, _t("Conservé tant qu'utile.")
    if rule.start_event == StartEvent.RECORDED_AT:
        return (
            None,
            None,
            _t("%(n)s mois après chaque enregistrement.") % {"n": rule.duration_months},
        )
    if rule.start_event == StartEvent.INVOICE_DATE:
        return (
            None,
            None,
            _t("%(n)s mois après la date de chaque facture.") % {"n": rule.duration_months},
        )
    if end is None:
        return None, None, _t("Le décompte commence à la fin du bilan.")
    if (
        kept
        and rule.agreement_max_months is not None
        and isinstance(agreement, ConservationAgreement)
    ):
        return (
            end,
            add_months(end, rule.agreement_max_months),
            _t("Conservé pour le suivi, à votre demande écrite du %(d)s, au plus %(n)s mois.")
            % {"d": f"{agreement.signed_at:%d/%m/%Y}", "n": rule.agreement_max_months},
        )
    return end, add_months(end, rule.duration_months), ""


def class_schedule(bilan: Bilan, document_class: str) -> ClassSchedule:
    return next(s for s in schedule(bilan) if s.document_class == document_class)


# ---- the written agreement for follow-up -------------------------------------------------------


def _require_beneficiary(bilan: Bilan, by: User, act: str) -> None:
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire peut %(act)s.") % {"act": act}, code="forbidden"
        )


def sign_agreement(
    *, bilan: Bilan, by: User, scope: str, reason: str, now: dt.datetime | None = None
) -> ConservationAgreement:
    """The beneficiary asks in writing that documents be kept for the follow-up of her
    situation (R6313-7): kept at most the rule's maximum after the end of the action."""
    _require_beneficiary(bilan, by, _t("signer un accord de conservation"))
    if scope not in AgreementScope.values:
        raise RuleViolation(_t("Choisissez ce que vous souhaitez faire conserver."), code="invalid")
    reason = reason.strip()
    if not reason:
        raise RuleViolation(
            _t("Indiquez pourquoi la conservation est utile au suivi de votre situation."),
            code="invalid",
        )
    now = now or timezone.now()
    with transaction.atomic():
        Bilan.objects.select_for_update().get(pk=bilan.pk)
        if active_agreement(bilan) is not None:
            raise RuleViolation(
                _t(
                    "Un accord de conservation est déjà en cours : retirez-le avant d'en signer un autre."
                )
            )
        gone = [c for c in destroyed_classes(bilan.pk) if c in AT_END_OF_ACTION]
        if gone:
            raise RuleViolation(
                _t(
                    "Vos documents de travail ont déjà été détruits : il n'y a plus rien à conserver."
                )
            )
        agreement = ConservationAgreement.objects.create(
            bilan=bilan, scope=scope, reason=reason, signed_at=now, signed_by=by
        )
        new_deadline(bilan)
        log(bilan, "agreement_signed", by=by, at=now, detail=scope)
    return agreement


def withdraw_agreement(
    *, bilan: Bilan, by: User, now: dt.datetime | None = None
) -> ConservationAgreement:
    """The beneficiary withdraws her agreement: the standard rule applies again (her work is
    destroyed at the next run, after the D-15 notice)."""
    _require_beneficiary(bilan, by, _t("retirer un accord de conservation"))
    now = now or timezone.now()
    with transaction.atomic():
        Bilan.objects.select_for_update().get(pk=bilan.pk)
        agreement = active_agreement(bilan)
        if agreement is None:
            raise RuleViolation(_t("Aucun accord de conservation en cours à retirer."))
        agreement.withdrawn_at = now
        agreement.save(update_fields=["withdrawn_at"])
        new_deadline(bilan)
        log(bilan, "agreement_withdrawn", by=by, at=now)
    return agreement


def new_deadline(bilan: Bilan) -> None:
    """The destruction date of her work moved: she is told again at D-15 of the new one."""
    BilanLifecycle.objects.filter(bilan=bilan).update(export_notice_sent_at=None)


def log(
    bilan: Bilan,
    kind: str,
    *,
    by: User | None = None,
    at: dt.datetime | None = None,
    detail: str = "",
) -> LifecycleEvent:
    return LifecycleEvent.objects.create(
        bilan_id=bilan.pk,
        organisation_id=bilan.organisation_id,
        at=at or timezone.now(),
        kind=kind,
        actor_id=by.pk if by is not None else None,
        detail=detail[:500],
    )


def set_proof_variant(*, bilan: Bilan, by: User, variant: str) -> BilanLifecycle:
    """The administration says how long the proofs of this bilan are kept: the general case,
    an OPCO's demand (6 years) or a co-financed action (10 years)."""
    membership = getattr(by, "membership", None)
    if (
        membership is None
        or membership.role != Role.ADMIN
        or membership.organisation_id != bilan.organisation_id
    ):
        raise RuleViolation(
            _t("Seule l'administration de l'organisme choisit la conservation des preuves."),
            code="forbidden",
        )
    if variant not in Variant.values:
        raise RuleViolation(
            _t("Choisissez une durée de conservation dans la liste."), code="invalid"
        )
    state = lifecycle_of(bilan)
    state.proof_variant = variant
    state.save(update_fields=["proof_variant"])
    log(bilan, "proof_variant_set", by=by, detail=variant or "standard")
    return state
