"""Pistes professionnelles and the validation of the projet.

The beneficiary and the assigned consultant both add pistes (from a fiche métier, a saved
fiche, a match, or freely), edit them and change their status, only while the bilan is in its
three phases; every status change keeps its reason (CareerOptionStatusChange). The projet
principal and its alternatives are validated by the beneficiary alone (REQ-62). Reads by the
consultant are audited; the administration never reads (REQ-54).

The adequation fields of a piste made from ROME are prefilled from the profile with facts only
(`prefill_fit`, pure): an empty source leaves its field empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import can_read_content
from bilan.bilans.models import IN_PHASE_STATUSES, Bilan, RuleViolation
from bilan.careers.models import (
    TEXT_MAX,
    CareerOption,
    CareerOptionKind,
    CareerOptionOrigin,
    CareerOptionStatus,
    CareerOptionStatusChange,
    InterestSort,
    MatchRun,
    Metier,
    MetierCentreInteret,
    MetierCompetence,
    MetierContexte,
    MetierSavoir,
    ProjectValidation,
    RomeVersion,
    SavedFiche,
)
from bilan.careers.profile import riasec_result
from bilan.compliance.audit import record_content_access
from bilan.exercises.models import ExperienceCompetence
from bilan.exercises.portfolio import normalise
from bilan.lib.text import capped
from bilan.organisations.middleware import membership_for

TITLE_MAX = 300
SHORT_MAX = 200
MAX_PISTES = 50
RIASEC_NAMES = {
    "R": _("Réaliste"),
    "I": _("Investigateur"),
    "A": _("Artistique"),
    "S": _("Social"),
    "E": _("Entreprenant"),
    "C": _("Conventionnel"),
}

# What may be typed on a piste, with its label for messages and its cap.
TEXT_FIELDS = {
    "attraction": (_("Ce qui attire"), TEXT_MAX),
    "fit_competences": (_("Adéquation avec les compétences"), TEXT_MAX),
    "fit_interests": (_("Adéquation avec les intérêts"), TEXT_MAX),
    "fit_values": (_("Adéquation avec les valeurs"), TEXT_MAX),
    "fit_constraints": (_("Adéquation avec les contraintes"), TEXT_MAX),
    "advantages": (_("Avantages"), TEXT_MAX),
    "drawbacks": (_("Inconvénients"), TEXT_MAX),
    "training_needed": (_("Formation nécessaire"), TEXT_MAX),
    "duration": (_("Durée"), SHORT_MAX),
    "cost": (_("Coût"), SHORT_MAX),
    "funding": (_("Financement"), TEXT_MAX),
    "market_notes": (_("Marché du travail"), TEXT_MAX),
}
OTHER_TEXTS = {"statement": (_("En mes mots"), TEXT_MAX)}
FREE_KINDS = (CareerOptionKind.FREE, CareerOptionKind.BUSINESS, CareerOptionKind.TRAINING)


# ---- the profile and the prefill (pure) ---------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What the bilan says about the beneficiary, as used to prefill a piste."""

    competences: tuple[tuple[str, str], ...] = ()  # (label, rome_code) of the portefeuille
    holland_code: str = ""  # "S-E/A", from the latest submitted RIASEC test
    holland_letters: tuple[str, ...] = ()  # the letters of the code, best first
    holland_on: dt.date | None = None
    chosen_centres: tuple[int, ...] = ()
    avoided_contexts: tuple[int, ...] = ()


@dataclass(frozen=True)
class MetierFacts:
    """The ROME facts of one métier the prefill compares with."""

    code_rome: str
    label: str
    riasec_major: str = ""
    riasec_minor: str = ""
    competences: tuple[tuple[int, str, bool], ...] = ()  # (code_ogr, label, core)
    centres: dict[int, str] = field(default_factory=dict)
    contexts: dict[int, str] = field(default_factory=dict)


def _join(labels: Iterable[str]) -> str:
    return " ; ".join(labels)


