"""Pistes professionnelles and enquêtes métier pages, staff side (urlpatterns at the bottom),
and the forms and page logic the beneficiary's space shares (bilan/portal/views_pistes.py).

Both sides render the same templates (`base` says which layout) with URLs computed by a
`Side`; rules, permissions and audit live in bilan/careers/pistes.py and enquetes.py. The
assigned consultant reads and writes; colleagues and other organisations get a 404
(get_bilan_for_user), the administration a 403 (content, REQ-54).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan, RuleViolation
from bilan.careers import enquetes, pistes
from bilan.careers.models import (
    TEXT_MAX,
    CareerOption,
    CareerOptionKind,
    CareerOptionStatus,
    EnqueteConclusion,
    EnqueteFormat,
    EnqueteMetier,
    EnqueteStatus,
    SavedFiche,
)
from bilan.entretiens.models import AssignmentKind
from bilan.organisations.access import staff_required

# ---- forms ----------------------------------------------------------------------------------

SHORT_FIELDS = ("duration", "cost")
FREE_KIND_CHOICES = [(k.value, k.label) for k in pistes.FREE_KINDS]
HELP = {
    "attraction": _("Pourquoi cette piste attire : en quelques mots."),
    "fit_competences": _("Préremplie à partir du portefeuille de compétences ; à compléter."),
    "fit_interests": _("Préremplie à partir du test RIASEC et des centres d'intérêt choisis."),
    "fit_constraints": _("Préremplie à partir des contextes de travail à éviter."),
    "training_needed": _("Formations, diplômes ou certifications à obtenir."),
    "market_notes": _("Offres, recrutements, concurrence, dans la région visée."),
}


class PisteForm(forms.Form):
    """A piste's texts; `kind` only for the pistes outside ROME."""

    kind = forms.ChoiceField(label=_("Type de piste"), choices=FREE_KIND_CHOICES)
    title = forms.CharField(label=_("Intitulé"), max_length=pistes.TITLE_MAX, required=False)

    def __init__(self, *args, rome: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if rome:
            del self.fields["kind"]
        for name, (label, cap) in pistes.TEXT_FIELDS.items():
            widget = (
                forms.TextInput() if name in SHORT_FIELDS else forms.Textarea(attrs={"rows": 3})
            )
            self.fields[name] = forms.CharField(
                label=label,
                max_length=cap,
                required=False,
                widget=widget,
                help_text=HELP.get(name, ""),
            )

    @classmethod
    def initial_for(cls, option: CareerOption) -> dict:
        return {
            "kind": option.kind,
            "title": option.title,
            **{name: getattr(option, name) for name in pistes.TEXT_FIELDS},
        }

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in pistes.TEXT_FIELDS}


