"""The audit pack (REQ-34): a period, a sample of bilans (random with a seed, or chosen), and
one zip with, per indicator of the referential in force on the period's end, the evidence
found and the gaps named, the registers and the configuration as PDFs (bilan/lib/render.py),
and an index.

No bilan content, ever: this module reads administrative data only — dates, statuses,
durations, categories, counts, and the existence of a synthèse and its handover — and never
a model of `bilan.bilans.content.content_models()` beyond its existence and dates. An
auditor sees that a synthèse exists and when it was handed over, never its text; the sample
names bilans by their reference, not by their beneficiary. The worker builds it
(tasks.build_audit_pack) and records its progress on the AuditPack row the staff page polls.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, Consent, Phase, RuleViolation
from bilan.documents.models import Synthese, SyntheseHandover
from bilan.entretiens.models import Entretien, EntretienStatus
from bilan.followup.models import Suivi
from bilan.lib.hours import fmt
from bilan.lib.render import render_pdf
from bilan.organisations.models import HoursRule, Membership, Organisation, Role
from bilan.quality import complaints, indicators, referential, surveys
from bilan.quality.models import (
    AuditPack,
    Complaint,
    ImprovementAction,
    Indicator,
    PackStatus,
    ReferentialVersion,
    SurveyKind,
    WatchEntry,
    WatchKind,
)

log = logging.getLogger(__name__)

MAX_SAMPLE = 50
TEMPLATE = "quality/pack_document.html"


# ---- the sample -----------------------------------------------------------------------------


def bilans_in(organisation: Organisation, p: indicators.Period) -> Any:
    """The organisation's bilans open at some point of the period."""
    return Bilan.objects.filter(organisation=organisation, opened_on__lte=p.end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=p.start)
    )


def draw(
    organisation: Organisation,
    p: indicators.Period,
    size: int,
    *,
    seed: int | None = None,
    chosen: list[int] | None = None,
) -> tuple[list[int], int | None]:
    """The sample's bilan ids and the seed used (None for a chosen sample)."""
    candidates = sorted(bilans_in(organisation, p).values_list("pk", flat=True))
    if not candidates:
        raise RuleViolation(
            _t("Aucun bilan de l'organisme n'est ouvert sur la période %(p)s.") % {"p": p.label},
            code="invalid",
        )
    if chosen:
        unknown = sorted(set(chosen) - set(candidates))
        if unknown:
            raise RuleViolation(
                _t(
                    "Ces bilans ne sont pas des bilans de l'organisme ouverts sur la période : %(ids)s."
                )
                % {"ids": ", ".join(map(str, unknown[:10]))},
                code="invalid",
            )
        return sorted(set(chosen)), None
    if not 1 <= size <= MAX_SAMPLE:
        raise RuleViolation(
            _t("L'échantillon compte de 1 à %(max)s bilans.") % {"max": MAX_SAMPLE},
            code="invalid",
        )
    seed = seed if seed is not None else secrets.randbelow(2**31)
    picked = random.Random(seed).sample(candidates, min(size, len(candidates)))
    return sorted(picked), seed


def request_pack(
    *,
    organisation: Organisation,
    by: User,
    start: dt.date | None,
    end: dt.date | None,
    size: int = 20,
    seed: int | None = None,
    chosen: list[int] | None = None,
) -> AuditPack:
    """The admin asks for a pack: the sample is drawn now (and kept), the worker builds it."""
    membership: Membership | None = getattr(by, "membership", None)
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or (membership.role != Role.ADMIN)
    ):
        raise RuleViolation(
            _t("Seul·e un·e administrateur·rice (qualité) prépare le pack d'audit."),
            code="forbidden",
        )
    p = indicators.period(start, end)
    ids, used_seed = draw(organisation, p, size, seed=seed, chosen=chosen)
    with transaction.atomic():
        pack = AuditPack.objects.create(
            organisation=organisation,
            start=p.start,
            end=p.end,
            sample_size=len(ids),
            seed=used_seed,
            chosen=bool(chosen),
            bilan_ids=ids,
            version=referential.version_in_force(p.end),
            requested_by=by,
        )
        transaction.on_commit(lambda: enqueue(pack.pk), robust=True)
    return pack


