"""The one owner of a bilan's funding: every change of its price, routes and shares.

Pages, the API and the core's administration page (through bilan/bilans/funding_hook.py) all
call `set_funding`. Before the bilan starts, a change is free (and still logged); once it has
started, a change needs a reason; a closed bilan's funding is refused, except through the
explicit « correction » act of the administration, with a reason (logged, never silent).
`Bilan.funding_route` and `funding_reference` are kept in sync here (the primary share).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, FundingRoute, RuleViolation, Status
from bilan.bilans.transitions import may_transition
from bilan.funding import cpf, qualiopi
from bilan.funding.models import (
    DEFAULT_PAYER,
    Exemption,
    Funding,
    FundingChange,
    FundingShare,
    KairosStatus,
    PayerKind,
    PriorBilanAnswer,
)
from bilan.organisations.models import FUNDER_ROLES, Membership, Role

MAX_AMOUNT = Decimal("100000.00")
MAX_SHARES = 6
CLOSED_STATUSES = (Status.CLOSED, Status.FOLLOW_UP, Status.ARCHIVED, Status.ABANDONED)
SHARE_FIELDS = (
    "route",
    "payer_kind",
    "payer_name",
    "amount",
    "reference",
    "opco_agreement_number",
    "opco_agreed_amount",
    "kairos_quote_number",
    "kairos_status",
    "funder_id",
)


@dataclass(frozen=True)
class ShareInput:
    """One share as a page or the API gives it (payer kind by default the route's)."""

    route: str
    amount: Decimal
    payer_kind: str = ""
    payer_name: str = ""
    reference: str = ""
    opco_agreement_number: str = ""
    opco_agreed_amount: Decimal | None = None
    kairos_quote_number: str = ""
    kairos_status: str = ""
    funder_id: int | None = None  # the funder account following this share (REQ-30)


def euros(value: Decimal) -> str:
    """1 600,01 € : the French way, for refusals."""
    whole, _sep, cents = f"{value:.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    return f"{grouped},{cents} €"


def is_started(bilan: Bilan) -> bool:
    return bilan.status != Status.ENQUIRY


def is_closed(bilan: Bilan) -> bool:
    return bilan.status in CLOSED_STATUSES


def may_manage(user: User, bilan: Bilan) -> bool:
    """The staff who correct the administrative record (admin, assigned consultant)."""
    return may_transition(user, bilan, "update_administration")


def may_correct(user: User, bilan: Bilan) -> bool:
    """A closed bilan's funding is corrected by its organisation's administration only."""
    membership = getattr(user, "membership", None)
    return (
        membership is not None
        and membership.organisation_id == bilan.organisation_id
        and membership.role == Role.ADMIN
    )


def funding_of(bilan: Bilan) -> Funding:
    """The bilan's funding, created on first use from the route recorded at opening."""
    funding, created = Funding.objects.get_or_create(bilan=bilan)
    if created:
        FundingShare.objects.create(
            funding=funding,
            position=0,
            route=bilan.funding_route,
            payer_kind=DEFAULT_PAYER.get(bilan.funding_route, PayerKind.OTHER),
            reference=bilan.funding_reference,
        )
    return funding


def shares_of(funding: Funding) -> list[FundingShare]:
    return list(funding.shares.order_by("position"))


def share_input_of(share: FundingShare) -> ShareInput:
    return ShareInput(**{name: getattr(share, name) for name in SHARE_FIELDS})


@dataclass(frozen=True)
class FileInput:
    """The CPF file's answers: the 5-year question, a declared exemption, the CGU version."""

    prior_bilan_answer: str = ""
    exemption: str = ""
    cpf_cgu_version: str = ""


def file_of(funding: Funding) -> FileInput:
    return FileInput(
        prior_bilan_answer=funding.prior_bilan_answer,
        exemption=funding.exemption,
        cpf_cgu_version=funding.cpf_cgu_version,
    )


def clean_file(file: FileInput) -> FileInput:
    if file.prior_bilan_answer not in PriorBilanAnswer.values:
        raise RuleViolation(_t("Répondez à la question des 5 ans par oui ou non."), code="invalid")
    if file.exemption not in (Exemption.NONE, Exemption.C2P, Exemption.AT_MP):
        raise RuleViolation(
            _t("Seules les exonérations C2P et AT/MP se déclarent : les autres se déduisent."),
            code="invalid",
        )
    return FileInput(
        prior_bilan_answer=file.prior_bilan_answer,
        exemption=file.exemption,
        cpf_cgu_version=file.cpf_cgu_version.strip(),
    )


def snapshot(
    price: Decimal | None, shares: list[ShareInput], file: FileInput | None = None
) -> dict[str, Any]:
    """The funding as JSON for the log (amounts as strings: exact)."""

    def value(v: object) -> object:
        return str(v) if isinstance(v, Decimal) else v

    return {
        "price": value(price),
        "shares": [{name: value(getattr(s, name)) for name in SHARE_FIELDS} for s in shares],
        **(vars(file) if file is not None else {}),
    }


def check_amount(value: Decimal | None, *, label: str) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RuleViolation(
            _t("%(l)s : montant invalide.") % {"l": label}, code="invalid"
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise RuleViolation(
            _t("%(l)s : le montant doit être compris entre 0 et %(max)s.")
            % {"l": label, "max": euros(MAX_AMOUNT)},
            code="invalid",
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise RuleViolation(
            _t("%(l)s : deux décimales au plus (des centimes).") % {"l": label}, code="invalid"
        )
    return amount.quantize(Decimal("0.01"))


def clean_shares(shares: list[ShareInput]) -> list[ShareInput]:
    """Each share's own rules (input): known route and payer, amounts, references."""
    if not shares:
        raise RuleViolation(_t("Indiquez au moins un financement."), code="invalid")
    if len(shares) > MAX_SHARES:
        raise RuleViolation(
            _t("%(n)s financements au plus par bilan.") % {"n": MAX_SHARES}, code="invalid"
        )
    cleaned = []
    for n, share in enumerate(shares, start=1):
        label = _t("Financement n° %(n)s") % {"n": n}
        if share.route not in FundingRoute.values:
            raise RuleViolation(
                _t("%(l)s : choisissez un financement dans la liste.") % {"l": label},
                code="invalid",
            )
        payer = share.payer_kind or DEFAULT_PAYER[share.route]
        if payer not in PayerKind.values:
            raise RuleViolation(
                _t("%(l)s : choisissez un type de payeur dans la liste.") % {"l": label},
                code="invalid",
            )
        if share.kairos_status not in KairosStatus.values:
            raise RuleViolation(
                _t("%(l)s : choisissez un statut de devis KAIROS dans la liste.") % {"l": label},
                code="invalid",
            )
        amount = check_amount(share.amount, label=label)
        agreed = check_amount(share.opco_agreed_amount, label=_t("Prise en charge OPCO"))
        reference = share.reference.strip()
        if share.route == FundingRoute.CPF and not reference:
            raise RuleViolation(
                _t("%(l)s : indiquez le numéro de dossier CPF (EDOF).") % {"l": label},
                code="invalid",
            )
        cleaned.append(
            ShareInput(
                route=share.route,
                amount=amount or Decimal("0.00"),
                payer_kind=payer,
                payer_name=share.payer_name.strip(),
                reference=reference,
                opco_agreement_number=share.opco_agreement_number.strip(),
                opco_agreed_amount=agreed,
                kairos_quote_number=share.kairos_quote_number.strip(),
                kairos_status=share.kairos_status,
                funder_id=share.funder_id,
            )
        )
    return cleaned


def check_total(price: Decimal | None, shares: list[ShareInput]) -> None:
    total = sum((s.amount for s in shares), Decimal("0.00"))
    if price is not None and total > price:
        raise RuleViolation(
            _t("Les financements (%(t)s) dépassent le prix du bilan (%(p)s).")
            % {"t": euros(total), "p": euros(price)},
            code="invalid",
        )


def set_funding(
    *,
    bilan: Bilan,
    by: User,
    shares: list[ShareInput],
    price: Decimal | None,
    reason: str = "",
    correction: bool = False,
    file: FileInput | None = None,
) -> Funding:
    """Replace the bilan's funding (price and shares, the first share being the primary route;
    `file`: the CPF file's answers, kept as they are when None).

    Refused (nothing saved): by anyone but the staff of the bilan; after the start without a
    reason; on a closed bilan unless `correction` by the administration with a reason."""
    if not may_manage(by, bilan) and not (correction and may_correct(by, bilan)):
        raise RuleViolation(
            _t("Vous n'êtes pas autorisé·e à modifier le financement de ce bilan."),
            code="forbidden",
        )
    if correction and not may_correct(by, bilan):
        raise RuleViolation(
            _t("Seule l'administration de l'organisme corrige le financement d'un bilan clos."),
            code="forbidden",
        )
    price = check_amount(price, label=_t("Prix du bilan"))
    cleaned = clean_shares(shares)
    check_total(price, cleaned)
    reason = reason.strip()
    with transaction.atomic():
        locked = Bilan.objects.select_for_update().get(pk=bilan.pk)
        funding = funding_of(locked)
        current = shares_of(funding)
        old_file = file_of(funding)
        new_file = old_file if file is None else clean_file(file)
        before = snapshot(funding.price, [share_input_of(s) for s in current], old_file)
        after = snapshot(price, cleaned, new_file)
        if before == after:
            return funding
        if is_closed(locked) and not correction:
            raise RuleViolation(
                _t(
                    "Le bilan est « %(s)s » : son financement ne se réécrit pas. Utilisez la "
                    "correction motivée de l'administration, enregistrée au journal des "
                    "changements (le certificat de réalisation et la facture en dépendent)."
                )
                % {"s": locked.get_status_display()}
            )
        if correction and not is_closed(locked):
            raise RuleViolation(
                _t(
                    "La correction ne concerne qu'un bilan clos : modifiez simplement le financement."
                )
            )
        if (is_started(locked) or correction) and not reason:
            raise RuleViolation(
                _t(
                    "Le bilan a commencé : indiquez le motif du changement de financement "
                    "(il est enregistré avec son auteur et sa date)."
                ),
                code="invalid",
            )
        check_route_rules(locked, price=price, shares=cleaned, file=new_file)
        funding.shares.all().delete()
        FundingShare.objects.bulk_create(
            [
                FundingShare(funding=funding, position=n, **vars(share))
                for n, share in enumerate(cleaned)
            ]
        )
        funding.price = price
        if new_file.prior_bilan_answer != old_file.prior_bilan_answer:
            funding.prior_bilan_answered_on = timezone.localdate()
        funding.prior_bilan_answer = new_file.prior_bilan_answer
        funding.exemption = new_file.exemption
        funding.cpf_cgu_version = new_file.cpf_cgu_version
        funding.save()
        FundingChange.objects.create(
            funding=funding, by=by, reason=reason, correction=correction, before=before, after=after
        )
        primary = cleaned[0]
        for target in {id(locked): locked, id(bilan): bilan}.values():
            target.funding_route = primary.route
            target.funding_reference = primary.reference
        locked.save(update_fields=["funding_route", "funding_reference"])
    return funding


def check_route_rules(
    bilan: Bilan, *, price: Decimal | None, shares: list[ShareInput], file: FileInput
) -> None:
    """The rules of the routes chosen, each from its owner (the CPF's: funding.cpf; the
    certificate's: funding.qualiopi). What choosing a route needs (the certificate, the CPF
    file's answers) is checked for a route newly chosen: an expiry mid-bilan does not undo a
    route agreed, nor does correcting a dossier number ask again; amounts are always checked."""
    funders = {s.funder_id for s in shares if s.funder_id is not None}
    if funders and Membership.objects.active().filter(
        organisation_id=bilan.organisation_id, role__in=FUNDER_ROLES, user_id__in=funders
    ).count() != len(funders):
        raise RuleViolation(
            _t(
                "Le compte du financeur doit être un compte employeur, OPCO ou France Travail de l'organisme."
            ),
            code="invalid",
        )
    funding = Funding.objects.filter(bilan=bilan).first()
    chosen = {s.route for s in funding.shares.all()} if funding is not None else set()
    new_routes = [s.route for s in shares if s.route not in chosen]
    qualiopi.check_funded_routes(bilan.organisation, new_routes, day=timezone.localdate())
    cpf.check_cpf(
        bilan,
        price=price,
        shares=shares,
        prior_bilan_answer=file.prior_bilan_answer,
        cgu_version=file.cpf_cgu_version,
        newly_chosen=FundingRoute.CPF in new_routes,
    )


def change_primary_route(*, bilan: Bilan, by: User, route: str, reference: str) -> None:
    """The core's administration page changes the route: the primary share takes it (the
    payer follows the route), through `set_funding`, so the same rules apply (it has no
    reason field: once the bilan has started, the funding page asks for one)."""
    funding = funding_of(bilan)
    current = [share_input_of(s) for s in shares_of(funding)]
    primary = current[0]
    payer = primary.payer_kind if primary.route == route else DEFAULT_PAYER[route]
    current[0] = ShareInput(
        **{**vars(primary), "route": route, "reference": reference, "payer_kind": payer}
    )
    if is_started(bilan) and not is_closed(bilan):
        route_changed = (primary.route, primary.reference) != (route, reference)
        if route_changed:
            raise RuleViolation(
                _t(
                    "Le bilan a commencé : changez son financement sur la page « Financement », "
                    "qui demande le motif du changement."
                ),
                code="invalid",
            )
    set_funding(bilan=bilan, by=by, shares=current, price=funding.price)