def _riasec_label(letter: str) -> str:
    return f"{letter} ({RIASEC_NAMES[letter]})" if letter in RIASEC_NAMES else letter


def fit_competences(profile: Profile, metier: MetierFacts) -> str:
    """The portefeuille's competences that the fiche names too (same label, accents and case
    aside, or the same ROME code)."""
    if not profile.competences:
        return ""
    by_key = {normalise(label): (code, label, core) for code, label, core in metier.competences}
    by_code = {str(code): (code, label, core) for code, label, core in metier.competences}
    found: list[str] = []
    seen: set[int] = set()
    for label, rome_code in profile.competences:
        hit = by_key.get(normalise(label)) or by_code.get(rome_code.strip())
        if hit is None or hit[0] in seen:
            continue
        seen.add(hit[0])
        found.append(hit[1] + (_t(" (cœur de métier)") if hit[2] else ""))
    if not found:
        return _t(
            "Aucune compétence du portefeuille ne figure telle quelle dans la fiche ROME %(code)s."
        ) % {"code": metier.code_rome}
    return _t(
        "Compétences du portefeuille que la fiche ROME %(code)s demande aussi : %(list)s."
    ) % {
        "code": metier.code_rome,
        "list": _join(found),
    }


def fit_interests(profile: Profile, metier: MetierFacts) -> str:
    """The Holland code against the métier's RIASEC, and the chosen centres d'intérêt the
    fiche shares."""
    lines: list[str] = []
    if profile.holland_code and metier.riasec_major:
        metier_riasec = _riasec_label(metier.riasec_major) + (
            _t(", puis %(minor)s") % {"minor": _riasec_label(metier.riasec_minor)}
            if metier.riasec_minor
            else ""
        )
        when = (
            _t(" (test du %(date)s)") % {"date": formats.date_format(profile.holland_on, "d/m/Y")}
            if profile.holland_on
            else ""
        )
        line = _t("Code Holland%(when)s : %(code)s. Profil RIASEC du métier : %(metier)s.") % {
            "when": when,
            "code": profile.holland_code,
            "metier": metier_riasec,
        }
        if metier.riasec_major in profile.holland_letters:
            line += " " + _t("Le type principal du métier figure dans le code Holland.")
        else:
            line += " " + _t("Le type principal du métier ne figure pas dans le code Holland.")
        lines.append(line)
    if profile.chosen_centres:
        shared = [metier.centres[c] for c in profile.chosen_centres if c in metier.centres]
        if shared:
            lines.append(
                _t("Centres d'intérêt choisis que la fiche partage : %(list)s.")
                % {"list": _join(shared)}
            )
        else:
            lines.append(_t("Aucun des centres d'intérêt choisis n'est relié à cette fiche."))
    return "\n".join(lines)


def fit_constraints(profile: Profile, metier: MetierFacts) -> str:
    """The contexts of work the beneficiary wants to avoid that the fiche names."""
    if not profile.avoided_contexts:
        return ""
    clashes = [metier.contexts[c] for c in profile.avoided_contexts if c in metier.contexts]
    if not clashes:
        return _t("Aucun des contextes de travail à éviter n'apparaît dans la fiche.")
    return _t("Contextes de travail à éviter que la fiche mentionne : %(list)s.") % {
        "list": _join(clashes)
    }


def prefill_fit(profile: Profile, metier: MetierFacts) -> dict[str, str]:
    return {
        "fit_competences": fit_competences(profile, metier),
        "fit_interests": fit_interests(profile, metier),
        "fit_constraints": fit_constraints(profile, metier),
    }


def reason_field(reason: str) -> str:
    """Which fit field a matching reason is about, from its words."""
    key = normalise(reason)
    if "contexte" in key or "contrainte" in key or "eviter" in key:
        return "fit_constraints"
    if "competence" in key or "savoir" in key or "portefeuille" in key:
        return "fit_competences"
    return "fit_interests"


