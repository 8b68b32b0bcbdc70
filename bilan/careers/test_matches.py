"""The matching of a bilan on the ROME fixture: computed runs and their inputs, pins and
exclusions, the consultant's review before the beneficiary sees anything; pages and
permissions for every role; audit of reads."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from bilan.assessments.models import Administration, AdministrationStatus, Result
from bilan.assessments.scoring import holland_code, holland_groups
from bilan.bilans.models import RuleViolation, Status
from bilan.careers import matches
from bilan.careers.interests import save_interest_sort
from bilan.careers.models import MatchDecision, MatchRun
from bilan.careers.profile import profile_for, referential
from bilan.careers.referential import current_version
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.parcours import CompetenceData, add_experience

ROLES = [
    "beneficiary",
    "other_beneficiary",
    "consultant",
    "colleague",
    "admin",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
]
STAFF_EXPECTED = {"consultant": 200, "admin": 403, "colleague": 404}


def staff_expected(role: str) -> int:
    """Beneficiaries have no staff pages (403); other organisations do not see the bilan."""
    if role.endswith("beneficiary"):
        return 403
    return STAFF_EXPECTED.get(role, 404)


TEACHING = "Enseigner les savoirs professionnels et les techniques"


@pytest.fixture
def bilan(cast, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


def give_riasec(bilan, **raw: int) -> Result:
    scores = dict.fromkeys("RIASEC", 10) | raw
    administration = Administration.objects.create(
        bilan=bilan,
        instrument_code="riasec_48",
        instrument_version=1,
        status=AdministrationStatus.SUBMITTED,
        submitted_at=timezone.now(),
        started_by=bilan.beneficiary,
    )
    groups = holland_groups(scores)
    return Result.objects.create(
        administration=administration,
        scores={"raw": scores, "code_groups": groups, "code": holland_code(groups)},
    )


def give_competences(bilan, *labels: str | CompetenceData) -> None:
    add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind="job",
        title="Formatrice",
        start_on=dt.date(2018, 1, 1),
        competences=list(labels),
    )


def codes(run: MatchRun) -> list[str]:
    return [s["code_rome"] for s in run.results]


def result(run: MatchRun, code: str) -> dict:
    return next(s for s in run.results if s["code_rome"] == code)


# ---- the service --------------------------------------------------------------------------


def test_the_snapshot_is_built_once_per_version_from_the_referential(rome):
    ref = referential(rome)
    assert referential(rome) is ref
    assert ref.version == rome.number == "60"
    assert len(ref.metiers) == 13
    k2111 = ref.metier("K2111")
    assert (k2111.major, k2111.minor) == ("S", "C")
    assert k2111.centres[24] is True and 300806 in k2111.contexts
    assert k2111.skills[108476] == "principale"
    assert 300467 not in k2111.skills  # a savoir-être: left aside


def test_a_run_stores_the_profile_the_ranking_and_the_rome_version(cast, bilan):
    give_riasec(bilan, S=38, C=30)
    run = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert run.rome_version == "60" and run.computed_by == cast.consultant
    assert run.reviewed_at is None
    assert run.profile["riasec"]["S"] == 38 and run.profile["holland_code"] == "S-C-R/I/A/E"
    assert run.profile["ranking"]["used"] == ["interests"]
    assert len(run.results) == 10
    assert {s["riasec"][0] for s in run.results[:4]} == {"S"}
    # S-C exactly and S alone (compared on its major only) all score 100: by code ROME
    assert codes(run)[:3] == ["K1201", "K1207", "K2111"]
    assert (
        "Votre code Holland SC correspond au code RIASEC du métier (S majeur, C mineur)."
        in result(run, "K2111")["reasons"]
    )


def test_the_card_sort_competences_and_avoided_contexts_shape_the_ranking(cast, bilan):
    give_riasec(bilan, E=38, S=30)
    plain = matches.compute_run(bilan=bilan, by=cast.consultant)
    give_competences(bilan, TEACHING, "Conception de programmes de formation", "Jongler")
    save_interest_sort(bilan=bilan, by=cast.beneficiary, chosen=[24, 4], ranked=[24])
    richer = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert codes(richer).index("K2111") < codes(plain).index("K2111")
    k2111 = result(richer, "K2111")
    assert (
        "2 centres d'intérêt en commun : Je souhaite transmettre ; J'ai le sens du contact (dont votre n° 1)."
        in k2111["reasons"]
    )
    assert (
        "2 compétences de votre portefeuille sont demandées : Conception de programmes de "
        f"formation ; {TEACHING}." in k2111["reasons"]
    )
    assert TEACHING not in k2111["to_acquire"]
    assert richer.profile["unrecognised"] == ["Jongler"]
    save_interest_sort(
        bilan=bilan, by=cast.beneficiary, chosen=[24, 4], ranked=[24], avoided_contexts=[300806]
    )
    clashed = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert result(clashed, "K2111")["score"] < k2111["score"]
    assert "Contexte à éviter présent : Travail en journée." in result(clashed, "K2111")["reasons"]


def test_a_linked_ogr_code_in_the_portefeuille_counts_directly(cast, bilan):
    give_competences(bilan, CompetenceData(label="Animer des stages", rome_code="108476"))
    inputs = profile_for(bilan, referential(bilan_version()))
    assert inputs.profile.held == {108476: "Animer des stages"}


def bilan_version():
    return current_version()


def test_pins_and_exclusions_apply_to_the_next_runs(cast, bilan):
    give_riasec(bilan, S=38, C=30)
    first = matches.compute_run(bilan=bilan, by=cast.consultant)
    matches.decide(bilan=bilan, by=cast.consultant, code_rome="K1201", decision="exclude")
    matches.decide(
        bilan=bilan, by=cast.consultant, code_rome="a1202", decision="pin", reason="Son projet"
    )
    decision = MatchDecision.objects.get(code_rome="A1202")
    assert (decision.metier_label, decision.rome_version) == (
        "Agent / Agente d'entretien des espaces naturels",
        "60",
    )
    second = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert "K1201" in codes(first) and "K1201" not in codes(second)
    pinned = result(second, "A1202")
    assert (
        pinned["pinned"] and pinned["reasons"][0] == "Épinglé par votre consultant·e : Son projet."
    )
    matches.undo_decision(bilan=bilan, by=cast.consultant, code_rome="K1201")
    assert "K1201" in codes(matches.compute_run(bilan=bilan, by=cast.consultant))


def test_an_unknown_rome_code_or_decision_is_refused_in_french(cast, bilan):
    with pytest.raises(RuleViolation, match="Code ROME inconnu : « Z9999 »"):
        matches.decide(bilan=bilan, by=cast.consultant, code_rome="Z9999", decision="pin")
    with pytest.raises(RuleViolation, match="épingler ou écarter"):
        matches.decide(bilan=bilan, by=cast.consultant, code_rome="K2111", decision="maybe")
    assert not MatchDecision.objects.exists()


def test_an_empty_profile_gives_not_enough_elements(cast, bilan):
    run = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert run.results == []
    assert run.profile["ranking"]["enough"] is False
    assert run.profile["ranking"]["notes"][0].startswith("Pas assez d'éléments")


@pytest.mark.parametrize("role", ["colleague", "admin", "beneficiary", "outsider_consultant"])
def test_only_the_assigned_consultant_computes_decides_and_reviews(cast, bilan, role):
    give_riasec(bilan, S=38)
    run = matches.compute_run(bilan=bilan, by=cast.consultant)
    who = getattr(cast, role)
    with pytest.raises(RuleViolation, match="Seul·e le ou la consultant·e"):
        matches.compute_run(bilan=bilan, by=who)
    with pytest.raises(RuleViolation, match="Seul·e le ou la consultant·e"):
        matches.decide(bilan=bilan, by=who, code_rome="K2111", decision="pin")
    with pytest.raises(RuleViolation, match="Seul·e le ou la consultant·e"):
        matches.review_run(run=run, by=who)
    assert MatchRun.objects.count() == 1 and not MatchDecision.objects.exists()


def test_the_beneficiary_sees_nothing_before_review_then_the_latest_reviewed_run(cast, bilan):
    give_riasec(bilan, S=38)
    first = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert matches.suggestions_for(reader=cast.beneficiary, bilan=bilan) is None
    matches.review_run(run=first, by=cast.consultant)
    assert first.reviewed_at and first.reviewed_by == cast.consultant
    second = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert matches.suggestions_for(reader=cast.beneficiary, bilan=bilan) == first
    with pytest.raises(RuleViolation, match="plus récent"):
        matches.review_run(run=first, by=cast.consultant)
    matches.review_run(run=second, by=cast.consultant)
    assert matches.suggestions_for(reader=cast.beneficiary, bilan=bilan) == second


def test_nothing_is_computed_without_a_referential(cast, db):
    advance_to(cast.bilan, Status.PRELIMINARY)
    with pytest.raises(RuleViolation, match="référentiel ROME n'est pas encore importé"):
        matches.compute_run(bilan=cast.bilan, by=cast.consultant)


def test_a_bilan_not_yet_in_its_phases_is_not_matched(cast, rome):
    with pytest.raises(RuleViolation, match="calculer le rapprochement"):
        matches.compute_run(bilan=cast.bilan, by=cast.consultant)
    assert not MatchRun.objects.exists()


# ---- staff pages --------------------------------------------------------------------------


STAFF_POSTS = ["careers:matching_compute", "careers:matching_decide"]


@pytest.mark.parametrize("role", ROLES)
def test_the_staff_page_is_for_the_assigned_consultant_only(cast, bilan, client, role):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("careers:matching", args=[bilan.pk]))
    assert response.status_code == staff_expected(role)


@pytest.mark.parametrize("name", STAFF_POSTS)
@pytest.mark.parametrize("role", ROLES)
def test_nobody_but_the_assigned_consultant_posts(cast, bilan, client, role, name):
    client.force_login(getattr(cast, role))
    response = client.post(
        reverse(name, args=[bilan.pk]), {"code_rome": "K2111", "decision": "pin"}
    )
    if role == "consultant":
        assert response.status_code == 302
        assert MatchRun.objects.filter(bilan=bilan).exists()
    else:
        assert response.status_code == staff_expected(role)
        assert not MatchRun.objects.exists() and not MatchDecision.objects.exists()


@pytest.mark.parametrize("role", ["admin", "colleague", "outsider_consultant", "beneficiary"])
def test_nobody_else_reviews_or_undoes(cast, bilan, client, role):
    give_riasec(bilan, S=38)
    run = matches.compute_run(bilan=bilan, by=cast.consultant)
    matches.decide(bilan=bilan, by=cast.consultant, code_rome="K2111", decision="pin")
    client.force_login(getattr(cast, role))
    client.post(reverse("careers:matching_review", args=[bilan.pk, run.pk]))
    client.post(reverse("careers:matching_undo", args=[bilan.pk, "K2111"]))
    run.refresh_from_db()
    assert run.reviewed_at is None and MatchDecision.objects.count() == 1


def test_the_consultant_computes_pins_excludes_and_validates_from_the_page(cast, bilan, client):
    give_riasec(bilan, S=38, C=30)
    client.force_login(cast.consultant)
    url = reverse("careers:matching", args=[bilan.pk])
    page = client.get(url).content.decode()
    assert "Aide à la réflexion — suggestions à discuter, pas une décision" in page
    assert "Calculer" in page
    response = client.post(reverse("careers:matching_compute", args=[bilan.pk]), follow=True)
    page = response.content.decode()
    assert "Rapprochement calculé" in page
    assert "Assistant social / Assistante sociale" in page
    assert "Votre code Holland SC correspond" in page
    assert "Source : France Travail, ROME 4.0 version 60 — Licence Ouverte" in page
    assert reverse("careers:fiche", args=["K1201"]) in page
    assert "En faire une piste" in page
    client.post(
        reverse("careers:matching_decide", args=[bilan.pk]),
        {"code_rome": "K1201", "decision": "exclude", "reason": "Déjà essayé"},
    )
    run = matches.latest_run(bilan)
    assert "K1201" not in codes(run) and MatchRun.objects.count() == 2
    page = client.get(url).content.decode()
    assert "Déjà essayé" in page
    response = client.post(reverse("careers:matching_review", args=[bilan.pk, run.pk]), follow=True)
    assert "Validé et partagé" in response.content.decode()
    run.refresh_from_db()
    assert run.reviewed_by == cast.consultant


def test_a_refused_decision_is_told_in_french_on_the_page(cast, bilan, client):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("careers:matching_decide", args=[bilan.pk]),
        {"code_rome": "Q0000", "decision": "pin"},
        follow=True,
    )
    assert "Code ROME inconnu : « Q0000 »" in response.content.decode()
    assert not MatchDecision.objects.exists()


def test_the_consultants_read_of_a_run_is_audited(cast, bilan, client):
    give_riasec(bilan, S=38)
    run = matches.compute_run(bilan=bilan, by=cast.consultant)
    before = AuditEvent.objects.filter(object_type="careers.MatchRun").count()
    client.force_login(cast.consultant)
    client.get(reverse("careers:matching", args=[bilan.pk]))
    events = AuditEvent.objects.filter(object_type="careers.MatchRun", object_id=str(run.pk))
    assert events.count() == before + 1
    assert events.last().actor_id == cast.consultant.pk
    assert AuditEvent.objects.filter(object_type="assessments.Result").exists()


# ---- portal page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_suggestions_page_is_for_beneficiaries_only(cast, bilan, client, role):
    client.force_login(getattr(cast, role))
    expected = 200 if role.endswith("beneficiary") else 403
    assert client.get(reverse("portal:suggestions")).status_code == expected


def test_the_beneficiary_sees_suggestions_only_once_reviewed(cast, bilan, client):
    give_riasec(bilan, S=38, C=30)
    run = matches.compute_run(bilan=bilan, by=cast.consultant)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:suggestions")).content.decode()
    assert "Pas encore de pistes suggérées" in page
    assert "Assistant social" not in page
    matches.review_run(run=run, by=cast.consultant)
    page = client.get(reverse("portal:suggestions")).content.decode()
    assert "Aide à la réflexion — suggestions à discuter, pas une décision" in page
    assert "Assistant social / Assistante sociale" in page
    assert "Votre code Holland SC correspond" in page
    assert reverse("portal:metiers_fiche", args=["K1201"]) in page
    response = client.post(
        reverse("portal:piste_create"), {"match_run": run.pk, "code_rome": "K1201"}, follow=True
    )
    assert response.status_code == 200
    assert bilan.career_options.get().code_rome == "K1201"
    assert "Source : France Travail, ROME 4.0 version 60" in page
    client.force_login(cast.other_beneficiary)
    assert "Assistant social" not in client.get(reverse("portal:suggestions")).content.decode()


def test_the_staff_page_names_the_inputs_used(cast, bilan, client):
    give_riasec(bilan, S=38, C=30)
    give_competences(bilan, TEACHING, "Jongler")
    save_interest_sort(
        bilan=bilan, by=cast.beneficiary, chosen=[4, 24], ranked=[24], avoided_contexts=[300806]
    )
    matches.compute_run(bilan=bilan, by=cast.consultant)
    client.force_login(cast.consultant)
    page = html.unescape(client.get(reverse("careers:matching", args=[bilan.pk])).content.decode())
    assert "Top 5 des centres d'intérêt : Je souhaite transmettre" in page
    assert "Autres centres d'intérêt choisis : J'ai le sens du contact" in page
    assert "Contextes à éviter : Travail en journée" in page
    assert f"reconnues dans le ROME : {TEACHING}" in page
    assert "non reconnues : Jongler" in page
    assert "Code Holland : S-C-R/I/A/E" in page
