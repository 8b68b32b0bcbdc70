"""The referential as dated data: RNQ V9 in force, the 2026 version « à vérifier »."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bilan.bilans.models import RuleViolation
from bilan.quality import referential
from bilan.quality.models import Indicator, ReferentialVersion

NOT_FOR_BILANS = {3, 7, 8, 13, 14, 15, 16, 20, 28, 29}


@pytest.mark.django_db
def test_v9_has_32_indicators_in_7_criteria_and_22_apply_to_bilans() -> None:
    v9 = ReferentialVersion.objects.get(code="RNQ-V9")
    assert v9.indicators.count() == 32
    assert sorted(v9.criteria.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    applicable = {i.number for i in referential.applicable_indicators(v9)}
    assert applicable == set(range(1, 33)) - NOT_FOR_BILANS
    assert not v9.to_verify


@pytest.mark.django_db
def test_every_applicable_indicator_names_the_evidence_it_expects() -> None:
    v9 = ReferentialVersion.objects.get(code="RNQ-V9")
    for indicator in referential.applicable_indicators(v9):
        assert indicator.evidence, indicator.number
        assert indicator.criterion.version_id == v9.pk


@pytest.mark.django_db
def test_the_2026_version_has_33_indicators_and_is_to_be_verified() -> None:
    new = ReferentialVersion.objects.get(code="RNQ-2026")
    assert new.indicators.count() == 33
    assert new.to_verify
    assert "2026-728" in new.source
    assert new.valid_from == dt.date(2026, 11, 1)


@pytest.mark.django_db
def test_the_version_in_force_follows_the_date() -> None:
    assert referential.version_in_force(dt.date(2026, 10, 31)).code == "RNQ-V9"
    assert referential.version_in_force(dt.date(2026, 11, 1)).code == "RNQ-2026"
    with pytest.raises(RuleViolation, match="Aucune version"):
        referential.version_in_force(dt.date(2019, 1, 1))


@pytest.mark.django_db
def test_seeding_again_creates_nothing_and_keeps_a_confirmation(cast: SimpleNamespace) -> None:
    new = ReferentialVersion.objects.get(code="RNQ-2026")
    referential.confirm_version(version=new, by=cast.admin)
    before = Indicator.objects.count()
    referential.seed()
    assert Indicator.objects.count() == before
    new.refresh_from_db()
    assert not new.to_verify and new.confirmed_by == cast.admin


@pytest.mark.django_db
def test_only_an_admin_confirms_a_version_and_only_once(cast: SimpleNamespace) -> None:
    new = ReferentialVersion.objects.get(code="RNQ-2026")
    for who in (cast.consultant, cast.beneficiary):
        with pytest.raises(RuleViolation, match="administrateur"):
            referential.confirm_version(version=new, by=who)
    new.refresh_from_db()
    assert new.to_verify
    referential.confirm_version(version=new, by=cast.admin)
    with pytest.raises(RuleViolation, match="déjà confirmée"):
        referential.confirm_version(version=new, by=cast.admin)


def test_the_referential_pages_are_for_the_staff_and_confirming_for_the_admin(
    cast: SimpleNamespace,
) -> None:
    from django.test import Client
    from django.urls import reverse

    new = ReferentialVersion.objects.get(code="RNQ-2026")
    pages = [reverse("quality:home"), reverse("quality:version", args=[new.pk])]
    confirm = reverse("quality:version_confirm", args=[new.pk])
    client = Client()
    assert client.get(pages[0]).status_code == 302
    assert client.post(confirm).status_code == 302
    client.force_login(cast.beneficiary)
    assert [client.get(p).status_code for p in pages] == [403, 403]
    assert client.post(confirm).status_code == 403
    client.force_login(cast.consultant)
    assert [client.get(p).status_code for p in pages] == [200, 200]
    page = client.get(pages[1]).content.decode()
    assert "à vérifier" in page and "Confirmer le texte" not in page
    client.post(confirm)
    new.refresh_from_db()
    assert new.to_verify
    client.force_login(cast.admin)
    assert "Confirmer le texte" in client.get(pages[1]).content.decode()
    assert client.post(confirm).status_code == 302
    new.refresh_from_db()
    assert not new.to_verify
    assert client.get(reverse("quality:version", args=[999999])).status_code == 404
