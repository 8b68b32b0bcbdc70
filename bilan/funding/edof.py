"""The CPF file on EDOF (REQ-20, REQ-24): its status, entered by staff or imported from the
CSV export of the EDOF back office, the declarations due (entry within 3 working days of the
first session, exit and service fait within 3 working days of the end, escalated when late),
and the session gate: no first investigation entretien unless the file is « accepté ».

The platform mirrors EDOF, it never computes CPF refunds. One owner: `record_status`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, FundingRoute, Phase, RuleViolation
from bilan.entretiens.models import Entretien, EntretienStatus
from bilan.funding import rules
from bilan.funding.models import EdofStatus, EdofStatusChange, Funding, FundingShare
from bilan.funding.working_days import add_working_days
from bilan.organisations.models import Organisation

DECLARATION_DAYS = 3  # REQ-20: entry, exit and service fait within 3 working days
FLOW = [
    EdofStatus.RECEIVED,
    EdofStatus.ACCEPTED,
    EdofStatus.ENTRY_DECLARED,
    EdofStatus.EXIT_DECLARED,
    EdofStatus.SERVICE_DONE,
]
ADMITTED = (
    EdofStatus.ACCEPTED,
    EdofStatus.ENTRY_DECLARED,
    EdofStatus.EXIT_DECLARED,
    EdofStatus.SERVICE_DONE,
)


def label(status: str) -> str:
    return str(EdofStatus(status).label) if status in EdofStatus.values else _t("non renseigné")


def cpf_share(funding: Funding) -> FundingShare | None:
    return funding.shares.filter(route=FundingRoute.CPF).first()


def record_status(*, bilan: Bilan, by: User, status: str, source: str = "page") -> Funding:
    """Record the file's new status: forward only (a file may skip steps, as EDOF shows them);
    « annulé » only before the entry is declared (an entry, once declared, cannot be cancelled)."""
    if not rules.may_manage(by, bilan):
        raise RuleViolation(
            _t("Vous n'êtes pas autorisé·e à modifier le dossier EDOF de ce bilan."),
            code="forbidden",
        )
    if status not in EdofStatus.values:
        raise RuleViolation(_t("Choisissez un statut EDOF dans la liste."), code="invalid")
    with transaction.atomic():
        locked = Bilan.objects.select_for_update().get(pk=bilan.pk)
        funding = rules.funding_of(locked)
        if cpf_share(funding) is None:
            raise RuleViolation(_t("Ce bilan n'est pas financé par le CPF : pas de dossier EDOF."))
        current = funding.edof_status
        if current == status:
            return funding
        if current == EdofStatus.CANCELLED:
            raise RuleViolation(_t("Le dossier EDOF est annulé : il ne change plus de statut."))
        if status == EdofStatus.CANCELLED:
            if current in (
                EdofStatus.ENTRY_DECLARED,
                EdofStatus.EXIT_DECLARED,
                EdofStatus.SERVICE_DONE,
            ):
                raise RuleViolation(
                    _t(
                        "Une entrée déclarée sur EDOF ne peut plus être annulée (CGU Mon Compte "
                        "Formation) : déclarez la sortie."
                    )
                )
        elif current and FLOW.index(status) < FLOW.index(current):  # type: ignore[arg-type]
            raise RuleViolation(
                _t("Le dossier EDOF est « %(c)s » : il ne revient pas à « %(s)s ».")
                % {"c": label(current), "s": label(status)}
            )
        funding.edof_status = status
        funding.save(update_fields=["edof_status", "updated_at"])
        EdofStatusChange.objects.create(funding=funding, status=status, by=by, source=source)
    return funding


def _plain(text: str) -> str:
    return "".join(
        c
        for c in unicodedata.normalize("NFD", text.strip().lower())
        if not unicodedata.combining(c)
    )


CSV_STATUSES = {_plain(str(s.label)): s.value for s in EdofStatus} | {
    s.value: s.value for s in EdofStatus
}
REFERENCE_COLUMNS = ("numero du dossier", "numero de dossier", "n° dossier", "dossier")
STATUS_COLUMNS = ("statut", "etat", "status")


@dataclass(frozen=True)
class ImportReport:
    updated: int
    unchanged: int


def import_csv(*, organisation: Organisation, by: User, text: str) -> ImportReport:
    """Apply an EDOF CSV export (a dossier number and a status per row, ; or , separated): all
    rows or none — a refused row refuses the file, naming its line."""
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=";,")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {_plain(c): c for c in reader.fieldnames or []}
    ref_col = next((columns[c] for c in REFERENCE_COLUMNS if c in columns), None)
    status_col = next((columns[c] for c in STATUS_COLUMNS if c in columns), None)
    if ref_col is None or status_col is None:
        raise RuleViolation(
            _t(
                "Fichier EDOF illisible : il faut une colonne « Numéro du dossier » et une colonne « Statut »."
            ),
            code="invalid",
        )
    updated = unchanged = 0
    with transaction.atomic():
        for line, row in enumerate(reader, start=2):
            reference = (row.get(ref_col) or "").strip()
            status = CSV_STATUSES.get(_plain(row.get(status_col) or ""))
            share = (
                FundingShare.objects.filter(
                    route=FundingRoute.CPF,
                    reference=reference,
                    funding__bilan__organisation=organisation,
                )
                .select_related("funding__bilan")
                .first()
            )
            if status is None or share is None:
                raise RuleViolation(
                    _t("Ligne %(n)s : %(why)s. Rien n'a été importé.")
                    % {
                        "n": line,
                        "why": _t("statut inconnu")
                        if status is None
                        else _t("dossier CPF inconnu"),
                    },
                    code="invalid",
                )
            before = share.funding.edof_status
            try:
                record_status(bilan=share.funding.bilan, by=by, status=status, source="csv")
            except RuleViolation as error:
                raise RuleViolation(
                    _t("Ligne %(n)s : %(why)s Rien n'a été importé.")
                    % {"n": line, "why": " ".join(error.messages)},
                    code="forbidden" if error.code == "forbidden" else "invalid",
                ) from error
            if before == status:
                unchanged += 1
            else:
                updated += 1
    return ImportReport(updated=updated, unchanged=unchanged)


# ---- the declarations due ---------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    bilan: Bilan
    kind: str  # "entry" or "exit"
    label: str
    from_day: dt.date
    due_on: dt.date
    late: bool


def first_session_day(bilan: Bilan) -> dt.date | None:
    first = (
        Entretien.objects.filter(bilan=bilan, status=EntretienStatus.HELD)
        .exclude(phase=Phase.FOLLOW_UP)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localdate(first) if first else None


def tasks_for(bilan: Bilan, funding: Funding, today: dt.date) -> list[Task]:
    status = funding.edof_status
    tasks = []
    if status in (EdofStatus.CANCELLED, EdofStatus.SERVICE_DONE):
        return []
    first = first_session_day(bilan)
    if first is not None and status in ("", EdofStatus.RECEIVED, EdofStatus.ACCEPTED):
        due = add_working_days(first, DECLARATION_DAYS)
        tasks.append(Task(bilan, "entry", _t("déclarer l'entrée réelle"), first, due, today > due))
    if bilan.closed_on is not None:
        due = add_working_days(bilan.closed_on, DECLARATION_DAYS)
        what = (
            _t("déclarer le service fait")
            if status == EdofStatus.EXIT_DECLARED
            else _t("déclarer la sortie et le service fait")
        )
        tasks.append(Task(bilan, "exit", what, bilan.closed_on, due, today > due))
    return tasks


def edof_tasks(organisation: Organisation, today: dt.date | None = None) -> list[Task]:
    """Every declaration due on the organisation's CPF files, the late ones (escalated) first."""
    today = today or timezone.localdate()
    fundings = (
        Funding.objects.filter(bilan__organisation=organisation, shares__route=FundingRoute.CPF)
        .select_related("bilan__beneficiary")
        .distinct()
    )
    tasks = [t for f in fundings for t in tasks_for(f.bilan, f, today)]
    return sorted(tasks, key=lambda t: (not t.late, t.due_on))


# ---- the session gate (registered in bilans.gates by FundingConfig.ready) --------------------


def session_gate(bilan: Bilan, kind: str) -> str | None:
    """No first investigation entretien unless the CPF file is « accepté » (REQ-20: do not admit
    a trainee whose file is not accepted). Applies to bilans whose funding the feature holds."""
    if kind != Phase.INVESTIGATION:
        return None
    funding = Funding.objects.filter(bilan=bilan).first()
    if funding is None or cpf_share(funding) is None or funding.edof_status in ADMITTED:
        return None
    if Entretien.objects.filter(
        bilan=bilan,
        phase=Phase.INVESTIGATION,
        status__in=[EntretienStatus.PLANNED, EntretienStatus.HELD],
    ).exists():
        return None
    return _t(
        "Premier entretien d'investigation impossible : le dossier CPF n'est pas « accepté » "
        "sur EDOF (statut : %(s)s). N'admettez pas un·e stagiaire dont le dossier n'est pas "
        "accepté (CGU Mon Compte Formation, REQ-20)."
    ) % {"s": label(funding.edof_status)}
