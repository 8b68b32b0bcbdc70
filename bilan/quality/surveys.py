"""Satisfaction surveys (ind. 30, REQ-45): the one owner of invitations, answers and results.

- Closing a bilan (the core's closing hook) creates its « à chaud » invitation, sent the same
  day, and its « à froid » one, sent six months later (the suivi's delay); the unique
  constraint (bilan, kind) makes it once per bilan, ever.
- An admin types the recipients of the yearly funders/employers survey.
- The worker (tasks.send_survey_emails, daily) sends each invitation once and one reminder
  REMINDER_DAYS later if it is still unanswered (bilan.lib.deliveries: once, even if two runs
  overlap).
- The e-mailed link is signed (django.core.signing, LINK_MAX_AGE) and works once, without
  logging in. The answer is pseudonymised at collection: organisation, kind, quarter, the
  question set and a random token, never the bilan, the invitation or a time.
- Results: distribution per question and trend per quarter, with n; under MIN_ANSWERS answers
  nothing is shown but « résultats en cours de constitution ».
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, RuleViolation
from bilan.followup.suivi import delay_days
from bilan.lib import emails
from bilan.lib.text import capped, check_storable
from bilan.organisations.models import Organisation, Role
from bilan.quality.models import (
    ANSWER_TEXT_MAX,
    LABEL_MAX,
    QuestionSet,
    QuestionType,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
    quarter_of,
)

SALT = "bilan.quality.survey"
LINK_MAX_AGE = dt.timedelta(days=60)
REMINDER_DAYS = 7
MIN_ANSWERS = 5  # fewer answers are not shown (too few to mean anything, too few to hide anyone)
MAX_QUESTIONS = 30
MAX_RECIPIENTS = 200
SCALE = range(1, 6)
YES_NO = ("yes", "no")


class LinkRefused(Exception):
    """A survey link that cannot be used: its French message; `gone` when it was a real link,
    now answered or expired (else it is not a link at all)."""

    def __init__(self, message: str, *, answered: bool = False, gone: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.answered = answered
        self.gone = gone or answered


def require_admin(user: User, what: str) -> None:
    membership = getattr(user, "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        raise RuleViolation(
            _t("Seul·e un·e administrateur·rice %(what)s.") % {"what": what}, code="forbidden"
        )


# ---- questions ------------------------------------------------------------------------------


def current_question_set(organisation: Organisation, kind: str) -> QuestionSet:
    """The organisation's newest own version of the questions, or else the general one."""
    own = QuestionSet.objects.filter(organisation=organisation, kind=kind).first()
    if own is not None:
        return own
    general = QuestionSet.objects.filter(organisation=None, kind=kind).first()
    if general is None:
        raise RuleViolation(_t("Aucun questionnaire n'est défini pour cette enquête."))
    return general


def add_question(
    *, organisation: Organisation, kind: str, label: str, type: str, by: User
) -> QuestionSet:
    """The organisation extends a survey: a new version = the current questions + this one."""
    require_admin(by, _t("ajoute une question aux enquêtes"))
    if kind not in SurveyKind.values:
        raise RuleViolation(_t("Choisissez une enquête dans la liste."), code="invalid")
    if type not in QuestionType.values:
        raise RuleViolation(_t("Choisissez un type de question dans la liste."), code="invalid")
    label = capped(_t("Question"), label, LABEL_MAX)
    if not label:
        raise RuleViolation(_t("Écrivez la question."), code="invalid")
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        current = current_question_set(organisation, kind)
        questions: list[dict[str, str]] = list(current.questions)
        if len(questions) >= MAX_QUESTIONS:
            raise RuleViolation(
                _t("Une enquête compte au plus %(n)s questions.") % {"n": MAX_QUESTIONS},
                code="invalid",
            )
        if any(q["label"].casefold() == label.casefold() for q in questions):
            raise RuleViolation(_t("Cette question figure déjà dans l'enquête."), code="invalid")
        keys = {q["key"] for q in questions}
        base = f"org-{slugify(label)[:40] or 'question'}"
        key, n = base, 2
        while key in keys:
            key, n = f"{base}-{n}", n + 1
        newest = QuestionSet.objects.filter(organisation=organisation, kind=kind).first()
        return QuestionSet.objects.create(
            organisation=organisation,
            kind=kind,
            version=(newest.version + 1) if newest else current.version + 1,
            questions=[*questions, {"key": key, "label": label, "type": type}],
            created_by=by,
        )


# ---- invitations ----------------------------------------------------------------------------


