"""The document de synthèse's rules (REQ-7, REQ-8, REQ-10, REQ-62): who writes, who reads,
who decides, who shares. Views and the API only call these functions.

- The assigned consultant starts it (prefilled from the bilan, or empty), edits it as rich text
  (sanitised on save; a save that changes nothing makes no version), submits it « pour
  observations », and logs the remise. They can never validate it.
- The beneficiary reads the submitted version (never an unsent draft), writes observations,
  then validates it or refuses it with observations; only they share it, per named recipient.
- The administration never reads it (403), funders are not members at all; every read by the
  consultant is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import can_read_content
from bilan.bilans.models import Bilan, RuleViolation, Status, check_date
from bilan.compliance.audit import record_content_access
from bilan.documents import prefill as prefilling
from bilan.documents.models import (
    DECIDED,
    SECTIONS,
    HandoverChannel,
    RenderFormat,
    RenderJob,
    RenderStatus,
    Synthese,
    SyntheseHandover,
    SyntheseObservation,
    SyntheseShare,
    SyntheseStatus,
    SyntheseVersion,
)
from bilan.documents.sanitize import MAX_SECTION_CHARS, is_blank, sanitize, strip_controls
from bilan.documents.tasks import enqueue_render, fail_abandoned
from bilan.lib import emails
from bilan.lib.text import check_storable

WRITABLE_STATUSES = (Status.INVESTIGATION, Status.CONCLUSIONS)
MAX_OBSERVATION_CHARS = 10_000
SHARE_DAYS = 7

# What the editor shows in an empty section (a placeholder, never text of the document).
PROMPTS = {
    "circonstances": _(
        "Rien n'a été enregistré sur la demande : rappelez le contexte et la demande initiale."
    ),
    "competences": _(
        "Aucun portefeuille ni résultat de test : décrivez les compétences et aptitudes "
        "mises en évidence, au regard des perspectives."
    ),
    "motivations": _("Aucune réponse sur les motivations : indiquez valeurs et critères de choix."),
    "projet": _(
        "Aucun projet validé : décrivez le projet retenu, ses alternatives et ce que les "
        "enquêtes ont confirmé ou contredit."
    ),
    "conditions": _("Indiquez les facteurs favorables et les freins à la réalisation du projet."),
    "plan_action": _("Aucun plan d'action : indiquez les principales étapes."),
    "suivi": _("Aucune décision sur l'entretien de suivi : indiquez les modalités du suivi."),
}
CONSENT_TEXT = _(
    "Je, %(name)s, accepte de communiquer la version %(number)s de mon document de synthèse à "
    "%(recipient)s (%(email)s). Lien valable %(days)s jours, utilisable une fois."
)


# ---- access ---------------------------------------------------------------------------------


def _is_consultant(user, bilan: Bilan) -> bool:
    return bilan.is_assigned_consultant(user)


def _require_consultant(user, bilan: Bilan) -> None:
    if not _is_consultant(user, bilan):
        raise RuleViolation(
            _t("Seul·e le ou la consultant·e du bilan rédige le document de synthèse."),
            code="forbidden",
        )


def _require_beneficiary(user, bilan: Bilan, what: str) -> None:
    if user.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire peut %(what)s.") % {"what": what}, code="forbidden"
        )


def require_reader(user, bilan: Bilan) -> None:
    """The synthèse is the beneficiary's and their consultant's: nobody else reads it (REQ-8)."""
    if not can_read_content(user, bilan):
        record_content_access(
            actor=user, bilan=bilan, objects=[synthese_of(bilan)], action="denied"
        )
        raise PermissionDenied(
            _t(
                "Le document de synthèse est réservé au ou à la bénéficiaire et à son ou sa "
                "consultant·e (art. L6313-4 du Code du travail)."
            )
        )


def synthese_of(bilan: Bilan) -> Synthese | None:
    return Synthese.objects.filter(bilan=bilan).first()


def visible_number(synthese: Synthese, user) -> int | None:
    """The version `user` may read: the consultant the latest, the beneficiary the submitted."""
    if user.pk == synthese.bilan.beneficiary_id:
        return synthese.submitted_number
    latest = synthese.latest()
    return latest.number if latest else None


@dataclass
class Reading:
    synthese: Synthese | None
    version: SyntheseVersion | None
    observations: list[SyntheseObservation]


def read_synthese(*, reader, bilan: Bilan, channel: str = "web") -> Reading:
    """What `reader` may see of the bilan's synthèse; the consultant's read is audited."""
    require_reader(reader, bilan)
    synthese = synthese_of(bilan)
    if synthese is None:
        return Reading(None, None, [])
    version = synthese.version(visible_number(synthese, reader))
    observations = list(synthese.observations.select_related("version"))
    record_content_access(
        actor=reader, bilan=bilan, objects=[synthese, version, *observations], channel=channel
    )
    return Reading(synthese, version, observations)


# ---- writing (the consultant) ---------------------------------------------------------------


def _locked(synthese: Synthese) -> Synthese:
    return Synthese.objects.select_related("bilan").select_for_update().get(pk=synthese.pk)


def _require_writable(synthese: Synthese) -> None:
    bilan = synthese.bilan
    if bilan.status not in WRITABLE_STATUSES:
        raise RuleViolation(
            _t("Le document de synthèse ne se modifie plus : le bilan est à l'étape « %(s)s ».")
            % {"s": bilan.get_status_display()}
        )
    if synthese.status in DECIDED:
        what = _t("validé") if synthese.status == SyntheseStatus.VALIDATED else _t("refusé")
        raise RuleViolation(
            _t("Le document de synthèse a été %(s)s : il ne se modifie plus.") % {"s": what}
        )


def _clean_sections(sections: dict[str, str]) -> dict[str, str]:
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise RuleViolation(
            _t("Section inconnue : %(k)s.") % {"k": ", ".join(sorted(unknown))[:200]},
            code="invalid",
        )
    cleaned = {}
    for key, value in sections.items():
        value = value or ""
        if len(value) > MAX_SECTION_CHARS:
            raise RuleViolation(
                _t(
                    "« %(title)s » est trop long : %(n)s caractères pour %(max)s au plus. "
                    "Raccourcissez-le ; votre texte n'a pas été enregistré."
                )
                % {"title": SECTIONS[key], "n": len(value), "max": MAX_SECTION_CHARS},
                code="invalid",
            )
        # Pasted invisible controls (a NUL included) are removed by sanitize; a lone
        # surrogate would crash its HTML parser: refused.
        check_storable(str(SECTIONS[key]), strip_controls(value))
        cleaned[key] = sanitize(value)
    return cleaned


def _new_version(
    synthese: Synthese, *, by, sections: dict[str, str], sources: dict, note: str
) -> SyntheseVersion:
    latest = synthese.latest()
    return SyntheseVersion.objects.create(
        synthese=synthese,
        number=(latest.number if latest else 0) + 1,
        sections={key: sections.get(key, "") for key in SECTIONS},
        sources={key: sources.get(key, []) for key in SECTIONS},
        note=note,
        saved_by=by,
    )


def start_synthese(*, bilan: Bilan, by: User, prefilled: bool = True) -> Synthese:
    """The consultant starts the synthèse: version 1, prefilled from the bilan (« Préremplir
    depuis le bilan ») or empty."""
    _require_consultant(by, bilan)
    with transaction.atomic():
        locked = Bilan.objects.select_for_update().get(pk=bilan.pk)
        if locked.status not in WRITABLE_STATUSES:
            raise RuleViolation(
                _t("Impossible de commencer la synthèse : le bilan est à l'étape « %(s)s ».")
                % {"s": locked.get_status_display()}
            )
        if Synthese.objects.filter(bilan=locked).exists():
            raise RuleViolation(_t("Le document de synthèse de ce bilan est déjà commencé."))
        synthese = Synthese.objects.create(bilan=locked, created_by=by)
        sections, sources = prefilling.prefill(locked) if prefilled else ({}, {})
        _new_version(
            synthese,
            by=by,
            sections={k: sanitize(v) for k, v in sections.items()},
            sources=sources,
            note=_t("préremplissage depuis le bilan") if prefilled else _t("création"),
        )
    return synthese


def prefill_again(
    *, synthese: Synthese, by: User, keys: list[str] | None = None
) -> SyntheseVersion:
    """Re-run the prefill into a new version for `keys` (all sections by default); the other
    sections keep their text."""
    bilan = synthese.bilan
    _require_consultant(by, bilan)
    keys = list(SECTIONS) if not keys else keys
    if set(keys) - set(SECTIONS):
        raise RuleViolation(_t("Section inconnue."), code="invalid")
    with transaction.atomic():
        locked = _locked(synthese)
        _require_writable(locked)
        latest = locked.latest()
        fresh_sections, fresh_sources = prefilling.prefill(locked.bilan)
        sections, sources = dict(latest.sections), dict(latest.sources)
        for key in keys:
            sections[key] = sanitize(fresh_sections[key])
            sources[key] = fresh_sources[key]
        if sections == latest.sections and sources == latest.sources:
            return latest
        version = _new_version(
            locked, by=by, sections=sections, sources=sources, note=_t("préremplissage")
        )
        _back_to_draft(locked)
    return version


class SyntheseConflict(RuleViolation):
    def __init__(self, number: int) -> None:
        super().__init__(
            _t(
                "La synthèse a été enregistrée ailleurs entre-temps (version %(n)s) : votre texte "
                "est conservé ci-dessous, comparez-le puis enregistrez à nouveau."
            )
            % {"n": number}
        )
        self.number = number


def save_synthese(
    *,
    synthese: Synthese,
    by: User,
    sections: dict[str, str],
    base_number: int | None = None,
) -> SyntheseVersion:
    """Save the consultant's text: a new version if anything changed (sections not given
    keep their text). `base_number`, the version the editor started from, guards against
    overwriting a save made elsewhere."""
    _require_consultant(by, synthese.bilan)
    cleaned = _clean_sections(sections)
    with transaction.atomic():
        locked = _locked(synthese)
        _require_writable(locked)
        latest = locked.latest()
        if base_number is not None and base_number != latest.number:
            raise SyntheseConflict(latest.number)
        merged = {**latest.sections, **cleaned}
        if merged == latest.sections:
            return latest
        version = _new_version(
            locked, by=by, sections=merged, sources=latest.sources, note=_t("modification")
        )
        _back_to_draft(locked)
    return version


def _back_to_draft(synthese: Synthese) -> None:
    """Edits after a submission are a new draft: the beneficiary keeps reading the version sent
    until the next submission."""
    if synthese.status == SyntheseStatus.SUBMITTED:
        synthese.status = SyntheseStatus.DRAFT
        synthese.save(update_fields=["status"])


def empty_sections(version: SyntheseVersion) -> list[str]:
    return [key for key in SECTIONS if is_blank(version.section(key))]


def submit_for_observations(*, synthese: Synthese, by: User) -> Synthese:
    """The consultant sends the latest version to the beneficiary « pour observations »."""
    _require_consultant(by, synthese.bilan)
    with transaction.atomic():
        locked = _locked(synthese)
        _require_writable(locked)
        latest = locked.latest()
        missing = empty_sections(latest)
        if missing:
            raise RuleViolation(
                _t("Impossible de soumettre la synthèse, ces sections sont vides : %(s)s.")
                % {"s": " ; ".join(str(SECTIONS[k]) for k in missing)}
            )
        if locked.status == SyntheseStatus.SUBMITTED and locked.submitted_number == latest.number:
            raise RuleViolation(_t("Cette version est déjà soumise au ou à la bénéficiaire."))
        locked.status = SyntheseStatus.SUBMITTED
        locked.submitted_number = latest.number
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_number", "submitted_at"])
    synthese.refresh_from_db()
    return synthese


def record_handover(
    *,
    synthese: Synthese,
    by: User,
    handed_on: dt.date,
    channel: str,
    acknowledged: bool,
) -> SyntheseHandover:
    """The consultant logs the remise of the final version (REQ-7): date, channel, receipt."""
    _require_consultant(by, synthese.bilan)
    if channel not in HandoverChannel.values:
        raise RuleViolation(
            _t("Choisissez le moyen de la remise : en main propre, e-mail, espace ou courrier."),
            code="invalid",
        )
    if handed_on is None or handed_on > timezone.localdate():
        raise RuleViolation(_t("La date de remise ne peut pas être dans le futur."), code="invalid")
    check_date(handed_on, label=_t("date de la remise"))
    with transaction.atomic():
        locked = _locked(synthese)
        if locked.status not in DECIDED:
            raise RuleViolation(
                _t(
                    "La remise se consigne après la décision du ou de la bénéficiaire sur la "
                    "version finale (validation ou refus)."
                )
            )
        if handed_on < locked.decided_at.date() - dt.timedelta(days=1):
            raise RuleViolation(
                _t("La remise ne peut pas précéder la décision du ou de la bénéficiaire."),
                code="invalid",
            )
        return SyntheseHandover.objects.create(
            synthese=locked,
            version_number=locked.decided_number,
            handed_on=handed_on,
            channel=channel,
            acknowledged=acknowledged,
            recorded_by=by,
        )


# ---- the beneficiary ------------------------------------------------------------------------


def _clean_observation(text: str, *, required: bool) -> str:
    text = strip_controls(text or "").strip()
    if required and not text:
        raise RuleViolation(_t("Écrivez vos observations."), code="invalid")
    if len(text) > MAX_OBSERVATION_CHARS:
        raise RuleViolation(
            _t("Vos observations sont trop longues : %(n)s caractères pour %(max)s au plus.")
            % {"n": len(text), "max": MAX_OBSERVATION_CHARS},
            code="invalid",
        )
    return text


def _require_submitted(synthese: Synthese) -> SyntheseVersion:
    if synthese.status != SyntheseStatus.SUBMITTED or synthese.submitted_number is None:
        raise RuleViolation(
            _t("Aucune version de la synthèse ne vous est soumise pour observations en ce moment.")
        )
    return synthese.version(synthese.submitted_number)


def submit_observations(*, synthese: Synthese, by: User, text: str) -> SyntheseObservation:
    """The beneficiary's observations on the version submitted to them (REQ-10, REQ-62)."""
    _require_beneficiary(by, synthese.bilan, _t("écrire des observations sur sa synthèse"))
    text = _clean_observation(text, required=True)
    with transaction.atomic():
        locked = _locked(synthese)
        version = _require_submitted(locked)
        return SyntheseObservation.objects.create(
            synthese=locked, version=version, text=text, by=by
        )