def fit_from_match(
    result: dict, fallback: dict[str, str], run_on: dt.date | None
) -> dict[str, str]:
    """The run's reasons, each in the fit field it is about; a field without reason keeps
    the profile's prefill. The competences to acquire go with the competences."""
    grouped: dict[str, list[str]] = {}
    for reason in result.get("reasons") or []:
        text = str(reason).strip()
        if text:
            grouped.setdefault(reason_field(text), []).append(text)
    to_acquire = [str(x).strip() for x in result.get("to_acquire") or [] if str(x).strip()]
    heading = _t("Rapprochement du %(date)s (aide à la réflexion) :") % {
        "date": formats.date_format(run_on, "d/m/Y") if run_on else "—"
    }
    out = dict(fallback)
    for name in ("fit_competences", "fit_interests", "fit_constraints"):
        lines = grouped.get(name, [])
        extra = (
            [_t("À acquérir : %(list)s.") % {"list": _join(to_acquire)}]
            if name == "fit_competences" and to_acquire
            else []
        )
        if lines or extra:
            out[name] = "\n".join([heading, *(f"- {x}" for x in lines + extra)])
    return out


# ---- reading the profile and the fiche (ORM) ----------------------------------------------


def profile_of(bilan: Bilan) -> Profile:
    competences = tuple(
        ExperienceCompetence.objects.filter(experience__bilan=bilan)
        .order_by("experience__start_on", "id")
        .values_list("label", "rome_code")
    )
    result = riasec_result(bilan)  # the one owner, shared with the matching profile
    holland, letters, on = "", (), None
    if result is not None and not result.scores.get("undifferentiated"):
        holland = result.scores.get("code", "")
        letters = tuple(t for group in result.scores.get("code_groups", []) for t in group)
        submitted = result.administration.submitted_at
        on = timezone.localdate(submitted) if submitted else None
    sort = InterestSort.objects.filter(bilan=bilan).first()
    return Profile(
        competences=competences,
        holland_code=holland,
        holland_letters=letters,
        holland_on=on,
        chosen_centres=tuple(int(c) for c in (sort.chosen if sort else []) if str(c).isdecimal()),
        avoided_contexts=tuple(
            int(c) for c in (sort.avoided_contexts if sort else []) if str(c).isdecimal()
        ),
    )


def facts_of(metier: Metier) -> MetierFacts:
    # Savoir-faire and savoirs alike: OGR codes are unique across ROME's items.
    competences = tuple(
        (link.competence_id, link.competence.label, bool(link.core))
        for link in MetierCompetence.objects.filter(metier=metier).select_related("competence")
    ) + tuple(
        (link.savoir_id, link.savoir.label, bool(link.core))
        for link in MetierSavoir.objects.filter(metier=metier).select_related("savoir")
    )
    centres = dict(
        MetierCentreInteret.objects.filter(metier=metier).values_list("centre_id", "centre__label")
    )
    contexts = dict(
        MetierContexte.objects.filter(metier=metier).values_list("contexte_id", "contexte__label")
    )
    return MetierFacts(
        code_rome=metier.code_rome,
        label=metier.label,
        riasec_major=metier.riasec_major,
        riasec_minor=metier.riasec_minor,
        competences=competences,
        centres=centres,
        contexts=contexts,
    )


def current_rome_version() -> str:
    return (
        RomeVersion.objects.filter(is_current=True).values_list("number", flat=True).first() or ""
    )


def metier_or_404(code_rome: str) -> Metier:
    code = (code_rome or "").strip().upper()
    metier = Metier.objects.filter(pk=code).first() if len(code) == 5 else None
    if metier is None:
        raise Http404(
            _t("Aucune fiche métier ROME n'a le code « %(code)s ».") % {"code": code[:20]}
        )
    return metier


# ---- checks -----------------------------------------------------------------------------


def may_edit(bilan: Bilan, user) -> bool:
    """Whether `user` may write pistes now (to show or hide forms)."""
    return _is_member(bilan, user) and bilan.in_phases


