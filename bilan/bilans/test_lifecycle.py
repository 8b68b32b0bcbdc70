"""The bilan's lifecycle: each transition's preconditions, its refusals and the trail it leaves."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bilan.bilans.models import (
    Bilan,
    BilanFraming,
    Completion,
    Consent,
    ConsentMethod,
    FollowUpDecision,
    Format,
    Phase,
    RuleViolation,
    Status,
    StatusChange,
    StopReason,
    session_proof,
)
from bilan.demo.scenario import advance_to, conclude_and_close, hold
from bilan.entretiens.models import Entretien

SCAN = b"%PDF-1.4\n%%EOF\n"


def scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("consentement.pdf", SCAN, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """Scanned consent forms go to a temporary MEDIA_ROOT in these tests."""
    settings.MEDIA_ROOT = tmp_path / "media"


NOTICE = settings.INFORMATION_NOTICE_VERSION
ARRANGEMENTS = "Entretiens de 2 h le mardi matin ; travail personnel entre les séances."


def consent(bilan: Bilan) -> Consent:
    return bilan.record_consent(by=bilan.beneficiary, method=ConsentMethod.ONLINE)


def start(c: SimpleNamespace) -> None:
    """The cast's bilan, consented and in the preliminary phase."""
    consent(c.bilan)
    c.bilan.start_preliminary(by=c.consultant)


def write_outputs(
    c: SimpleNamespace, arrangements: str = ARRANGEMENTS, needs: str = "Reconversion."
) -> None:
    c.bilan.record_preliminary_outputs(
        by=c.consultant,
        needs_analysis=needs,
        format=Format.MIXED,
        rhythm="Tous les quinze jours",
        agreed_arrangements=arrangements,
    )


def trail(bilan: Bilan) -> list[tuple[str, str]]:
    return list(bilan.status_changes.values_list("from_status", "to_status"))


# ---- consent (L6313-4, REQ-2) ----------------------------------------------------------


def test_the_preliminary_phase_cannot_start_without_consent(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="consentement"):
        cast.bilan.start_preliminary(by=cast.consultant)
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.ENQUIRY
    assert not cast.bilan.status_changes.exists()


def test_the_preliminary_phase_starts_once_the_beneficiary_has_consented(
    cast: SimpleNamespace,
) -> None:
    consent(cast.bilan)
    cast.bilan.start_preliminary(by=cast.consultant)
    assert cast.bilan.status == Status.PRELIMINARY


@pytest.mark.parametrize("who", ["consultant", "admin", "colleague", "outsider_admin"])
def test_online_consent_can_only_be_given_by_the_beneficiary(
    cast: SimpleNamespace, who: str
) -> None:
    with pytest.raises(RuleViolation, match="ne peut être donné que par le ou la bénéficiaire"):
        cast.bilan.record_consent(by=getattr(cast, who), method=ConsentMethod.ONLINE)
    assert not Consent.objects.exists()


@pytest.mark.parametrize("who", ["consultant", "admin"])
def test_paper_consent_is_recorded_by_the_staff_of_the_bilan(
    cast: SimpleNamespace, who: str
) -> None:
    cast.bilan.record_consent(by=getattr(cast, who), method=ConsentMethod.PAPER, scan=scan())
    consent = cast.bilan.active_consent()
    assert consent.method == ConsentMethod.PAPER
    assert consent.scan.read() == SCAN and consent.scan_name == "consentement.pdf"


@pytest.mark.parametrize(
    "who", ["beneficiary", "colleague", "outsider_admin", "outsider_consultant"]
)
def test_paper_consent_is_refused_to_anyone_but_the_staff_of_the_bilan(
    cast: SimpleNamespace, who: str
) -> None:
    with pytest.raises(RuleViolation, match="Seul l'organisme"):
        cast.bilan.record_consent(by=getattr(cast, who), method=ConsentMethod.PAPER, scan=scan())
    assert cast.bilan.active_consent() is None


@pytest.mark.parametrize(
    "upload,refusal",
    [
        (None, "Joignez le formulaire"),
        (("consentement.exe", b"MZ"), "PDF, un PNG ou un JPEG"),
        (("consentement.pdf", b"<script>"), "autre type"),
        (("consentement.pdf", b""), "vide"),
    ],
)
def test_paper_consent_needs_a_real_scanned_form(
    cast: SimpleNamespace, upload: tuple[str, bytes] | None, refusal: str
) -> None:
    file = SimpleUploadedFile(*upload) if upload else None
    with pytest.raises(RuleViolation, match=refusal) as refused:
        cast.bilan.record_consent(by=cast.consultant, method=ConsentMethod.PAPER, scan=file)
    assert refused.value.code == "invalid"
    assert not Consent.objects.exists()