def _invite(
    *, organisation: Organisation, kind: str, send_on: dt.date, **fields: Any
) -> SurveyInvitation | None:
    """Create the invitation unless it exists (the unique constraints say once, ever)."""
    try:
        with transaction.atomic():
            return SurveyInvitation.objects.create(
                organisation=organisation,
                kind=kind,
                send_on=send_on,
                question_set=current_question_set(organisation, kind),
                **fields,
            )
    except IntegrityError:
        return None


def invite_after_closing(bilan: Bilan) -> None:
    """The closing hook: « à chaud » now, « à froid » six months after the end date."""
    closed_on = bilan.closed_on or timezone.localdate()
    _invite(organisation=bilan.organisation, kind=SurveyKind.HOT, send_on=closed_on, bilan=bilan)
    _invite(
        organisation=bilan.organisation,
        kind=SurveyKind.COLD,
        send_on=closed_on + dt.timedelta(days=delay_days()),
        bilan=bilan,
    )


def invite_stakeholders(
    *, organisation: Organisation, emails_text: str, by: User, year: int | None = None
) -> list[SurveyInvitation]:
    """The yearly funders/employers survey: one invitation per typed address, once a year.

    Every address is checked first: one bad address refuses them all, nothing is saved."""
    require_admin(by, _t("envoie l'enquête aux financeurs et employeurs"))
    check_storable(_t("Destinataires"), emails_text)
    addresses = list(
        dict.fromkeys(
            a.strip().lower() for a in emails_text.replace(",", "\n").splitlines() if a.strip()
        )
    )
    if not addresses:
        raise RuleViolation(_t("Indiquez au moins une adresse e-mail."), code="invalid")
    if len(addresses) > MAX_RECIPIENTS:
        raise RuleViolation(
            _t("%(n)s destinataires au plus par envoi.") % {"n": MAX_RECIPIENTS}, code="invalid"
        )
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise RuleViolation(
            _t("Adresse(s) e-mail invalide(s) : %(bad)s. Rien n'a été envoyé.")
            % {"bad": ", ".join(bad[:5])},
            code="invalid",
        )
    today = timezone.localdate()
    year = year or today.year
    created = []
    with transaction.atomic():
        for address in addresses:
            invitation = _invite(
                organisation=organisation,
                kind=SurveyKind.STAKEHOLDER,
                send_on=today,
                email=address,
                year=year,
            )
            if invitation is not None:
                created.append(invitation)
    return created


def recipient_of(invitation: SurveyInvitation) -> str:
    if invitation.bilan_id is not None and invitation.bilan is not None:
        return invitation.bilan.beneficiary.email
    return invitation.email


# ---- the signed one-time link ---------------------------------------------------------------


