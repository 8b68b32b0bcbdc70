"""The Bilan and its lifecycle: each transition is one method that locks, checks, updates, records.

Views and the API only call these methods: no rule about a bilan lives anywhere else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.accounts.models import User
from bilan.bilans import funding_hook, minutes, notice
from bilan.bilans.content import Content, DocumentClass
from bilan.bilans.fields import EncryptedTextField
from bilan.lib.dates import check_person_date, in_db_date_window
from bilan.lib.errors import RuleViolation as RuleViolation  # the owners' refusal, defined in lib
from bilan.lib.hours import Budget, fmt
from bilan.organisations.invitations import invited_address, is_placeholder
from bilan.organisations.middleware import membership_for
from bilan.organisations.models import FUNDER_ROLES, HoursRule, Membership, Organisation, Role


def check_date(value: dt.date | None, *, label: str) -> None:
    """The sanity bounds of a date a person entered (bilan.lib.dates: 1900 to ten years ahead),
    as the refusal every owner raises (422 in the API, the form's error on a page)."""
    try:
        check_person_date(value, label=label)
    except ValidationError as error:
        raise RuleViolation(error.messages[0], code="invalid") from error


class Status(models.TextChoices):
    ENQUIRY = "enquiry", _("demande")
    PRELIMINARY = "preliminary", _("phase préliminaire")
    INVESTIGATION = "investigation", _("phase d'investigation")
    CONCLUSIONS = "conclusions", _("phase de conclusions")
    CLOSED = "closed", _("clos")
    FOLLOW_UP = "follow_up", _("suivi")
    ARCHIVED = "archived", _("archivé")
    INTERRUPTED = "interrupted", _("interrompu")
    ABANDONED = "abandoned", _("abandonné")


ACTIVE_STATUSES = (
    Status.ENQUIRY,
    Status.PRELIMINARY,
    Status.INVESTIGATION,
    Status.CONCLUSIONS,
    Status.FOLLOW_UP,
)
STOPPABLE_STATUSES = (Status.ENQUIRY, Status.PRELIMINARY, Status.INVESTIGATION, Status.CONCLUSIONS)
# The three phases, where the hours are delivered and the bilan's work is done (Bilan.in_phases).
IN_PHASE_STATUSES = (Status.PRELIMINARY, Status.INVESTIGATION, Status.CONCLUSIONS)


class Phase(models.TextChoices):
    PRELIMINARY = "preliminary", _("phase préliminaire")
    INVESTIGATION = "investigation", _("phase d'investigation")
    CONCLUSIONS = "conclusions", _("phase de conclusions")
    FOLLOW_UP = "follow_up", _("suivi")


# The phase in which entretiens may be scheduled, by status (REQ-3 d: no going back).
PHASE_OF_STATUS: dict[str, Phase] = {
    Status.ENQUIRY: Phase.PRELIMINARY,
    Status.PRELIMINARY: Phase.PRELIMINARY,
    Status.INVESTIGATION: Phase.INVESTIGATION,
    Status.CONCLUSIONS: Phase.CONCLUSIONS,
    Status.CLOSED: Phase.FOLLOW_UP,
    Status.FOLLOW_UP: Phase.FOLLOW_UP,
}


class Situation(models.TextChoices):
    EMPLOYEE = "employee", _("salarié·e")
    SELF_EMPLOYED = "self_employed", _("indépendant·e")
    JOB_SEEKER = "job_seeker", _("demandeur·se d'emploi")
    OTHER = "other", _("autre")


class FundingRoute(models.TextChoices):
    CPF = "cpf", _("CPF (Mon Compte Formation)")
    EMPLOYER_PLAN = "employer_plan", _("plan de développement des compétences (employeur)")
    OPCO = "opco", _("OPCO")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    PERSONAL = "personal", _("fonds personnels")
    CONGE_RECLASSEMENT = "conge_reclassement", _("congé de reclassement")
    OTHER = "other", _("autre financement")


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("présentiel")
    REMOTE = "remote", _("distanciel")
    MIXED = "mixed", _("mixte")


class FollowUpDecision(models.TextChoices):
    PROPOSED = "proposed", _("proposé")
    ACCEPTED = "accepted", _("accepté")
    REFUSED = "refused", _("refusé")


class Completion(models.TextChoices):
    FULL = "full", _("réalisé en totalité")
    PARTIAL = "partial", _("réalisation partielle")


class StopReason(models.TextChoices):
    """Reason categories for an interruption, abandonment or partial completion: never content."""

    BENEFICIARY_CHOICE = "beneficiary_choice", _("à l'initiative du ou de la bénéficiaire")
    ABSENCE = "absence", _("absences répétées")
    FORCE_MAJEURE = "force_majeure", _("force majeure")
    PROVIDER = "provider", _("à l'initiative de l'organisme")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("retrait du consentement")
    HEALTH = "health", _("raison de santé")
    EMPLOYMENT = "employment", _("reprise d'emploi ou changement de situation")
    OTHER = "other", _("autre")


def administration_errors(
    *, situation: str, situation_detail: str, funding_route: str, funding_reference: str
) -> dict[str, str]:
    """What the administrative record of a bilan lacks, by field (empty: nothing). The one
    rule that opening a bilan, correcting it, and the forms showing it per field all read
    (whether each value is one of the choices is the field's own check)."""
    errors: dict[str, str] = {}
    if situation == Situation.OTHER and not situation_detail.strip():
        errors["situation_detail"] = _t("Précisez la situation.")
    if funding_route == FundingRoute.CPF and not funding_reference.strip():
        errors["funding_reference"] = _t("Indiquez le numéro de dossier CPF.")
    return errors


def check_administration(
    *, situation: str, situation_detail: str, funding_route: str, funding_reference: str
) -> None:
    """Refuse an administrative record that `administration_errors` finds lacking (422)."""
    errors = administration_errors(
        situation=situation,
        situation_detail=situation_detail,
        funding_route=funding_route,
        funding_reference=funding_reference,
    )
    if errors:
        raise RuleViolation(" ".join(errors.values()), code="invalid")


# The scanned paper consent form (REQ-2): extension → the first bytes it must start with.
SCAN_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
SCAN_MAX = 10 * 1024 * 1024


def check_scan(upload: UploadedFile) -> None:
    """The scanned form if its extension, size and first bytes agree (as message
    attachments are checked), else a French refusal (422); served back only as a protected
    download (bilan.lib.uploads.protect_upload)."""
    name = PurePath(upload.name or "").name
    signatures = SCAN_TYPES.get(PurePath(name).suffix.lower())
    if signatures is None:
        raise RuleViolation(
            _t("« %(name)s » : le formulaire numérisé doit être un PDF, un PNG ou un JPEG.")
            % {"name": name},
            code="invalid",
        )
    if not upload.size or upload.size > SCAN_MAX:
        raise RuleViolation(
            _t("« %(name)s » : le fichier est vide ou dépasse 10 Mo.") % {"name": name},
            code="invalid",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signatures):
        raise RuleViolation(
            _t(
                "« %(name)s » ne correspond pas à son extension : le fichier semble d'un autre type."
            )
            % {"name": name},
            code="invalid",
        )


def session_proof(session_key: str) -> str:
    """The session (or API token) a consent was given in, as an HMAC under SECRET_KEY: proof
    that can be matched later without storing the key itself."""
    if not session_key:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), session_key.encode(), hashlib.sha256).hexdigest()


