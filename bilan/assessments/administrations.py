"""Taking a test: start (after its presentation) or decline, answer as you go, submit once.

The beneficiary takes their own tests; nobody answers for them. Declining never blocks the
bilan (REQ-56). Results are content: the beneficiary and the assigned consultant read them
(the consultant's read is audited), never the administration, funders or employers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.assessments import sorts
from bilan.assessments.instruments import (
    Instrument,
    UnknownInstrument,
    get_instrument,
    latest_instruments,
)
from bilan.assessments.models import Administration, AdministrationStatus, Result
from bilan.assessments.reports import report
from bilan.assessments.scoring import IncompleteAnswers, InvalidAnswer, check_answer, score
from bilan.assessments.sorts import SORT_FAMILIES
from bilan.bilans.access import can_read_content
from bilan.bilans.models import Bilan, RuleViolation
from bilan.compliance.audit import record_content_access
from bilan.exercises.models import ExperienceCompetence

MAX_COMMENT = 20_000


def instrument_or_refuse(code: str, *, sorts: bool = False) -> Instrument:
    """The latest instrument `code`; the card sorts (sorts.SORT_FAMILIES) only when the caller
    handles them (the portal pages), not the item-by-item API."""
    try:
        instrument = get_instrument(code)
    except UnknownInstrument:
        raise RuleViolation(
            _t("Test inconnu : « %(code)s ».") % {"code": code}, code="invalid"
        ) from None
    if not instrument.answered_by_item and not (sorts and instrument.family in SORT_FAMILIES):
        raise RuleViolation(_t("Ce questionnaire ne se passe pas encore en ligne."), code="invalid")
    return instrument


def _require_beneficiary(bilan: Bilan, by: User) -> None:
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire passe ses tests et écrit ses commentaires."),
            code="forbidden",
        )


def _require_in_phases(bilan: Bilan) -> None:
    if not bilan.in_phases:
        raise RuleViolation(
            _t(
                "Les tests se passent pendant le bilan (phases préliminaire à conclusions) ; ce bilan est « %(s)s »."
            )
            % {"s": bilan.get_status_display()}
        )


def in_progress(bilan: Bilan, code: str) -> Administration | None:
    return bilan.tests.filter(instrument_code=code, status=AdministrationStatus.IN_PROGRESS).first()


def start_test(
    *,
    bilan: Bilan,
    by: User,
    code: str,
    norm_sex: str = "",
    norm_age_band: str = "",
    sorts: bool = False,
) -> Administration:
    """Start the test `code` after reading its presentation, or resume the one in progress."""
    instrument = instrument_or_refuse(code, sorts=sorts)
    _require_beneficiary(bilan, by)
    _require_in_phases(bilan)
    current = in_progress(bilan, code)
    if current is not None:
        return current
    return Administration.objects.create(
        bilan=bilan,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        norm_sex=norm_sex,
        norm_age_band=norm_age_band,
        started_by=by,
    )


def decline_test(
    *,
    bilan: Bilan,
    by: User,
    code: str,
    reason: str = "",
    sorts: bool = False,
) -> Administration:
    """Record that the beneficiary declines the test; the bilan goes on without it."""
    instrument = instrument_or_refuse(code, sorts=sorts)
    _require_beneficiary(bilan, by)
    with transaction.atomic():
        current = in_progress(bilan, code)
        if current is not None:  # a test given up half-way: its answers go with it
            current.delete()
        return Administration.objects.create(
            bilan=bilan,
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            status=AdministrationStatus.DECLINED,
            declined_at=timezone.now(),
            decline_reason=reason[:MAX_COMMENT],
            started_by=by,
        )


def save_answers(
    *, administration: Administration, by: User, answers: dict[str, Any]
) -> Administration:
    """Merge `answers` into the test in progress; one bad answer refuses the batch, and the
    answers already saved stay as they were."""
    _require_beneficiary(administration.bilan, by)
    data = administration.instrument.data
    checked = {}
    for item_id, value in answers.items():
        try:
            checked[str(item_id)] = check_answer(data, str(item_id), value)
        except InvalidAnswer as error:
            raise RuleViolation(answer_message(error), code="invalid") from None
    with transaction.atomic():
        locked = Administration.objects.select_for_update().get(pk=administration.pk)
        if locked.status != AdministrationStatus.IN_PROGRESS:
            raise RuleViolation(_t("Ce test est terminé : ses réponses ne se modifient plus."))
        locked.answers = {**locked.answers, **checked}
        locked.save(update_fields=["answers", "updated_at"])
    administration.answers, administration.updated_at = locked.answers, locked.updated_at
    return administration


def answer_message(error: InvalidAnswer) -> str:
    if error.reason == "unknown":
        return _t("Question inconnue dans ce test : « %(id)s ».") % {"id": error.item_id}
    return _t("Réponse invalide à la question « %(id)s » : choisissez une valeur de 1 à 5.") % {
        "id": error.item_id
    }


def item_number(instrument: Instrument, item_id: str) -> int:
    return instrument.item_ids.index(item_id) + 1


def submit_test(*, administration: Administration, by: User) -> Result:
    """Score the complete test, once. Missing items are named; nothing is lost."""
    _require_beneficiary(administration.bilan, by)
    instrument = administration.instrument
    if instrument.family in SORT_FAMILIES:
        return submit_sort(administration=administration, by=by)
    with transaction.atomic():
        locked = Administration.objects.select_for_update().get(pk=administration.pk)
        if locked.status != AdministrationStatus.IN_PROGRESS:
            raise RuleViolation(_t("Ce test a déjà été envoyé : ses résultats sont calculés."))
        try:
            scores = score(
                instrument.data,
                locked.answers,
                **(
                    {"sex": locked.norm_sex, "age_band": locked.norm_age_band}
                    if instrument.family == "big_five"
                    else {}
                ),
            )
        except IncompleteAnswers as incomplete:
            numbers = [str(item_number(instrument, i)) for i in incomplete.missing]
            raise RuleViolation(
                _t("Il manque %(n)s réponse(s) : question(s) %(list)s.")
                % {
                    "n": len(numbers),
                    "list": ", ".join(numbers[:30]) + ("…" if len(numbers) > 30 else ""),
                },
                code="invalid",
            ) from None
        locked.status = AdministrationStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        result = Result.objects.create(administration=locked, scores=scores)
    administration.refresh_from_db()
    return result


def comment_result(*, result: Result, by: User, text: str) -> Result:
    """« Comment je me reconnais dans ces résultats », the beneficiary's words."""
    _require_beneficiary(result.administration.bilan, by)
    if len(text) > MAX_COMMENT:
        raise RuleViolation(
            _t("Commentaire trop long (20 000 caractères au plus)."), code="invalid"
        )
    result.beneficiary_comment = text.strip()
    result.beneficiary_commented_at = timezone.now()
    result.save(update_fields=["beneficiary_comment", "beneficiary_commented_at"])
    return result