def test_online_consent_keeps_its_session_as_proof(cast: SimpleNamespace) -> None:
    consent = cast.bilan.record_consent(
        by=cast.beneficiary, method=ConsentMethod.ONLINE, session_key="abc123"
    )
    assert consent.session_hash and "abc123" not in consent.session_hash
    assert consent.session_hash == session_proof("abc123") and not consent.scan


def test_a_consent_record_holds_its_timestamp_method_and_notice_version(
    cast: SimpleNamespace,
) -> None:
    before = timezone.now()
    consent(cast.bilan)
    record = cast.bilan.consents.get()
    assert before <= record.given_at <= timezone.now()
    assert record.method == ConsentMethod.ONLINE
    assert record.notice_version == NOTICE
    assert record.recorded_by_id == cast.beneficiary.pk
    assert record.withdrawn_at is None


def test_consent_records_the_server_notice_version_and_refuses_another(
    cast: SimpleNamespace,
) -> None:
    with pytest.raises(RuleViolation, match="notice d'information a changé"):
        cast.bilan.record_consent(
            by=cast.beneficiary, method=ConsentMethod.ONLINE, shown_version="2020-01"
        )
    assert not cast.bilan.consents.exists()
    consent = cast.bilan.record_consent(by=cast.beneficiary, method=ConsentMethod.ONLINE)
    assert consent.notice_version == NOTICE


def test_consent_is_not_recorded_twice(cast: SimpleNamespace) -> None:
    consent(cast.bilan)
    with pytest.raises(RuleViolation, match="déjà enregistré"):
        consent(cast.bilan)
    assert cast.bilan.consents.count() == 1


def test_withdrawing_consent_interrupts_the_bilan_with_reason_consent_withdrawn(
    cast: SimpleNamespace,
) -> None:
    start(cast)
    cast.bilan.withdraw_consent(by=cast.beneficiary)
    assert cast.bilan.status == Status.INTERRUPTED
    assert cast.bilan.stop_reason == StopReason.CONSENT_WITHDRAWN
    assert cast.bilan.status_before_interruption == Status.PRELIMINARY
    assert cast.bilan.active_consent() is None
    assert cast.bilan.consents.get().withdrawn_at is not None
    change = cast.bilan.status_changes.last()
    assert (change.from_status, change.to_status) == (Status.PRELIMINARY, Status.INTERRUPTED)
    assert change.reason == StopReason.CONSENT_WITHDRAWN
    assert change.by_id == cast.beneficiary.pk


def test_only_the_beneficiary_can_withdraw_consent(cast: SimpleNamespace) -> None:
    start(cast)
    with pytest.raises(RuleViolation, match="Seul·e le ou la bénéficiaire"):
        cast.bilan.withdraw_consent(by=cast.consultant)
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.PRELIMINARY
    assert cast.bilan.active_consent() is not None


def test_a_bilan_stopped_by_withdrawn_consent_resumes_only_after_new_consent(
    cast: SimpleNamespace,
) -> None:
    start(cast)
    cast.bilan.withdraw_consent(by=cast.beneficiary)
    with pytest.raises(RuleViolation, match="il manque le consentement"):
        cast.bilan.resume(by=cast.consultant)
    assert cast.bilan.status == Status.INTERRUPTED

    consent(cast.bilan)
    cast.bilan.resume(by=cast.consultant)
    assert cast.bilan.status == Status.PRELIMINARY
    assert cast.bilan.consents.count() == 2


# ---- preliminary phase outputs and co-validation (R6313-4 1°, REQ-3 b) ----------------------


def test_the_investigation_opens_once_the_three_outputs_are_written_and_co_validated(
    cast: SimpleNamespace,
) -> None:
    start(cast)
    write_outputs(cast)
    cast.bilan.validate_arrangements(by=cast.beneficiary)
    cast.bilan.validate_arrangements(by=cast.consultant)
    cast.bilan.open_investigation(by=cast.consultant)
    assert cast.bilan.status == Status.INVESTIGATION