def enqueue(pack_id: int) -> None:
    from django_q.tasks import async_task

    async_task("bilan.quality.tasks.build_audit_pack", pack_id, task_name=f"audit-pack-{pack_id}")


def packs_for(user: User) -> Any:
    membership: Membership | None = getattr(user, "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        return AuditPack.objects.none()
    return AuditPack.objects.filter(organisation_id=membership.organisation_id).defer("data")


# ---- the facts, administrative only ---------------------------------------------------------


@dataclass
class BilanFacts:
    reference: str
    status: str
    opened_on: dt.date
    closed_on: dt.date | None
    funding: str
    consultant: str
    consent: str  # date and notice version, or ""
    held: dict[str, int]  # phase → entretiens held
    entretiens: list[list[str]]  # [phase, date, minutes, signatures]
    delivered: str
    synthese: str  # « existe », validated and handed-over dates, never its text
    handed_over: bool
    follow_up: str
    outcome: str


def facts_of(bilans: list[Bilan]) -> list[BilanFacts]:
    ids = [b.pk for b in bilans]
    consents = {
        c.bilan_id: c for c in Consent.objects.filter(bilan_id__in=ids).order_by("given_at")
    }
    entretiens: dict[int, list[Entretien]] = {}
    for e in (
        Entretien.objects.filter(bilan_id__in=ids)
        .annotate(signatures=Count("attendances"))
        .order_by("starts_at")
    ):
        entretiens.setdefault(e.bilan_id, []).append(e)
    syntheses = {s.bilan_id: s for s in Synthese.objects.filter(bilan_id__in=ids).only(
        "id", "bilan_id", "status", "decided_at", "created_at")}  # fmt: skip
    handovers = {
        h.synthese.bilan_id: h
        for h in SyntheseHandover.objects.filter(synthese__bilan_id__in=ids)
        .select_related("synthese")
        .only("handed_on", "channel", "acknowledged", "synthese__bilan_id")
        .order_by("handed_on")
    }
    suivis = {s.bilan_id: s for s in Suivi.objects.filter(bilan_id__in=ids)}
    out = []
    for b in bilans:
        mine = entretiens.get(b.pk, [])
        held = [e for e in mine if e.status == EntretienStatus.HELD]
        consent = consents.get(b.pk)
        synthese = syntheses.get(b.pk)
        handover = handovers.get(b.pk)
        suivi = suivis.get(b.pk)
        if synthese is None:
            synthese_text = _t("aucun document de synthèse")
        else:
            synthese_text = _t("existe (créé le %(d)s, état : %(s)s)") % {
                "d": timezone.localtime(synthese.created_at).strftime("%d/%m/%Y"),
                "s": synthese.get_status_display(),
            }
            if synthese.decided_at:
                synthese_text += " ; " + _t("décidé par le ou la bénéficiaire le %(d)s") % {
                    "d": timezone.localtime(synthese.decided_at).strftime("%d/%m/%Y")
                }
            if handover:
                synthese_text += " ; " + _t("remis le %(d)s (%(c)s%(a)s)") % {
                    "d": handover.handed_on.strftime("%d/%m/%Y"),
                    "c": handover.get_channel_display(),
                    "a": ", " + _t("accusé de réception") if handover.acknowledged else "",
                }
        out.append(
            BilanFacts(
                reference=b.reference,
                status=str(b.get_status_display()),
                opened_on=b.opened_on,
                closed_on=b.closed_on,
                funding=str(b.get_funding_route_display()),
                consultant=b.consultant.get_full_name() if b.consultant else "—",
                consent=(
                    f"{timezone.localtime(consent.given_at):%d/%m/%Y} "
                    f"({consent.get_method_display()}, notice {consent.notice_version})"
                    if consent
                    else ""
                ),
                held={ph: sum(1 for e in held if e.phase == ph) for ph in Phase.values},
                entretiens=[
                    [
                        str(e.get_phase_display()),
                        f"{timezone.localtime(e.starts_at):%d/%m/%Y}",
                        str(e.get_status_display()),
                        fmt(e.held_minutes) if e.status == EntretienStatus.HELD else "—",
                        str(e.signatures),  # type: ignore[attr-defined]  # annotated above
                    ]
                    for e in mine
                ],
                delivered=fmt(b.budget().delivered_accompaniment),
                synthese=synthese_text,
                handed_over=handover is not None,
                follow_up=str(b.get_follow_up_decision_display() or "—"),
                outcome=str(suivi.get_outcome_display()) if suivi and suivi.outcome else "—",
            )
        )
    return out


# ---- evidence per indicator -----------------------------------------------------------------


@dataclass
class Evidence:
    indicator: Indicator
    found: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.found)