def consent_scan_path(instance: Consent, filename: str) -> str:
    """A random name under consents/ (never served publicly), keeping the checked extension."""
    return f"consents/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ConsentMethod(models.TextChoices):
    ONLINE = "online", _("acceptation en ligne par le ou la bénéficiaire")
    PAPER = "paper", _("formulaire papier signé, enregistré par l'organisme")


def visibility(user: User | AnonymousUser) -> dict[str, int] | None:
    """The one rule of which bilans `user` may see at all, as the field values a visible
    bilan has: admins their organisation's, consultants their assigned ones, beneficiaries
    their own. None: nothing. `visible_to` (a query) and `is_visible_to` (a bilan in hand)
    both read it."""
    membership = getattr(user, "membership", None)
    if membership is None or membership.role in FUNDER_ROLES:
        return None  # funders reach bilans only through the funding feature (administrative)
    fields = {"organisation_id": membership.organisation_id}
    if membership.role == Role.BENEFICIARY:
        # A beneficiary owns their bilans; with bilans at two providers she works in one at a
        # time (the organisation she chose) and never sees one through the other.
        fields["beneficiary_id"] = user.pk
    elif membership.role != Role.ADMIN:
        fields["consultant_id"] = user.pk
    return fields


def visible_to(user: User | AnonymousUser, prefix: str = "") -> models.Q | None:
    """The condition on a bilan (reached through `prefix`, e.g. "bilan__") that `user` may see
    it (`visibility`). None: nothing."""
    fields = visibility(user)
    if fields is None:
        return None
    return models.Q(**{f"{prefix}{name}": value for name, value in fields.items()})


def is_visible_to(user: User | AnonymousUser, bilan: Bilan) -> bool:
    """`visibility` for a bilan already in hand, without a query."""
    fields = visibility(user)
    return fields is not None and all(getattr(bilan, n) == v for n, v in fields.items())


def current_of(bilans: list[Bilan]) -> Bilan | None:
    """Of bilans newest first, the active one, else the latest."""
    return next((b for b in bilans if b.is_active), bilans[0] if bilans else None)


