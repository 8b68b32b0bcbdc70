"""Signature integrity (issue 14, REQ-21): a signature is tied to the entretien and the
signer's session (keyed hash), a late one needs a reason, bulk signing is flagged, and the
page and the API refuse in French."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from bilan.accounts.models import ApiToken
from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.attendance import hash_ip, sign_attendance
from bilan.entretiens.models import Attendance, Entretien, SignatureMethod
from bilan.entretiens.test_attendance import held, png


@pytest.fixture
def bilan(cast: SimpleNamespace):
    return advance_to(cast.bilan, Status.PRELIMINARY)


def typed(name: str) -> dict[str, object]:
    return {"method": SignatureMethod.TYPED, "typed_name": name, "confirmed": True}


def test_a_signature_keeps_the_signers_session_and_who_submitted_it(
    cast: SimpleNamespace,
    bilan,
    client: Client,
) -> None:
    entretien = held(bilan)
    client.force_login(cast.consultant)
    url = reverse("entretiens:attendance", args=[entretien.pk])
    client.post(url, {"signer": "beneficiary", "method": "drawn", "signature_image": png()})
    signature = Attendance.objects.get(entretien=entretien)
    session_key = client.session.session_key
    assert signature.signer == cast.beneficiary
    assert signature.submitted_by == cast.consultant  # on the consultant's device, in person
    assert signature.session_hash == hash_ip("session:" + session_key)
    assert session_key not in signature.session_hash


def test_the_api_signature_is_tied_to_the_token_session(cast: SimpleNamespace, bilan) -> None:
    entretien = held(bilan)
    token = ApiToken.issue(cast.beneficiary)
    response = Client().post(
        f"/api/v1/entretiens/{entretien.pk}/attendance",
        data=json.dumps({"method": "typed", "typed_name": "Bruno Bénéf", "confirmed": True}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201 and response.json()["bulk"] is False
    signature = Attendance.objects.get(pk=response.json()["id"])
    assert signature.session_hash == hash_ip(f"api:Bearer {token}")
    assert signature.submitted_by is None


def test_a_late_signature_by_api_needs_a_reason(cast: SimpleNamespace, bilan) -> None:
    old = held(bilan, hours_ago=50)
    token = ApiToken.issue(cast.consultant)

    def sign(**extra: object) -> object:
        return Client().post(
            f"/api/v1/entretiens/{old.pk}/attendance",
            data=json.dumps(
                {"method": "typed", "typed_name": "Claire", "confirmed": True, **extra}
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    refused = sign()
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "indiquez-en le motif" in refused.json()["detail"]  # type: ignore[attr-defined]
    assert not old.attendances.exists()
    accepted = sign(regularisation_reason="Panne de la tablette")
    assert accepted.status_code == 201 and accepted.json()["regularisation"] is True  # type: ignore[attr-defined]


def test_several_entretiens_signed_within_a_minute_are_flagged_bulk(
    cast: SimpleNamespace,
    bilan,
) -> None:
    sessions = [held(bilan, hours_ago=h) for h in (2, 4, 6)]
    lone = held(bilan, hours_ago=9)
    first = sign_attendance(
        entretien=lone, signer=cast.consultant, at=lone.ends_at, **typed("Claire")
    )
    signed = [
        sign_attendance(entretien=e, signer=cast.consultant, **typed("Claire")) for e in sessions
    ]
    assert all(Attendance.objects.get(pk=s.pk).bulk for s in signed)
    first.refresh_from_db()
    assert not first.bulk  # signed hours before: not part of the burst
    # the other party signing the same entretien is not bulk
    other = sign_attendance(entretien=sessions[0], signer=cast.beneficiary, **typed("Bruno"))
    assert not other.bulk


def test_signing_a_cancelled_entretien_or_twice_is_refused(cast: SimpleNamespace, bilan) -> None:
    import django.utils.timezone as tz

    planned = Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        starts_at=tz.now() + dt.timedelta(days=3),
        planned_minutes=60,
    )
    planned.cancel(by=cast.consultant)
    with pytest.raises(Exception, match="entretien tenu"):
        sign_attendance(entretien=planned, signer=cast.consultant, **typed("Claire"))
    entretien = held(bilan)
    sign_attendance(entretien=entretien, signer=cast.consultant, **typed("Claire"))
    with pytest.raises(Exception, match="a déjà signé"):
        sign_attendance(entretien=entretien, signer=cast.consultant, **typed("Claire"))
    assert entretien.attendances.count() == 1