OUTPUTS = {
    "needs": "l'analyse de la demande et du besoin",
    "format": "le format retenu",
    "arrangements": "les modalités définies conjointement",
    "beneficiary_validation": "la validation des modalités par le ou la bénéficiaire",
    "consultant_validation": "la validation des modalités par le ou la consultant·e",
}


@pytest.mark.parametrize("missing", list(OUTPUTS))
def test_the_investigation_does_not_open_without_each_preliminary_output(
    cast: SimpleNamespace, missing: str
) -> None:
    start(cast)
    # Written field by field so that exactly one output is missing (the format included).
    # (through save(): the fields are encrypted, a queryset update() cannot seal them)
    framing = BilanFraming.objects.get(bilan=cast.bilan)
    framing.needs_analysis = "" if missing == "needs" else "Reconversion vers le social."
    framing.agreed_arrangements = "" if missing == "arrangements" else ARRANGEMENTS
    framing.save(update_fields=["needs_analysis", "agreed_arrangements"])
    if missing != "format":
        cast.bilan.format_confirmed_at = timezone.now()
        cast.bilan.save(update_fields=["format_confirmed_at"])
    if missing != "arrangements":
        if missing != "beneficiary_validation":
            cast.bilan.validate_arrangements(by=cast.beneficiary)
        if missing != "consultant_validation":
            cast.bilan.validate_arrangements(by=cast.consultant)

    with pytest.raises(RuleViolation) as refused:
        cast.bilan.open_investigation(by=cast.consultant)

    message = refused.value.messages[0]
    assert message.startswith("Impossible d'ouvrir la phase d'investigation, il manque :")
    assert OUTPUTS[missing] in message
    others = [text for key, text in OUTPUTS.items() if key != missing and key != "arrangements"]
    if missing != "arrangements":
        assert all(text not in message for text in others)
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.PRELIMINARY
    assert trail(cast.bilan) == [(Status.ENQUIRY, Status.PRELIMINARY)]


def test_the_consultant_alone_cannot_validate_the_arrangements(cast: SimpleNamespace) -> None:
    start(cast)
    write_outputs(cast)
    cast.bilan.validate_arrangements(by=cast.consultant)
    with pytest.raises(RuleViolation, match="par le ou la bénéficiaire"):
        cast.bilan.open_investigation(by=cast.consultant)


@pytest.mark.parametrize("who", ["admin", "colleague", "other_beneficiary"])
def test_only_the_beneficiary_and_their_consultant_validate_the_arrangements(
    cast: SimpleNamespace, who: str
) -> None:
    start(cast)
    write_outputs(cast)
    with pytest.raises(RuleViolation, match="pas autorisé·e"):
        cast.bilan.validate_arrangements(by=getattr(cast, who))
    framing = BilanFraming.objects.get(bilan=cast.bilan)
    assert framing.arrangements_beneficiary_validated_at is None
    assert framing.arrangements_consultant_validated_at is None


def test_arrangements_cannot_be_validated_before_they_are_written(cast: SimpleNamespace) -> None:
    start(cast)
    with pytest.raises(RuleViolation, match="pas encore rédigées"):
        cast.bilan.validate_arrangements(by=cast.beneficiary)


def test_rewording_the_arrangements_resets_both_validations(cast: SimpleNamespace) -> None:
    start(cast)
    write_outputs(cast)
    cast.bilan.validate_arrangements(by=cast.beneficiary)
    cast.bilan.validate_arrangements(by=cast.consultant)

    write_outputs(cast, arrangements=ARRANGEMENTS + " Un test d'intérêts en plus.")

    framing = BilanFraming.objects.get(bilan=cast.bilan)
    assert framing.arrangements_beneficiary_validated_at is None
    assert framing.arrangements_consultant_validated_at is None
    with pytest.raises(RuleViolation) as refused:
        cast.bilan.open_investigation(by=cast.consultant)
    assert OUTPUTS["beneficiary_validation"] in refused.value.messages[0]
    assert OUTPUTS["consultant_validation"] in refused.value.messages[0]


def test_editing_other_outputs_keeps_the_validations_of_unchanged_arrangements(
    cast: SimpleNamespace,
) -> None:
    start(cast)
    write_outputs(cast)
    cast.bilan.validate_arrangements(by=cast.beneficiary)
    cast.bilan.validate_arrangements(by=cast.consultant)

    write_outputs(cast, arrangements=f"  {ARRANGEMENTS}\n", needs="Analyse complétée.")

    cast.bilan.open_investigation(by=cast.consultant)
    assert cast.bilan.status == Status.INVESTIGATION


