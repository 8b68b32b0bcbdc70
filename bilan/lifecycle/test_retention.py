"""Retention rules as dated data, a bilan's schedule, the written agreement for follow-up
(issue 16, item 2): owners, API operations and pages, for every role."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client

from bilan.api.test_api import ROLES, Api
from bilan.bilans.content import DocumentClass
from bilan.bilans.models import Bilan, RuleViolation, Status
from bilan.lifecycle import retention
from bilan.lifecycle.models import (
    AgreementScope,
    ConservationAgreement,
    LifecycleEvent,
    RetentionRule,
    StartEvent,
    Variant,
)
from bilan.lifecycle.retention import add_months, class_schedule, lifecycle_of

END = dt.date(2026, 6, 30)
OTHERS_404 = {
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def closed(bilan: Bilan, on: dt.date = END) -> Bilan:
    Bilan.objects.filter(pk=bilan.pk).update(status=Status.CLOSED, closed_on=on)
    bilan.refresh_from_db()
    return bilan


def due(bilan: Bilan, document_class: str) -> dt.date | None:
    return class_schedule(bilan, document_class).due_on


# ---- the rules table -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("document_class", DocumentClass.values)
def test_every_class_has_a_seeded_rule_to_verify(document_class: str) -> None:
    rules = RetentionRule.objects.filter(organisation=None, data_class=document_class)
    assert rules.exists(), document_class
    assert all(r.to_verify and r.source for r in rules)


@pytest.mark.django_db
def test_the_seeded_matrix() -> None:
    def rule(data_class: str, variant: str = "") -> RetentionRule:
        return RetentionRule.objects.get(organisation=None, data_class=data_class, variant=variant)

    assert rule("travail_bilan").duration_months == 0
    assert rule("travail_bilan").agreement_max_months == 36
    assert rule("synthese").agreement_max_months == 36
    assert rule("admin_contrat").duration_months == 60
    assert rule("preuve_realisation").duration_months == 36
    assert rule("preuve_realisation", "opco").duration_months == 72
    assert rule("preuve_realisation", "cofinanced").duration_months == 120
    assert rule("facturation").duration_months == 120
    assert rule("facturation").start_event == StartEvent.INVOICE_DATE
    assert rule("journaux_securite").duration_months == 12
    assert rule("qualite_anonymise").outcome == "pseudonymise"


def test_add_months_keeps_the_end_of_month() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 6, 30), 36) == dt.date(2029, 6, 30)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


# ---- a bilan's schedule ----------------------------------------------------------------------


def test_a_bilan_in_progress_has_no_date_yet(cast: SimpleNamespace) -> None:
    schedule = retention.schedule(cast.bilan)
    assert [s.document_class for s in schedule] == list(retention.BILAN_CLASSES)
    assert due(cast.bilan, DocumentClass.TRAVAIL_BILAN) is None
    assert "fin du bilan" in class_schedule(cast.bilan, DocumentClass.TRAVAIL_BILAN).note


def test_a_closed_bilan_follows_the_matrix(cast: SimpleNamespace) -> None:
    bilan = closed(cast.bilan)
    assert due(bilan, DocumentClass.TRAVAIL_BILAN) == END
    assert due(bilan, DocumentClass.SYNTHESE) == END
    assert due(bilan, DocumentClass.ADMIN_CONTRAT) == dt.date(2031, 6, 30)
    assert due(bilan, DocumentClass.PREUVE_REALISATION) == dt.date(2029, 6, 30)
    assert due(bilan, DocumentClass.FACTURATION) is None  # per invoice
    assert class_schedule(bilan, DocumentClass.JOURNAUX_SECURITE).note


@pytest.mark.parametrize(
    "variant,until",
    [(Variant.OPCO, dt.date(2032, 6, 30)), (Variant.COFINANCED, dt.date(2036, 6, 30))],
)
def test_the_proofs_variant_of_a_bilan(cast: SimpleNamespace, variant: str, until: dt.date) -> None:
    bilan = closed(cast.bilan)
    state = lifecycle_of(bilan)
    state.proof_variant = variant
    state.save()
    assert due(bilan, DocumentClass.PREUVE_REALISATION) == until


def test_the_rule_in_force_at_the_end_of_the_action_applies(cast: SimpleNamespace) -> None:
    RetentionRule.objects.create(
        data_class=DocumentClass.ADMIN_CONTRAT,
        valid_from=dt.date(2027, 1, 1),
        duration_months=84,
        start_event=StartEvent.END_OF_ACTION,
        source="Texte futur",
    )
    assert due(closed(cast.bilan), DocumentClass.ADMIN_CONTRAT) == dt.date(2031, 6, 30)
    assert due(closed(cast.other_bilan, dt.date(2027, 3, 1)), DocumentClass.ADMIN_CONTRAT) == (
        dt.date(2034, 3, 1)
    )


def test_the_contract_is_kept_at_least_as_long_as_the_proofs(cast: SimpleNamespace) -> None:
    bilan = closed(cast.bilan)
    state = lifecycle_of(bilan)
    state.proof_variant = Variant.COFINANCED
    state.save()
    admin = class_schedule(bilan, DocumentClass.ADMIN_CONTRAT)
    assert admin.due_on == dt.date(2036, 6, 30)
    assert "preuves" in admin.note


def test_the_organisation_rule_wins_on_a_tie(cast: SimpleNamespace) -> None:
    general = RetentionRule.objects.get(organisation=None, data_class="admin_contrat")
    RetentionRule.objects.create(
        organisation=cast.org,
        data_class=DocumentClass.ADMIN_CONTRAT,
        valid_from=general.valid_from,
        duration_months=72,
        start_event=StartEvent.END_OF_ACTION,
        source="Politique de l'organisme",
    )
    assert due(closed(cast.bilan), DocumentClass.ADMIN_CONTRAT) == dt.date(2032, 6, 30)
    assert due(closed(cast.outsider_bilan), DocumentClass.ADMIN_CONTRAT) == dt.date(2031, 6, 30)


# ---- the written agreement -------------------------------------------------------------------


def sign(cast: SimpleNamespace, scope: str = AgreementScope.BOTH) -> ConservationAgreement:
    return retention.sign_agreement(
        bilan=cast.bilan, by=cast.beneficiary, scope=scope, reason="Suivi de ma reconversion"
    )


def test_the_agreement_keeps_the_work_at_most_three_years(cast: SimpleNamespace) -> None:
    bilan = closed(cast.bilan)
    sign(cast)
    travail = class_schedule(bilan, DocumentClass.TRAVAIL_BILAN)
    assert travail.kept_by_agreement and travail.due_on == dt.date(2029, 6, 30)
    assert "au plus 36 mois" in travail.note
    assert due(bilan, DocumentClass.SYNTHESE) == dt.date(2029, 6, 30)
    assert due(bilan, DocumentClass.ADMIN_CONTRAT) == dt.date(2031, 6, 30)  # not its business
    assert LifecycleEvent.objects.filter(kind="agreement_signed", bilan_id=bilan.pk).exists()


def test_an_agreement_covers_its_scope_only(cast: SimpleNamespace) -> None:
    bilan = closed(cast.bilan)
    sign(cast, AgreementScope.TRAVAIL)
    assert due(bilan, DocumentClass.TRAVAIL_BILAN) == dt.date(2029, 6, 30)
    assert due(bilan, DocumentClass.SYNTHESE) == END


def test_a_withdrawn_agreement_brings_the_rule_back(cast: SimpleNamespace) -> None:
    bilan = closed(cast.bilan)
    sign(cast)
    retention.withdraw_agreement(bilan=bilan, by=cast.beneficiary)
    assert due(bilan, DocumentClass.TRAVAIL_BILAN) == END
    assert ConservationAgreement.objects.get().withdrawn_at is not None
    with pytest.raises(RuleViolation, match="Aucun accord"):
        retention.withdraw_agreement(bilan=bilan, by=cast.beneficiary)


@pytest.mark.parametrize("who", ["consultant", "admin"])
def test_only_the_beneficiary_signs_or_withdraws(cast: SimpleNamespace, who: str) -> None:
    with pytest.raises(RuleViolation, match="bénéficiaire") as refused:
        retention.sign_agreement(
            bilan=cast.bilan, by=getattr(cast, who), scope="both", reason="Suivi"
        )
    assert refused.value.code == "forbidden"
    sign(cast)
    with pytest.raises(RuleViolation, match="bénéficiaire"):
        retention.withdraw_agreement(bilan=cast.bilan, by=getattr(cast, who))
    assert ConservationAgreement.objects.get().withdrawn_at is None


def test_an_agreement_needs_a_reason_and_a_scope_and_is_one_at_a_time(
    cast: SimpleNamespace,
) -> None:
    with pytest.raises(RuleViolation, match="pourquoi"):
        retention.sign_agreement(bilan=cast.bilan, by=cast.beneficiary, scope="both", reason=" ")
    with pytest.raises(RuleViolation, match="conserver"):
        retention.sign_agreement(bilan=cast.bilan, by=cast.beneficiary, scope="all", reason="x")
    sign(cast)
    with pytest.raises(RuleViolation, match="déjà en cours"):
        sign(cast)
    assert ConservationAgreement.objects.count() == 1


# ---- confirming a rule -----------------------------------------------------------------------


def test_the_admin_confirms_a_general_rule_as_her_organisation_own(cast: SimpleNamespace) -> None:
    general = RetentionRule.objects.get(organisation=None, data_class="travail_bilan")
    own = retention.confirm_rule(rule=general, by=cast.admin)
    assert own.organisation == cast.org and not own.to_verify and own.confirmed_by == cast.admin
    general.refresh_from_db()
    assert general.to_verify  # the other organisations still have to check it
    in_force = {r.data_class: r for r in retention.rules_in_force(cast.org) if not r.variant}
    assert in_force["travail_bilan"] == own
    with pytest.raises(RuleViolation, match="déjà confirmée"):
        retention.confirm_rule(rule=general, by=cast.admin)


@pytest.mark.parametrize("who", ["consultant", "beneficiary"])
def test_only_the_admin_confirms_a_rule(cast: SimpleNamespace, who: str) -> None:
    general = RetentionRule.objects.get(organisation=None, data_class="travail_bilan")
    with pytest.raises(RuleViolation, match="administration"):
        retention.confirm_rule(rule=general, by=getattr(cast, who))
    assert not RetentionRule.objects.filter(organisation__isnull=False).exists()


# ---- API -------------------------------------------------------------------------------------

SCHEDULE = {"beneficiary": 200, "consultant": 200, "admin": 200, **OTHERS_404}
SIGN = {"beneficiary": 201, "consultant": 403, "admin": 403, **OTHERS_404}
WITHDRAW = {"beneficiary": 200, "consultant": 403, "admin": 403, **OTHERS_404}
CONFIRM = {
    "admin": 200,
    "consultant": 403,
    "colleague": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 200,
    "outsider_consultant": 403,
    "outsider_beneficiary": 403,
}


@pytest.mark.parametrize("who", ROLES)
def test_get_retention_schedule(api: Api, cast: SimpleNamespace, who: str) -> None:
    closed(cast.bilan)
    response = api.get(f"/bilans/{cast.bilan.pk}/retention", who)
    assert response.status_code == SCHEDULE[who], response.json()
    if who == "beneficiary":
        body = response.json()
        classes = {c["document_class"]: c for c in body["classes"]}
        assert classes["travail_bilan"]["due_on"] == "2026-06-30"
        assert classes["admin_contrat"]["due_on"] == "2031-06-30"
        assert classes["travail_bilan"]["rule"]["to_verify"] is True
        assert body["agreement"] is None


@pytest.mark.parametrize("who", ROLES)
def test_sign_conservation_agreement(api: Api, cast: SimpleNamespace, who: str) -> None:
    response = api.post(
        f"/bilans/{cast.bilan.pk}/conservation-agreement",
        who,
        {"scope": "both", "reason": "Suivi de ma reconversion"},
    )
    assert response.status_code == SIGN[who], response.json()
    assert ConservationAgreement.objects.count() == (1 if who == "beneficiary" else 0)
    if response.status_code != 201:
        assert response.json()["detail"]


def test_sign_conservation_agreement_refusals(api: Api, cast: SimpleNamespace) -> None:
    path = f"/bilans/{cast.bilan.pk}/conservation-agreement"
    assert api.post(path, "beneficiary", {"scope": "all", "reason": "x"}).status_code == 422
    empty = api.post(path, "beneficiary", {"scope": "both", "reason": "  "})
    assert empty.status_code == 422 and "pourquoi" in empty.json()["detail"]
    assert api.post(path, "beneficiary", {"scope": "both", "reason": "x"}).status_code == 201
    again = api.post(path, "beneficiary", {"scope": "both", "reason": "x"})
    assert again.status_code == 409 and "déjà en cours" in again.json()["detail"]


@pytest.mark.parametrize("who", ROLES)
def test_withdraw_conservation_agreement(api: Api, cast: SimpleNamespace, who: str) -> None:
    sign(cast)
    response = api.post(f"/bilans/{cast.bilan.pk}/conservation-agreement/withdraw", who, {})
    assert response.status_code == WITHDRAW[who], response.json()
    withdrawn = ConservationAgreement.objects.get().withdrawn_at is not None
    assert withdrawn == (who == "beneficiary")


@pytest.mark.parametrize("who", ROLES)
def test_list_retention_rules(api: Api, cast: SimpleNamespace, who: str) -> None:
    response = api.get("/retention-rules", who)
    assert response.status_code == 200
    assert {r["document_class"] for r in response.json()} == set(DocumentClass.values)


@pytest.mark.parametrize("who", ROLES)
def test_confirm_retention_rule(api: Api, cast: SimpleNamespace, who: str) -> None:
    general = RetentionRule.objects.get(organisation=None, data_class="travail_bilan")
    response = api.post(f"/retention-rules/{general.pk}/confirm", who, {})
    assert response.status_code == CONFIRM[who], response.json()
    if response.status_code == 200:
        assert response.json()["to_verify"] is False
        assert response.json()["organisation_id"] == getattr(cast, who).membership.organisation_id


def test_another_organisation_rule_is_not_found(api: Api, cast: SimpleNamespace) -> None:
    theirs = RetentionRule.objects.create(
        organisation=cast.outsider_org,
        data_class=DocumentClass.ADMIN_CONTRAT,
        valid_from=dt.date(2020, 1, 1),
        start_event=StartEvent.END_OF_ACTION,
        source="x",
    )
    assert api.post(f"/retention-rules/{theirs.pk}/confirm", "admin", {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.to_verify


# ---- pages -----------------------------------------------------------------------------------

MY_DATA = {"beneficiary": 200, "other_beneficiary": 200, "outsider_beneficiary": 200}
RULES_PAGE = {"admin": 200, "outsider_admin": 200}


@pytest.mark.parametrize("who", ROLES)
def test_my_data_page_is_the_beneficiary_own(
    client: Client, cast: SimpleNamespace, who: str
) -> None:
    closed(cast.bilan)
    client.force_login(getattr(cast, who))
    response = client.get("/espace/mes-donnees/")
    assert response.status_code == MY_DATA.get(who, 403)
    page = response.content.decode()
    if who == "beneficiary":
        assert cast.bilan.reference in page and "à vérifier au JO" in page
        assert "30 juin 2031" in page  # ADMIN_CONTRAT: 5 years
    elif who in MY_DATA:
        assert cast.bilan.reference not in page


@pytest.mark.parametrize("who", ROLES)
def test_signing_from_the_page(client: Client, cast: SimpleNamespace, who: str) -> None:
    client.force_login(getattr(cast, who))
    response = client.post(
        f"/espace/mes-donnees/bilan/{cast.bilan.pk}/accord/",
        {"scope": "travail", "reason": "Suivi de ma reconversion"},
    )
    expected = {"beneficiary": 302, "other_beneficiary": 404, "outsider_beneficiary": 404}
    assert response.status_code == expected.get(who, 403)
    assert ConservationAgreement.objects.count() == (1 if who == "beneficiary" else 0)


def test_the_page_shows_a_refusal_and_saves_nothing(client: Client, cast: SimpleNamespace) -> None:
    client.force_login(cast.beneficiary)
    url = f"/espace/mes-donnees/bilan/{cast.bilan.pk}/accord/"
    response = client.post(url, {"scope": "travail", "reason": " "})
    assert response.status_code == 422
    assert ConservationAgreement.objects.count() == 0
    sign(cast)
    response = client.post(url, {"scope": "travail", "reason": "Encore"})
    assert response.status_code == 422 and "déjà en cours" in response.content.decode()
    assert ConservationAgreement.objects.count() == 1


@pytest.mark.parametrize("who", ROLES)
def test_withdrawing_from_the_page(client: Client, cast: SimpleNamespace, who: str) -> None:
    sign(cast)
    client.force_login(getattr(cast, who))
    response = client.post(f"/espace/mes-donnees/bilan/{cast.bilan.pk}/accord/retrait/")
    expected = {"beneficiary": 302, "other_beneficiary": 404, "outsider_beneficiary": 404}
    assert response.status_code == expected.get(who, 403)
    assert (ConservationAgreement.objects.get().withdrawn_at is not None) == (who == "beneficiary")


@pytest.mark.parametrize("who", ROLES)
def test_the_rules_page_is_the_admin_one(client: Client, cast: SimpleNamespace, who: str) -> None:
    client.force_login(getattr(cast, who))
    response = client.get("/donnees/conservation/")
    assert response.status_code == RULES_PAGE.get(who, 403)
    if response.status_code == 200:
        assert "à vérifier au JO" in response.content.decode()


@pytest.mark.parametrize("who", ROLES)
def test_confirming_from_the_page(client: Client, cast: SimpleNamespace, who: str) -> None:
    general = RetentionRule.objects.get(organisation=None, data_class="travail_bilan")
    client.force_login(getattr(cast, who))
    response = client.post(f"/donnees/conservation/{general.pk}/confirmer/")
    assert response.status_code == (302 if who in RULES_PAGE else 403)
    confirmed = RetentionRule.objects.filter(organisation__isnull=False, to_verify=False)
    assert confirmed.count() == (1 if who in RULES_PAGE else 0)