def debrief_result(*, result: Result, by: User, text: str) -> Result:
    """The assigned consultant's debrief note (seed 004, analyse des compétences et aptitudes)."""
    _require_assigned_consultant(
        result.administration.bilan,
        by,
        _t("Seul·e le ou la consultant·e du bilan écrit la note de restitution."),
    )
    if len(text) > MAX_COMMENT:
        raise RuleViolation(_t("Note trop longue (20 000 caractères au plus)."), code="invalid")
    result.debrief_note = text.strip()
    result.debriefed_at = timezone.now()
    result.debriefed_by = by
    result.save(update_fields=["debrief_note", "debriefed_at", "debriefed_by"])
    return result


# ---- the card sorts: valeurs professionnelles, auto-évaluation (see sorts.py) -------------


def _locked_in_progress(administration: Administration) -> Administration:
    locked = Administration.objects.select_for_update().get(pk=administration.pk)
    if locked.status != AdministrationStatus.IN_PROGRESS:
        raise RuleViolation(_t("Ce test est terminé : ses réponses ne se modifient plus."))
    return locked


def _family(administration: Administration, family: str) -> None:
    if administration.instrument.family != family:
        raise RuleViolation(_t("Ce test ne se remplit pas ainsi."), code="invalid")


def save_values(
    *,
    administration: Administration,
    by: User,
    cards: dict[str, str],
    non_negotiables: str | None = None,
    constraints: dict[str, str] | None = None,
    health_consent: bool | None = None,
) -> Administration:
    """Merge card placements; replace the texts given. Health (REQ-50): its text is kept only
    with the explicit consent, stored with its time and the notice shown; withdrawing the
    consent (health_consent=False) erases the text. None leaves the consent as it is."""
    _require_beneficiary(administration.bilan, by)
    _family(administration, "values")
    data = administration.instrument.data
    with transaction.atomic():
        locked = _locked_in_progress(administration)
        answers = dict(locked.answers)
        answers = _with_health_consent(data, answers, health_consent)
        try:
            answers["cards"] = {**answers.get("cards", {}), **sorts.check_values(data, cards)}
            if non_negotiables is not None:
                if len(non_negotiables) > sorts.MAX_TEXT:
                    raise sorts.InvalidSort(
                        _t(
                            "Texte trop long pour les points non négociables (5 000 caractères au plus)."
                        )
                    )
                answers["non_negotiables"] = non_negotiables.strip()
            if constraints is not None:
                answers["constraints"] = sorts.check_constraints(
                    data, constraints, consented="health_consent" in answers
                )
        except sorts.InvalidSort as error:
            raise RuleViolation(error.message, code="invalid") from None
        locked.answers = answers
        locked.save(update_fields=["answers", "updated_at"])
    administration.answers, administration.updated_at = locked.answers, locked.updated_at
    return administration