class RomeCodeForm(forms.Form):
    code_rome = forms.CharField(
        label=_("Code ROME du métier"),
        max_length=20,
        help_text=_("Par exemple K2111 ; ou partez de la fiche métier trouvée par la recherche."),
    )
    typed = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Nouveau statut"), choices=CareerOptionStatus.choices)
    reason = forms.CharField(
        label=_("Raison du changement"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire : elle reste dans l'historique de la piste."),
    )


class ValidationForm(forms.Form):
    principal = forms.TypedChoiceField(label=_("Mon projet principal"), coerce=int)
    alternatives = forms.TypedMultipleChoiceField(
        label=_("Mes alternatives"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    statement = forms.CharField(
        label=_("Mon projet, en mes mots (facultatif)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirmed = forms.BooleanField(
        label=_(
            "Je confirme que ce choix est le mien : je valide ce projet principal et ces "
            "alternatives."
        ),
        required=False,
    )

    def __init__(self, *args, options: list[CareerOption], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(o.pk, o.title) for o in options if o.status != CareerOptionStatus.DISCARDED]
        self.fields["principal"].choices = [("", "—"), *choices]
        self.fields["alternatives"].choices = choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class EnquetePlanForm(forms.Form):
    contact_name = forms.CharField(
        label=_("Qui (nom, ou description anonyme)"),
        max_length=enquetes.NAME_MAX,
        required=False,
        help_text=_("Par exemple « une infirmière libérale à Lyon »."),
    )
    contact_role = forms.CharField(label=_("Fonction"), max_length=200, required=False)
    contact_organisation = forms.CharField(label=_("Structure"), max_length=200, required=False)
    found_through = forms.CharField(
        label=_("Comment je l'ai trouvé·e"), max_length=300, required=False
    )
    contact_channel = forms.CharField(
        label=_("Moyen de contact"),
        max_length=200,
        required=False,
        help_text=_("Téléphone, courriel, LinkedIn, rencontre sur un salon…"),
    )
    planned_on = forms.DateField(label=_("Prévue le"), required=False, widget=DateInput())
    assignment = forms.ChoiceField(label=_("Travail inter-session lié"), required=False)

    def __init__(self, *args, bilan: Bilan, **kwargs) -> None:
        super().__init__(*args, **kwargs)

        work = bilan.assignments.filter(kind=AssignmentKind.ENQUETE)
        self.fields["assignment"].choices = [("", "—"), *((a.pk, a.title) for a in work)]
        if len(self.fields["assignment"].choices) == 1:
            del self.fields["assignment"]

    @classmethod
    def initial_for(cls, e: EnqueteMetier) -> dict:
        return {
            "contact_name": e.contact_name,
            "contact_role": e.contact_role,
            "contact_organisation": e.contact_organisation,
            "found_through": e.found_through,
            "contact_channel": e.contact_channel,
            "planned_on": e.planned_on,
            "assignment": e.assignment_id or "",
        }

    def args(self) -> dict:
        data = dict(self.cleaned_data)
        data["assignment_id"] = data.pop("assignment", None) or None
        return data


class RecordForm(forms.Form):
    held_on = forms.DateField(label=_("Rencontre le"), required=False, widget=DateInput())
    format = forms.ChoiceField(
        label=_("Format"), choices=[("", "—"), *EnqueteFormat.choices], required=False
    )
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), required=False, min_value=1, max_value=enquetes.MAX_MINUTES
    )
    findings = forms.CharField(
        label=_("Ce que j'ai appris"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirmed = forms.CharField(
        label=_("Représentations confirmées"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contradicted = forms.CharField(
        label=_("Représentations contredites"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    conclusion = forms.ChoiceField(
        label=_("Conclusion"),
        choices=[("", _("pas encore de conclusion")), *EnqueteConclusion.choices[1:]],
        required=False,
    )
    piste_status = forms.ChoiceField(
        label=_("Statut de la piste"),
        choices=[("", _("ne pas changer le statut")), *CareerOptionStatus.choices],
        required=False,
        help_text=_(
            "Proposé d'après la conclusion : conforte → retenue, nuance → en cours "
            "d'exploration, remet en cause → écartée. Vous choisissez."
        ),
    )
    status_reason = forms.CharField(
        label=_("Raison du changement de statut"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Laissée vide : une raison tirée de l'enquête (rencontre, conclusion)."),
    )

    def __init__(self, *args, enquete: EnqueteMetier, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(enquete.questions)
        answers = {
            f"answer_{q['id']}": forms.CharField(
                label=q["text"],
                max_length=TEXT_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            for q in self.questions
        }
        # The answers come right after the meeting's facts.
        fields = list(self.fields.items())
        self.fields = dict(fields[:3] + list(answers.items()) + fields[3:])

    @classmethod
    def initial_for(cls, e: EnqueteMetier) -> dict:
        suggested = enquetes.SUGGESTED_STATUS.get(e.conclusion, "")
        return {
            "held_on": e.held_on,
            "format": e.format,
            "duration_minutes": e.duration_minutes,
            "findings": e.findings,
            "confirmed": e.confirmed,
            "contradicted": e.contradicted,
            "conclusion": e.conclusion,
            "piste_status": "",
            "suggested": suggested,
            **{f"answer_{q['id']}": e.answers.get(q["id"], "") for q in e.questions},
        }

    def args(self) -> dict:
        data = dict(self.cleaned_data)
        data["answers"] = {q["id"]: data.pop(f"answer_{q['id']}", "") for q in self.questions}
        return data


class DebriefForm(forms.Form):
    entretien = forms.ChoiceField(label=_("Débriefée lors de l'entretien"), required=False)
    note = forms.CharField(
        label=_("Note de débriefing"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, bilan: Bilan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entretien"].choices = [
            ("", "—"),
            *(
                (e.pk, f"{e.starts_at:%d/%m/%Y} — {e.title or e.get_phase_display()}")
                for e in bilan.entretiens.order_by("starts_at")
            ),
        ]


def grid_from_post(post) -> list[dict]:
    """The grid as edited: each kept question (`text_<id>`, `order_<id>`, unless
    `remove_<id>`) in the order typed, then the new ones, one per line of `new`."""
    ids = post.getlist("question")
    rows = []
    for position, qid in enumerate(ids):
        if post.get(f"remove_{qid}"):
            continue
        try:
            order = float(post.get(f"order_{qid}", "").replace(",", "."))
        except ValueError:
            order = position + 1
        rows.append((order, position, {"id": qid, "text": post.get(f"text_{qid}", "")}))
    kept = [q for _o, _p, q in sorted(rows, key=lambda r: (r[0], r[1]))]
    new = [line for line in post.get("new", "").splitlines() if line.strip()]
    return kept + [{"text": line} for line in new]


# ---- the two sides --------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """Where the pages of one side live: staff (`careers:`) or the beneficiary's space."""

    name: str
    base: str

    @property
    def portal(self) -> bool:
        return self.name == "portal"

    def _url(self, name: str, bilan: Bilan, *ids: int) -> str:
        if self.portal:
            return reverse(f"portal:{name}", args=ids)
        return reverse(f"careers:{name}", args=[bilan.pk, *ids])

    def pistes(self, bilan: Bilan) -> str:
        return self._url("pistes", bilan)

    def piste_create(self, bilan: Bilan) -> str:
        return self._url("piste_create", bilan)

    def enquetes(self, bilan: Bilan) -> str:
        return self._url("enquetes", bilan)

    def piste(self, o: CareerOption, what: str = "piste") -> str:
        return self._url(what, o.bilan, o.pk)

    def enquete(self, e: EnqueteMetier) -> str:
        return self._url("enquete", e.career_option.bilan, e.pk)

    def validate(self, bilan: Bilan) -> str | None:
        return reverse("portal:project_validate") if self.portal else None

    def decorate(self, options: list[CareerOption]) -> list[CareerOption]:
        for o in options:
            o.url = self.piste(o)
            o.edit_url = self.piste(o, "piste_edit")
            o.status_url = self.piste(o, "piste_status")
            o.enquete_create_url = self.piste(o, "enquete_create")
            for e in o.enquetes.all():
                e.url = self.enquete(e)
        return options


STAFF = Side("staff", "base.html")
PORTAL = Side("portal", "portal/base.html")


def _common(side: Side, bilan: Bilan, user) -> dict:
    return {
        "base": side.base,
        "side": side.name,
        "bilan": bilan,
        "may_edit": pistes.may_edit(bilan, user),
        "pistes_url": side.pistes(bilan),
        "enquetes_url": side.enquetes(bilan),
        "create_url": side.piste_create(bilan),
        "validate_url": side.validate(bilan),
        "bilan_url": None if side.portal else reverse("bilans:detail", args=[bilan.pk]),
    }


def refusal_to_form(form: forms.Form, error: ValidationError) -> None:
    form.add_error(None, error)


# ---- shared page logic ----------------------------------------------------------------------


def pistes_page(
    request: HttpRequest,
    side: Side,
    bilan: Bilan,
    form: PisteForm | None = None,
    status: int = 200,
    code_form: RomeCodeForm | None = None,
) -> TemplateResponse:
    options = side.decorate(pistes.read_pistes(reader=request.user, bilan=bilan))
    validations = pistes.read_validations(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request,
        "careers/pistes.html",
        {
            **_common(side, bilan, request.user),
            "options": options,
            "validation": validations[0] if validations else None,
            "validations": validations,
            "form": form or PisteForm(),
            "code_form": code_form or RomeCodeForm(),
            "rome_versions": sorted({o.rome_version for o in options if o.code_rome}),
        },
        status=status,
    )


def create_piste(request: HttpRequest, side: Side, bilan: Bilan) -> HttpResponse:
    """POST `code_rome` (a fiche), `saved_fiche` (a fiche of the research), `match_run` +
    `code_rome` (a rapprochement) or the free fields (`kind`, `title`, texts)."""
    post = request.POST
    code = post.get("code_rome", "").strip()
    try:
        if post.get("match_run"):
            option = pistes.create_from_match(
                bilan=bilan, by=request.user, match_run_id=post["match_run"], code_rome=code
            )
        elif post.get("saved_fiche"):
            option = pistes.create_from_saved_fiche(
                bilan=bilan, by=request.user, saved_fiche_id=post["saved_fiche"]
            )
        elif code and post.get("typed"):
            # A code typed in our own form: an unknown one is a message, not a 404 page.
            code_form = RomeCodeForm(post)
            try:
                option = pistes.create_from_metier(bilan=bilan, by=request.user, code_rome=code)
            except Http404 as e:
                code_form.add_error("code_rome", str(e))
                return pistes_page(request, side, bilan, status=404, code_form=code_form)
        elif code:
            option = pistes.create_from_metier(bilan=bilan, by=request.user, code_rome=code)
        else:
            form = PisteForm(post)
            if not form.is_valid():
                return pistes_page(request, side, bilan, form, status=422)
            try:
                option = pistes.create_free(
                    bilan=bilan,
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    **form.texts(),
                )
            except ValidationError as e:
                form.add_error(None, e)
                return pistes_page(request, side, bilan, form, status=422)
    except RuleViolation as e:
        existing = _existing_for(bilan, post)
        for m in e.messages:
            (messages.info if existing else messages.error)(request, m)
        if existing is not None:
            return redirect(side.piste(existing))
        return redirect(side.pistes(bilan))
    messages.success(request, _t("Piste ajoutée : « %(title)s ».") % {"title": option.title})
    return redirect(side.piste(option))


def _existing_for(bilan: Bilan, post) -> CareerOption | None:
    code = post.get("code_rome", "")
    if post.get("saved_fiche") and not code:
        fiche = SavedFiche.objects.filter(bilan=bilan, pk=post["saved_fiche"]).first()
        code = fiche.code_rome if fiche else ""
    return pistes.existing_piste(bilan, code)


def piste_page(
    request: HttpRequest,
    side: Side,
    option: CareerOption,
    status_form: StatusForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    bilan = option.bilan
    pistes.read_piste(reader=request.user, option=option)
    side.decorate([option])
    return TemplateResponse(
        request,
        "careers/pistes_detail.html",
        {
            **_common(side, bilan, request.user),
            "option": option,
            "history": list(option.status_changes.all()),
            "enquetes": list(option.enquetes.all()),
            "status_form": status_form or StatusForm(),
        },
        status=status,
    )


def edit_piste(request: HttpRequest, side: Side, option: CareerOption) -> HttpResponse:
    bilan = option.bilan
    pistes.read_piste(reader=request.user, option=option)
    side.decorate([option])
    rome = option.kind == CareerOptionKind.ROME

    def render(form: PisteForm, status: int = 200) -> TemplateResponse:
        return TemplateResponse(
            request,
            "careers/pistes_edit.html",
            {**_common(side, bilan, request.user), "option": option, "form": form},
            status=status,
        )

    if request.method != "POST":
        return render(PisteForm(initial=PisteForm.initial_for(option), rome=rome))
    form = PisteForm(request.POST, rome=rome)
    if not form.is_valid():
        return render(form, 422)
    try:
        pistes.update_piste(
            option=option,
            by=request.user,
            title=form.cleaned_data["title"],
            kind=form.cleaned_data.get("kind"),
            **form.texts(),
        )
    except ValidationError as e:
        form.add_error(None, e)
        return render(form, 422)
    messages.success(request, _t("Piste enregistrée."))
    return redirect(side.piste(option))


def change_status(request: HttpRequest, side: Side, option: CareerOption) -> HttpResponse:
    form = StatusForm(request.POST)
    if not form.is_valid():
        return piste_page(request, side, option, form, status=422)
    try:
        pistes.change_status(
            option=option,
            by=request.user,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as e:
        form.add_error(None, e)
        return piste_page(request, side, option, form, status=422)
    messages.success(
        request, _t("Statut changé : %(status)s.") % {"status": option.get_status_display()}
    )
    return redirect(side.piste(option))


def enquetes_page(request: HttpRequest, side: Side, bilan: Bilan) -> TemplateResponse:
    items = enquetes.read_enquetes(reader=request.user, bilan=bilan)
    for e in items:
        e.url = side.enquete(e)
        e.piste_url = side.piste(e.career_option)
    return TemplateResponse(
        request,
        "careers/enquetes.html",
        {**_common(side, bilan, request.user), "enquetes": items},
    )


def create_enquete(request: HttpRequest, side: Side, option: CareerOption) -> HttpResponse:
    bilan = option.bilan
    pistes.read_piste(reader=request.user, option=option)
    side.decorate([option])

    def render(form: EnquetePlanForm, status: int = 200) -> TemplateResponse:
        return TemplateResponse(
            request,
            "careers/enquete_form.html",
            {
                **_common(side, bilan, request.user),
                "option": option,
                "form": form,
                "grid": enquetes.grid_copy(),
            },
            status=status,
        )

    if request.method != "POST":
        return render(EnquetePlanForm(bilan=bilan))
    form = EnquetePlanForm(request.POST, bilan=bilan)
    if not form.is_valid():
        return render(form, 422)
    try:
        enquete = enquetes.plan_enquete(option=option, by=request.user, **form.args())
    except ValidationError as e:
        form.add_error(None, e)
        return render(form, 422)
    messages.success(request, _t("Enquête prévue, avec la grille de questions à adapter."))
    return redirect(side.enquete(enquete))


ENQUETE_ACTIONS = ("plan", "grid", "record", "debrief", "cancel")


def enquete_page(request: HttpRequest, side: Side, enquete: EnqueteMetier) -> HttpResponse:
    """The enquête and its forms: plan, grid, record (with the piste's status), debrief
    (consultant); POST `action` says which form is sent."""
    option = enquete.career_option
    bilan = option.bilan
    user = request.user
    enquetes.read_enquete(reader=user, enquete=enquete)
    side.decorate([option])
    action = request.POST.get("action", "") if request.method == "POST" else ""
    bound = {action: request.POST} if action in ENQUETE_ACTIONS else {}
    plan_form = EnquetePlanForm(
        bound.get("plan"), bilan=bilan, initial=EnquetePlanForm.initial_for(enquete)
    )
    record_form = RecordForm(
        bound.get("record"), enquete=enquete, initial=RecordForm.initial_for(enquete)
    )
    debrief_form = DebriefForm(
        bound.get("debrief"),
        bilan=bilan,
        initial={"entretien": enquete.debrief_entretien_id or "", "note": enquete.debrief_note},
    )
    grid_error: list[str] = []
    if action:
        done, errors = _enquete_action(
            request, action, enquete, plan_form, record_form, debrief_form
        )
        if done:
            return redirect(side.enquete(enquete) + "#" + action)
        grid_error = errors
    rows, orphans = enquetes.grid_with_answers(enquete)
    # A refused grid comes back as typed.
    grid_rows = [
        {**q, "text": request.POST.get(f"text_{q['id']}", q["text"])} if action == "grid" else q
        for q in rows
    ]
    return TemplateResponse(
        request,
        "careers/enquete.html",
        {
            **_common(side, bilan, user),
            "option": option,
            "enquete": enquete,
            "rows": rows,
            "grid_rows": grid_rows,
            "question_max": enquetes.QUESTION_MAX,
            "orphans": orphans,
            "plan_form": plan_form,
            "record_form": record_form,
            "debrief_form": debrief_form,
            "grid_error": grid_error,
            "grid_post": request.POST if action == "grid" else None,
            "may_debrief": enquetes.may_debrief(bilan, user),
            "suggested": enquetes.SUGGESTED_STATUS.get(enquete.conclusion, ""),
            "action": action,
            "Status": EnqueteStatus,
        },
        status=422 if action and request.method == "POST" else 200,
    )


def _enquete_action(
    request: HttpRequest,
    action: str,
    enquete: EnqueteMetier,
    plan_form: EnquetePlanForm,
    record_form: RecordForm,
    debrief_form: DebriefForm,
) -> tuple[bool, list[str]]:
    """Run one form's act; (done, errors for the grid)."""
    user = request.user
    runs: dict[str, tuple[forms.Form | None, Callable[[], object], str]] = {
        "plan": (
            plan_form,
            lambda: enquetes.update_plan(enquete=enquete, by=user, **plan_form.args()),
            _t("Enquête enregistrée."),
        ),
        "record": (
            record_form,
            lambda: enquetes.record_enquete(enquete=enquete, by=user, **record_form.args()),
            _t("Compte rendu de l'enquête enregistré."),
        ),
        "debrief": (
            debrief_form,
            lambda: enquetes.record_debrief(
                enquete=enquete,
                by=user,
                entretien_id=debrief_form.cleaned_data["entretien"],
                note=debrief_form.cleaned_data["note"],
            ),
            _t("Débriefing enregistré."),
        ),
        "grid": (
            None,
            lambda: enquetes.update_grid(
                enquete=enquete, by=user, questions=grid_from_post(request.POST)
            ),
            _t("Grille de questions enregistrée."),
        ),
        "cancel": (
            None,
            lambda: enquetes.cancel_enquete(enquete=enquete, by=user),
            _t("Enquête annulée."),
        ),
    }
    form, run, done = runs[action]
    if form is not None and not form.is_valid():
        return False, []
    try:
        run()
    except ValidationError as e:
        if form is not None:
            form.add_error(None, e)
            return False, []
        return False, e.messages
    messages.success(request, done)
    return True, []


# ---- staff views ----------------------------------------------------------------------------


def _staff_piste(request: HttpRequest, pk: int, piste_id: int) -> CareerOption:
    return pistes.get_piste(get_bilan_for_user(request.user, pk), piste_id)


@staff_required
def bilan_pistes(request: HttpRequest, pk: int) -> HttpResponse:
    return pistes_page(request, STAFF, get_bilan_for_user(request.user, pk))


@staff_required
@require_POST
def piste_create(request: HttpRequest, pk: int) -> HttpResponse:
    return create_piste(request, STAFF, get_bilan_for_user(request.user, pk))


@staff_required
def piste_detail(request: HttpRequest, pk: int, piste_id: int) -> HttpResponse:
    return piste_page(request, STAFF, _staff_piste(request, pk, piste_id))


@staff_required
def piste_edit(request: HttpRequest, pk: int, piste_id: int) -> HttpResponse:
    return edit_piste(request, STAFF, _staff_piste(request, pk, piste_id))


@staff_required
@require_POST
def piste_status(request: HttpRequest, pk: int, piste_id: int) -> HttpResponse:
    return change_status(request, STAFF, _staff_piste(request, pk, piste_id))


@staff_required
def bilan_enquetes(request: HttpRequest, pk: int) -> HttpResponse:
    return enquetes_page(request, STAFF, get_bilan_for_user(request.user, pk))


@staff_required
def enquete_create(request: HttpRequest, pk: int, piste_id: int) -> HttpResponse:
    return create_enquete(request, STAFF, _staff_piste(request, pk, piste_id))


@staff_required
def enquete_detail(request: HttpRequest, pk: int, enquete_id: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    return enquete_page(request, STAFF, enquetes.get_enquete(bilan, enquete_id))


urlpatterns: list = [
    path("bilan/<int:pk>/pistes/", bilan_pistes, name="pistes"),
    path("bilan/<int:pk>/pistes/creer/", piste_create, name="piste_create"),
    path("bilan/<int:pk>/pistes/<int:piste_id>/", piste_detail, name="piste"),
    path("bilan/<int:pk>/pistes/<int:piste_id>/modifier/", piste_edit, name="piste_edit"),
    path("bilan/<int:pk>/pistes/<int:piste_id>/statut/", piste_status, name="piste_status"),
    path(
        "bilan/<int:pk>/pistes/<int:piste_id>/enquetes/nouvelle/",
        enquete_create,
        name="enquete_create",
    ),
    path("bilan/<int:pk>/enquetes/", bilan_enquetes, name="enquetes"),
    path("bilan/<int:pk>/enquetes/<int:enquete_id>/", enquete_detail, name="enquete"),
]