@dataclass
class Context:
    organisation: Organisation
    period: indicators.Period
    facts: list[BilanFacts]
    figures: list[indicators.Figure]
    complaints: list[Complaint]
    improvements: list[ImprovementAction]
    surveys: list[surveys.Results]
    watch: list[WatchEntry]


def gather(organisation: Organisation, p: indicators.Period, bilans: list[Bilan]) -> Context:
    return Context(
        organisation=organisation,
        period=p,
        facts=facts_of(bilans),
        figures=indicators.compute(organisation, p),
        complaints=list(
            Complaint.objects.filter(
                organisation=organisation, received_on__gte=p.start, received_on__lte=p.end
            )
        ),
        improvements=list(
            ImprovementAction.objects.filter(organisation=organisation)
            .filter(Q(created_at__date__lte=p.end))
            .select_related("owner", "complaint")
        ),
        surveys=[surveys.results(organisation, kind) for kind in SurveyKind.values],
        watch=list(
            WatchEntry.objects.filter(
                organisation=organisation, noted_on__gte=p.start, noted_on__lte=p.end
            ).select_related("hours_rule")
        ),
    )


SAMPLE = "registres/echantillon-bilans.pdf"
COMPLAINTS = "registres/reclamations.pdf"
IMPROVEMENTS = "registres/actions-amelioration.pdf"
SURVEYS = "registres/enquetes-satisfaction.pdf"
RESULTS = "registres/indicateurs-resultats.pdf"
CONFIGURATION = "configuration/organisme.pdf"
WATCH = "registres/journal-de-veille.pdf"
WATCH_KIND = {23: WatchKind.LEGAL, 24: WatchKind.JOBS, 25: WatchKind.INNOVATION}


def _count(facts: list[BilanFacts], test: Callable[[BilanFacts], bool]) -> tuple[int, list[str]]:
    ok = [f for f in facts if test(f)]
    return len(ok), [f.reference for f in facts if not test(f)]


def _sample_rule(e: Evidence, c: Context, label: str, test: Callable[[BilanFacts], bool]) -> None:
    n, missing = _count(c.facts, test)
    if n:
        e.found.append(_t("%(label)s : %(n)s bilan(s) sur %(total)s de l'échantillon.")
                       % {"label": label, "n": n, "total": len(c.facts)})  # fmt: skip
        e.files.append(SAMPLE)
    if missing:
        e.gaps.append(_t("%(label)s manquant pour : %(refs)s.")
                      % {"label": label, "refs": ", ".join(missing)})  # fmt: skip