def test_preliminary_outputs_are_refused_outside_the_preliminary_phase(
    cast: SimpleNamespace,
) -> None:
    with pytest.raises(RuleViolation, match="le bilan est à l'étape « demande »"):
        write_outputs(cast)
    assert BilanFraming.objects.get(bilan=cast.bilan).needs_analysis == ""


# ---- closing (REQ-3 c, REQ-12) ---------------------------------------------------------------


def walk_to_conclusions(c: SimpleNamespace, *, skip: str | None = None) -> None:
    """Consent, outputs and co-validation, with a 5 h entretien held in each phase but `skip`."""
    start(c)
    write_outputs(c)
    c.bilan.validate_arrangements(by=c.beneficiary)
    c.bilan.validate_arrangements(by=c.consultant)
    for phase, days_ago in (
        (Phase.PRELIMINARY, 30),
        (Phase.INVESTIGATION, 20),
        (Phase.CONCLUSIONS, 10),
    ):
        if phase == Phase.INVESTIGATION:
            c.bilan.open_investigation(by=c.consultant)
        if phase == Phase.CONCLUSIONS:
            c.bilan.open_conclusions(by=c.consultant)
        if phase != skip:
            hold(c.bilan, phase, minutes=300, days_ago=days_ago)


PHASE_NAMES: dict[str, str] = {
    Phase.PRELIMINARY: "un entretien tenu en phase préliminaire",
    Phase.INVESTIGATION: "un entretien tenu en phase d'investigation",
    Phase.CONCLUSIONS: "un entretien tenu en phase de conclusions",
}


def test_a_bilan_closes_with_an_entretien_held_in_each_phase_and_a_follow_up_decision(
    cast: SimpleNamespace,
) -> None:
    walk_to_conclusions(cast)
    cast.bilan.record_follow_up_decision(by=cast.consultant, decision=FollowUpDecision.PROPOSED)
    conclude_and_close(cast.bilan)
    assert cast.bilan.status == Status.CLOSED
    assert cast.bilan.completion == Completion.FULL
    assert cast.bilan.closed_on == timezone.localdate()


@pytest.mark.parametrize("phase", list(PHASE_NAMES))
def test_closing_is_refused_without_a_held_entretien_in_each_phase_and_names_it(
    cast: SimpleNamespace, phase: str
) -> None:
    walk_to_conclusions(cast, skip=phase)
    cast.bilan.record_follow_up_decision(by=cast.consultant, decision=FollowUpDecision.ACCEPTED)
    with pytest.raises(RuleViolation) as refused:
        conclude_and_close(cast.bilan, completion=Completion.PARTIAL, reason=StopReason.OTHER)
    message = refused.value.messages[0]
    assert message.startswith("Impossible de clore le bilan, il manque :")
    assert PHASE_NAMES[phase] in message
    assert all(text not in message for p, text in PHASE_NAMES.items() if p != phase)
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.CONCLUSIONS


def test_a_planned_entretien_that_was_not_held_does_not_count_for_closing(
    cast: SimpleNamespace,
) -> None:
    walk_to_conclusions(cast, skip=Phase.CONCLUSIONS)
    Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.CONCLUSIONS,
        starts_at=timezone.now() + dt.timedelta(days=2),
        planned_minutes=120,
    )
    cast.bilan.record_follow_up_decision(by=cast.consultant, decision=FollowUpDecision.REFUSED)
    with pytest.raises(RuleViolation, match="un entretien tenu en phase de conclusions"):
        conclude_and_close(cast.bilan)


def test_closing_is_refused_without_a_follow_up_decision(cast: SimpleNamespace) -> None:
    walk_to_conclusions(cast)
    with pytest.raises(RuleViolation) as refused:
        conclude_and_close(cast.bilan)
    assert "la décision sur l'entretien de suivi" in refused.value.messages[0]
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.CONCLUSIONS
    assert cast.bilan.closed_on is None


def test_an_unknown_follow_up_decision_is_refused(cast: SimpleNamespace) -> None:
    walk_to_conclusions(cast)
    with pytest.raises(RuleViolation, match="proposé, accepté ou refusé"):
        cast.bilan.record_follow_up_decision(by=cast.consultant, decision="maybe")


