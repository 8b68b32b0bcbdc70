"""The synthèse's workflow: versions, observations and the beneficiary's decision (theirs
only), the remise, shares by the beneficiary only, reads audited, the closing status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bilan.bilans.content import is_content
from bilan.bilans.models import RuleViolation
from bilan.compliance.models import AuditEvent
from bilan.documents import synthese as service
from bilan.documents.models import (
    SECTIONS,
    RenderJob,
    Synthese,
    SyntheseHandover,
    SyntheseObservation,
    SyntheseShare,
    SyntheseStatus,
    SyntheseVersion,
)

FULL = {key: f"<p>Texte de la section {key}.</p>" for key in SECTIONS}


def started(cast, **extra):
    return service.start_synthese(bilan=cast.bilan, by=cast.consultant, **extra)


def submitted(cast):
    synthese = started(cast, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections=FULL)
    return service.submit_for_observations(synthese=synthese, by=cast.consultant)


def validated(cast):
    synthese = submitted(cast)
    return service.validate_synthese(synthese=synthese, by=cast.beneficiary, confirm=True)


def test_every_synthese_model_is_content_of_the_synthese_class():
    for model in (Synthese, SyntheseVersion, SyntheseObservation, SyntheseShare, RenderJob):
        assert is_content(model) and model.document_class == "synthese", model
    assert not is_content(SyntheseHandover)


def test_starting_prefilled_makes_version_one_with_its_sources(cast, recorded):
    synthese = started(cast)
    v1 = synthese.latest()
    assert v1.number == 1 and v1.saved_by == cast.consultant
    assert set(v1.sections) == set(SECTIONS) == set(v1.sources)
    assert "Conseillère en insertion" in v1.section("projet")
    assert v1.sources["projet"]


def test_a_synthese_is_started_once_and_by_the_consultant_only(cast, conclusions):
    for who in (cast.beneficiary, cast.admin, cast.colleague, cast.outsider_consultant):
        with pytest.raises(RuleViolation) as e:
            service.start_synthese(bilan=conclusions, by=who)
        assert e.value.code == "forbidden"
    started(cast)
    with pytest.raises(RuleViolation, match="déjà commencé"):
        started(cast)


def test_a_synthese_is_not_started_before_the_investigation(cast):
    with pytest.raises(RuleViolation, match="Impossible de commencer la synthèse"):
        started(cast)


def test_every_save_that_changes_something_is_a_new_version_and_all_are_kept(cast, conclusions):
    synthese = started(cast, prefilled=False)
    v2 = service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={"projet": "<p>Premier jet</p>"}
    )
    same = service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={"projet": "<p>Premier jet</p>"}
    )
    v3 = service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={"suivi": "Un suivi à six mois."}
    )
    assert (v2.number, same.number, v3.number) == (2, 2, 3)
    assert [v.number for v in synthese.versions.all()] == [1, 2, 3]
    assert v3.section("projet") == "<p>Premier jet</p>"  # sections not sent keep their text
    assert v3.section("suivi") == "<p>Un suivi à six mois.</p>"  # plain text as a paragraph
    assert synthese.versions.get(number=1).section("projet") == ""


def test_a_save_from_an_older_version_is_a_conflict_and_changes_nothing(cast, conclusions):
    synthese = started(cast, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "a"})
    with pytest.raises(service.SyntheseConflict, match="version 2"):
        service.save_synthese(
            synthese=synthese, by=cast.consultant, sections={"projet": "b"}, base_number=1
        )
    assert synthese.latest().number == 2


def test_prefilling_again_makes_a_new_version_of_the_section_only(cast, recorded):
    synthese = started(cast, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"suivi": "Mon texte"})
    version = service.prefill_again(synthese=synthese, by=cast.consultant, keys=["projet"])
    assert version.number == 3
    assert "Conseillère en insertion" in version.section("projet") and version.sources["projet"]
    assert version.section("suivi") == "<p>Mon texte</p>"
    assert version.section("circonstances") == ""


def test_only_the_consultant_saves_and_submits(cast, conclusions):
    synthese = started(cast, prefilled=False)
    for who in (cast.beneficiary, cast.admin, cast.colleague):
        with pytest.raises(RuleViolation):
            service.save_synthese(synthese=synthese, by=who, sections={"projet": "x"})
        with pytest.raises(RuleViolation):
            service.submit_for_observations(synthese=synthese, by=who)


def test_a_synthese_with_empty_sections_cannot_be_submitted(cast, conclusions):
    synthese = started(cast, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "x"})
    with pytest.raises(RuleViolation, match="Circonstances et demande"):
        service.submit_for_observations(synthese=synthese, by=cast.consultant)


def test_the_beneficiary_reads_only_the_submitted_version(cast, conclusions):
    synthese = started(cast, prefilled=False)
    assert service.read_synthese(reader=cast.beneficiary, bilan=cast.bilan).version is None
    service.save_synthese(synthese=synthese, by=cast.consultant, sections=FULL)
    service.submit_for_observations(synthese=synthese, by=cast.consultant)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "Brouillon"})
    reading = service.read_synthese(reader=cast.beneficiary, bilan=cast.bilan)
    assert reading.version.number == 2 and "Brouillon" not in reading.version.section("projet")
    assert service.read_synthese(reader=cast.consultant, bilan=cast.bilan).version.number == 3
    synthese.refresh_from_db()
    assert synthese.status == SyntheseStatus.DRAFT  # edited after submission: a new draft


def test_observations_are_written_by_the_beneficiary_on_the_submitted_version(cast, conclusions):
    synthese = submitted(cast)
    observation = service.submit_observations(
        synthese=synthese, by=cast.beneficiary, text="Précisez mon expérience associative."
    )
    assert observation.version.number == synthese.submitted_number
    for who in (cast.consultant, cast.admin, cast.other_beneficiary):
        with pytest.raises(RuleViolation) as e:
            service.submit_observations(synthese=synthese, by=who, text="x")
        assert e.value.code == "forbidden"
    with pytest.raises(RuleViolation, match="Écrivez vos observations"):
        service.submit_observations(synthese=synthese, by=cast.beneficiary, text="   ")


def test_observations_wait_for_a_submission(cast, conclusions):
    synthese = started(cast, prefilled=False)
    with pytest.raises(RuleViolation, match="Aucune version"):
        service.submit_observations(synthese=synthese, by=cast.beneficiary, text="x")


def test_the_beneficiary_validates_with_an_explicit_confirmation(cast, conclusions):
    synthese = submitted(cast)
    with pytest.raises(RuleViolation, match="Cochez la case"):
        service.validate_synthese(synthese=synthese, by=cast.beneficiary)
    service.validate_synthese(synthese=synthese, by=cast.beneficiary, confirm=True)
    assert synthese.status == SyntheseStatus.VALIDATED
    assert synthese.decided_number == 2 and synthese.decided_by == cast.beneficiary
    with pytest.raises(RuleViolation, match="ne se modifie plus"):
        service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "x"})


@pytest.mark.parametrize("who", ["consultant", "admin", "colleague", "other_beneficiary"])
def test_nobody_but_the_beneficiary_validates_or_refuses(cast, conclusions, who):
    synthese = submitted(cast)
    for refuse in (False, True):
        with pytest.raises(RuleViolation) as e:
            service.validate_synthese(
                synthese=synthese,
                by=getattr(cast, who),
                confirm=True,
                refuse=refuse,
                observations="x",
            )
        assert e.value.code == "forbidden"
    synthese.refresh_from_db()
    assert synthese.status == SyntheseStatus.SUBMITTED


def test_a_refusal_needs_observations_and_records_them(cast, conclusions):
    synthese = submitted(cast)
    with pytest.raises(RuleViolation, match="Écrivez vos observations"):
        service.validate_synthese(synthese=synthese, by=cast.beneficiary, refuse=True)
    service.validate_synthese(
        synthese=synthese, by=cast.beneficiary, refuse=True, observations="Le projet B manque."
    )
    assert synthese.status == SyntheseStatus.REFUSED
    assert synthese.observations.get().with_refusal
    assert service.closing_status(cast.bilan)["validated"]


def test_closing_status_says_what_is_missing(cast, conclusions):
    assert service.closing_status(cast.bilan) == {
        "validated": False,
        "handed_over": False,
        "label": "le document de synthèse (pas encore commencé), validé et remis",
    }
    synthese = submitted(cast)
    assert "validation" in service.closing_status(cast.bilan)["label"]
    service.validate_synthese(synthese=synthese, by=cast.beneficiary, confirm=True)
    status = service.closing_status(cast.bilan)
    assert status["validated"] and not status["handed_over"] and "remise" in status["label"]
    service.record_handover(
        synthese=synthese,
        by=cast.consultant,
        handed_on=timezone.localdate(),
        channel="in_person",
        acknowledged=True,
    )
    assert service.closing_status(cast.bilan) == {
        "validated": True,
        "handed_over": True,
        "label": "",
    }


def test_the_remise_is_logged_by_the_consultant_after_the_decision(cast, conclusions):
    synthese = submitted(cast)
    args = {"handed_on": timezone.localdate(), "channel": "email", "acknowledged": False}
    with pytest.raises(RuleViolation, match="après la décision"):
        service.record_handover(synthese=synthese, by=cast.consultant, **args)
    service.validate_synthese(synthese=synthese, by=cast.beneficiary, confirm=True)
    with pytest.raises(RuleViolation) as e:
        service.record_handover(synthese=synthese, by=cast.beneficiary, **args)
    assert e.value.code == "forbidden"
    with pytest.raises(RuleViolation, match="futur"):
        service.record_handover(
            synthese=synthese,
            by=cast.consultant,
            handed_on=timezone.localdate() + dt.timedelta(days=1),
            channel="email",
            acknowledged=True,
        )
    with pytest.raises(RuleViolation, match="moyen"):
        service.record_handover(
            synthese=synthese,
            by=cast.consultant,
            handed_on=timezone.localdate(),
            channel="fax",
            acknowledged=True,
        )
    handover = service.record_handover(synthese=synthese, by=cast.consultant, **args)
    assert (handover.version_number, handover.channel) == (2, "email")


# ---- reading ----------------------------------------------------------------------------


def test_the_administration_and_others_never_read_it(cast, conclusions):
    submitted(cast)
    for who in (cast.admin, cast.colleague, cast.other_beneficiary, cast.outsider_admin):
        with pytest.raises(PermissionDenied):
            service.read_synthese(reader=who, bilan=cast.bilan)
    assert AuditEvent.objects.filter(actor_id=cast.admin.pk, action="denied").exists()


def test_the_consultants_reads_are_audited_not_the_beneficiarys(cast, conclusions):
    submitted(cast)
    AuditEvent.objects.all()
    before = AuditEvent.objects.count()
    service.read_synthese(reader=cast.beneficiary, bilan=cast.bilan)
    assert AuditEvent.objects.count() == before
    service.read_synthese(reader=cast.consultant, bilan=cast.bilan)
    labels = set(
        AuditEvent.objects.filter(actor_id=cast.consultant.pk).values_list("object_type", flat=True)
    )
    assert {"documents.Synthese", "documents.SyntheseVersion"} <= labels


# ---- sharing ----------------------------------------------------------------------------


def share(cast, synthese, **extra):
    args = {
        "recipient_name": "Conseil en évolution professionnelle",
        "recipient_email": "cep@exemple.test",
        "agree": True,
        **extra,
    }
    return service.share_synthese(synthese=synthese, by=extra.pop("by", cast.beneficiary), **args)


def test_the_beneficiary_shares_with_a_named_recipient_by_a_one_time_link(
    cast, conclusions, django_capture_on_commit_callbacks
):
    synthese = validated(cast)
    with django_capture_on_commit_callbacks(execute=True):
        made, token = share(cast, synthese)
    assert made.recipient_email == "cep@exemple.test" and made.version_number == 2
    assert "accepte de communiquer la version 2" in made.consent_text
    assert token not in made.token_digest
    assert (made.expires_at - made.created_at).days == service.SHARE_DAYS
    (message,) = mail.outbox
    assert message.to == ["cep@exemple.test"]
    assert f"/espace/synthese/partage/{token}/" in message.body
    assert service.claim_share(token).pk == made.pk
    assert service.claim_share(token) is None  # once


def test_an_expired_or_revoked_share_no_longer_works(cast, conclusions):
    synthese = validated(cast)
    made, token = share(cast, synthese)
    SyntheseShare.objects.filter(pk=made.pk).update(expires_at=timezone.now())
    assert service.claim_share(token) is None
    other, token2 = share(cast, synthese)
    service.revoke_share(share=other, by=cast.beneficiary)
    assert service.claim_share(token2) is None
    assert service.claim_share("not-a-token") is None


@pytest.mark.parametrize("who", ["consultant", "admin", "colleague", "other_beneficiary"])
def test_nobody_but_the_beneficiary_can_share(cast, conclusions, who):
    synthese = validated(cast)
    with pytest.raises(RuleViolation) as e:
        service.share_synthese(
            synthese=synthese,
            by=getattr(cast, who),
            recipient_name="Employeur",
            recipient_email="rh@exemple.test",
            agree=True,
        )
    assert e.value.code == "forbidden"
    assert not SyntheseShare.objects.exists()
    made, _token = share(cast, synthese)
    with pytest.raises(RuleViolation):
        service.revoke_share(share=made, by=getattr(cast, who))


def test_a_share_needs_a_decided_version_a_name_an_address_and_the_agreement(cast, conclusions):
    synthese = submitted(cast)
    with pytest.raises(RuleViolation, match="version finale"):
        share(cast, synthese)
    service.validate_synthese(synthese=synthese, by=cast.beneficiary, confirm=True)
    with pytest.raises(RuleViolation, match="adresse e-mail"):
        share(cast, synthese, recipient_email="pas une adresse")
    with pytest.raises(RuleViolation, match="nom"):
        share(cast, synthese, recipient_name="  ")
    with pytest.raises(RuleViolation, match="accord"):
        share(cast, synthese, agree=False)
    assert not SyntheseShare.objects.exists()