def evidence_for(indicator: Indicator, c: Context) -> Evidence:
    e = Evidence(indicator)
    for source in indicator.sources:
        if source == "indicators":
            with_data = [f for f in c.figures if f.status == "ok"]
            if with_data:
                e.found.append(
                    _t(
                        "%(n)s indicateurs de résultats calculés sur la période, avec leur effectif."
                    )
                    % {"n": len(with_data)}
                )
                e.files.append(RESULTS)
            else:
                e.gaps.append(
                    _t("Aucun indicateur de résultats n'atteint l'effectif minimal sur la période.")
                )
            e.gaps.append(
                _t(
                    "La publication des indicateurs sur la page d'offre n'est pas encore gérée par la plateforme."
                )
            )
        elif source == "preliminary":
            _sample_rule(
                e,
                c,
                _t("Entretien de phase préliminaire tenu"),
                lambda f: f.held.get(Phase.PRELIMINARY, 0) > 0,
            )
        elif source == "entretiens":
            _sample_rule(
                e,
                c,
                _t("Entretiens tenus et tracés (date, durée)"),
                lambda f: sum(f.held.values()) > 0,
            )
        elif source == "consent":
            _sample_rule(
                e,
                c,
                _t("Consentement recueilli avec la version de la notice"),
                lambda f: bool(f.consent),
            )
        elif source == "synthese":
            _sample_rule(
                e, c, _t("Document de synthèse remis (date et moyen)"), lambda f: f.handed_over
            )
        elif source == "attendance":
            _sample_rule(
                e,
                c,
                _t("Émargements signés des entretiens tenus"),
                lambda f: any(row[4] != "0" for row in f.entretiens),
            )
        elif source == "assignments":
            _sample_rule(e, c, _t("Consultant·e affecté·e"), lambda f: f.consultant != "—")
        elif source == "organisation":
            e.found.append(_t("Fiche de l'organisme : SIRET, NDA, certificat Qualiopi, adresse."))
            e.files.append(CONFIGURATION)
        elif source == "surveys":
            for r in c.surveys:
                if r.invited or r.n:
                    e.found.append(
                        _t("Enquête %(k)s : %(i)s invitation(s) envoyée(s), %(n)s réponse(s).")
                        % {"k": r.kind_label, "i": r.invited, "n": r.n}
                    )
                    e.files.append(SURVEYS)
                else:
                    e.gaps.append(
                        _t("Enquête %(k)s : aucune invitation envoyée.") % {"k": r.kind_label}
                    )
        elif source == "complaints":
            e.found.append(
                _t("Registre des réclamations : %(n)s réclamation(s) reçue(s) sur la période.")
                % {"n": len(c.complaints)}
            )
            e.files.append(COMPLAINTS)
            late = [x.reference for x in c.complaints if x.is_overdue]
            if late:
                e.gaps.append(_t("Réponse en retard : %(refs)s.") % {"refs": ", ".join(late)})
        elif source == "improvements":
            if c.improvements:
                e.found.append(
                    _t("Registre des actions d'amélioration : %(n)s action(s).")
                    % {"n": len(c.improvements)}
                )
                e.files.append(IMPROVEMENTS)
            else:
                e.gaps.append(_t("Aucune action d'amélioration enregistrée."))
        elif source == "watch":
            entries = [w for w in c.watch if w.kind == WATCH_KIND.get(indicator.number, w.kind)]
            if entries:
                linked = sum(1 for w in entries if w.hours_rule_id or w.configuration_change)
                e.found.append(
                    _t(
                        "Journal de veille : %(n)s entrée(s) sur la période, dont %(l)s reliée(s) à un changement de configuration."
                    )
                    % {"n": len(entries), "l": linked}
                )
                e.files.append(WATCH)
            else:
                e.gaps.append(_t("Aucune entrée du journal de veille sur la période."))
        elif source == "careers":
            e.found.append(_t("Référentiel ROME des métiers mobilisé en phase d'investigation."))
        else:
            e.gaps.append(
                NOT_YET.get(source, _t("Preuve non gérée par la plateforme : à fournir."))
            )
    if not indicator.sources:
        e.gaps.append(_t("Aucune preuve définie : le texte de l'indicateur est à vérifier."))
    e.files = list(dict.fromkeys(e.files))
    return e


NOT_YET = {
    "offer": "Page d'offre publique datée et versionnée : pas encore gérée par la plateforme, à fournir.",
    "welcome": "Livret d'accueil envoyé et accusé de réception : pas encore gérés par la plateforme, à fournir.",
    "adaptations": "Registre des adaptations (handicap, rythme) : pas encore géré par la plateforme, à fournir.",
    "dropout": "Alertes de décrochage et relances : pas encore gérées par la plateforme, à fournir.",
    "instruments": "Catalogue des outils avec licences et qualifications requises : à fournir.",
    "consultants": "Registre des consultant·es (statut, diplômes, formations) : à fournir.",
}