# ---- order of the steps ---------------------------------------------------------------------

OUT_OF_ORDER: dict[str, list[tuple[str, dict[str, Any]]]] = {
    Status.ENQUIRY: [
        ("open_investigation", {}),
        ("open_conclusions", {}),
        ("close", {}),
        ("start_follow_up", {}),
        ("archive", {}),
        ("resume", {}),
    ],
    Status.PRELIMINARY: [
        ("start_preliminary", {}),
        ("open_conclusions", {}),
        ("close", {}),
        ("start_follow_up", {}),
        ("archive", {}),
    ],
    Status.INVESTIGATION: [
        ("start_preliminary", {}),
        ("open_investigation", {}),
        ("close", {}),
        ("archive", {}),
    ],
    Status.CLOSED: [
        ("open_conclusions", {}),
        ("close", {}),
        ("resume", {}),
        ("interrupt", {"reason": StopReason.HEALTH}),
        ("abandon", {"reason": StopReason.BENEFICIARY_CHOICE}),
    ],
    Status.ARCHIVED: [
        ("start_follow_up", {}),
        ("archive", {}),
        ("interrupt", {"reason": StopReason.OTHER}),
    ],
}


@pytest.mark.parametrize(
    "status,method,kwargs",
    [(status, m, kw) for status, calls in OUT_OF_ORDER.items() for m, kw in calls],
)
def test_a_transition_out_of_order_is_refused_and_changes_nothing(
    cast: SimpleNamespace, status: str, method: str, kwargs: dict[str, Any]
) -> None:
    advance_to(cast.bilan, status)
    cast.bilan.refresh_from_db()
    changes_before = StatusChange.objects.count()

    with pytest.raises(RuleViolation, match="le bilan est à l'étape"):
        getattr(cast.bilan, method)(by=cast.consultant, **kwargs)

    cast.bilan.refresh_from_db()
    assert cast.bilan.status == status
    assert StatusChange.objects.count() == changes_before


def test_the_refusal_names_the_current_step(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation) as refused:
        cast.bilan.open_conclusions(by=cast.consultant)
    assert refused.value.messages == [
        "Impossible d'ouvrir la phase de conclusions : le bilan est à l'étape « demande »."
    ]


# ---- interruption, abandonment, resumption ----------------------------------------------------


@pytest.mark.parametrize("method", ["interrupt", "abandon"])
@pytest.mark.parametrize("reason", ["", "parce que", "Elle a trouvé un emploi"])
def test_stopping_a_bilan_needs_a_reason_category(
    cast: SimpleNamespace, method: str, reason: str
) -> None:
    start(cast)
    with pytest.raises(RuleViolation, match="motif"):
        getattr(cast.bilan, method)(by=cast.consultant, reason=reason)
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.PRELIMINARY
    assert cast.bilan.stop_reason == ""
    assert trail(cast.bilan) == [(Status.ENQUIRY, Status.PRELIMINARY)]


def test_an_interruption_records_its_reason_category(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.INVESTIGATION)
    cast.bilan.interrupt(by=cast.consultant, reason=StopReason.HEALTH)
    assert cast.bilan.status == Status.INTERRUPTED
    assert cast.bilan.stop_reason == StopReason.HEALTH
    assert cast.bilan.status_changes.last().reason == StopReason.HEALTH


@pytest.mark.parametrize("status", [Status.ENQUIRY, Status.INVESTIGATION, Status.CONCLUSIONS])
def test_resuming_restores_the_status_before_the_interruption(
    cast: SimpleNamespace, status: str
) -> None:
    advance_to(cast.bilan, status)
    cast.bilan.interrupt(by=cast.consultant, reason=StopReason.FORCE_MAJEURE)
    cast.bilan.resume(by=cast.consultant)
    assert cast.bilan.status == status
    assert cast.bilan.stop_reason == ""
    assert trail(cast.bilan)[-2:] == [(status, Status.INTERRUPTED), (Status.INTERRUPTED, status)]


