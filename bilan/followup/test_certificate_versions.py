"""The certificat de réalisation is versioned (issue 14, REQ-29): the first download issues
version 1 with its duration from signed attendance and the « assiduité » hours; a reissue is a
new numbered version with a reason, the old ones are kept, listed and downloadable as issued."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from bilan.bilans.models import Bilan, RuleViolation
from bilan.compliance.models import AppendOnlyError
from bilan.followup import certificate
from bilan.followup.models import CertificateVersion


def text(data: bytes) -> str:
    raw = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return raw.replace("\u202f", " ").replace("\xa0", " ")


def test_the_first_download_issues_version_one_with_the_attendance_hours(
    closed_bilan: Bilan,
) -> None:
    body = text(certificate.certificate_pdf(closed_bilan))
    assert "Certificat n° 1" in body
    assert "Assiduité : 17 h 30 de présence émargée" in body
    assert "sur 19 h d'accompagnement prévu" in body
    certificate.certificate_pdf(closed_bilan)  # downloading again issues nothing new
    assert CertificateVersion.objects.filter(bilan=closed_bilan).count() == 1


def test_a_reissue_is_a_new_version_with_its_reason_and_the_old_one_stays(
    closed_bilan: Bilan, cast: SimpleNamespace
) -> None:
    first = certificate.current(closed_bilan)
    cast.consultant.membership = cast.consultant.memberships.get(organisation=cast.org)
    with pytest.raises(RuleViolation, match="motif de la réédition"):
        certificate.reissue(closed_bilan, by=cast.consultant, reason="  ")
    second = certificate.reissue(closed_bilan, by=cast.consultant, reason="Erreur de nom")
    assert (first.number, second.number) == (1, 2)
    assert [v.number for v in certificate.versions(closed_bilan)] == [1, 2]
    body = text(certificate.certificate_pdf(closed_bilan))
    assert "Certificat n° 2" in body and "réédition, motif : Erreur de nom" in body
    old = text(certificate.certificate_pdf(closed_bilan, first))
    assert "Certificat n° 1" in old and "Erreur de nom" not in old
    first.reason = "écrasé"
    with pytest.raises(AppendOnlyError):
        first.save()


def test_the_staff_page_lists_versions_and_reissues(
    closed_bilan: Bilan, cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    assert client.get(reverse("followup:certificate", args=[closed_bilan.pk])).status_code == 200
    response = client.post(
        reverse("followup:certificate_reissue", args=[closed_bilan.pk]), {"reason": "Adresse"}
    )
    assert response.status_code == 302
    page = client.get(reverse("followup:close", args=[closed_bilan.pk])).content.decode()
    assert 'id="certificate-versions"' in page and "Version 2" in page and "Adresse" in page
    old = client.get(reverse("followup:certificate_version", args=[closed_bilan.pk, 1]))
    assert old.status_code == 200 and "Certificat n° 1" in text(old.content)


@pytest.mark.parametrize(("who", "status"), [("colleague", 404), ("beneficiary", 403)])
def test_nobody_else_reissues(
    closed_bilan: Bilan, cast: SimpleNamespace, client: Client, who: str, status: int
) -> None:
    certificate.current(closed_bilan)
    client.force_login(getattr(cast, who))
    response = client.post(
        reverse("followup:certificate_reissue", args=[closed_bilan.pk]), {"reason": "x"}
    )
    assert response.status_code == status
    assert CertificateVersion.objects.filter(bilan=closed_bilan).count() == 1


def test_the_api_lists_and_reissues_versions(closed_bilan: Bilan, cast: SimpleNamespace) -> None:
    import json

    # why: only this test issues a token
    from bilan.accounts.models import ApiToken

    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(cast.consultant)}"}
    url = f"/api/v1/bilans/{closed_bilan.pk}/certificates"
    assert Client().get(url, **auth).json() == []
    refused = Client().post(url, data="{}", content_type="application/json", **auth)
    assert refused.status_code == 422
    made = Client().post(
        url, data=json.dumps({"reason": "Erreur de date"}), content_type="application/json", **auth
    )
    assert made.status_code == 201 and made.json()["number"] == 2
    listed = Client().get(url, **auth).json()
    assert [(v["number"], v["reason"]) for v in listed] == [(1, ""), (2, "Erreur de date")]
    beneficiary = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(cast.beneficiary)}"}
    denied = Client().post(
        url, data=json.dumps({"reason": "x"}), content_type="application/json", **beneficiary
    )
    assert denied.status_code in (403, 404)
    assert CertificateVersion.objects.filter(bilan=closed_bilan).count() == 2