def _is_member(bilan: Bilan, user) -> bool:
    if not hasattr(user, "membership"):  # a user loaded outside a request (tasks, tests)
        user.membership = membership_for(user)
    return can_read_content(user, bilan)


def _require_member(bilan: Bilan, by: User) -> None:
    """The beneficiary or the assigned consultant; the administration gets a 403."""
    if not _is_member(bilan, by):
        raise PermissionDenied(
            _t(
                "Les pistes professionnelles sont réservées au ou à la bénéficiaire et à son ou "
                "sa consultant·e."
            )
        )


def _locked_editable(bilan: Bilan, action: str) -> Bilan:
    locked = bilan._locked()
    locked._require_status(*IN_PHASE_STATUSES, action=action)
    return locked


def clean_text(name: str, value: str | None) -> str:
    label, cap = {**TEXT_FIELDS, **OTHER_TEXTS}.get(name, (name, TEXT_MAX))
    return capped(label, value, cap)


def _clean_fields(fields: dict[str, str | None]) -> dict[str, str]:
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown piste fields {sorted(unknown)}")
    return {name: clean_text(name, value) for name, value in fields.items()}


def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise RuleViolation(_t("Donnez un intitulé à cette piste."), code="invalid")
    if len(title) > TITLE_MAX:
        raise RuleViolation(
            _t("L'intitulé est trop long : %(cap)s caractères au plus.") % {"cap": TITLE_MAX},
            code="invalid",
        )
    return title


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(
            _t("Indiquez la raison de ce changement de statut : elle reste dans l'historique."),
            code="invalid",
        )
    if len(reason) > TEXT_MAX:
        raise RuleViolation(
            _t("La raison est trop longue : %(cap)s caractères au plus.") % {"cap": TEXT_MAX},
            code="invalid",
        )
    return reason


# ---- creating ---------------------------------------------------------------------------


def _create(
    *,
    bilan: Bilan,
    by: User,
    kind: str,
    origin: str,
    title: str,
    fields: dict[str, str],
    metier: Metier | None = None,
    reason: str,
) -> CareerOption:
    with transaction.atomic():
        locked = _locked_editable(bilan, _t("ajouter une piste professionnelle"))
        if locked.career_options.count() >= MAX_PISTES:
            raise RuleViolation(
                _t("%(max)s pistes au plus par bilan.") % {"max": MAX_PISTES}, code="invalid"
            )
        if metier is not None:
            existing = locked.career_options.filter(code_rome=metier.code_rome).first()
            if existing is not None:
                raise RuleViolation(
                    _t("Une piste existe déjà pour ce métier : « %(title)s ».")
                    % {"title": existing.title}
                )
        option = CareerOption.objects.create(
            bilan=locked,
            kind=kind,
            origin=origin,
            title=title,
            created_by=by,
            metier=metier,
            code_rome=metier.code_rome if metier else "",
            metier_label=metier.label if metier else "",
            rome_version=current_rome_version() if metier else "",
            **fields,
        )
        CareerOptionStatusChange.objects.create(
            career_option=option,
            from_status="",
            to_status=option.status,
            reason=reason,
            changed_by=by,
        )
    return option


def existing_piste(bilan: Bilan, code_rome: str) -> CareerOption | None:
    code = (code_rome or "").strip().upper()
    return bilan.career_options.filter(code_rome=code).first() if code else None


def create_from_metier(
    *,
    bilan: Bilan,
    by: User,
    code_rome: str,
    attraction: str = "",
    drawbacks: str = "",
    origin: str = CareerOptionOrigin.FICHE,
    reason: str = "",
) -> CareerOption:
    """A piste for a fiche métier: its code, label and the current ROME version, with the fit
    fields prefilled from the profile."""
    _require_member(bilan, by)
    metier = metier_or_404(code_rome)
    fields = {
        **prefill_fit(profile_of(bilan), facts_of(metier)),
        "attraction": attraction,
        "drawbacks": drawbacks,
    }
    return _create(
        bilan=bilan,
        by=by,
        kind=CareerOptionKind.ROME,
        origin=origin,
        title=metier.label[:TITLE_MAX],
        fields=_clean_fields(fields),
        metier=metier,
        reason=reason
        or _t("Piste ajoutée depuis la fiche métier %(code)s.") % {"code": metier.code_rome},
    )