def test_an_interrupted_bilan_can_be_abandoned_and_keeps_the_step_it_stopped_at(
    cast: SimpleNamespace,
) -> None:
    advance_to(cast.bilan, Status.INVESTIGATION)
    cast.bilan.interrupt(by=cast.consultant, reason=StopReason.HEALTH)
    cast.bilan.abandon(by=cast.consultant, reason=StopReason.HEALTH)
    assert cast.bilan.status == Status.ABANDONED
    assert cast.bilan.status_before_interruption == Status.INVESTIGATION
    assert cast.bilan.closed_on == timezone.localdate()


# ---- follow-up and archive ------------------------------------------------------------------


def test_the_follow_up_starts_only_when_the_beneficiary_accepted_it(cast: SimpleNamespace) -> None:
    walk_to_conclusions(cast)
    cast.bilan.record_follow_up_decision(by=cast.consultant, decision=FollowUpDecision.REFUSED)
    conclude_and_close(cast.bilan)
    with pytest.raises(RuleViolation, match="ne l'a pas accepté"):
        cast.bilan.start_follow_up(by=cast.consultant)
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.CLOSED


def test_the_follow_up_starts_after_closing_when_accepted(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.CLOSED)  # the scenario records an accepted follow-up
    cast.bilan.start_follow_up(by=cast.consultant)
    assert cast.bilan.status == Status.FOLLOW_UP


@pytest.mark.parametrize("status", [Status.CLOSED, Status.FOLLOW_UP])
def test_a_closed_or_followed_up_bilan_can_be_archived(cast: SimpleNamespace, status: str) -> None:
    advance_to(cast.bilan, status)
    cast.bilan.archive(by=cast.admin)
    assert cast.bilan.status == Status.ARCHIVED
    assert trail(cast.bilan)[-1] == (status, Status.ARCHIVED)


@pytest.mark.parametrize("status", [Status.PRELIMINARY, Status.CONCLUSIONS])
def test_an_ongoing_bilan_cannot_be_archived(cast: SimpleNamespace, status: str) -> None:
    advance_to(cast.bilan, status)
    with pytest.raises(RuleViolation, match="archiver le bilan"):
        cast.bilan.archive(by=cast.admin)


# ---- the trail --------------------------------------------------------------------------------


def test_every_transition_writes_a_status_change_with_from_to_and_by(cast: SimpleNamespace) -> None:
    start(cast)
    cast.bilan.interrupt(by=cast.admin, reason=StopReason.HEALTH)
    cast.bilan.resume(by=cast.consultant)
    write_outputs(cast)
    cast.bilan.validate_arrangements(by=cast.beneficiary)
    cast.bilan.validate_arrangements(by=cast.consultant)
    cast.bilan.open_investigation(by=cast.consultant)
    cast.bilan.open_conclusions(by=cast.consultant)
    cast.bilan.record_follow_up_decision(by=cast.consultant, decision=FollowUpDecision.ACCEPTED)
    cast.bilan.abandon(by=cast.admin, reason=StopReason.EMPLOYMENT)
    cast.bilan.archive(by=cast.admin)

    rows = list(cast.bilan.status_changes.values_list("from_status", "to_status", "by", "reason"))
    consultant, admin = cast.consultant.pk, cast.admin.pk
    assert rows == [
        (Status.ENQUIRY, Status.PRELIMINARY, consultant, ""),
        (Status.PRELIMINARY, Status.INTERRUPTED, admin, StopReason.HEALTH),
        (Status.INTERRUPTED, Status.PRELIMINARY, consultant, ""),
        (Status.PRELIMINARY, Status.INVESTIGATION, consultant, ""),
        (Status.INVESTIGATION, Status.CONCLUSIONS, consultant, ""),
        (Status.CONCLUSIONS, Status.ABANDONED, admin, StopReason.EMPLOYMENT),
        (Status.ABANDONED, Status.ARCHIVED, admin, ""),
    ]
    assert all(change.at is not None for change in cast.bilan.status_changes.all())


def test_the_whole_lifecycle_leaves_one_status_change_per_step(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.ARCHIVED)
    assert trail(cast.bilan) == [
        (Status.ENQUIRY, Status.PRELIMINARY),
        (Status.PRELIMINARY, Status.INVESTIGATION),
        (Status.INVESTIGATION, Status.CONCLUSIONS),
        (Status.CONCLUSIONS, Status.CLOSED),
        (Status.CLOSED, Status.FOLLOW_UP),
        (Status.FOLLOW_UP, Status.ARCHIVED),
    ]
    assert set(cast.bilan.status_changes.values_list("by", flat=True)) == {cast.consultant.pk}
