"""The beneficiary's space: their tests — presentation, passation page by page with autosave,
results with charts, their comment, the PDF (see urlpatterns at the bottom)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.assessments.administrations import (
    HEALTH_CONSENT_TEXT,
    any_report,
    comment_result,
    competences_to_rate,
    decline_test,
    get_administration_for_user,
    item_number,
    result_of,
    save_answers,
    save_ratings,
    save_values,
    sort_progress,
    start_test,
    submit_sort,
    submit_test,
    withdraw_health_consent,
)
from bilan.assessments.instruments import UnknownInstrument, get_instrument, latest_instruments
from bilan.assessments.models import AdministrationStatus, AgeBand, Sex
from bilan.assessments.reports import result_pdf
from bilan.assessments.sorts import SORT_FAMILIES, health_constraint, missing_cards, missing_ratings
from bilan.bilans.models import Bilan
from bilan.organisations.access import beneficiary_required

PAGE_SIZE = 12


class StartForm(forms.Form):
    norm_sex = forms.ChoiceField(
        label=_("Groupe de comparaison"), choices=Sex.choices, required=False
    )
    norm_age_band = forms.ChoiceField(
        label=_("Tranche d'âge"),
        choices=[("", _("je préfère ne pas préciser (pas de comparaison)")), *AgeBand.choices],
        required=False,
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi, si vous le souhaitez (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment je me reconnais dans ces résultats"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def current_bilan(request: HttpRequest) -> Bilan:
    current = Bilan.objects.current_for(request.user)
    if current is None:
        raise Http404
    return current


def instrument_for_page(code: str):
    try:
        instrument = get_instrument(code)
    except UnknownInstrument:
        raise Http404 from None
    if not instrument.answered_by_item and instrument.family not in SORT_FAMILIES:
        raise Http404
    return instrument


@beneficiary_required
def test_list(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    latest_by_code: dict = {}
    for administration in bilan.tests.select_related("result").order_by("started_at", "id"):
        latest_by_code[administration.instrument_code] = administration
    rows = []
    for instrument in latest_instruments():
        if not instrument.answered_by_item and instrument.family not in SORT_FAMILIES:
            continue
        administration = latest_by_code.get(instrument.code)
        row = {"instrument": instrument, "administration": administration}
        if instrument.family in SORT_FAMILIES:
            row["sort"] = True
            if administration and administration.status == AdministrationStatus.IN_PROGRESS:
                done, total = sort_progress(administration)
                row["progress"] = round(100 * done / total) if total else 0
        rows.append(row)
    return TemplateResponse(request, "portal/tests.html", {"bilan": bilan, "rows": rows})


@beneficiary_required
def test_about(request: HttpRequest, code: str) -> HttpResponse:
    bilan = current_bilan(request)
    instrument = instrument_for_page(code)
    start_form, decline_form = StartForm(), DeclineForm()
    if request.method == "POST":
        try:
            if "decline" in request.POST:
                decline_form = DeclineForm(request.POST)
                if decline_form.is_valid():
                    decline_test(
                        bilan=bilan,
                        by=request.user,
                        code=code,
                        reason=decline_form.cleaned_data["reason"],
                        sorts=True,
                    )
                    messages.success(
                        request,
                        _t(
                            "C'est noté : vous ne passez pas ce test. Votre bilan continue sans lui."
                        ),
                    )
                    return redirect("portal:tests")
            else:
                start_form = StartForm(request.POST)
                if start_form.is_valid():
                    administration = start_test(
                        bilan=bilan,
                        by=request.user,
                        code=code,
                        sorts=True,
                        **start_form.cleaned_data,
                    )
                    return redirect("portal:test_take", administration.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
    return TemplateResponse(
        request,
        "portal/test_about.html",
        {
            "bilan": bilan,
            "instrument": instrument,
            "start_form": start_form,
            "decline_form": decline_form,
            "asks_norms": bool(instrument.norms),
        },
        status=422 if request.method == "POST" else 200,
    )


def page_of(administration, page: int) -> dict:
    instrument = administration.instrument
    items = instrument.items
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return {
        "page": page,
        "pages": pages,
        "items": [
            {
                **item,
                "number": (page - 1) * PAGE_SIZE + i + 1,
                "answer": administration.answers.get(item["id"]),
            }
            for i, item in enumerate(chunk)
        ],
        "scale": instrument.data["response_scale"],
    }


def as_page(value: str | None) -> int | None:
    """A page number from the query or the form; anything else is ignored (page clamped later)."""
    return int(value) if value and value.isdecimal() and len(value) < 6 else None


def first_unanswered_page(administration) -> int:
    for index, item_id in enumerate(administration.instrument.item_ids):
        if item_id not in administration.answers:
            return index // PAGE_SIZE + 1
    return max(1, -(-len(administration.instrument.item_ids) // PAGE_SIZE))


@beneficiary_required
def test_take(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of items; the test resumes at the first unanswered page."""
    administration = get_administration_for_user(request.user, pk)
    if administration.status == AdministrationStatus.SUBMITTED:
        return redirect("portal:test_result", administration.pk)
    if administration.status != AdministrationStatus.IN_PROGRESS:
        raise Http404
    if administration.instrument.family in SORT_FAMILIES:
        return sort_take(request, administration)
    page = as_page(request.GET.get("page")) or first_unanswered_page(administration)
    status = 200
    if request.method == "POST":
        page = as_page(request.POST.get("page")) or page
        answers = {}
        for key, value in request.POST.items():
            if key.startswith("item-"):
                try:
                    answers[key[5:]] = int(value)
                except ValueError:
                    answers[key[5:]] = value
        try:
            save_answers(administration=administration, by=request.user, answers=answers)
            if request.htmx:
                return TemplateResponse(
                    request,
                    "portal/test_take.html#progress",
                    {"administration": administration, "saved": True},
                )
            if "finish" in request.POST:
                submit_test(administration=administration, by=request.user)
                messages.success(request, _t("Merci ! Vos résultats sont prêts."))
                return redirect("portal:test_result", administration.pk)
            target = (
                page + 1
                if "next" in request.POST
                else page - 1
                if "previous" in request.POST
                else page
            )
            return redirect(f"{request.path}?page={target}")
        except ValidationError as error:
            status = 422
            if request.htmx:
                return TemplateResponse(
                    request,
                    "portal/test_take.html#progress",
                    {"administration": administration, "error": " ".join(error.messages)},
                    status=422,
                )
            for message in error.messages:
                messages.error(request, message)
            administration.refresh_from_db()
    return TemplateResponse(
        request,
        "portal/test_take.html",
        {
            "administration": administration,
            "instrument": administration.instrument,
            **page_of(administration, page),
            "missing": [
                item_number(administration.instrument, i)
                for i in administration.instrument.item_ids
                if i not in administration.answers
            ],
        },
        status=status,
    )