def create_from_saved_fiche(*, bilan: Bilan, by: User, saved_fiche_id: int | str) -> CareerOption:
    """A piste for a fiche of the beneficiary's research: « ce qui m'attire » becomes what
    attracts, « ce qui m'inquiète » the drawbacks."""
    _require_member(bilan, by)
    try:
        fiche = SavedFiche.objects.get(bilan=bilan, pk=int(saved_fiche_id))
    except (SavedFiche.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record_content_access(actor=by, bilan=bilan, objects=[fiche])
    return create_from_metier(
        bilan=bilan,
        by=by,
        code_rome=fiche.code_rome,
        attraction=fiche.attracts,
        drawbacks=fiche.worries,
        reason=_t("Piste ajoutée depuis la fiche « %(label)s » de la recherche documentaire.")
        % {"label": fiche.metier_label or fiche.code_rome},
    )


def create_from_match(
    *,
    bilan: Bilan,
    by: User,
    match_run_id: int | str,
    code_rome: str,
) -> CareerOption:
    """A piste for a métier of a rapprochement: the run's reasons go into the fit fields.
    The beneficiary only sees (and uses) runs the consultant has reviewed (REQ-56)."""
    _require_member(bilan, by)
    try:
        run = MatchRun.objects.get(bilan=bilan, pk=int(match_run_id))
    except (MatchRun.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if by.pk == bilan.beneficiary_id and run.reviewed_at is None:
        raise Http404
    code = (code_rome or "").strip().upper()
    result = next((r for r in run.results if str(r.get("code_rome", "")).upper() == code), None)
    if result is None:
        raise RuleViolation(
            _t("Le métier %(code)s ne figure pas dans ce rapprochement.") % {"code": code[:20]},
            code="invalid",
        )
    metier = metier_or_404(code)
    record_content_access(actor=by, bilan=bilan, objects=[run])
    prefill = prefill_fit(profile_of(bilan), facts_of(metier))
    fields = fit_from_match(result, prefill, timezone.localdate(run.computed_at))
    return _create(
        bilan=bilan,
        by=by,
        kind=CareerOptionKind.ROME,
        origin=CareerOptionOrigin.MATCH,
        title=metier.label[:TITLE_MAX],
        fields=_clean_fields(fields),
        metier=metier,
        reason=_t("Piste ajoutée depuis le rapprochement du %(date)s.")
        % {"date": formats.date_format(timezone.localtime(run.computed_at), "d/m/Y")},
    )


def create_free(
    *,
    bilan: Bilan,
    by: User,
    kind: str,
    title: str,
    **fields: str,
) -> CareerOption:
    """A piste outside ROME: a métier hors ROME, a business creation or takeover, a training path."""
    _require_member(bilan, by)
    if kind not in FREE_KINDS:
        raise RuleViolation(
            _t(
                "Choisissez le type de piste : métier hors ROME, création ou reprise d'activité, "
                "ou parcours de formation."
            ),
            code="invalid",
        )
    return _create(
        bilan=bilan,
        by=by,
        kind=kind,
        origin=CareerOptionOrigin.FREE,
        title=_clean_title(title),
        fields=_clean_fields(fields),
        reason=_t("Piste ajoutée librement."),
    )


# ---- editing and status -----------------------------------------------------------------


def update_piste(
    *,
    option: CareerOption,
    by: User,
    title: str | None = None,
    kind: str | None = None,
    **fields: str,
) -> CareerOption:
    """Rewrite the piste's texts (only those given). A ROME piste keeps its kind; a free one
    may change between the free kinds."""
    bilan = option.bilan
    _require_member(bilan, by)
    cleaned = _clean_fields({k: v for k, v in fields.items() if v is not None})
    if title is not None:
        cleaned["title"] = _clean_title(title)
    if kind is not None and kind != option.kind:
        if option.kind == CareerOptionKind.ROME or kind not in FREE_KINDS:
            raise RuleViolation(
                _t(
                    "Le type d'une piste issue du ROME ne change pas ; pour une piste libre, "
                    "choisissez un type dans la liste."
                ),
                code="invalid",
            )
        cleaned["kind"] = kind
    with transaction.atomic():
        _locked_editable(bilan, _t("modifier une piste professionnelle"))
        locked = CareerOption.objects.select_for_update().get(pk=option.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save()
    option.refresh_from_db()
    return option


def _set_status(
    option: CareerOption,
    to: str,
    *,
    by: User,
    reason: str,
    enquete=None,
) -> CareerOptionStatusChange:
    change = CareerOptionStatusChange.objects.create(
        career_option=option,
        from_status=option.status,
        to_status=to,
        reason=reason,
        enquete=enquete,
        changed_by=by,
    )
    option.status = to
    option.save(update_fields=["status", "updated_at"])
    return change


def change_status(
    *,
    option: CareerOption,
    by: User,
    to_status: str,
    reason: str,
    enquete=None,
) -> CareerOptionStatusChange:
    """Move the piste to `to_status`, with the reason kept in its history."""
    bilan = option.bilan
    _require_member(bilan, by)
    if to_status not in CareerOptionStatus.values:
        raise RuleViolation(_t("Choisissez un statut dans la liste."), code="invalid")
    reason = _clean_reason(reason)
    with transaction.atomic():
        _locked_editable(bilan, _t("changer le statut d'une piste"))
        locked = CareerOption.objects.select_for_update().get(pk=option.pk)
        if locked.status == to_status:
            raise RuleViolation(
                _t("La piste est déjà « %(status)s ».") % {"status": locked.get_status_display()},
                code="invalid",
            )
        change = _set_status(locked, to_status, by=by, reason=reason, enquete=enquete)
    option.refresh_from_db()
    return change


# ---- validation of the projet (REQ-62) ----------------------------------------------------


def validate_project(
    *,
    bilan: Bilan,
    by: User,
    principal_id: int | str | None,
    alternative_ids: Sequence[int | str] = (),
    statement: str = "",
    confirmed: bool = False,
) -> ProjectValidation:
    """The beneficiary validates their projet principal and its alternatives: an explicit,
    dated act that the consultant can never do in their place. The principal becomes
    « retenue », the alternatives « alternative »; pistes that were retained or alternative
    and are no longer chosen go back to « en cours d'exploration ». A new validation
    supersedes the previous one, which stays in the history."""
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t(
                "Seul·e le ou la bénéficiaire valide son projet professionnel : le ou la "
                "consultant·e ne décide jamais à sa place."
            ),
            code="forbidden",
        )
    if not confirmed:
        raise RuleViolation(
            _t("Cochez la case de confirmation pour valider votre projet."), code="invalid"
        )
    statement = clean_text("statement", statement)
    try:
        principal_pk = int(principal_id)  # type: ignore[arg-type]
        alternative_pks = list(dict.fromkeys(int(a) for a in alternative_ids))
    except (TypeError, ValueError):
        raise RuleViolation(_t("Choisissez votre projet principal."), code="invalid") from None
    with transaction.atomic():
        locked = _locked_editable(bilan, _t("valider le projet professionnel"))
        options = {o.pk: o for o in CareerOption.objects.select_for_update().filter(bilan=locked)}
        principal = options.get(principal_pk)
        if principal is None:
            raise RuleViolation(
                _t("Choisissez votre projet principal parmi vos pistes."), code="invalid"
            )
        alternatives = [options[a] for a in alternative_pks if a in options and a != principal_pk]
        if len(alternatives) != len([a for a in alternative_pks if a != principal_pk]):
            raise RuleViolation(_t("Choisissez les alternatives parmi vos pistes."), code="invalid")
        discarded = [
            o.title for o in [principal, *alternatives] if o.status == CareerOptionStatus.DISCARDED
        ]
        if discarded:
            raise RuleViolation(
                _t(
                    "Une piste écartée ne peut pas être validée : « %(titles)s ». Changez "
                    "d'abord son statut, avec la raison."
                )
                % {"titles": " », « ".join(discarded)},
                code="invalid",
            )
        validation = ProjectValidation.objects.create(
            bilan=locked, principal=principal, statement=statement, validated_by=by
        )
        validation.alternatives.set(alternatives)
        when = formats.date_format(timezone.localtime(validation.validated_at), "d/m/Y à H:i")
        chosen = {principal.pk, *(a.pk for a in alternatives)}
        targets = [(principal, CareerOptionStatus.RETAINED, _t("projet principal"))]
        targets += [(a, CareerOptionStatus.ALTERNATIVE, _t("alternative")) for a in alternatives]
        for option, to, role in targets:
            if option.status != to:
                _set_status(
                    option,
                    to,
                    by=by,
                    reason=_t("Validation du projet du %(when)s : %(role)s.")
                    % {"when": when, "role": role},
                )
        for option in options.values():
            if option.pk not in chosen and option.status in (
                CareerOptionStatus.RETAINED,
                CareerOptionStatus.ALTERNATIVE,
            ):
                _set_status(
                    option,
                    CareerOptionStatus.EXPLORING,
                    by=by,
                    reason=_t(
                        "Validation du projet du %(when)s : ni projet principal ni alternative."
                    )
                    % {"when": when},
                )
    return validation


def current_validation(bilan: Bilan) -> ProjectValidation | None:
    return (
        ProjectValidation.objects.filter(bilan=bilan)
        .select_related("principal", "validated_by")
        .prefetch_related("alternatives")
        .first()
    )


# ---- reading ----------------------------------------------------------------------------


def read_pistes(*, reader, bilan: Bilan, channel: str = "web") -> list[CareerOption]:
    """The bilan's pistes with their history, for the beneficiary or the assigned consultant
    (whose read is audited)."""
    _require_member(bilan, reader)
    options = list(bilan.career_options.prefetch_related("status_changes__changed_by", "enquetes"))
    record_content_access(actor=reader, bilan=bilan, objects=options, channel=channel)
    return options


def read_piste(*, reader, option: CareerOption, channel: str = "web") -> CareerOption:
    """One piste, its history and its enquêtes (all audited for the consultant)."""
    _require_member(option.bilan, reader)
    objects = [option, *option.status_changes.all(), *option.enquetes.all()]
    record_content_access(actor=reader, bilan=option.bilan, objects=objects, channel=channel)
    return option


def read_validations(*, reader, bilan: Bilan, channel: str = "web") -> list[ProjectValidation]:
    """Every validation of the projet, newest (in force) first."""
    _require_member(bilan, reader)
    validations = list(
        ProjectValidation.objects.filter(bilan=bilan)
        .select_related("principal", "validated_by")
        .prefetch_related("alternatives")
    )
    record_content_access(actor=reader, bilan=bilan, objects=validations, channel=channel)
    return validations


def get_piste(bilan: Bilan, pk: int | str) -> CareerOption:
    """The piste `pk` of this bilan, else 404."""
    try:
        return (
            CareerOption.objects.select_related("bilan__beneficiary", "bilan__consultant")
            .prefetch_related("status_changes__changed_by", "enquetes")
            .get(bilan=bilan, pk=int(pk))
        )
    except (CareerOption.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_piste_for_user(user, pk: int | str) -> CareerOption:
    """The piste `pk` of a bilan `user` may see, else 404 (its existence is not told)."""
    try:
        return (
            CareerOption.objects.filter(bilan__in=Bilan.objects.for_user(user))
            .select_related("bilan__beneficiary", "bilan__consultant", "bilan__organisation")
            .prefetch_related("status_changes__changed_by", "enquetes")
            .get(pk=int(pk))
        )
    except (CareerOption.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