def dashboard(organisation: Organisation, p: indicators.Period) -> list[Evidence]:
    """Live: which indicators of the version in force on the period's end have evidence."""
    version = referential.version_in_force(p.end)
    bilans = list(bilans_in(organisation, p).select_related("consultant")[:MAX_SAMPLE])
    context = gather(organisation, p, bilans)
    return [evidence_for(i, context) for i in referential.applicable_indicators(version)]


# ---- the documents --------------------------------------------------------------------------


def pdf(
    title: str,
    organisation: Organisation,
    sections: list[dict[str, Any]],
    intro: str = "",
    *,
    landscape: bool = False,
) -> bytes:
    return render_pdf(
        TEMPLATE,
        {
            "title": title,
            "organisation": organisation,
            "intro": intro,
            "sections": sections,
            "generated_at": timezone.now(),
            "landscape": landscape,
        },
        title=title,
        author=organisation.name,
        footer=_t("Pack d'audit Qualiopi — sans contenu des bilans"),
    )


def table(
    head: list[str], rows: list[list[str]], title: str = "", note: str = ""
) -> dict[str, Any]:
    return {"title": title, "head": head, "rows": rows, "note": note}


def sample_doc(c: Context) -> bytes:
    """One row per sampled bilan (one table renders in a fraction of the time of twenty)."""
    head = [_t("Bilan"), _t("État"), _t("Ouvert"), _t("Terminé"), _t("Financement"),
            _t("Consultant·e"), _t("Consentement"), _t("Entretiens tenus (prél. / invest. / concl.)"),
            _t("Émargements"), _t("Accompagnement"), _t("Document de synthèse"), _t("Suivi"),
            _t("Situation à 6 mois")]  # fmt: skip
    rows = [
        [f.reference, f.status, f.opened_on.strftime("%d/%m/%Y"),
         f.closed_on.strftime("%d/%m/%Y") if f.closed_on else "—", f.funding, f.consultant,
         f.consent or _t("non recueilli"),
         " / ".join(str(f.held.get(ph, 0)) for ph in (Phase.PRELIMINARY, Phase.INVESTIGATION, Phase.CONCLUSIONS)),
         str(sum(int(row[4]) for row in f.entretiens)), f.delivered, f.synthese, f.follow_up,
         f.outcome]
        for f in c.facts
    ]  # fmt: skip
    return pdf(_t("Échantillon de bilans"), c.organisation, [table(head, rows)],
               _t("%(n)s bilans, %(p)s. Aucun contenu : ni notes, ni tests, ni synthèse.")
               % {"n": len(c.facts), "p": c.period.label}, landscape=True)  # fmt: skip


def complaints_doc(c: Context) -> bytes:
    rows = [
        [x.reference, x.received_on.strftime("%d/%m/%Y"), str(x.get_channel_display()),
         str(x.get_complainant_role_display()), str(x.get_category_display()),
         x.answer_due_on.strftime("%d/%m/%Y"), str(x.get_status_display()),
         timezone.localtime(x.answered_at).strftime("%d/%m/%Y") if x.answered_at else "—"]
        for x in c.complaints
    ]  # fmt: skip
    head = [_t("Réf."), _t("Reçue"), _t("Canal"), _t("Émise par"), _t("Objet"), _t("Échéance"),
            _t("État"), _t("Répondue")]  # fmt: skip
    return pdf(_t("Registre des réclamations"), c.organisation, [table(head, rows)],
               c.period.label)  # fmt: skip


def improvements_doc(c: Context) -> bytes:
    rows = [
        [a.title, str(a.get_source_display()) + (f" {a.complaint.reference}" if a.complaint else ""),
         a.owner.get_full_name(), a.due_on.strftime("%d/%m/%Y"), str(a.get_status_display()),
         a.effect or "—"]
        for a in c.improvements
    ]  # fmt: skip
    head = [_t("Action"), _t("Origine"), _t("Responsable"), _t("Échéance"), _t("État"), _t("Effet")]
    return pdf(_t("Registre des actions d'amélioration"), c.organisation, [table(head, rows)])