def validate_synthese(
    *,
    synthese: Synthese,
    by: User,
    confirm: bool = False,
    refuse: bool = False,
    observations: str = "",
) -> Synthese:
    """The beneficiary validates the submitted version (explicit confirmation), or refuses it
    with their observations. Nobody else can: the consultant never decides for them (REQ-62)."""
    _require_beneficiary(by, synthese.bilan, _t("valider ou refuser son document de synthèse"))
    text = _clean_observation(observations, required=refuse)
    if not refuse and not confirm:
        raise RuleViolation(
            _t("Cochez la case de confirmation pour valider votre document de synthèse."),
            code="invalid",
        )
    with transaction.atomic():
        locked = _locked(synthese)
        version = _require_submitted(locked)
        if text:
            SyntheseObservation.objects.create(
                synthese=locked, version=version, text=text, by=by, with_refusal=refuse
            )
        locked.status = SyntheseStatus.REFUSED if refuse else SyntheseStatus.VALIDATED
        locked.decided_number = version.number
        locked.decided_at = timezone.now()
        locked.decided_by = by
        locked.save(update_fields=["status", "decided_number", "decided_at", "decided_by"])
    synthese.refresh_from_db()
    return synthese


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_synthese(
    *,
    synthese: Synthese,
    by: User,
    recipient_name: str,
    recipient_email: str,
    agree: bool,
) -> tuple[SyntheseShare, str]:
    """The beneficiary shares the final version with one named recipient (REQ-8): recorded
    with the consent text, a one-time link e-mailed, valid SHARE_DAYS days. Returns the share
    and the link's token (only its digest is stored)."""
    bilan = synthese.bilan
    _require_beneficiary(by, bilan, _t("partager son document de synthèse"))
    name = " ".join(strip_controls(recipient_name or "").split())
    email = (recipient_email or "").strip()
    if not name or len(name) > 200:
        raise RuleViolation(_t("Indiquez le nom du ou de la destinataire."), code="invalid")
    try:
        validate_email(email)
    except Exception:
        raise RuleViolation(_t("Cette adresse e-mail n'est pas valide."), code="invalid") from None
    if not agree:
        raise RuleViolation(
            _t("Cochez la case pour confirmer votre accord à ce partage."), code="invalid"
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(synthese)
        if locked.status not in DECIDED:
            raise RuleViolation(
                _t("Vous pourrez partager votre synthèse une fois sa version finale décidée.")
            )
        share = SyntheseShare.objects.create(
            synthese=locked,
            version_number=locked.decided_number,
            recipient_name=name,
            recipient_email=email,
            consent_text=str(CONSENT_TEXT)
            % {
                "name": by.get_full_name(),
                "number": locked.decided_number,
                "recipient": name,
                "email": email,
                "days": SHARE_DAYS,
            },
            token_digest=_digest(token),
            created_by=by,
            created_at=now,
            expires_at=now + dt.timedelta(days=SHARE_DAYS),
        )
        pk = share.pk
        transaction.on_commit(lambda: send_share_email(pk, token), robust=True)
    return share, token


def share_link(token: str) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("portal:synthese_shared", args=[token])


def send_share_email(share_id: int, token: str) -> None:
    share = SyntheseShare.objects.select_related("synthese__bilan__beneficiary").get(pk=share_id)
    bilan = share.synthese.bilan
    emails.send(
        "synthese_share",
        share.recipient_email,
        {
            "share": share,
            "beneficiary": bilan.beneficiary,
            "link": share_link(token),
            "days": SHARE_DAYS,
        },
    )


def share_of(*, by: User, pk: int, bilan: Bilan | None = None) -> SyntheseShare:
    """One of `by`'s own shares (the beneficiary's, in their organisation; of `bilan` when
    given), else 404: a share of anyone else is not disclosed."""
    membership = getattr(by, "membership", None)
    found = SyntheseShare.objects.filter(
        pk=pk,
        synthese__bilan__beneficiary=by,
        synthese__bilan__organisation_id=membership.organisation_id if membership else None,
    )
    if bilan is not None:
        found = found.filter(synthese__bilan=bilan)
    share = found.select_related("synthese__bilan").first()
    if share is None:
        raise Http404
    return share


def revoke_share(*, share: SyntheseShare, by: User) -> SyntheseShare:
    _require_beneficiary(by, share.synthese.bilan, _t("retirer un partage"))
    SyntheseShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    share.refresh_from_db()
    return share


def claim_share(token: str) -> SyntheseShare | None:
    """The share of this token, marked used, if it is still usable (one download); else None."""
    if not token or len(token) > 100:
        return None
    now = timezone.now()
    with transaction.atomic():
        share = (
            SyntheseShare.objects.select_for_update()
            .select_related("synthese__bilan")
            .filter(token_digest=_digest(token))
            .first()
        )
        if share is None or not share.usable:
            return None
        share.used_at = now
        share.save(update_fields=["used_at"])
    return share


# ---- rendering ------------------------------------------------------------------------------


def request_render(
    *,
    synthese: Synthese,
    by: User,
    fmt: str,
    number: int | None = None,
    channel: str = "web",
) -> RenderJob:
    """Queue a PDF or DOCX of version `number` (by default the one `by` reads); the file is
    made by the worker (tasks.render_synthese)."""
    bilan = synthese.bilan
    require_reader(by, bilan)
    if fmt not in RenderFormat.values:
        raise RuleViolation(_t("Format inconnu : choisissez PDF ou DOCX."), code="invalid")
    allowed = visible_number(synthese, by)
    if by.pk == bilan.beneficiary_id:
        allowed_numbers = {allowed, synthese.decided_number} - {None}
    else:
        allowed_numbers = set(synthese.versions.values_list("number", flat=True))
    number = allowed if number is None else number
    if number is None or number not in allowed_numbers:
        raise RuleViolation(_t("Cette version de la synthèse n'est pas disponible."))
    version = synthese.version(number)
    record_content_access(
        actor=by, bilan=bilan, objects=[version], action="export", channel=channel
    )
    job = RenderJob.objects.create(
        synthese=synthese, version_number=number, format=fmt, requested_by=by
    )

    pk = job.pk
    transaction.on_commit(lambda: enqueue_render(pk), robust=True)
    return job


def recent_jobs(synthese: Synthese, *, limit: int, requested_by=None) -> list[RenderJob]:
    """The latest render jobs of `synthese` (of `requested_by` only, when given), a job lost
    by a dead worker shown failed (tasks.fail_abandoned)."""

    jobs = synthese.render_jobs.all()
    if requested_by is not None:
        jobs = jobs.filter(requested_by=requested_by)
    fail_abandoned(jobs)
    return list(jobs[:limit])


def get_job_for_user(user, pk: int) -> RenderJob:
    """The render job `pk` if `user` may download it, else 404 / 403 (audited refusal). A job
    lost by a dead worker is failed first (tasks.fail_abandoned): pollers see it at once."""
    from django.http import Http404

    try:
        job = RenderJob.objects.select_related(
            "synthese__bilan__beneficiary", "synthese__bilan__organisation"
        ).get(pk=pk, synthese__bilan__in=Bilan.objects.for_user(user))
    except (RenderJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    bilan = job.synthese.bilan
    require_reader(user, bilan)
    if user.pk == bilan.beneficiary_id and job.version_number not in {
        job.synthese.submitted_number,
        job.synthese.decided_number,
    }:
        raise Http404
    if fail_abandoned(RenderJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


def open_job_file(*, reader, job: RenderJob, channel: str = "web"):
    """The rendered file, opened; the consultant's download is audited as an export."""
    if job.status != RenderStatus.DONE or not job.file:
        raise RuleViolation(_t("Le fichier n'est pas encore prêt."))
    record_content_access(
        actor=reader, bilan=job.synthese.bilan, objects=[job], action="export", channel=channel
    )
    return job.file.open("rb")


# ---- for the closing checklist --------------------------------------------------------------


def closing_status(bilan: Bilan) -> dict:
    """Whether the synthèse is decided by the beneficiary (validated, or refused with their
    observations) and handed over; `label` says in French what is missing (empty when none)."""
    synthese = synthese_of(bilan)
    validated = bool(
        synthese
        and (
            synthese.status == SyntheseStatus.VALIDATED
            or (
                synthese.status == SyntheseStatus.REFUSED
                and synthese.observations.filter(with_refusal=True).exists()
            )
        )
    )
    handed_over = bool(validated and synthese.handovers.exists())
    if synthese is None:
        label = _t("le document de synthèse (pas encore commencé), validé et remis")
    elif not validated:
        label = _t(
            "la validation du document de synthèse par le ou la bénéficiaire (ou son refus "
            "avec ses observations), puis sa remise"
        )
    elif not handed_over:
        label = _t("la remise du document de synthèse (date, moyen, accusé de réception)")
    else:
        label = ""
    return {"validated": validated, "handed_over": handed_over, "label": label}
