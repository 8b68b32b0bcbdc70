"""Which models hold bilan content, and the append-only trail of who read it (REQ-8, REQ-54)."""

from __future__ import annotations

import pytest
from django.apps import apps

from bilan.bilans.content import DocumentClass, content_models, is_content
from bilan.bilans.models import Bilan, BilanFraming, Consent, ConsultantAssignment, StatusChange
from bilan.compliance.audit import record_content_access
from bilan.compliance.models import AppendOnlyError, AuditEvent
from bilan.entretiens.models import (
    Assignment,
    Attendance,
    Entretien,
    EntretienChecklist,
    EntretienNote,
)
from bilan.organisations.models import Membership, Organisation

ADMINISTRATIVE = [
    Bilan,
    Consent,
    StatusChange,
    Entretien,
    ConsultantAssignment,
    AuditEvent,
    Membership,
]


# ---- content_models ---------------------------------------------------------------------------


def test_the_framing_is_content():
    assert BilanFraming in content_models()
    assert is_content(BilanFraming)
    assert BilanFraming.document_class == DocumentClass.TRAVAIL_BILAN


@pytest.mark.parametrize("model", ADMINISTRATIVE + [Organisation], ids=lambda m: m.__name__)
def test_administrative_models_are_not_content(model):
    assert model not in content_models()
    assert not is_content(model)


def test_every_content_model_names_the_path_to_its_bilan():
    for model in content_models():
        *hops, last = model.bilan_path.split("__")
        for hop in hops:
            model = model._meta.get_field(hop).related_model
        assert model._meta.get_field(last).related_model is Bilan, model


def test_content_models_are_installed_concrete_models():
    installed = set(apps.get_models())
    assert set(content_models()) <= installed


# ---- AuditEvent is append-only ------------------------------------------------------------------


@pytest.fixture
def event(db) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_id=1,
        actor_email="consultante@cap.test",
        actor_role="consultant",
        organisation_id=1,
        bilan_id=1,
        action=AuditEvent.Action.READ,
        object_type="bilans.BilanFraming",
        object_id="1",
    )


def test_an_audit_event_cannot_be_saved_again(event):
    event.actor_email = "quelqu.un@autre.test"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get().actor_email == "consultante@cap.test"


def test_an_audit_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    "write",
    [
        lambda qs: qs.update(actor_email="x@x.test"),
        lambda qs: qs.delete(),
        lambda qs: qs.filter(action="read").update(action="export"),
        lambda qs: qs.filter(action="read").delete(),
    ],
    ids=["update", "delete", "filtered update", "filtered delete"],
)
def test_audit_events_cannot_be_updated_or_deleted_in_bulk(event, write):
    with pytest.raises(AppendOnlyError):
        write(AuditEvent.objects.all())
    assert AuditEvent.objects.filter(actor_email="consultante@cap.test", action="read").count() == 1


# ---- record_content_access ---------------------------------------------------------------------


def test_a_consultant_reading_content_leaves_one_row_per_object_and_read(cast):
    framing = cast.bilan.framing

    events = record_content_access(actor=cast.consultant, bilan=cast.bilan, objects=[framing])

    assert len(events) == 1
    row = AuditEvent.objects.get()
    assert row.actor_id == cast.consultant.pk
    assert row.actor_email == "consultante@cap.test"
    assert row.actor_role == "consultant"
    assert row.organisation_id == cast.org.pk
    assert row.bilan_id == cast.bilan.pk
    assert row.action == AuditEvent.Action.READ
    assert row.object_type == "bilans.BilanFraming"
    assert row.object_id == str(framing.pk)
    assert row.channel == "command"  # outside a request, the process names the channel
    record_content_access(actor=cast.consultant, bilan=cast.bilan, objects=[framing])
    assert AuditEvent.objects.count() == 2


def test_an_export_through_the_api_is_recorded_as_such(cast):
    record_content_access(
        actor=cast.admin,
        bilan=cast.bilan,
        objects=[cast.bilan.framing],
        action=AuditEvent.Action.EXPORT,
        channel="api",
    )
    row = AuditEvent.objects.get()
    assert (row.action, row.channel, row.actor_role) == ("export", "api", "admin")


def test_the_beneficiary_reading_their_own_content_is_not_logged(cast):
    assert (
        record_content_access(
            actor=cast.beneficiary, bilan=cast.bilan, objects=[cast.bilan.framing]
        )
        == []
    )
    assert not AuditEvent.objects.exists()


def test_a_refused_access_is_logged_even_for_the_beneficiary(cast):
    record_content_access(
        actor=cast.beneficiary,
        bilan=cast.bilan,
        objects=[cast.bilan.framing],
        action=AuditEvent.Action.DENIED,
    )
    assert AuditEvent.objects.get().action == AuditEvent.Action.DENIED


def test_someone_of_another_organisation_is_logged_without_a_role(cast):
    record_content_access(
        actor=cast.outsider_admin,
        bilan=cast.bilan,
        objects=[cast.bilan.framing],
        action=AuditEvent.Action.DENIED,
    )
    row = AuditEvent.objects.get()
    assert row.actor_role == ""
    assert row.organisation_id == cast.org.pk


def test_non_content_objects_are_ignored(cast):
    consent = cast.bilan.record_consent(by=cast.beneficiary, method="online")
    events = record_content_access(
        actor=cast.consultant,
        bilan=cast.bilan,
        objects=[
            cast.bilan,
            consent,
            cast.bilan.consultant_assignments.get(),
            None,
            cast.bilan.framing,
        ],
    )
    assert [e.object_type for e in events] == ["bilans.BilanFraming"]
    assert AuditEvent.objects.count() == 1


def test_notes_checklists_and_inter_session_work_are_content_and_attendance_is_not():

    for model in (EntretienNote, EntretienChecklist, Assignment):
        assert model in content_models()
    assert not is_content(Attendance)
    assert Attendance.document_class == DocumentClass.PREUVE_REALISATION
