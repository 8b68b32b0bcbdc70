"""The satisfaction survey's answer page: reached from the e-mailed signed link, without
logging in (the link is the key, and it works once). Rules in bilan/quality/surveys.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bilan.bilans.models import RuleViolation
from bilan.quality import surveys
from bilan.quality.models import QuestionType, SurveyInvitation

ANSWER = "quality/survey_answer.html"
GONE = "quality/survey_gone.html"


def form_questions(invitation: SurveyInvitation, given: dict[str, str]) -> list[dict[str, Any]]:
    questions: list[dict[str, str]] = invitation.question_set.questions
    return [
        {
            **q,
            "value": given.get(q["key"], ""),
            "options": (
                [str(n) for n in surveys.SCALE]
                if q["type"] == QuestionType.SCALE
                else [("yes", "Oui"), ("no", "Non")]
                if q["type"] == QuestionType.YES_NO
                else []
            ),
        }
        for q in questions
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = surveys.open_link(token)
    except surveys.LinkRefused as refused:
        return TemplateResponse(
            request, GONE, {"message": refused.message, "answered": refused.answered}, status=410
        )
    given: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        given = {
            q["key"]: request.POST.get(q["key"], "") for q in invitation.question_set.questions
        }
        try:
            surveys.submit_answer(token=token, answers=given)
        except RuleViolation as exc:
            error = " ".join(exc.messages)
        except surveys.LinkRefused as refused:
            return TemplateResponse(
                request,
                GONE,
                {"message": refused.message, "answered": refused.answered},
                status=410,
            )
        else:
            return TemplateResponse(
                request, "quality/survey_thanks.html", {"invitation": invitation}
            )
    return TemplateResponse(
        request,
        ANSWER,
        {
            "invitation": invitation,
            "questions": form_questions(invitation, given),
            "error": error,
        },
        status=422 if error else 200,
    )


urlpatterns: list[Any] = [
    path("enquete/<str:token>/", answer, name="survey_answer"),
]
