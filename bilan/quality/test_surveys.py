"""Satisfaction surveys (REQ-45): the invitations created at closing, the worker sending each
e-mail and one reminder exactly once, the one-time signed link, the pseudonymised answer, the
organisation's questions, the yearly funders/employers survey, and the results with n."""

from __future__ import annotations

import datetime as dt
import html
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.content import content_models
from bilan.bilans.models import Bilan, RuleViolation
from bilan.demo.testing import close
from bilan.quality import surveys
from bilan.quality.models import (
    QuestionSet,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
    quarter_of,
)
from bilan.quality.tasks import send_survey_emails

HOT_ANSWERS = {"overall": "5", "objectives": "4", "consultant": "5", "organisation": "3",
               "recommend": "yes", "comment": "Très utile, merci."}  # fmt: skip


@pytest.fixture
def closed(cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Bilan:
    bilan = close(cast.bilan, monkeypatch)
    mail.outbox.clear()
    return bilan


def hot_of(bilan: Bilan) -> SurveyInvitation:
    return SurveyInvitation.objects.get(bilan=bilan, kind=SurveyKind.HOT)


def invitation(cast: SimpleNamespace, kind: str = SurveyKind.HOT, **extra: Any) -> SurveyInvitation:
    fields: dict[str, Any] = {"send_on": timezone.localdate()}
    if kind == SurveyKind.STAKEHOLDER:
        fields.update(email="financeur@opco.test", year=2026)
    else:
        fields["bilan"] = extra.pop("bilan", cast.other_bilan)
    fields.update(extra)
    return SurveyInvitation.objects.create(
        organisation=cast.org,
        kind=kind,
        question_set=surveys.current_question_set(cast.org, kind),
        **fields,
    )


def text(response: Any) -> str:
    return html.unescape(str(response.content.decode()))


def link_path(body: str) -> str:
    found = re.search(r"https?://[^/\s]+(/espace/enquete/[^\s/]+/)", body)
    assert found, body
    return found.group(1)


def answer_url(inv: SurveyInvitation) -> str:
    return reverse("portal:survey_answer", args=[surveys.token_for(inv)])


# ---- closing and the worker -----------------------------------------------------------------


def test_closing_creates_the_hot_survey_now_and_the_cold_one_six_months_later(
    closed: Bilan,
) -> None:
    hot = hot_of(closed)
    cold = SurveyInvitation.objects.get(bilan=closed, kind=SurveyKind.COLD)
    assert hot.send_on == closed.closed_on
    assert cold.send_on == closed.closed_on + dt.timedelta(days=182)
    assert hot.organisation == closed.organisation
    surveys.invite_after_closing(closed)  # again: still one of each, ever
    assert SurveyInvitation.objects.filter(bilan=closed).count() == 2


def test_running_the_job_twice_sends_the_invitation_once(closed: Bilan) -> None:
    assert send_survey_emails() == 1
    assert send_survey_emails() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [closed.beneficiary.email]
    assert "Votre avis" in message.subject
    assert "/espace/enquete/" in message.body
    assert closed.reference not in message.body  # nothing of the bilan in the e-mail


def test_one_reminder_a_week_later_then_nothing_more(closed: Bilan) -> None:
    now = timezone.now()
    send_survey_emails(now)
    assert send_survey_emails(now + dt.timedelta(days=6)) == 0
    assert send_survey_emails(now + dt.timedelta(days=7, minutes=1)) == 1
    assert "Rappel" in mail.outbox[-1].subject
    for days in (8, 15, 40):
        assert send_survey_emails(now + dt.timedelta(days=days)) == 0
    assert len(mail.outbox) == 2


def test_an_answered_survey_gets_no_reminder(closed: Bilan) -> None:
    now = timezone.now()
    send_survey_emails(now)
    surveys.submit_answer(token=surveys.token_for(hot_of(closed)), answers=HOT_ANSWERS)
    assert send_survey_emails(now + dt.timedelta(days=8)) == 0
    assert len(mail.outbox) == 1


def test_the_cold_survey_leaves_at_six_months_only(closed: Bilan) -> None:
    now = timezone.now()
    send_survey_emails(now)
    mail.outbox.clear()
    send_survey_emails(now + dt.timedelta(days=170))  # the hot one's reminder only
    assert ["Rappel" in m.subject for m in mail.outbox] == [True]
    mail.outbox.clear()
    assert send_survey_emails(now + dt.timedelta(days=183)) == 1
    assert "six mois" in mail.outbox[0].body


def test_a_failed_send_is_retried_and_still_sent_once(
    closed: Bilan, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def broken(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        raise OSError("SMTP down")

    monkeypatch.setattr("bilan.lib.emails.send", broken)
    now = timezone.now()
    assert send_survey_emails(now) == 0
    monkeypatch.undo()
    assert send_survey_emails(now + dt.timedelta(minutes=6)) == 1
    assert send_survey_emails(now + dt.timedelta(minutes=30)) == 0
    assert len(calls) == 1 and len(mail.outbox) == 1


# ---- the one-time link ----------------------------------------------------------------------


def test_the_beneficiary_answers_from_the_emailed_link_without_logging_in(closed: Bilan) -> None:
    send_survey_emails()
    path = link_path(str(mail.outbox[0].body))
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert "Dans l'ensemble" in text(page)
    done = client.post(path, HOT_ANSWERS)
    assert done.status_code == 200
    assert "Merci pour votre avis" in text(done)
    answer = SurveyAnswer.objects.get()
    assert answer.kind == SurveyKind.HOT
    assert answer.quarter == quarter_of(timezone.localdate())
    assert answer.answers["overall"] == 5 and answer.answers["recommend"] == "yes"


def test_a_link_used_twice_says_so_in_french_and_keeps_the_first_answer(closed: Bilan) -> None:
    path = answer_url(hot_of(closed))
    client = Client()
    client.post(path, HOT_ANSWERS)
    again = client.post(path, {**HOT_ANSWERS, "overall": "1"})
    assert again.status_code == 410
    assert "déjà répondu" in text(again)
    assert client.get(path).status_code == 410
    assert SurveyAnswer.objects.count() == 1
    assert SurveyAnswer.objects.get().answers["overall"] == 5


def test_an_expired_link_says_so_and_saves_nothing(
    closed: Bilan, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = answer_url(hot_of(closed))
    monkeypatch.setattr(surveys, "LINK_MAX_AGE", dt.timedelta(seconds=-1))
    response = Client().post(path, HOT_ANSWERS)
    assert response.status_code == 410
    assert "Ce lien a expiré" in text(response)
    assert not SurveyAnswer.objects.exists()
    assert not hot_of(closed).answered


def test_a_tampered_link_is_refused(closed: Bilan) -> None:
    path = answer_url(hot_of(closed))
    response = Client().get(path[:-3] + "xx/")
    assert response.status_code == 410
    assert "pas valide" in text(response)


def test_missing_answers_are_refused_in_french_and_keep_what_was_typed(closed: Bilan) -> None:
    path = answer_url(hot_of(closed))
    client = Client()
    partial = {"overall": "4", "comment": "Je reviendrai compléter"}
    response = client.post(path, partial)
    assert response.status_code == 422
    page = text(response)
    assert "Répondez à chaque question" in page
    assert "Je reviendrai compléter" in page
    assert 'value="4" required checked' in page
    assert not SurveyAnswer.objects.exists() and not hot_of(closed).answered
    assert client.post(path, HOT_ANSWERS).status_code == 200  # the link still works


def test_an_out_of_scale_or_unknown_answer_is_refused(closed: Bilan) -> None:
    token = surveys.token_for(hot_of(closed))
    with pytest.raises(RuleViolation, match="Répondez"):
        surveys.submit_answer(token=token, answers={**HOT_ANSWERS, "overall": 9})
    with pytest.raises(RuleViolation, match="Question inconnue"):
        surveys.submit_answer(token=token, answers={**HOT_ANSWERS, "bilan_id": "1"})
    assert not SurveyAnswer.objects.exists()


# ---- pseudonymisation -----------------------------------------------------------------------


def test_an_answer_has_no_way_back_to_the_bilan_or_its_content(closed: Bilan) -> None:
    inv = hot_of(closed)
    surveys.submit_answer(token=surveys.token_for(inv), answers=HOT_ANSWERS)
    forbidden = {Bilan, SurveyInvitation, *content_models()}
    for f in SurveyAnswer._meta.get_fields():
        related = getattr(f, "related_model", None)
        assert related not in forbidden, f.name
        assert related is None or related.__name__ in {"Organisation", "QuestionSet"}, f.name
        assert not isinstance(f, models.DateTimeField | models.DateField), f.name
    row = SurveyAnswer.objects.values().get()
    assert set(row) == {"id", "pseudonym", "organisation_id", "kind", "quarter",
                        "question_set_id", "answers"}  # fmt: skip
    stored = repr(row)
    for clue in (closed.reference, inv.nonce, closed.beneficiary.email):
        assert clue not in stored
    assert row["pseudonym"] != inv.nonce


# ---- questions and the yearly survey --------------------------------------------------------


def test_an_organisation_extends_a_survey_with_a_new_version(cast: SimpleNamespace) -> None:
    general = surveys.current_question_set(cast.org, SurveyKind.HOT)
    before = invitation(cast)
    extended = surveys.add_question(
        organisation=cast.org,
        kind=SurveyKind.HOT,
        label="Les locaux étaient-ils accessibles ?",
        type="yes_no",
        by=cast.admin,
    )
    assert extended.version == general.version + 1
    assert extended.questions[:-1] == general.questions
    assert surveys.current_question_set(cast.outsider_org, SurveyKind.HOT) == general
    before.refresh_from_db()
    assert before.question_set == general  # a sent invitation keeps its questions
    with pytest.raises(RuleViolation, match="déjà"):
        surveys.add_question(
            organisation=cast.org,
            kind=SurveyKind.HOT,
            label="les locaux étaient-ils accessibles ?",
            type="yes_no",
            by=cast.admin,
        )


def test_only_an_admin_changes_the_questions(cast: SimpleNamespace) -> None:
    for who in (cast.consultant, cast.beneficiary):
        with pytest.raises(RuleViolation, match="administrateur"):
            surveys.add_question(
                organisation=cast.org, kind=SurveyKind.HOT, label="Q ?", type="scale", by=who
            )
    assert not QuestionSet.objects.filter(organisation=cast.org).exists()


def test_the_yearly_survey_goes_to_the_typed_addresses_once_a_year(cast: SimpleNamespace) -> None:
    created = surveys.invite_stakeholders(
        organisation=cast.org, emails_text="rh@employeur.test\nopco@opco.test, rh@employeur.test",
        by=cast.admin,
    )  # fmt: skip
    assert len(created) == 2
    again = surveys.invite_stakeholders(
        organisation=cast.org, emails_text="rh@employeur.test", by=cast.admin
    )
    assert again == []
    assert send_survey_emails() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["opco@opco.test", "rh@employeur.test"]
    assert "financeurs" in mail.outbox[0].body


def test_one_bad_address_refuses_the_whole_list(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="invalide.*pas-une-adresse"):
        surveys.invite_stakeholders(
            organisation=cast.org, emails_text="ok@exemple.test\npas-une-adresse", by=cast.admin
        )
    with pytest.raises(RuleViolation, match="au moins une"):
        surveys.invite_stakeholders(organisation=cast.org, emails_text=" \n", by=cast.admin)
    with pytest.raises(RuleViolation, match="administrateur"):
        surveys.invite_stakeholders(
            organisation=cast.org, emails_text="ok@exemple.test", by=cast.consultant
        )
    assert not SurveyInvitation.objects.exists()


# ---- results --------------------------------------------------------------------------------


def answer_n(cast: SimpleNamespace, n: int, kind: str = SurveyKind.STAKEHOLDER) -> None:
    for i in range(n):
        inv = invitation(cast, kind, email=f"p{i}@exemple.test")
        surveys.submit_answer(
            token=surveys.token_for(inv),
            answers={"overall": 5 if i % 2 else 3, "information": 4, "responsiveness": 4},
        )


def test_under_five_answers_the_results_are_in_the_making(cast: SimpleNamespace) -> None:
    answer_n(cast, 4)
    r = surveys.results(cast.org, SurveyKind.STAKEHOLDER)
    assert r.n == 4 and not r.enough and r.questions == [] and r.quarters == []
    client = Client()
    client.force_login(cast.consultant)
    page = text(client.get(reverse("quality:surveys") + "?kind=stakeholder"))
    assert "Résultats en cours de constitution" in page
    assert "n = 4" in page


def test_from_five_answers_the_distribution_and_the_trend_show_with_n(
    cast: SimpleNamespace,
) -> None:
    answer_n(cast, 6)
    r = surveys.results(cast.org, SurveyKind.STAKEHOLDER)
    assert r.enough and r.n == 6
    overall = next(q for q in r.questions if q.key == "overall")
    assert overall.n == 6 and overall.average == 4.0
    assert [(v, c) for v, c, _ in overall.counts] == [
        ("1", 0),
        ("2", 0),
        ("3", 3),
        ("4", 0),
        ("5", 3),
    ]
    assert r.quarters[0].n == 6 and r.quarters[0].satisfied_percent == 50
    assert surveys.results(cast.outsider_org, SurveyKind.STAKEHOLDER).n == 0
    client = Client()
    client.force_login(cast.admin)
    page = text(client.get(reverse("quality:surveys") + "?kind=stakeholder"))
    assert "n = 6" in page and "<svg" in page and "50 %" in page


# ---- permissions of the pages ---------------------------------------------------------------

PAGES = [
    ("get", "quality:home", {}),
    ("get", "quality:surveys", {}),
    ("post", "quality:survey_question_add", {"kind": "hot", "label": "Q ?", "type": "scale"}),
    ("post", "quality:survey_stakeholders", {"emails": "a@exemple.test"}),
]


@pytest.mark.parametrize(("method", "name", "data"), PAGES)
def test_the_quality_pages_need_a_staff_login(
    cast: SimpleNamespace, method: str, name: str, data: dict[str, str]
) -> None:
    client = Client()
    anonymous = getattr(client, method)(reverse(name), data)
    assert anonymous.status_code == 302 and "/compte/" in anonymous["Location"]
    for who in (cast.beneficiary, cast.outsider_beneficiary):
        client.force_login(who)
        assert getattr(client, method)(reverse(name), data).status_code == 403


def test_a_consultant_reads_the_results_but_may_not_act(cast: SimpleNamespace) -> None:
    client = Client()
    client.force_login(cast.consultant)
    page = client.get(reverse("quality:surveys"))
    assert page.status_code == 200 and "Ajouter la question" not in text(page)
    refused = client.post(
        reverse("quality:survey_question_add"), {"kind": "hot", "label": "Q ?", "type": "scale"}
    )
    assert refused.status_code == 403 and "administrateur" in text(refused)
    refused = client.post(reverse("quality:survey_stakeholders"), {"emails": "a@exemple.test"})
    assert refused.status_code == 403
    assert not SurveyInvitation.objects.exists()
    assert not QuestionSet.objects.filter(organisation=cast.org).exists()


def test_the_admin_adds_a_question_and_invites_stakeholders_from_the_page(
    cast: SimpleNamespace,
) -> None:
    client = Client()
    client.force_login(cast.admin)
    done = client.post(
        reverse("quality:survey_question_add"),
        {"kind": "cold", "label": "Avez-vous repris une formation ?", "type": "yes_no"},
    )
    assert done.status_code == 302
    assert surveys.current_question_set(cast.org, "cold").questions[-1]["type"] == "yes_no"
    bad = client.post(reverse("quality:survey_stakeholders"), {"emails": "nope"})
    assert bad.status_code == 422 and "invalide" in text(bad)
    assert "nope" in text(bad)  # what was typed is kept
    ok = client.post(reverse("quality:survey_stakeholders"), {"emails": "rh@exemple.test"})
    assert ok.status_code == 302
    assert SurveyInvitation.objects.filter(organisation=cast.org, kind="stakeholder").count() == 1


def test_an_unknown_survey_kind_is_a_404(cast: SimpleNamespace) -> None:
    client = Client()
    client.force_login(cast.admin)
    assert client.get(reverse("quality:surveys") + "?kind=nope").status_code == 404
