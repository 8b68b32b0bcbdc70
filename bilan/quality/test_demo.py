"""The quality demo data: answered surveys, a complaint being treated, two improvement actions
and an audit pack that the worker builds."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from bilan.organisations.models import Organisation
from bilan.quality.models import (
    AuditPack,
    Complaint,
    ComplaintStatus,
    ImprovementAction,
    PackStatus,
    SurveyAnswer,
)
from bilan.quality.tasks import build_audit_pack

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixture_referential(monkeypatch: pytest.MonkeyPatch) -> None:
    # why: the referential module reads the ROME folder setting when imported
    from bilan.careers import referential

    monkeypatch.setattr(referential, "FULL_DATA_DIR", referential.FIXTURE_DIR.parent / "absent")


def test_the_demo_has_the_quality_records_and_a_pack_that_builds() -> None:
    call_command("demo", stdout=StringIO())
    org = Organisation.objects.get(slug="demo-cap-avenir")
    assert SurveyAnswer.objects.filter(organisation=org, kind="hot").exists()
    complaint = Complaint.objects.get(organisation=org)
    assert complaint.status == ComplaintStatus.IN_TREATMENT
    assert ImprovementAction.objects.filter(organisation=org).count() == 2
    made = AuditPack.objects.get(organisation=org)
    build_audit_pack(made.pk)
    made.refresh_from_db()
    assert made.status == PackStatus.DONE and made.size > 0
    counts = (SurveyAnswer.objects.count(), Complaint.objects.count(), AuditPack.objects.count())
    call_command("demo", stdout=StringIO())
    assert (SurveyAnswer.objects.count(), Complaint.objects.count(),
            AuditPack.objects.count()) == counts  # fmt: skip