def surveys_doc(c: Context) -> bytes:
    sections = []
    for r in c.surveys:
        rows = [[q.label, str(q.n), str(q.average) if q.average is not None else "—",
                 " · ".join(f"{v} : {n}" for v, n, _p in q.counts)] for q in r.questions]  # fmt: skip
        note = (
            _t("n = %(n)s réponse(s) ; %(i)s invitation(s) envoyée(s).")
            % {"n": r.n, "i": r.invited}
            if r.enough
            else _t("n = %(n)s : résultats en cours de constitution.") % {"n": r.n}
        )
        sections.append(table([_t("Question"), "n", _t("Moyenne"), _t("Répartition")], rows,
                              title=r.kind_label, note=note))  # fmt: skip
    return pdf(_t("Enquêtes de satisfaction"), c.organisation, sections)


def watch_doc(c: Context) -> bytes:
    rows = [
        [w.noted_on.strftime("%d/%m/%Y"), str(w.get_kind_display()), w.source, w.summary,
         " — ".join(x for x in (str(w.hours_rule) if w.hours_rule else "", w.configuration_change) if x) or "—"]
        for w in c.watch
    ]  # fmt: skip
    head = [_t("Date"), _t("Veille"), _t("Source"), _t("Ce qui change"), _t("Configuration")]
    return pdf(_t("Journal de veille"), c.organisation, [table(head, rows)], c.period.label)


def results_doc(c: Context) -> bytes:
    rows = [[f.label, f.display, str(f.n)] for f in c.figures]
    return pdf(_t("Indicateurs de résultats"), c.organisation,
               [table([_t("Indicateur"), _t("Valeur"), "n"], rows)], c.period.label)  # fmt: skip


def configuration_doc(c: Context, version: ReferentialVersion) -> bytes:
    o = c.organisation
    rule = HoursRule.in_force(o, c.period.end)
    settings = complaints.settings_for(o)
    items = [
        (_t("Raison sociale"), o.name), ("SIRET", o.siret), ("NDA", o.nda),
        (_t("Certificat Qualiopi"), o.qualiopi_certificate or "—"),
        (_t("Fin de validité"), o.qualiopi_expires_on.strftime("%d/%m/%Y") if o.qualiopi_expires_on else "—"),
        (_t("Adresse"), o.address or "—"),
        (_t("Règle d'heures en vigueur"), f"{rule} — {rule.source}"),
        (_t("Délai de réponse aux réclamations"), _t("%(d)s jours") % {"d": settings.complaint_answer_days}),
        (_t("Référentiel qualité"), version.label + (" — " + _t("à vérifier") if version.to_verify else "")),
        (_t("Équipe"), _t("%(n)s consultant·es actif·ves") % {"n": Membership.objects.active().filter(organisation=o, role=Role.CONSULTANT).count()}),
    ]  # fmt: skip
    for kind in SurveyKind.values:
        qs = surveys.current_question_set(o, kind)
        items.append((_t("Questionnaire %(k)s") % {"k": SurveyKind(kind).label},
                      _t("version %(v)s, %(n)s questions") % {"v": qs.version, "n": len(qs.questions)}))  # fmt: skip
    return pdf(_t("Configuration de l'organisme"), o, [{"title": "", "pairs": items}])


def indicator_file(e: Evidence) -> str:
    return f"indicateurs/indicateur-{e.indicator.number:02d}.txt"


def indicator_text(e: Evidence) -> str:
    i = e.indicator
    parts = [_t("Indicateur %(n)s") % {"n": i.number}, i.title, i.bilan_note, ""]
    for title, items in (
        (_t("Preuves attendues"), i.evidence or ["—"]),
        (_t("Preuves trouvées"), e.found or [_t("Aucune.")]),
        (_t("Écarts"), e.gaps or [_t("Aucun.")]),
        (_t("Fichiers du pack"), e.files or ["—"]),
    ):
        parts += [title] + [f"- {item}" for item in items] + [""]
    return "\n".join(p for p in parts if p is not None) + "\n"