def _with_health_consent(data: dict, answers: dict, consent: bool | None) -> dict:
    health = sorts.health_constraint(data)
    if consent is None or health is None:
        return answers
    if consent and "health_consent" not in answers:
        answers["health_consent"] = {
            "at": timezone.now().isoformat(),
            "text": HEALTH_CONSENT_TEXT,
            "notice": health.get("notice", ""),
            "instrument_version": data["version"],
        }
    elif not consent:
        answers.pop("health_consent", None)
        answers["constraints"] = {
            k: v for k, v in answers.get("constraints", {}).items() if k != health["id"]
        }
    return answers


HEALTH_CONSENT_TEXT = (
    "J'accepte que ces informations sur ma santé soient enregistrées dans mon bilan, "
    "visibles seulement par moi et mon ou ma consultant·e. Je peux retirer ce consentement "
    "à tout moment : elles seront alors effacées."
)


def withdraw_health_consent(*, administration: Administration, by: User) -> Administration:
    """Erase the health text and its consent, before or after submission."""
    _require_beneficiary(administration.bilan, by)
    _family(administration, "values")
    with transaction.atomic():
        locked = Administration.objects.select_for_update().get(pk=administration.pk)
        locked.answers = _with_health_consent(
            administration.instrument.data, dict(locked.answers), False
        )
        locked.save(update_fields=["answers", "updated_at"])
    administration.answers = locked.answers
    return administration


def competences_to_rate(administration: Administration) -> list[dict]:
    """Defaults, the portefeuille of the bilan, the consultant's additions (deduplicated)."""

    portfolio = ExperienceCompetence.objects.filter(
        experience__bilan=administration.bilan
    ).values_list("label", flat=True)
    return sorts.competence_list(
        administration.instrument.data,
        portfolio=list(portfolio),
        extra=administration.answers.get("extra_competences", []),
    )


def save_ratings(*, administration: Administration, by: User, ratings: dict) -> Administration:
    _require_beneficiary(administration.bilan, by)
    _family(administration, "self_assessment")
    try:
        checked = sorts.check_ratings(
            administration.instrument.data, competences_to_rate(administration), ratings
        )
    except sorts.InvalidSort as error:
        raise RuleViolation(error.message, code="invalid") from None
    with transaction.atomic():
        locked = _locked_in_progress(administration)
        locked.answers = {
            **locked.answers,
            "ratings": {**locked.answers.get("ratings", {}), **checked},
        }
        locked.save(update_fields=["answers", "updated_at"])
    administration.answers, administration.updated_at = locked.answers, locked.updated_at
    return administration


def _require_assigned_consultant(bilan: Bilan, by: User, refusal: str) -> None:
    if not bilan.is_assigned_consultant(by) or not can_read_content(by, bilan):
        raise RuleViolation(refusal, code="forbidden")