def token_for(invitation: SurveyInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def link_for(invitation: SurveyInvitation) -> str:
    from django.conf import settings

    return settings.SITE_URL + reverse("portal:survey_answer", args=[token_for(invitation)])


def open_link(token: str) -> SurveyInvitation:
    """The invitation a link stands for, or LinkRefused with its French message."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkRefused(
            _t(
                "Ce lien a expiré : le questionnaire ne peut plus être rempli. Merci de "
                "l'attention que vous nous portez."
            ),
            gone=True,
        ) from None
    except signing.BadSignature:
        raise LinkRefused(_t("Ce lien n'est pas valide : vérifiez qu'il est complet.")) from None
    invitation = (
        SurveyInvitation.objects.select_related("question_set", "organisation")
        .filter(pk=data.get("i"), nonce=data.get("n"))
        .first()
    )
    if invitation is None:
        raise LinkRefused(_t("Ce lien n'est pas valide : vérifiez qu'il est complet."))
    if invitation.answered:
        raise LinkRefused(
            _t("Vous avez déjà répondu à ce questionnaire : votre réponse est bien enregistrée."),
            answered=True,
        )
    return invitation


def clean_answers(question_set: QuestionSet, given: dict[str, Any]) -> dict[str, Any]:
    """The answers checked against the questions; RuleViolation naming what is wrong."""
    questions: list[dict[str, str]] = question_set.questions
    unknown = set(given) - {q["key"] for q in questions}
    if unknown:
        raise RuleViolation(_t("Question inconnue : %(key)s.") % {"key": min(unknown)}, "invalid")
    cleaned: dict[str, Any] = {}
    missing = []
    for q in questions:
        value = given.get(q["key"])
        if q["type"] == QuestionType.TEXT:
            text = capped(q["label"], value if isinstance(value, str) else "", ANSWER_TEXT_MAX)
            if text:
                cleaned[q["key"]] = text
        elif q["type"] == QuestionType.SCALE:
            try:
                number = int(value) if value not in (None, "") else None  # type: ignore[arg-type]
            except (TypeError, ValueError):
                number = None
            if number not in SCALE:
                missing.append(q["label"])
            else:
                cleaned[q["key"]] = number
        else:
            if value not in YES_NO:
                missing.append(q["label"])
            else:
                cleaned[q["key"]] = value
    if missing:
        raise RuleViolation(
            _t("Répondez à chaque question : %(missing)s") % {"missing": " ; ".join(missing)},
            code="invalid",
        )
    return cleaned


def submit_answer(*, token: str, answers: dict[str, Any]) -> SurveyAnswer:
    """Record the answer of a link, once: the link is spent and the answer stored apart, in one
    transaction. A refused answer saves nothing and leaves the link usable."""
    invitation = open_link(token)
    cleaned = clean_answers(invitation.question_set, answers)
    with transaction.atomic():
        spent = SurveyInvitation.objects.filter(pk=invitation.pk, answered=False).update(
            answered=True
        )
        if not spent:
            raise LinkRefused(
                _t(
                    "Vous avez déjà répondu à ce questionnaire : votre réponse est bien "
                    "enregistrée."
                ),
                answered=True,
            )
        return SurveyAnswer.objects.create(
            organisation=invitation.organisation,
            kind=invitation.kind,
            quarter=quarter_of(timezone.localdate()),
            question_set=invitation.question_set,
            answers=cleaned,
        )


# ---- results --------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    key: str
    label: str
    type: str
    n: int
    counts: list[tuple[str, int, int]] = field(default_factory=list)  # (value, count, percent)
    average: float | None = None
    texts: int = 0  # free texts are counted, never listed here

    @property
    def bars(self) -> list[dict[str, Any]]:
        """The distribution as SVG bars (22 px a row, 200 px for 100 %)."""
        return [
            {"value": v, "count": c, "percent": p, "y": 22 * i, "width": 2 * p}
            for i, (v, c, p) in enumerate(self.counts)
        ]

    @property
    def chart_height(self) -> int:
        return 22 * len(self.counts)


@dataclass
class QuarterResult:
    quarter: str
    n: int
    satisfied_percent: int | None  # share of 4 and 5 on the first scale question


@dataclass
class Results:
    kind: str
    kind_label: str
    n: int
    enough: bool
    questions: list[QuestionResult]
    quarters: list[QuarterResult]
    invited: int
    answered: int

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None


def results(organisation: Organisation, kind: str) -> Results:
    answers = list(
        SurveyAnswer.objects.filter(organisation=organisation, kind=kind).values_list(
            "quarter", "answers"
        )
    )
    sent = SurveyInvitation.objects.filter(
        organisation=organisation, kind=kind, invite_sent_at__isnull=False
    )
    enough = len(answers) >= MIN_ANSWERS
    question_set = current_question_set(organisation, kind)
    questions: list[QuestionResult] = []
    first_scale = next(
        (q["key"] for q in question_set.questions if q["type"] == QuestionType.SCALE), None
    )
    for q in question_set.questions if enough else []:
        values = [a[q["key"]] for _, a in answers if q["key"] in a]
        result = QuestionResult(key=q["key"], label=q["label"], type=q["type"], n=len(values))
        if q["type"] == QuestionType.TEXT:
            result.texts = len(values)
        else:
            options = [str(v) for v in SCALE] if q["type"] == QuestionType.SCALE else list(YES_NO)
            for option in options:
                count = sum(1 for v in values if str(v) == option)
                percent = round(100 * count / len(values)) if values else 0
                result.counts.append((option, count, percent))
            if q["type"] == QuestionType.SCALE and values:
                result.average = round(sum(values) / len(values), 1)
        questions.append(result)
    quarters: list[QuarterResult] = []
    for quarter in sorted({q for q, _ in answers}) if enough else []:
        rows = [a for q, a in answers if q == quarter]
        scores = [a[first_scale] for a in rows if first_scale and first_scale in a]
        satisfied = (
            round(100 * sum(1 for s in scores if s >= 4) / len(scores))
            if len(scores) >= MIN_ANSWERS
            else None
        )
        quarters.append(QuarterResult(quarter=quarter, n=len(rows), satisfied_percent=satisfied))
    return Results(
        kind=kind,
        kind_label=str(SurveyKind(kind).label),
        n=len(answers),
        enough=enough,
        questions=questions,
        quarters=quarters,
        invited=sent.count(),
        answered=sent.filter(answered=True).count(),
    )


def send_invitation_email(invitation: SurveyInvitation, *, reminder: bool) -> None:
    emails.survey_invitation(
        to=recipient_of(invitation),
        kind=invitation.kind,
        kind_label=str(SurveyKind(invitation.kind).label),
        organisation=invitation.organisation,
        link=link_for(invitation),
        reminder=reminder,
    )