class BilanQuerySet(models.QuerySet["Bilan"]):
    def for_user(self, user: User | AnonymousUser) -> BilanQuerySet:
        """Bilans `user` may see at all (see `visible_to`)."""
        condition = visible_to(user)
        return self.none() if condition is None else self.filter(condition)

    def current_for(self, user: User | AnonymousUser) -> Bilan | None:
        """The bilan a beneficiary is working on: their active one, else their latest."""
        bilans = list(self.for_user(user).order_by("-opened_on", "-id"))
        return current_of(bilans)

    def active(self) -> BilanQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def consent_withdrawn(self) -> BilanQuerySet:
        """Bilans whose beneficiary withdrew her consent and has not given it again: no
        reminder, digest or invitation is sent to her (issue 16). The one rule every sender
        asks (entretien reminders, message digests, suivi invitations)."""
        withdrawn = Consent.objects.filter(bilan=OuterRef("pk"), withdrawn_at__isnull=False)
        active = Consent.objects.filter(bilan=OuterRef("pk"), withdrawn_at__isnull=True)
        return self.filter(Exists(withdrawn)).exclude(Exists(active))

    def with_hours(self) -> BilanQuerySet:
        """Annotate entretien and inter-session work minutes in one query, whatever the
        number of bilans (counted by entretiens, see bilans/minutes.py)."""
        return self.annotate(**minutes.source().annotations())

    def with_people(self) -> BilanQuerySet:
        return self.select_related("beneficiary", "consultant", "organisation")


