"""Interview guides: staff read them; the organisation's admin copies the default guide and
edits the copy, each save making a new version (see urlpatterns at the bottom)."""

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
from django.views.decorators.http import require_POST

from bilan.bilans.models import Phase
from bilan.entretiens import guides
from bilan.entretiens.guides import CLOSING_ITEMS, OBJECTIVES
from bilan.entretiens.models import InterviewGuide
from bilan.organisations.access import require_membership, staff_required
from bilan.organisations.models import Role

TEXT = {"maxlength": 1000}


class NewInterviewForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    title = forms.CharField(
        label=_("Intitulé"),
        max_length=200,
        help_text=_("Par exemple « Entretien d'exploration du réseau »."),
    )


class InterviewForm(forms.Form):
    """One interview of a guide: every text editable, with « Retirer » boxes and « Ajouter »
    fields; the up/down buttons post `move=<question id>:up|down` with the rest of the form, so
    pending rewordings are kept."""

    def __init__(self, interview: dict, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.interview = interview
        self.fields["title"] = forms.CharField(
            label=_("Intitulé de l'entretien"), max_length=200, initial=interview["title"]
        )
        for kind, prefix in ((OBJECTIVES, "o"), (CLOSING_ITEMS, "c")):
            for item in interview.get(kind, []):
                self._item_fields(f"{prefix}__{item['id']}", item["text"])
        for group in interview.get("question_groups", []):
            self.fields[f"g__{group['id']}"] = forms.CharField(
                label=_("Titre du groupe"), max_length=200, initial=group["title"]
            )
            for question in group.get("questions", []):
                self._item_fields(f"q__{question['id']}", question["text"])
            self.fields[f"new_q__{group['id']}"] = forms.CharField(
                label=_("Ajouter une question"), required=False, widget=forms.TextInput(TEXT)
            )
        self.fields["new_objective"] = forms.CharField(
            label=_("Ajouter un objectif"), required=False, widget=forms.TextInput(TEXT)
        )
        self.fields["new_closing"] = forms.CharField(
            label=_("Ajouter un élément de conclusion"),
            required=False,
            widget=forms.TextInput(TEXT),
        )
        self.fields["new_group"] = forms.CharField(
            label=_("Ajouter un groupe de questions"),
            required=False,
            max_length=200,
            help_text=_("Son titre, par exemple « Questions sur le réseau »."),
        )

    def _item_fields(self, name: str, text: str) -> None:
        self.fields[name] = forms.CharField(
            label=_("Texte"), required=False, initial=text, widget=forms.TextInput(TEXT)
        )
        self.fields[f"{name}__remove"] = forms.BooleanField(label=_("Retirer"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        for name in list(self.fields):
            if name.count("__") == 1 and name[:2] in ("o_", "c_", "q_") and name in data:
                if not data[name].strip() and not data.get(f"{name}__remove"):
                    self.add_error(name, _t("Complétez ce texte ou cochez « Retirer »."))
        move = self.data.get("move", "")
        question, _sep, direction = move.rpartition(":")
        if move and direction not in ("up", "down"):
            raise ValidationError(_t("Déplacement inconnu."))
        data["move"] = (question, -1 if direction == "up" else 1) if move else None
        return data

    def layout(self) -> dict:
        """The bound fields in the interview's order, for the template."""

        def item(name: str, item_id: str, **extra) -> dict:
            return {"id": item_id, "text": self[name], "remove": self[f"{name}__remove"], **extra}

        groups = []
        for group in self.interview.get("question_groups", []):
            questions = group.get("questions", [])
            groups.append(
                {
                    "id": group["id"],
                    "title": self[f"g__{group['id']}"],
                    "questions": [
                        item(
                            f"q__{q['id']}",
                            q["id"],
                            first=n == 0,
                            last=n == len(questions) - 1,
                        )
                        for n, q in enumerate(questions)
                    ],
                    "new": self[f"new_q__{group['id']}"],
                }
            )
        return {
            "title": self["title"],
            "objectives": [
                item(f"o__{o['id']}", o["id"]) for o in self.interview.get(OBJECTIVES, [])
            ],
            "groups": groups,
            "closing": [
                item(f"c__{c['id']}", c["id"]) for c in self.interview.get(CLOSING_ITEMS, [])
            ],
            "new_objective": self["new_objective"],
            "new_closing": self["new_closing"],
            "new_group": self["new_group"],
        }

    def edited(self, content: dict) -> dict:
        """`content` with this interview's changes: rewordings, the move, additions, then
        removals, each through the pure editors of bilan.entretiens.guides."""
        data, key = self.cleaned_data, self.interview["key"]
        if data["title"].strip() != self.interview["title"]:
            content = guides.retitle_interview(content, interview=key, title=data["title"])
        for kind, prefix in ((OBJECTIVES, "o"), (CLOSING_ITEMS, "c")):
            for it in self.interview.get(kind, []):
                name = f"{prefix}__{it['id']}"
                if not data[f"{name}__remove"] and data[name].strip() != it["text"]:
                    content = guides.reword_item(
                        content, interview=key, kind=kind, item=it["id"], text=data[name]
                    )
        for group in self.interview.get("question_groups", []):
            if data[f"g__{group['id']}"].strip() != group["title"]:
                content = guides.retitle_question_group(
                    content, interview=key, group=group["id"], title=data[f"g__{group['id']}"]
                )
            for q in group.get("questions", []):
                name = f"q__{q['id']}"
                if not data[f"{name}__remove"] and data[name].strip() != q["text"]:
                    content = guides.reword_question(
                        content, interview=key, question=q["id"], text=data[name]
                    )
        if data["move"]:
            question, offset = data["move"]
            content = guides.move_question(content, interview=key, question=question, offset=offset)
        # Additions before removals, so a new item never takes the id of one just removed.
        for group in self.interview.get("question_groups", []):
            if data[f"new_q__{group['id']}"].strip():
                content = guides.add_question(
                    content, interview=key, group=group["id"], text=data[f"new_q__{group['id']}"]
                )
        if data["new_objective"].strip():
            content = guides.add_item(
                content, interview=key, kind=OBJECTIVES, text=data["new_objective"]
            )
        if data["new_closing"].strip():
            content = guides.add_item(
                content, interview=key, kind=CLOSING_ITEMS, text=data["new_closing"]
            )
        if data["new_group"].strip():
            content = guides.add_question_group(content, interview=key, title=data["new_group"])
        for kind, prefix in ((OBJECTIVES, "o"), (CLOSING_ITEMS, "c")):
            for it in self.interview.get(kind, []):
                if data[f"{prefix}__{it['id']}__remove"]:
                    content = guides.remove_item(content, interview=key, kind=kind, item=it["id"])
        for group in self.interview.get("question_groups", []):
            for q in group.get("questions", []):
                if data[f"q__{q['id']}__remove"]:
                    content = guides.remove_question(content, interview=key, question=q["id"])
        return content


def _may_edit(request: HttpRequest, guide: InterviewGuide) -> bool:
    membership = request.user.membership
    return (
        membership.role == Role.ADMIN
        and guide.organisation_id == membership.organisation_id
        and guide.is_current
    )


def _editable_guide(request: HttpRequest, pk: int) -> InterviewGuide:
    return guides.editable_guide_for(request.user, pk)


def _saved(request: HttpRequest, guide: InterviewGuide) -> None:
    messages.success(request, _t("Version %(v)s enregistrée.") % {"v": guide.version})


@staff_required
def guide_list(request: HttpRequest) -> HttpResponse:
    organisation = request.user.membership.organisation
    visible = list(guides.visible_guides(organisation))
    own = [g for g in visible if g.organisation_id is not None]
    return TemplateResponse(
        request,
        "entretiens/guides_list.html",
        {
            "defaults": [g for g in visible if g.organisation_id is None],
            "own": own,
            "current": guides.current_guide_for(organisation),
            "may_copy": request.user.membership.role == Role.ADMIN and not own,
        },
    )


def _detail(
    request: HttpRequest,
    guide: InterviewGuide,
    interview_form: NewInterviewForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    membership = request.user.membership
    may_edit = _may_edit(request, guide)
    return TemplateResponse(
        request,
        "entretiens/guides_detail.html",
        {
            "guide": guide,
            "interviews": [
                {**i, "phase_label": Phase(i["phase"]).label if i["phase"] in Phase.values else ""}
                for i in guide.interviews()
            ],
            "may_edit": may_edit,
            "may_copy": (
                guide.organisation_id is None
                and membership.role == Role.ADMIN
                and not InterviewGuide.objects.filter(
                    organisation_id=membership.organisation_id
                ).exists()
            ),
            "current": guides.current_guide_for(membership.organisation),
            "interview_form": interview_form or (NewInterviewForm() if may_edit else None),
        },
        status=status,
    )


@staff_required
def guide_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, guides.get_guide_for_user(request.user, pk))


@staff_required
@require_POST
def guide_copy(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request.user, Role.ADMIN)
    try:
        guide = guides.copy_default_guide(
            organisation=membership.organisation, acting_user=request.user
        )
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
        return redirect("entretiens:guide_list")
    messages.success(
        request,
        _t("Guide par défaut copié pour votre organisme : vous pouvez maintenant le modifier."),
    )
    return redirect("entretiens:guide_detail", pk=guide.pk)


@staff_required
@require_POST
def guide_add_interview(request: HttpRequest, pk: int) -> HttpResponse:
    guide = _editable_guide(request, pk)
    form = NewInterviewForm(request.POST)
    if form.is_valid():
        try:
            content, key = guides.add_interview(guide.content, **form.cleaned_data)
            new = guides.edit_guide(guide, acting_user=request.user, content=content)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            _saved(request, new)
            return redirect("entretiens:guide_edit", pk=new.pk, key=key)
    return _detail(request, guide, interview_form=form, status=422)


@staff_required
def guide_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    guide = _editable_guide(request, pk)
    interview = guide.interview(key)
    if interview is None:
        raise Http404
    if request.method == "GET" and not guide.is_current:
        current = guides.current_guide_for(guide.organisation)
        if current.interview(key) is None:
            return redirect("entretiens:guide_detail", pk=current.pk)
        messages.info(
            request,
            _t("La version %(v)s est celle en usage : c'est elle que vous modifiez.")
            % {"v": current.version},
        )
        return redirect("entretiens:guide_edit", pk=current.pk, key=key)
    form = InterviewForm(interview, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new = guides.edit_guide(
                    guide, acting_user=request.user, content=form.edited(guide.content)
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                _saved(request, new)
                return redirect("entretiens:guide_edit", pk=new.pk, key=key)
        status = 422
    return TemplateResponse(
        request,
        "entretiens/guides_edit.html",
        {
            "guide": guide,
            "interview": interview,
            "phase_label": Phase(interview["phase"]).label,
            "form": form,
            "fields": form.layout(),
        },
        status=status,
    )


urlpatterns = [
    path("guides/", guide_list, name="guide_list"),
    path("guides/copier/", guide_copy, name="guide_copy"),
    path("guides/<int:pk>/", guide_detail, name="guide_detail"),
    path("guides/<int:pk>/nouvel-entretien/", guide_add_interview, name="guide_add_interview"),
    path("guides/<int:pk>/entretiens/<slug:key>/", guide_edit, name="guide_edit"),
]