def set_extra_competences(*, administration: Administration, by: User, text: str) -> Administration:
    """The consultant's competences to add, one a line, before the beneficiary submits."""
    _require_assigned_consultant(
        administration.bilan,
        by,
        _t("Seul·e le ou la consultant·e du bilan complète la liste des compétences."),
    )
    _family(administration, "self_assessment")
    try:
        labels = sorts.clean_labels(text)
    except sorts.InvalidSort as error:
        raise RuleViolation(error.message, code="invalid") from None
    if len(labels) > 60:
        raise RuleViolation(_t("60 compétences ajoutées au plus."), code="invalid")
    with transaction.atomic():
        locked = _locked_in_progress(administration)
        locked.answers = {**locked.answers, "extra_competences": labels}
        locked.save(update_fields=["answers", "updated_at"])
    administration.answers = locked.answers
    return administration


def sort_progress(administration: Administration) -> tuple[int, int]:
    data = administration.instrument.data
    if administration.instrument.family == "values":
        return sorts.values_progress(data, administration.answers)
    competences = competences_to_rate(administration)
    missing = sorts.missing_ratings(competences, administration.answers)
    return len(competences) - len(missing), len(competences)


def submit_sort(*, administration: Administration, by: User) -> Result:
    _require_beneficiary(administration.bilan, by)
    data = administration.instrument.data
    competences = (
        competences_to_rate(administration)
        if administration.instrument.family == "self_assessment"
        else None
    )
    with transaction.atomic():
        locked = Administration.objects.select_for_update().get(pk=administration.pk)
        if locked.status != AdministrationStatus.IN_PROGRESS:
            raise RuleViolation(_t("Ce test a déjà été envoyé : ses résultats sont calculés."))
        try:
            summary = (
                sorts.values_summary(data, locked.answers)
                if competences is None
                else sorts.self_assessment_summary(data, competences, locked.answers)
            )
        except sorts.InvalidSort as error:
            raise RuleViolation(error.message, code="invalid") from None
        locked.status = AdministrationStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        result = Result.objects.create(administration=locked, scores=summary)
    administration.refresh_from_db()
    return result


# ---- reading --------------------------------------------------------------------------


def get_administration_for_user(user, pk: int) -> Administration:
    """The administration `pk` of a bilan `user` may see (404 otherwise), if they may read its
    content (403: an admin sees that a test exists, never its answers or results)."""
    try:
        administration = Administration.objects.select_related(
            "bilan__beneficiary", "bilan__consultant", "bilan__organisation"
        ).get(pk=pk, bilan__in=Bilan.objects.for_user(user))
    except (Administration.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not can_read_content(user, administration.bilan):
        raise PermissionDenied
    return administration


def result_of(administration: Administration) -> Result:
    try:
        return administration.result
    except Result.DoesNotExist:
        raise Http404 from None


RIASEC_FAMILY = "riasec"


def latest_result(bilan: Bilan, *, family: str) -> Result | None:
    """The result of the bilan's latest submitted test of `family` (« riasec »…), whichever
    instrument of the family it was: the one answer the matching profile and the pistes'
    prefill both read (never a hard-coded instrument code)."""
    codes = [i.code for i in latest_instruments() if i.family == family]
    return (
        Result.objects.filter(
            administration__bilan=bilan,
            administration__instrument_code__in=codes,
            administration__status=AdministrationStatus.SUBMITTED,
        )
        .select_related("administration")
        .order_by("-administration__submitted_at", "-pk")
        .first()
    )


def read_result(*, reader, result: Result, channel: str = "web") -> Result:
    record_content_access(
        actor=reader, bilan=result.administration.bilan, objects=[result], channel=channel
    )
    return result


def tests_of(bilan: Bilan) -> list[Administration]:
    return list(bilan.tests.select_related("result").order_by("-started_at", "-id"))


def any_report(result: Result, reader) -> dict[str, Any]:
    """The template context `r` of a result: reports.report for the scored tests; for the card
    sorts, the sort's view (health only for the beneficiary and the assigned consultant)."""

    administration = result.administration
    instrument = administration.instrument
    if instrument.family not in SORT_FAMILIES:
        return report(result)
    bilan = administration.bilan
    if instrument.family == "values":
        view = sorts.values_view(
            instrument.data,
            result.scores,
            administration.answers,
            show_health=reader.pk in (bilan.beneficiary_id, bilan.consultant_id),
        )
    else:
        view = sorts.self_assessment_view(instrument.data, result.scores)
    return {"instrument": instrument, "result": result, "sort": view}