class Bilan(models.Model):
    """One bilan de compétences: one beneficiary, one provider, one route, one lifecycle (REQ-1)."""

    NATURE = "bilan_de_competences"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bilans")
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bilans_as_beneficiary"
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bilans_as_consultant",
        verbose_name=_("consultant·e"),
    )
    status = models.CharField(
        _("étape"), max_length=20, choices=Status.choices, default=Status.ENQUIRY, db_index=True
    )
    situation = models.CharField(_("situation"), max_length=20, choices=Situation.choices)
    situation_detail = models.CharField(_("précision sur la situation"), max_length=200, blank=True)
    funding_route = models.CharField(_("financement"), max_length=20, choices=FundingRoute.choices)
    funding_reference = models.CharField(
        _("référence du financement"),
        max_length=100,
        blank=True,
        help_text=_("Numéro de dossier CPF, référence de convention ou de devis…"),
    )
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    format_confirmed_at = models.DateTimeField(_("format retenu le"), null=True, blank=True)
    rhythm = models.CharField(_("rythme"), max_length=200, blank=True)
    opened_on = models.DateField(_("date d'ouverture"), default=timezone.localdate)
    closed_on = models.DateField(_("date de fin"), null=True, blank=True)
    completion = models.CharField(
        _("réalisation"), max_length=10, choices=Completion.choices, blank=True
    )
    stop_reason = models.CharField(
        _("motif"), max_length=30, choices=StopReason.choices, blank=True
    )
    status_before_interruption = models.CharField(max_length=20, blank=True)
    planned_accompaniment_minutes = models.PositiveIntegerField(
        _("accompagnement prévu (minutes)"), default=0
    )
    planned_personal_minutes = models.PositiveIntegerField(
        _("travail personnel prévu (minutes)"), default=0
    )
    delivered_personal_minutes = models.PositiveIntegerField(
        _("travail personnel réalisé (minutes)"), default=0
    )
    follow_up_decision = models.CharField(
        _("entretien de suivi"), max_length=10, choices=FollowUpDecision.choices, blank=True
    )
    follow_up_decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    # The hours budget the staff lists attach for display (bilans.views.priced); not a field.
    hours: Budget

    objects = BilanQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-id"]
        # Issue 18: the dashboards and the list walk these in order and stop at their limit.
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "-opened_on", "-id"], name="bilan_org_recent"),
            models.Index(
                fields=["consultant", "-opened_on", "-id"], name="bilan_consultant_recent"
            ),
            models.Index(
                fields=["consultant", "status", "-opened_on", "-id"], name="bilan_consultant_stage"
            ),
            models.Index(
                fields=["organisation", "consultant", "status"], name="bilan_org_consultant_stage"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("opened_on"), name="bilan_opened_on_in_window"
            ),
            models.CheckConstraint(
                condition=in_db_date_window("closed_on"), name="bilan_closed_on_in_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.beneficiary}"

    @property
    def reference(self) -> str:
        return f"BC-{self.opened_on:%Y}-{self.pk or 0:05d}"

    @property
    def nature(self) -> str:
        return self.NATURE

    @property
    def beneficiary_email(self) -> str:
        """The address the organisation knows the beneficiary by (for a person invited with an
        account she already had, the address it typed, until she accepts)."""
        return invited_address(self.beneficiary)

    @property
    def beneficiary_pending(self) -> bool:
        """The beneficiary has not logged in yet: a new account whose invitation is unanswered
        and an existing account's pending invitation look the same to the organisation."""
        return is_placeholder(self.beneficiary) or self.beneficiary.last_login is None

    # ---- reading state -------------------------------------------------------------

    def rule(self) -> HoursRule:
        return HoursRule.in_force(self.organisation, self.opened_on)

    def budget(self, rule: HoursRule | None = None) -> Budget:
        rule = rule or self.rule()
        counted = minutes.figures(self)
        scheduled, held = counted["scheduled_minutes"], counted["held_minutes"]
        # Delivered: held AND proven by attendance, as the ledger decides (entretiens.ledger).
        delivered = counted["delivered_minutes"]
        assigned, assigned_done = counted["assigned_minutes"], counted["assigned_done_minutes"]
        return Budget(
            planned_accompaniment=self.planned_accompaniment_minutes,
            scheduled_accompaniment=scheduled,
            delivered_accompaniment=delivered,
            held_accompaniment=held,
            # Travail inter-session counts as personal work: estimates given, estimates done.
            planned_personal=max(self.planned_personal_minutes, assigned),
            delivered_personal=max(self.delivered_personal_minutes, assigned_done),
            max_total=rule.max_total_minutes,
            min_accompaniment=rule.min_accompaniment_minutes,
            count_personal=rule.count_personal_work,
        )

    def assignment_minutes(self) -> tuple[int, int]:
        """Estimated minutes of inter-session work given, and of the part done."""
        counted = minutes.figures(self, ("assigned_minutes", "assigned_done_minutes"))
        return counted["assigned_minutes"], counted["assigned_done_minutes"]

    def is_assigned_consultant(self, user: User | AnonymousUser) -> bool:
        """`user` is this bilan's consultant, acting as a consultant of its organisation
        (through the membership the request, or the caller, attached to `user`)."""
        membership = getattr(user, "membership", None)
        return (
            membership is not None
            and membership.organisation_id == self.organisation_id
            and membership.role == Role.CONSULTANT
            and self.consultant_id == user.pk
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def in_phases(self) -> bool:
        """In one of the three phases, where the hours are still being delivered."""
        return self.status in IN_PHASE_STATUSES

    @property
    def current_phase(self) -> str | None:
        return PHASE_OF_STATUS.get(self.status)

    def active_consent(self) -> Consent | None:
        return self.consents.filter(withdrawn_at__isnull=True).order_by("-given_at").first()

    @property
    def consent_withdrawn(self) -> bool:
        """`BilanQuerySet.consent_withdrawn` for one bilan: the same rule."""
        return Bilan.objects.filter(pk=self.pk).consent_withdrawn().exists()

    def framing_or_empty(self) -> BilanFraming:
        try:
            return self.framing
        except BilanFraming.DoesNotExist:
            return BilanFraming(bilan=self)

    def preliminary_outputs_missing(self) -> list[str]:
        """What the preliminary phase still lacks (R6313-4 1° a, b, c)."""
        framing = self.framing_or_empty()
        missing = []
        if not framing.needs_analysis.strip():
            missing.append(_t("l'analyse de la demande et du besoin"))
        if not self.format_confirmed_at:
            missing.append(_t("le format retenu"))
        if not framing.agreed_arrangements.strip():
            missing.append(_t("les modalités définies conjointement"))
        else:
            if not framing.arrangements_beneficiary_validated_at:
                missing.append(_t("la validation des modalités par le ou la bénéficiaire"))
            if not framing.arrangements_consultant_validated_at:
                missing.append(_t("la validation des modalités par le ou la consultant·e"))
        return missing

    def check_budget(self, budget: Budget, *, what: str) -> None:
        """Refuse any plan over the ceiling (REQ-4), citing L6313-4."""
        if budget.planned_total > budget.max_total:
            raise RuleViolation(
                _t(
                    "%(what)s : durée planifiée %(planned)s > %(max)s maximum "
                    "(art. L6313-4 du Code du travail)."
                )
                % {"what": what, "planned": fmt(budget.planned_total), "max": fmt(budget.max_total)}
            )

    # ---- state changes -------------------------------------------------------------

    def _locked(self) -> Bilan:
        return Bilan.objects.select_for_update().get(pk=self.pk)

    def _require_status(self, *allowed: str, action: str) -> None:
        if self.status not in allowed:
            # French elides « de » before a vowel: « d'ouvrir », but « de clore ».
            de = "d'" if action[:1].lower() in "aeiouéh" else "de "
            raise RuleViolation(
                _t("Impossible %(de)s%(action)s : le bilan est à l'étape « %(status)s ».")
                % {"de": de, "action": action, "status": self.get_status_display()}
            )

    def _set_status(
        self, to: str, *, by: User, reason: str = "", fields: tuple[str, ...] = ()
    ) -> None:
        StatusChange.objects.create(
            bilan=self, from_status=self.status, to_status=to, by=by, reason=reason
        )
        self.status = to
        self.save(update_fields=["status", *fields])

    def _authorise(self, by: User, act: str) -> None:
        """Check the one table of who may do what (bilans/transitions.py)."""
        from bilan.bilans.transitions import may_transition  # why: it imports this module

        if not hasattr(by, "membership"):
            by.membership = membership_for(by)
        if not may_transition(by, self, act):
            raise RuleViolation(
                _t("Vous n'êtes pas autorisé·e à faire cela sur ce bilan."), code="forbidden"
            )

    def _apply(self, change: Callable[[Bilan], None], *, act: str, by: User) -> None:
        """Check `by` may do `act`, run `change` on a locked fresh copy in one transaction,
        then refresh self."""
        self._authorise(by, act)
        with transaction.atomic():
            change(self._locked())
        self.refresh_from_db()

    def record_consent(
        self,
        *,
        by: User,
        method: str,
        shown_version: str | None = None,
        session_key: str = "",
        scan: UploadedFile | None = None,
    ) -> Consent:
        """Record the beneficiary's informed consent (L6313-4, REQ-2) with the version of the
        information notice in force (REQ-58): server-side data (`bilans.notice`), never a
        client's value. `shown_version` is the version the server noted when it showed the
        notice (a page's session, an API client's claim): a different one is refused, the
        notice having changed since.

        The method's proof is kept (REQ-2): online, the session (`session_key`, stored as an
        HMAC) and the time; on paper, the scanned signed form, required (`check_scan`)."""
        if method == ConsentMethod.ONLINE and by.pk != self.beneficiary_id:
            raise RuleViolation(
                _t("Le consentement ne peut être donné que par le ou la bénéficiaire."),
                code="forbidden",
            )
        if method == ConsentMethod.PAPER and not self._is_staff_of_bilan(by):
            raise RuleViolation(
                _t("Seul l'organisme peut enregistrer un consentement signé sur papier."),
                code="forbidden",
            )
        if method == ConsentMethod.PAPER:
            if scan is None:
                raise RuleViolation(
                    _t("Joignez le formulaire de consentement signé, numérisé (PDF, PNG ou JPEG)."),
                    code="invalid",
                )
            check_scan(scan)
        notice_version = notice.current_version()
        if shown_version is not None and shown_version != notice_version:
            raise RuleViolation(
                _t(
                    "La notice d'information a changé (version en vigueur : %(v)s) : relisez-la "
                    "avant de donner votre consentement."
                )
                % {"v": notice_version},
                code="invalid",
            )
        with transaction.atomic():
            bilan = self._locked()
            # An interrupted bilan takes new consent too, or withdrawal would be a dead end.
            bilan._require_status(
                *STOPPABLE_STATUSES, Status.INTERRUPTED, action=_t("recueillir le consentement")
            )
            if bilan.active_consent():
                raise RuleViolation(_t("Le consentement est déjà enregistré pour ce bilan."))
            consent = Consent(
                bilan=bilan,
                method=method,
                notice_version=notice_version,
                recorded_by=by,
                session_hash=session_proof(session_key) if method == ConsentMethod.ONLINE else "",
            )
            if scan is not None and method == ConsentMethod.PAPER:
                consent.scan_name = PurePath(scan.name or "").name[:255]
                consent.scan.save(consent.scan_name, scan, save=False)
            consent.save()
        return consent

    def withdraw_consent(self, *, by: User) -> None:
        """The beneficiary withdraws consent: the bilan is interrupted (REQ-2)."""
        if by.pk != self.beneficiary_id:
            raise RuleViolation(
                _t("Seul·e le ou la bénéficiaire peut retirer son consentement."), code="forbidden"
            )

        def change(bilan: Bilan) -> None:
            consent = bilan.active_consent()
            if consent is None:
                raise RuleViolation(_t("Aucun consentement en cours à retirer."))
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
            if bilan.status in STOPPABLE_STATUSES:
                bilan.status_before_interruption = bilan.status
                bilan.stop_reason = StopReason.CONSENT_WITHDRAWN
                bilan._set_status(
                    Status.INTERRUPTED,
                    by=by,
                    reason=StopReason.CONSENT_WITHDRAWN,
                    fields=("status_before_interruption", "stop_reason"),
                )

        self._apply(change, act="withdraw_consent", by=by)

    def start_preliminary(self, *, by: User) -> None:
        def change(bilan: Bilan) -> None:
            bilan._require_status(Status.ENQUIRY, action=_t("commencer la phase préliminaire"))
            if bilan.active_consent() is None:
                raise RuleViolation(
                    _t(
                        "Impossible de commencer la phase préliminaire : il manque le consentement "
                        "du ou de la bénéficiaire (art. L6313-4 du Code du travail)."
                    )
                )
            bilan._set_status(Status.PRELIMINARY, by=by)

        self._apply(change, act="start_preliminary", by=by)

    def record_preliminary_outputs(
        self,
        *,
        by: User,
        needs_analysis: str,
        format: str,
        rhythm: str,
        agreed_arrangements: str,
    ) -> None:
        """The three outputs of the preliminary phase; rewording the modalités asks for a new
        co-validation."""
        if format not in Format.values:
            raise RuleViolation(
                _t("Choisissez un format : présentiel, distanciel ou mixte."), code="invalid"
            )

        def change(bilan: Bilan) -> None:
            bilan._require_status(
                Status.PRELIMINARY, action=_t("modifier les résultats de la phase préliminaire")
            )
            framing, _created = BilanFraming.objects.get_or_create(bilan=bilan)
            if framing.agreed_arrangements.strip() != agreed_arrangements.strip():
                framing.arrangements_beneficiary_validated_at = None
                framing.arrangements_consultant_validated_at = None
            framing.needs_analysis = needs_analysis
            framing.agreed_arrangements = agreed_arrangements
            framing.save()
            bilan.format = format
            bilan.rhythm = rhythm
            bilan.format_confirmed_at = timezone.now()
            bilan.save(update_fields=["format", "rhythm", "format_confirmed_at"])

        self._apply(change, act="record_preliminary_outputs", by=by)

    def validate_arrangements(self, *, by: User) -> None:
        """Co-validation of the modalités (REQ-3 b): the beneficiary and the consultant each sign."""

        def change(bilan: Bilan) -> None:
            bilan._require_status(Status.PRELIMINARY, action=_t("valider les modalités"))
            framing = bilan.framing_or_empty()
            if not framing.agreed_arrangements.strip():
                raise RuleViolation(_t("Les modalités ne sont pas encore rédigées."))
            now = timezone.now()
            if by.pk == bilan.beneficiary_id:
                framing.arrangements_beneficiary_validated_at = now
            elif by.pk == bilan.consultant_id:
                framing.arrangements_consultant_validated_at = now
            else:
                raise RuleViolation(
                    _t(
                        "Seuls le ou la bénéficiaire et son ou sa consultant·e valident les modalités."
                    ),
                    code="forbidden",
                )
            framing.save()

        self._apply(change, act="validate_arrangements", by=by)

    def open_investigation(self, *, by: User) -> None:
        def change(bilan: Bilan) -> None:
            bilan._require_status(Status.PRELIMINARY, action=_t("ouvrir la phase d'investigation"))
            missing = bilan.preliminary_outputs_missing()
            if missing:
                raise RuleViolation(
                    _t("Impossible d'ouvrir la phase d'investigation, il manque : %(missing)s.")
                    % {"missing": " ; ".join(missing)}
                )
            bilan._set_status(Status.INVESTIGATION, by=by)

        self._apply(change, act="open_investigation", by=by)

    def open_conclusions(self, *, by: User) -> None:
        def change(bilan: Bilan) -> None:
            bilan._require_status(Status.INVESTIGATION, action=_t("ouvrir la phase de conclusions"))
            bilan._set_status(Status.CONCLUSIONS, by=by)

        self._apply(change, act="open_conclusions", by=by)

    def record_follow_up_decision(self, *, by: User, decision: str) -> None:
        if decision not in FollowUpDecision.values:
            raise RuleViolation(_t("Choisissez : proposé, accepté ou refusé."), code="invalid")

        def change(bilan: Bilan) -> None:
            bilan._require_status(
                Status.PRELIMINARY,
                Status.INVESTIGATION,
                Status.CONCLUSIONS,
                action=_t("enregistrer la décision sur l'entretien de suivi"),
            )
            bilan.follow_up_decision = decision
            bilan.follow_up_decided_at = timezone.now()
            bilan.save(update_fields=["follow_up_decision", "follow_up_decided_at"])

        self._apply(change, act="record_follow_up_decision", by=by)

    def close(self, *, by: User, completion: str = Completion.FULL, reason: str = "") -> None:
        """The core's state change of closing (terme de l'action): status, completion, end date.

        Not the closing rule: what closing needs (an entretien held in each phase, the hours,
        the synthèse, the plan d'action, the suivi decision) is checked by its one owner,
        `bilan.followup.closing.close_bilan`, which calls this last; pages, the API and the
        « close » transition go through that owner (`bilan.bilans.closing`). Here only the
        core's own invariants: the act's permission, the status, a known completion and the
        motif of a partial one."""
        if completion not in Completion.values:
            raise RuleViolation(
                _t("Indiquez si le bilan est réalisé en totalité ou partiellement."), code="invalid"
            )
        if completion == Completion.PARTIAL and reason not in StopReason.values:
            raise RuleViolation(_t("Une réalisation partielle demande un motif."), code="invalid")

        def change(bilan: Bilan) -> None:
            bilan._require_status(Status.CONCLUSIONS, action=_t("clore le bilan"))
            bilan.completion = completion
            bilan.stop_reason = reason if completion == Completion.PARTIAL else ""
            bilan.closed_on = timezone.localdate()
            bilan._set_status(
                Status.CLOSED,
                by=by,
                reason=reason,
                fields=("completion", "stop_reason", "closed_on"),
            )
            # why: closing.py imports this module; the hooks run in the closing's transaction
            from bilan.bilans import closing

            closing.closed(bilan)

        self._apply(change, act="close", by=by)

    def start_follow_up(self, *, by: User) -> None:
        def change(bilan: Bilan) -> None:
            bilan._require_status(Status.CLOSED, action=_t("commencer le suivi"))
            if bilan.follow_up_decision != FollowUpDecision.ACCEPTED:
                raise RuleViolation(
                    _t(
                        "Impossible de commencer le suivi : le ou la bénéficiaire ne l'a pas accepté."
                    )
                )
            bilan._set_status(Status.FOLLOW_UP, by=by)

        self._apply(change, act="start_follow_up", by=by)

    def archive(self, *, by: User) -> None:
        def change(bilan: Bilan) -> None:
            bilan._require_status(
                Status.CLOSED,
                Status.FOLLOW_UP,
                Status.ABANDONED,
                Status.INTERRUPTED,
                action=_t("archiver le bilan"),
            )
            bilan._set_status(Status.ARCHIVED, by=by)

        self._apply(change, act="archive", by=by)

    def interrupt(self, *, by: User, reason: str) -> None:
        """Suspend the bilan with a reason category (no content); it may resume."""
        self._stop(Status.INTERRUPTED, by=by, reason=reason, action=_t("interrompre le bilan"))

    def abandon(self, *, by: User, reason: str) -> None:
        """End the bilan before its term, with a reason category (no content)."""
        self._stop(Status.ABANDONED, by=by, reason=reason, action=_t("déclarer l'abandon"))

    def _stop(self, to: str, *, by: User, reason: str, action: str) -> None:
        act = "abandon" if to == Status.ABANDONED else "interrupt"
        if reason not in StopReason.values:
            raise RuleViolation(_t("Choisissez un motif dans la liste."), code="invalid")

        def change(bilan: Bilan) -> None:
            allowed = STOPPABLE_STATUSES + ((Status.INTERRUPTED,) if to == Status.ABANDONED else ())
            bilan._require_status(*allowed, action=action)
            if bilan.status != Status.INTERRUPTED:
                bilan.status_before_interruption = bilan.status
            bilan.stop_reason = reason
            if to == Status.ABANDONED:
                bilan.closed_on = timezone.localdate()
            bilan._set_status(
                to,
                by=by,
                reason=reason,
                fields=("status_before_interruption", "stop_reason", "closed_on"),
            )

        self._apply(change, act=act, by=by)

    def resume(self, *, by: User) -> None:
        def change(bilan: Bilan) -> None:
            bilan._require_status(Status.INTERRUPTED, action=_t("reprendre le bilan"))
            previous = bilan.status_before_interruption or Status.ENQUIRY
            if previous != Status.ENQUIRY and bilan.active_consent() is None:
                raise RuleViolation(
                    _t(
                        "Impossible de reprendre le bilan : il manque le consentement du ou de la "
                        "bénéficiaire."
                    )
                )
            bilan.stop_reason = ""
            bilan._set_status(previous, by=by, fields=("stop_reason",))

        self._apply(change, act="resume", by=by)

    def update_administration(
        self,
        *,
        by: User,
        situation: str,
        situation_detail: str,
        funding_route: str,
        funding_reference: str,
    ) -> None:
        """Correct the administrative record: situation and financing (never content)."""
        if situation not in Situation.values or funding_route not in FundingRoute.values:
            raise RuleViolation(
                _t("Choisissez une situation et un financement dans la liste."), code="invalid"
            )
        check_administration(
            situation=situation,
            situation_detail=situation_detail,
            funding_route=funding_route,
            funding_reference=funding_reference,
        )

        def change(bilan: Bilan) -> None:
            bilan._require_status(
                *STOPPABLE_STATUSES,
                Status.INTERRUPTED,
                Status.CLOSED,
                Status.FOLLOW_UP,
                action=_t("modifier les informations administratives"),
            )
            bilan.situation = situation
            bilan.situation_detail = situation_detail.strip()
            changed = (bilan.funding_route, bilan.funding_reference) != (
                funding_route,
                funding_reference.strip(),
            )
            fields = ["situation", "situation_detail"]
            if changed and funding_hook.registered():
                # The funding feature owns every change of the route (reason, log, closed
                # bilans refused): it updates the primary share and syncs these two fields.
                funding_hook.change_route(
                    bilan=bilan, by=by, route=funding_route, reference=funding_reference.strip()
                )
            elif changed:
                bilan.funding_route = funding_route
                bilan.funding_reference = funding_reference.strip()
                fields += ["funding_route", "funding_reference"]
            bilan.save(update_fields=fields)

        self._apply(change, act="update_administration", by=by)

    def plan_hours(self, *, by: User, accompaniment_minutes: int, personal_minutes: int) -> None:
        """Set the programme; refused over the ceiling (REQ-4)."""
        if accompaniment_minutes < 0 or personal_minutes < 0:
            raise RuleViolation(_t("Une durée ne peut pas être négative."), code="invalid")

        def change(bilan: Bilan) -> None:
            bilan._require_status(*STOPPABLE_STATUSES, action=_t("modifier le programme d'heures"))
            budget = replace(
                bilan.budget(),
                planned_accompaniment=accompaniment_minutes,
                planned_personal=max(personal_minutes, bilan.assignment_minutes()[0]),
            )
            bilan.check_budget(budget, what=_t("Programme refusé"))
            bilan.planned_accompaniment_minutes = accompaniment_minutes
            bilan.planned_personal_minutes = personal_minutes
            bilan.save(update_fields=["planned_accompaniment_minutes", "planned_personal_minutes"])

        self._apply(change, act="plan_hours", by=by)

    def record_personal_work(self, *, by: User, minutes: int) -> None:
        """Delivered personal work (travail personnel), counted against the ceiling if the rule says so."""
        if minutes < 0:
            raise RuleViolation(_t("Une durée ne peut pas être négative."), code="invalid")

        def change(bilan: Bilan) -> None:
            bilan._require_status(
                *STOPPABLE_STATUSES, action=_t("enregistrer le travail personnel")
            )
            budget = bilan.budget()
            if budget.count_personal and (budget.held + minutes > budget.max_total):
                raise RuleViolation(
                    _t(
                        "Durée réalisée %(done)s > %(max)s maximum (art. L6313-4 du Code du travail)."
                    )
                    % {
                        "done": fmt(budget.held + minutes),
                        "max": fmt(budget.max_total),
                    }
                )
            bilan.delivered_personal_minutes = minutes
            bilan.save(update_fields=["delivered_personal_minutes"])

        self._apply(change, act="record_personal_work", by=by)

    def assign_consultant(self, *, by: User, consultant: User, reason: str = "") -> None:
        """Give the bilan to another consultant of the organisation, keeping the history."""
        if (
            not Membership.objects.consultants()
            .filter(user=consultant, organisation_id=self.organisation_id)
            .exists()
        ):
            raise RuleViolation(
                _t("Cette personne n'est pas consultant·e de l'organisme."), code="invalid"
            )

        def change(bilan: Bilan) -> None:
            if bilan.status in (Status.ARCHIVED, Status.ABANDONED):
                raise RuleViolation(
                    _t("Un bilan %(status)s ne change plus de consultant·e.")
                    % {"status": bilan.get_status_display()}
                )
            if bilan.consultant_id == consultant.pk:
                raise RuleViolation(_t("Ce bilan est déjà suivi par cette personne."))
            now = timezone.now()
            bilan.consultant_assignments.filter(ended_at__isnull=True).update(ended_at=now)
            ConsultantAssignment.objects.create(
                bilan=bilan, consultant=consultant, assigned_by=by, reason=reason
            )
            bilan.consultant = consultant
            bilan.save(update_fields=["consultant"])

        self._apply(change, act="assign_consultant", by=by)

    def _is_staff_of_bilan(self, user: User) -> bool:
        membership = getattr(user, "membership", None)
        if membership is None or membership.organisation_id != self.organisation_id:
            return False
        return membership.role == Role.ADMIN or self.is_assigned_consultant(user)


class ConsultantAssignment(models.Model):
    """Who followed the bilan, when: the history behind `Bilan.consultant` (continuity)."""

    bilan = models.ForeignKey(
        Bilan, on_delete=models.CASCADE, related_name="consultant_assignments"
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]

    def __str__(self) -> str:
        return f"{self.consultant} ({self.assigned_at:%Y-%m-%d})"


class Consent(models.Model):
    """The beneficiary's consent (L6313-4): when, how, and which notice they were shown."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="consents")
    given_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    notice_version = models.CharField(_("version de la notice d'information"), max_length=20)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The method's proof (issue 16): online, the session it was given in (an HMAC, see
    # session_proof); on paper, the scanned signed form.
    session_hash = models.CharField(max_length=64, blank=True, default="")
    scan = models.FileField(upload_to=consent_scan_path, max_length=200, blank=True)
    scan_name = models.CharField(_("nom du fichier"), max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return (
            f"{self.get_method_display()} {self.given_at:%Y-%m-%d} (notice {self.notice_version})"
        )


class StatusChange(models.Model):
    """Every transition, with its date: the source of the ENTREE / INTERRUPTION / SORTIE events
    funders must receive (REQ-16). Administrative: a reason category, never content."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=30, choices=StopReason.choices, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} ({self.at:%Y-%m-%d})"


class BilanFraming(Content):
    """The request in the beneficiary's words and the preliminary phase's content outputs."""

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="framing")
    request_text = EncryptedTextField(
        _("la demande, dans les mots du ou de la bénéficiaire"), blank=True
    )
    needs_analysis = EncryptedTextField(_("analyse de la demande et du besoin"), blank=True)
    agreed_arrangements = EncryptedTextField(_("modalités définies conjointement"), blank=True)
    arrangements_beneficiary_validated_at = models.DateTimeField(null=True, blank=True)
    arrangements_consultant_validated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cadrage {self.bilan_id}"


def status_counts(qs: BilanQuerySet) -> dict[str, int]:
    """Number of bilans per status, in one query."""
    return dict(qs.order_by().values_list("status").annotate(n=Count("id")))


class BilanKey(models.Model):
    """The data key of one bilan (issue 16): every content field and private file of the
    bilan is encrypted with it (bilan/bilans/encryption.py).

    The row holds no key material: the data key, wrapped under a master key, lives in the key
    store (settings.BILAN_KEYS_ROOT, one file per `key_id`), outside the database, so that a
    database dump or backup never carries a key. `master_key_id` and `version` say which
    master key wraps it (rotation, `manage.py rotate_master_key`); `destroyed_at` is set by
    crypto-shredding (`encryption.shred`), after which the bilan's content is unreadable
    everywhere, earlier dumps included. Its retention is the content's (TRAVAIL_BILAN).
    """

    document_class = DocumentClass.TRAVAIL_BILAN

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="data_key")
    key_id = models.CharField(max_length=32, unique=True, editable=False)
    master_key_id = models.CharField(max_length=32, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    destroyed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        state = "destroyed" if self.destroyed_at else f"{self.master_key_id} v{self.version}"
        return f"BilanKey {self.key_id} ({state})"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None