def build(
    pack: AuditPack, progress: Callable[[int], None] = lambda percent: None
) -> tuple[bytes, int]:
    """The zip of `pack` and its number of files."""
    p = indicators.Period(pack.start, pack.end)
    bilans = list(
        Bilan.objects.filter(pk__in=pack.bilan_ids)
        .select_related("consultant")
        .order_by("opened_on", "id")
    )
    c = gather(pack.organisation, p, bilans)
    progress(10)
    version = pack.version
    applicable = referential.applicable_indicators(version)
    evidence = [evidence_for(i, c) for i in applicable]
    registers: list[tuple[str, Callable[[], bytes]]] = [
        (SAMPLE, lambda: sample_doc(c)),
        (COMPLAINTS, lambda: complaints_doc(c)),
        (IMPROVEMENTS, lambda: improvements_doc(c)),
        (SURVEYS, lambda: surveys_doc(c)),
        (RESULTS, lambda: results_doc(c)),
        (CONFIGURATION, lambda: configuration_doc(c, version)),
        (WATCH, lambda: watch_doc(c)),
    ]
    documents = registers
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, make) in enumerate(documents, start=1):
            archive.writestr(name, make())
            progress(10 + int(80 * n / (len(documents) + 1)))
        for e in evidence:  # one plain-text file per indicator, beside the PDF of them all
            archive.writestr(indicator_file(e), indicator_text(e))
        index_rows = [
            [str(e.indicator.number), e.indicator.title[:120],
             " ; ".join(e.found) or _t("Aucune preuve trouvée."), " ; ".join(e.gaps) or "—",
             indicator_file(e)]
            for e in evidence
        ]  # fmt: skip
        intro = _t(
            "%(org)s — %(p)s — %(v)s. Échantillon de %(n)s bilans (%(how)s). Le pack ne contient "
            "aucun contenu des bilans : il montre l'existence des documents et leurs dates."
        ) % {
            "org": c.organisation.name, "p": p.label, "v": version.label, "n": len(bilans),
            "how": _t("choisis") if pack.chosen else _t("tirage aléatoire, graine %(s)s") % {"s": pack.seed},
        }  # fmt: skip
        head = [_t("Ind."), _t("Exigence"), _t("Preuves trouvées"), _t("Écarts"), _t("Fichier")]
        archive.writestr(
            "00-index.pdf",
            pdf(_t("Pack d'audit — index"), c.organisation,
                [table(head, index_rows), {"title": _t("Registres et configuration"), "list": [n for n, _ in registers]}],
                intro),
        )  # fmt: skip
        lines = (
            [intro, ""]
            + [
                f"{row[0]:>2}  {'✓' if row[2] == _t('oui') else '✗'}  {row[4]}  {row[1]}"
                for row in index_rows
            ]
            + [""]
            + [n for n, _ in registers]
        )
        archive.writestr("00-index.txt", "\n".join(lines) + "\n")
        count = len(archive.namelist())
    progress(95)
    return buffer.getvalue(), count


def run(pack_id: int) -> None:
    """The worker's job: build the pack, record its progress, keep the zip."""
    pack = AuditPack.objects.select_related("organisation", "version").get(pk=pack_id)
    if pack.status == PackStatus.DONE:
        return
    AuditPack.objects.filter(pk=pack_id).update(
        status=PackStatus.RUNNING, progress=5, started_at=timezone.now(), error=""
    )

    def progress(percent: int) -> None:
        AuditPack.objects.filter(pk=pack_id).update(progress=percent)

    try:
        data, count = build(pack, progress)
    except Exception:  # the page shows a French message; the trace goes to the log
        log.exception("audit pack %s failed", pack_id)
        AuditPack.objects.filter(pk=pack_id).update(
            status=PackStatus.FAILED,
            finished_at=timezone.now(),
            error=_t(
                "La préparation du pack a échoué. Réessayez ; si cela se reproduit, signalez-le."
            ),
        )
        return
    AuditPack.objects.filter(pk=pack_id).update(
        status=PackStatus.DONE, progress=100, data=data, size=len(data), files=count,
        finished_at=timezone.now(),
    )  # fmt: skip