@beneficiary_required
def test_result(request: HttpRequest, pk: int) -> HttpResponse:
    administration = get_administration_for_user(request.user, pk)
    result = result_of(administration)
    if administration.instrument.family in SORT_FAMILIES and "withdraw_health" in request.POST:
        try:
            withdraw_health_consent(administration=administration, by=request.user)
            messages.success(request, _t("Vos informations de santé sont effacées."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("portal:test_result", administration.pk)
    form = CommentForm(initial={"comment": result.beneficiary_comment})
    status = 200
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comment_result(result=result, by=request.user, text=form.cleaned_data["comment"])
                messages.success(request, _t("Votre commentaire est enregistré."))
                return redirect("portal:test_result", administration.pk)
            except ValidationError as error:
                form.add_error(None, error)
        status = 422
    return TemplateResponse(
        request,
        "portal/test_result.html",
        {"r": any_report(result, request.user), "form": form, "administration": administration},
        status=status,
    )


@beneficiary_required
def test_result_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    administration = get_administration_for_user(request.user, pk)
    result = result_of(administration)
    response = HttpResponse(result_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="resultats-{administration.instrument_code}-{administration.pk}.pdf"'
    )
    return response


# ---- the card sorts: valeurs professionnelles, auto-évaluation des compétences -----------


def sort_take(request: HttpRequest, administration) -> HttpResponse:
    """One page: every card (or competence) with a radio per category (or level); the whole
    form is posted on each change (htmx) or on « Enregistrer », works without JavaScript."""
    family = administration.instrument.family
    data = administration.instrument.data
    status = 200
    if request.method == "POST":
        had_consent = "health_consent" in administration.answers
        try:
            if family == "values":
                consent = "health_consent" in request.POST
                save_values(
                    administration=administration,
                    by=request.user,
                    cards={k[5:]: v for k, v in request.POST.items() if k.startswith("card-")},
                    non_negotiables=request.POST.get("non_negotiables", ""),
                    constraints={
                        k[11:]: v for k, v in request.POST.items() if k.startswith("constraint-")
                    },
                    health_consent=consent,
                )
            else:
                save_ratings(
                    administration=administration,
                    by=request.user,
                    ratings={k[5:]: v for k, v in request.POST.items() if k.startswith("rate-")},
                )
            if request.htmx:
                response = TemplateResponse(
                    request,
                    "portal/values_take.html#progress"
                    if family == "values"
                    else "portal/self_assessment_take.html#progress",
                    {"progress": sort_progress(administration), "saved": True},
                )
                if ("health_consent" in administration.answers) != had_consent:
                    response["HX-Refresh"] = "true"  # show or hide the health field
                return response
            if "finish" in request.POST:
                submit_sort(administration=administration, by=request.user)
                messages.success(request, _t("Merci ! Votre bilan de l'exercice est prêt."))
                return redirect("portal:test_result", administration.pk)
            messages.success(request, _t("Vos réponses sont enregistrées."))
            return redirect("portal:test_take", administration.pk)
        except ValidationError as error:
            status = 422
            if request.htmx:
                return TemplateResponse(
                    request,
                    "portal/values_take.html#progress"
                    if family == "values"
                    else "portal/self_assessment_take.html#progress",
                    {
                        "progress": sort_progress(administration),
                        "error": " ".join(error.messages),
                    },
                    status=422,
                )
            for message in error.messages:
                messages.error(request, message)
            administration.refresh_from_db()
    answers = administration.answers
    context = {
        "administration": administration,
        "instrument": administration.instrument,
        "progress": sort_progress(administration),
    }
    if family == "values":
        placed = answers.get("cards", {})
        health = health_constraint(data)
        context.update(
            cards=[{**c, "answer": placed.get(c["id"])} for c in data["cards"]],
            categories=data["categories"],
            non_negotiables=answers.get("non_negotiables", ""),
            constraints=[
                {**c, "answer": answers.get("constraints", {}).get(c["id"], "")}
                for c in data["constraints"]
                if not c.get("sensitive")
            ],
            health=health,
            health_consent=answers.get("health_consent"),
            health_answer=answers.get("constraints", {}).get(health["id"], "") if health else "",
            health_consent_text=HEALTH_CONSENT_TEXT,
            missing=missing_cards(data, answers),
        )
        template = "portal/values_take.html"
    else:
        competences = competences_to_rate(administration)
        rated = answers.get("ratings", {})
        context.update(
            competences=[{**c, "answer": rated.get(c["key"])} for c in competences],
            levels=data["levels"],
            missing=missing_ratings(competences, answers),
        )
        template = "portal/self_assessment_take.html"
    return TemplateResponse(request, template, context, status=status)


urlpatterns = [
    path("tests/", test_list, name="tests"),
    path("tests/<slug:code>/", test_about, name="test_about"),
    path("tests/passation/<int:pk>/", test_take, name="test_take"),
    path("tests/resultats/<int:pk>/", test_result, name="test_result"),
    path("tests/resultats/<int:pk>/pdf/", test_result_pdf, name="test_result_pdf"),
]
