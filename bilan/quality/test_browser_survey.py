"""In a real Chromium on a phone (390 px): the beneficiary opens the « à chaud » link of the
e-mail, without logging in, answers every question with taps, and sends it once."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from bilan.demo.testing import close
from bilan.quality import referential
from bilan.quality.models import SurveyAnswer, SurveyInvitation, SurveyKind
from bilan.quality.tasks import send_survey_emails

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _seeded(transactional_db: None) -> None:
    """The live server's database is flushed between tests: the data migration's rows too."""
    referential.seed()
    referential.seed_questions()


@pytest.mark.browser
def test_the_beneficiary_answers_the_hot_survey_on_a_phone(
    live_server: Any, page: Any, cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    close(cast.bilan, monkeypatch)
    mail.outbox.clear()
    assert send_survey_emails() == 1
    path = re.search(r"https?://[^/\s]+(/espace/enquete/[^\s]+/)", str(mail.outbox[0].body))
    assert path is not None
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + path.group(1))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Votre avis")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Envoyer mes réponses").click()  # the browser asks first
    assert not SurveyAnswer.objects.exists()
    for group in page.locator("fieldset.scale").all():
        options = group.get_by_role("radio")
        options.nth(options.count() - 1 if options.count() == 5 else 0).check()
    page.get_by_label("Ce que vous voudriez nous dire librement").fill("Un vrai tournant, merci.")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci pour votre avis")
    answer = SurveyAnswer.objects.get()
    assert answer.kind == SurveyKind.HOT
    assert answer.answers["overall"] == 5 and answer.answers["recommend"] == "yes"
    assert answer.answers["comment"] == "Un vrai tournant, merci."
    assert SurveyInvitation.objects.get(bilan=cast.bilan, kind=SurveyKind.HOT).answered
    page.goto(live_server.url + path.group(1))  # the link works once
    expect(page.get_by_role("status")).to_contain_text("déjà répondu")
