"""Taking tests: presentation and decline, answers saved as they go, resume, one submission,
results the beneficiary owns; who sees what (page and domain)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bilan.assessments.administrations import (
    comment_result,
    debrief_result,
    decline_test,
    save_answers,
    start_test,
    submit_test,
)
from bilan.assessments.instruments import get_instrument
from bilan.assessments.models import Administration, AdministrationStatus, Result
from bilan.bilans.models import RuleViolation, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to

SECRET = "Je me reconnais dans le goût du contact, pas dans la routine."


@pytest.fixture
def bilan(cast):
    return advance_to(cast.bilan, Status.INVESTIGATION)


def all_answers(code: str, value: int = 4) -> dict[str, int]:
    return dict.fromkeys(get_instrument(code).item_ids, value)


def taken(bilan, code: str = "riasec_48", **answers_by_type):
    administration = start_test(bilan=bilan, by=bilan.beneficiary, code=code)
    answers = all_answers(code)
    for t, value in answers_by_type.items():
        answers.update({i: value for i in answers if i.startswith(t)})
    save_answers(administration=administration, by=bilan.beneficiary, answers=answers)
    return submit_test(administration=administration, by=bilan.beneficiary)


# ---- the domain -------------------------------------------------------------------------


def test_answers_save_as_they_go_and_the_test_resumes_where_it_stopped(cast, bilan):
    first = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    save_answers(administration=first, by=cast.beneficiary, answers={"R1": 5, "I1": 2})
    again = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    assert again.pk == first.pk
    assert again.answers == {"R1": 5, "I1": 2}
    save_answers(administration=again, by=cast.beneficiary, answers={"I1": 3, "A1": 1})
    again.refresh_from_db()
    assert again.answers == {"R1": 5, "I1": 3, "A1": 1}
    assert again.progress_percent == round(100 * 3 / 48)


def test_a_bad_answer_refuses_the_batch_and_keeps_what_was_saved(cast, bilan):
    administration = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    save_answers(administration=administration, by=cast.beneficiary, answers={"R1": 5})
    for bad, message in (({"I1": 3, "A1": 9}, "de 1 à 5"), ({"Z9": 3}, "Question inconnue")):
        with pytest.raises(RuleViolation, match=message):
            save_answers(administration=administration, by=cast.beneficiary, answers=bad)
    administration.refresh_from_db()
    assert administration.answers == {"R1": 5}


def test_an_incomplete_test_cannot_be_submitted_and_says_which_items_are_missing(cast, bilan):
    administration = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    answers = all_answers("riasec_48")
    del answers["I1"], answers["C8"]
    save_answers(administration=administration, by=cast.beneficiary, answers=answers)
    with pytest.raises(RuleViolation, match=r"Il manque 2 réponse\(s\) : question\(s\) 2, 48"):
        submit_test(administration=administration, by=cast.beneficiary)
    administration.refresh_from_db()
    assert administration.status == AdministrationStatus.IN_PROGRESS
    assert len(administration.answers) == 46 and not Result.objects.exists()


def test_a_test_is_submitted_once_and_its_answers_are_then_frozen(cast, bilan):
    result = taken(bilan, S=5, E=5)
    assert result.scores["code"] == "S/E-R/I/A/C"
    administration = result.administration
    with pytest.raises(RuleViolation, match="déjà été envoyé"):
        submit_test(administration=administration, by=cast.beneficiary)
    with pytest.raises(RuleViolation, match="ne se modifient plus"):
        save_answers(administration=administration, by=cast.beneficiary, answers={"R1": 1})
    assert Result.objects.count() == 1


def test_only_the_beneficiary_takes_their_tests(cast, bilan):
    for who in (cast.consultant, cast.admin, cast.other_beneficiary):
        with pytest.raises(RuleViolation) as refused:
            start_test(bilan=bilan, by=who, code="riasec_48")
        assert refused.value.code == "forbidden"
    administration = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    with pytest.raises(RuleViolation):
        save_answers(administration=administration, by=cast.consultant, answers={"R1": 5})


def test_declining_a_test_is_recorded_and_blocks_nothing(cast, bilan):
    start_test(bilan=bilan, by=cast.beneficiary, code="mini_ipip_20")
    declined = decline_test(
        bilan=bilan, by=cast.beneficiary, code="mini_ipip_20", reason="Pas envie"
    )
    assert declined.status == AdministrationStatus.DECLINED and declined.declined_at
    assert list(bilan.tests.values_list("status", flat=True)) == ["declined"]
    # Changing one's mind: the test can still be started afterwards.
    assert start_test(bilan=bilan, by=cast.beneficiary, code="mini_ipip_20").status == "in_progress"


def test_tests_are_taken_during_the_bilan_only(cast):
    with pytest.raises(RuleViolation, match="pendant le bilan"):
        start_test(bilan=cast.bilan, by=cast.beneficiary, code="riasec_48")  # still an enquiry


def test_an_unknown_or_card_sort_instrument_is_refused_in_french(cast, bilan):
    with pytest.raises(RuleViolation, match="Test inconnu"):
        start_test(bilan=bilan, by=cast.beneficiary, code="mbti")
    with pytest.raises(RuleViolation, match="ne se passe pas encore en ligne"):
        start_test(bilan=bilan, by=cast.beneficiary, code="work_values")


def test_the_big_five_uses_the_norm_group_the_beneficiary_chose(cast, bilan):
    administration = start_test(
        bilan=bilan, by=cast.beneficiary, code="ipip_neo_120", norm_sex="F", norm_age_band="41-60"
    )
    save_answers(
        administration=administration, by=cast.beneficiary, answers=all_answers("ipip_neo_120", 3)
    )
    scores = submit_test(administration=administration, by=cast.beneficiary).scores
    assert scores["norms"]["group"] == {"sex": "F", "age_band": "41-60"}
    assert scores["raw"] == dict.fromkeys("NEOAC", 72)
    assert scores["norms"]["t"]["A"] == round(50 + 10 * (72 - 95.73) / 9.84, 1)


def test_the_comment_is_the_beneficiarys_and_the_debrief_the_assigned_consultants(cast, bilan):
    result = taken(bilan)
    comment_result(result=result, by=cast.beneficiary, text=SECRET)
    for who in (cast.consultant, cast.admin):
        with pytest.raises(RuleViolation):
            comment_result(result=result, by=who, text="x")
    for who in (cast.beneficiary, cast.colleague, cast.admin):
        with pytest.raises(RuleViolation):
            debrief_result(result=result, by=who, text="x")
    debrief_result(result=result, by=cast.consultant, text="Le S domine, à explorer.")
    result.refresh_from_db()
    assert (result.beneficiary_comment, result.debrief_note) == (SECRET, "Le S domine, à explorer.")


# ---- pages --------------------------------------------------------------------------------


def test_the_beneficiary_reads_the_presentation_then_starts_and_answers_page_by_page(
    client, cast, bilan
):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:test_about", args=["riasec_48"]))
    assert page.status_code == 200
    for text in ("Avant de commencer", "Qui interprète les résultats", "Décliner ce test"):
        assert text in page.content.decode()
    response = client.post(reverse("portal:test_about", args=["riasec_48"]), {"start": ""})
    administration = Administration.objects.get()
    assert response.url == reverse("portal:test_take", args=[administration.pk])
    page = client.get(response.url).content.decode()
    assert "Contrôler la qualité de pièces" in page and 'name="item-R1"' in page
    assert "Page 1 sur 4" in page
    response = client.post(
        reverse("portal:test_take", args=[administration.pk]),
        {"page": 1, "item-R1": 5, "item-I1": 4, "next": ""},
    )
    assert response.url.endswith("?page=2")
    administration.refresh_from_db()
    assert administration.answers == {"R1": 5, "I1": 4}
    # Coming back later resumes at the first unanswered page.
    save_answers(
        administration=administration,
        by=cast.beneficiary,
        answers={i: 3 for i in get_instrument("riasec_48").item_ids[:30]},
    )
    assert "Page 3 sur 4" in client.get(response.url.split("?")[0]).content.decode()


def test_the_autosave_answers_with_the_progress_and_refuses_a_bad_value(client, cast, bilan):
    client.force_login(cast.beneficiary)
    administration = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    url = reverse("portal:test_take", args=[administration.pk])
    response = client.post(url, {"page": 1, "item-R1": 5}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "enregistré" in response.content.decode()
    response = client.post(url, {"page": 1, "item-R1": 7}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "de 1 à 5" in response.content.decode()
    administration.refresh_from_db()
    assert administration.answers == {"R1": 5}


def test_a_malformed_page_number_is_ignored_not_an_error(client, cast, bilan):
    client.force_login(cast.beneficiary)
    administration = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    url = reverse("portal:test_take", args=[administration.pk])
    assert "Page 1 sur 4" in client.get(url + "?page=abc").content.decode()
    assert "Page 4 sur 4" in client.get(url + "?page=99999").content.decode()
    response = client.post(url, {"page": "x", "item-R1": 5, "next": ""})
    assert response.status_code == 302
    administration.refresh_from_db()
    assert administration.answers == {"R1": 5}


def test_finishing_with_missing_items_lists_them_and_keeps_the_answers(client, cast, bilan):
    client.force_login(cast.beneficiary)
    administration = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    answers = all_answers("riasec_48")
    del answers["R1"]
    save_answers(administration=administration, by=cast.beneficiary, answers=answers)
    response = client.post(
        reverse("portal:test_take", args=[administration.pk]), {"page": 4, "finish": ""}
    )
    assert response.status_code == 422
    assert "question(s) 1" in response.content.decode()
    administration.refresh_from_db()
    assert len(administration.answers) == 47


def test_the_results_page_shows_the_chart_interpretation_and_takes_the_comment(client, cast, bilan):
    result = taken(bilan, S=5, E=5, C=2)
    client.force_login(cast.beneficiary)
    url = reverse("portal:test_result", args=[result.administration_id])
    page = client.get(url).content.decode()
    assert "<svg" in page and 'class="profile"' in page
    assert 'id="holland-code">S/E-R/I/A<' in page
    assert get_instrument("riasec_48").scale("S")["interpretation"]["high"] in page
    response = client.post(url, {"comment": SECRET})
    assert response.status_code == 302
    assert Result.objects.get().beneficiary_comment == SECRET
    assert not AuditEvent.objects.exists()  # the beneficiary's own reads are not logged


def test_the_results_pdf_reads_back_with_scores_and_the_comment(client, cast, bilan):
    cast.beneficiary.last_name = 'Bénéf-Martin "</style>'
    cast.beneficiary.save()
    result = taken(bilan, S=5, E=5)
    comment_result(result=result, by=cast.beneficiary, text=SECRET)
    client.force_login(cast.beneficiary)
    response = client.get(reverse("portal:test_result_pdf", args=[result.administration_id]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Intérêts professionnels (RIASEC)" in text
    assert "S/E-R/I/A/C" in text
    assert "reconnais dans le goût du contact" in text
    assert "L6313-4" in text
    # The footer repeats the notice and the name, hyphen and quote included, on every page.
    assert text.count('(L6313-4) — Bruno Bénéf-Martin "</style>') == len(
        PdfReader(io.BytesIO(response.content)).pages
    )


def test_the_big_five_results_show_t_scores_with_their_norm_group(client, cast, bilan):
    administration = start_test(
        bilan=bilan, by=cast.beneficiary, code="ipip_neo_120", norm_age_band="21-40"
    )
    save_answers(
        administration=administration, by=cast.beneficiary, answers=all_answers("ipip_neo_120", 3)
    )
    submit_test(administration=administration, by=cast.beneficiary)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:test_result", args=[administration.pk])).content.decode()
    assert "anglophone" in page and "note T" in page and "Les six facettes" in page


@pytest.mark.parametrize(
    "who,status",
    [
        ("beneficiary", 200),
        ("other_beneficiary", 404),
        ("consultant", 403),  # staff read results on their own page, not in the portal
        ("admin", 403),
        ("outsider_beneficiary", 404),
    ],
)
def test_the_portal_result_is_the_beneficiarys_only(client, cast, bilan, who, status):
    result = taken(bilan)
    client.force_login(getattr(cast, who))
    for name in ("portal:test_result", "portal:test_result_pdf", "portal:test_take"):
        response = client.get(reverse(name, args=[result.administration_id]))
        assert response.status_code in ((200, 302) if status == 200 else (status,)), name


@pytest.mark.parametrize(
    "who,status",
    [
        ("consultant", 200),
        ("colleague", 404),
        ("admin", 403),
        ("outsider_consultant", 404),
        ("outsider_admin", 404),
        ("beneficiary", 403),
    ],
)
def test_staff_see_results_only_for_the_bilans_they_are_assigned(client, cast, bilan, who, status):
    result = taken(bilan)
    comment_result(result=result, by=cast.beneficiary, text=SECRET)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("assessments:result", args=[result.administration_id]))
    assert response.status_code == status
    if status == 200:
        assert SECRET in response.content.decode()
        event = AuditEvent.objects.get()
        assert (event.actor_id, event.object_type) == (cast.consultant.pk, "assessments.Result")
    else:
        assert not AuditEvent.objects.filter(action="read").exists()


def test_the_consultant_writes_the_debrief_the_beneficiary_reads_it(client, cast, bilan):
    result = taken(bilan)
    client.force_login(cast.consultant)
    url = reverse("assessments:result", args=[result.administration_id])
    assert client.post(url, {"debrief_note": "Un profil social affirmé."}).status_code == 302
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:test_result", args=[result.administration_id]))
    assert "Un profil social affirmé." in page.content.decode()


@pytest.mark.parametrize(
    "who,status,scores",
    [
        ("consultant", 200, True),
        ("admin", 200, False),
        ("colleague", 404, False),
        ("outsider_admin", 404, False),
    ],
)
def test_the_bilans_tests_list_shows_scores_links_only_to_the_consultant(
    client, cast, bilan, who, status, scores
):
    taken(bilan)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("assessments:bilan_tests", args=[bilan.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Intérêts professionnels (RIASEC)" in page
        assert ("Résultats et restitution" in page) is scores


def test_the_tests_page_lists_each_test_with_its_state(client, cast, bilan):
    taken(bilan)
    start_test(bilan=bilan, by=cast.beneficiary, code="ipip_neo_120")
    decline_test(bilan=bilan, by=cast.beneficiary, code="mini_ipip_20")
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:tests")).content.decode()
    assert "Voir mes résultats" in page
    assert "Reprendre où je m" in page
    assert "Décliné le" in page
