"""Interview guides: which version applies, copying the default, and editing by new versions.

The content editors (add_question, reword_question, …) are pure: they take a guide's `content`
dict and return a new one, never touching the input. `edit_guide` validates the result and
stores it as the next version; the previous row stays for the entretiens that used it.
"""

from __future__ import annotations

import copy
import re

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _t

from bilan.bilans.models import Phase, RuleViolation
from bilan.entretiens.models import InterviewGuide
from bilan.organisations.access import require_membership
from bilan.organisations.models import Membership, Organisation, Role

DEFAULT_NAME = "Guide d'entretien du bilan de compétences"

# Item lists of an interview, with their id prefix.
OBJECTIVES = "objectives"
CLOSING_ITEMS = "closing_items"
ITEM_PREFIX = {OBJECTIVES: "o", CLOSING_ITEMS: "c"}


# ---- which guide ----------------------------------------------------------------------


def default_guide() -> InterviewGuide:
    """The product's default guide (seed 004), loaded by migration 0003_default_guide."""
    guide = (
        InterviewGuide.objects.filter(organisation=None, name=DEFAULT_NAME, is_current=True)
        .order_by("-version")
        .first()
    )
    # A database flushed after its migrations ran (live-server tests) lost the row: reload it.
    return guide or load_default_guide()


def load_default_guide() -> InterviewGuide:
    """Create version 1 of the default guide from its committed data file, if missing."""
    import json
    from pathlib import Path

    data = Path(__file__).resolve().parent / "data" / "default_guide_v1.json"
    guide, _created = InterviewGuide.objects.get_or_create(
        organisation=None,
        name=DEFAULT_NAME,
        version=1,
        defaults={
            "is_current": True,
            "content": json.loads(data.read_text(encoding="utf-8")),
            "source": "Support pour les entretiens du bilan de compétences (seed 004)",
        },
    )
    return guide


def current_guide_for(organisation: Organisation) -> InterviewGuide:
    """The organisation's current version if it has copied the default guide, else the default."""
    own = (
        InterviewGuide.objects.filter(organisation=organisation, is_current=True)
        .order_by("-version")
        .first()
    )
    return own or default_guide()


def visible_guides(organisation: Organisation) -> QuerySet[InterviewGuide]:
    """The default guide and every version of the organisation's own, newest first."""
    return (
        InterviewGuide.objects.filter(Q(organisation=None) | Q(organisation=organisation))
        .select_related("created_by", "based_on")
        # Meta.ordering: the default guide first (NULLs sort last on PostgreSQL otherwise).
        .order_by(*InterviewGuide._meta.ordering)
    )


def get_guide_for_user(user, pk: int) -> InterviewGuide:
    """The guide `pk` if the user's organisation may read it (staff only), else 404."""
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_staff_side:
        raise Http404
    try:
        return visible_guides(membership.organisation).get(pk=pk)
    except (InterviewGuide.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def editable_guide_for(user, pk: int) -> InterviewGuide:
    """The organisation's own guide version `pk`, for its admin (403 for anyone else on the
    staff side); the default guide, or another organisation's, is not editable here (404)."""
    require_membership(user, Role.ADMIN)
    guide = get_guide_for_user(user, pk)
    if guide.organisation_id is None:
        raise Http404
    return guide


def _require_admin(user, organisation: Organisation) -> None:
    is_admin = Membership.objects.active().filter(
        user=user, organisation=organisation, role=Role.ADMIN
    )
    if not is_admin.exists():
        raise RuleViolation(
            _t("Seule l'administration de l'organisme peut modifier ses guides d'entretien."),
            code="forbidden",
        )


# ---- copying and editing: each change is a new version ---------------------------------


def copy_default_guide(*, organisation: Organisation, acting_user) -> InterviewGuide:
    """Version 1 of the organisation's own guide, a copy of the current default."""
    _require_admin(acting_user, organisation)
    with transaction.atomic():
        # Lock the organisation row so two admins clicking together make one copy.
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        if InterviewGuide.objects.filter(organisation=organisation).exists():
            raise RuleViolation(
                _t("Votre organisme a déjà sa copie du guide : modifiez-la plutôt.")
            )
        default = default_guide()
        return InterviewGuide.objects.create(
            organisation=organisation,
            name=default.name,
            version=1,
            based_on=default,
            is_current=True,
            content=copy.deepcopy(default.content),
            source=default.source,
            created_by=acting_user,
        )


def edit_guide(guide: InterviewGuide, *, acting_user, content: dict) -> InterviewGuide:
    """Store `content` as version N+1 of `guide`, which must be its organisation's current one."""
    if guide.organisation_id is None:
        raise RuleViolation(
            _t("Le guide par défaut ne se modifie pas : copiez-le pour votre organisme.")
        )
    _require_admin(acting_user, guide.organisation)
    validate_content(content)
    if content == guide.content:
        raise RuleViolation(_t("Aucune modification à enregistrer."), code="invalid")
    with transaction.atomic():
        current = (
            InterviewGuide.objects.select_for_update()
            .filter(organisation_id=guide.organisation_id, name=guide.name, is_current=True)
            .first()
        )
        if current is None or current.pk != guide.pk:
            raise RuleViolation(
                _t(
                    "Ce guide a été modifié entre-temps (version %(v)s en usage) : "
                    "rechargez la page et refaites vos changements."
                )
                % {"v": current.version if current else "?"}
            )
        # The one field that moves on an existing version (save() refuses any change).
        InterviewGuide.objects.filter(pk=current.pk).update(is_current=False)
        return InterviewGuide.objects.create(
            organisation_id=guide.organisation_id,
            name=guide.name,
            version=guide.version + 1,
            based_on=current,
            is_current=True,
            content=copy.deepcopy(content),
            source=guide.source,
            created_by=acting_user,
        )


# ---- validation ----------------------------------------------------------------------


def _invalid(message: str) -> RuleViolation:
    return RuleViolation(message, code="invalid")


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def validate_content(content: object) -> None:
    """Refuse a guide content that the pages could not show, with a French message."""
    interviews = content.get("interviews") if isinstance(content, dict) else None
    if not isinstance(interviews, list) or not interviews:
        raise _invalid(_t("Un guide doit comporter au moins un entretien."))
    keys: set[str] = set()
    for interview in interviews:
        if not isinstance(interview, dict) or not _text(interview.get("key")):
            raise _invalid(_t("Chaque entretien du guide doit avoir une clé."))
        key = interview["key"]
        if key in keys:
            raise _invalid(_t("La clé d'entretien « %(key)s » est en double.") % {"key": key})
        keys.add(key)
        if interview.get("phase") not in Phase.values:
            raise _invalid(
                _t("L'entretien « %(key)s » doit être rattaché à une phase du bilan.")
                % {"key": key}
            )
        if not _text(interview.get("title")):
            raise _invalid(_t("L'entretien « %(key)s » doit avoir un intitulé.") % {"key": key})
        _validate_items(interview, key)


def _validate_items(interview: dict, key: str) -> None:
    ids: set[str] = set()

    def check(item: object, what: str) -> None:
        if not isinstance(item, dict) or not _text(item.get("id")):
            raise _invalid(
                _t("Un élément de l'entretien « %(key)s » n'a pas d'identifiant.") % {"key": key}
            )
        if item["id"] in ids:
            raise _invalid(
                _t("L'identifiant « %(id)s » est en double dans l'entretien « %(key)s ».")
                % {"id": item["id"], "key": key}
            )
        ids.add(item["id"])
        if not _text(item.get(what)):
            raise _invalid(
                _t("Un texte est vide dans l'entretien « %(key)s » : complétez-le ou retirez-le.")
                % {"key": key}
            )

    for name in (OBJECTIVES, CLOSING_ITEMS, "question_groups"):
        if not isinstance(interview.get(name, []), list):
            raise _invalid(_t("L'entretien « %(key)s » est mal formé.") % {"key": key})
    for item in interview.get(OBJECTIVES, []):
        check(item, "text")
    for item in interview.get(CLOSING_ITEMS, []):
        check(item, "text")
    for group in interview.get("question_groups", []):
        check(group, "title")
        questions = group.get("questions", [])
        if not isinstance(questions, list):
            raise _invalid(_t("L'entretien « %(key)s » est mal formé.") % {"key": key})
        for question in questions:
            check(question, "text")


# ---- pure editors of a guide's content ----------------------------------------------------


def _interview(content: dict, key: str) -> dict:
    for interview in content.get("interviews", []):
        if interview.get("key") == key:
            return interview
    raise _invalid(_t("Entretien « %(key)s » introuvable dans ce guide.") % {"key": key})


def _group(interview: dict, group_id: str) -> dict:
    for group in interview.get("question_groups", []):
        if group.get("id") == group_id:
            return group
    raise _invalid(_t("Groupe de questions introuvable dans cet entretien."))


def _question(interview: dict, question_id: str) -> tuple[dict, int]:
    """The group holding the question, and its index there."""
    for group in interview.get("question_groups", []):
        for index, question in enumerate(group.get("questions", [])):
            if question.get("id") == question_id:
                return group, index
    raise _invalid(_t("Question introuvable dans cet entretien."))


def _item_index(interview: dict, kind: str, item_id: str) -> int:
    for index, item in enumerate(interview.get(kind, [])):
        if item.get("id") == item_id:
            return index
    raise _invalid(_t("Élément introuvable dans cet entretien."))


def _next_id(prefix: str, taken: list[str]) -> str:
    """`prefix` + one more than the highest number already used after it."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    numbers = [int(m.group(1)) for m in map(pattern.match, taken) if m]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise _invalid(_t("Le texte ne peut pas être vide."))
    return text


def add_question(content: dict, *, interview: str, group: str, text: str) -> dict:
    new = copy.deepcopy(content)
    target = _group(_interview(new, interview), group)
    questions = target.setdefault("questions", [])
    question_id = _next_id(f"{target['id']}-q", [q["id"] for q in questions])
    questions.append({"id": question_id, "text": _clean(text)})
    return new


def reword_question(content: dict, *, interview: str, question: str, text: str) -> dict:
    new = copy.deepcopy(content)
    group, index = _question(_interview(new, interview), question)
    group["questions"][index]["text"] = _clean(text)
    return new


def move_question(content: dict, *, interview: str, question: str, offset: int) -> dict:
    """Move a question up (offset -1) or down (+1) within its group; at an end, no change."""
    new = copy.deepcopy(content)
    group, index = _question(_interview(new, interview), question)
    questions = group["questions"]
    target = index + offset
    if 0 <= target < len(questions):
        questions.insert(target, questions.pop(index))
    return new


def remove_question(content: dict, *, interview: str, question: str) -> dict:
    new = copy.deepcopy(content)
    group, index = _question(_interview(new, interview), question)
    del group["questions"][index]
    return new


def add_question_group(content: dict, *, interview: str, title: str) -> dict:
    new = copy.deepcopy(content)
    groups = _interview(new, interview).setdefault("question_groups", [])
    group_id = _next_id("g", [g["id"] for g in groups])
    groups.append({"id": group_id, "title": _clean(title), "questions": []})
    return new


def retitle_question_group(content: dict, *, interview: str, group: str, title: str) -> dict:
    new = copy.deepcopy(content)
    _group(_interview(new, interview), group)["title"] = _clean(title)
    return new


def add_item(content: dict, *, interview: str, kind: str, text: str) -> dict:
    """Add an objective (kind "objectives") or a closing item (kind "closing_items")."""
    new = copy.deepcopy(content)
    items = _interview(new, interview).setdefault(kind, [])
    items.append(
        {"id": _next_id(ITEM_PREFIX[kind], [i["id"] for i in items]), "text": _clean(text)}
    )
    return new


def reword_item(content: dict, *, interview: str, kind: str, item: str, text: str) -> dict:
    new = copy.deepcopy(content)
    target = _interview(new, interview)
    target[kind][_item_index(target, kind, item)]["text"] = _clean(text)
    return new


def remove_item(content: dict, *, interview: str, kind: str, item: str) -> dict:
    new = copy.deepcopy(content)
    target = _interview(new, interview)
    del target[kind][_item_index(target, kind, item)]
    return new


def retitle_interview(content: dict, *, interview: str, title: str) -> dict:
    new = copy.deepcopy(content)
    _interview(new, interview)["title"] = _clean(title)
    return new


def add_interview(content: dict, *, phase: str, title: str) -> tuple[dict, str]:
    """A new interview type, placed after the last one of its phase; returns its new key."""
    if phase not in Phase.values:
        raise _invalid(_t("Choisissez la phase du bilan de ce nouvel entretien."))
    title = _clean(title)
    new = copy.deepcopy(content)
    interviews = new.setdefault("interviews", [])
    taken = {i.get("key") for i in interviews}
    base = (
        slugify(re.sub(r"^entretien\s+(?:des\s+|du\s+|de\s+|d')?", "", title, flags=re.I))
        or "entretien"
    )
    key, n = base[:80], 2
    while key in taken:
        key, n = f"{base[:80]}-{n}", n + 1
    interview = {
        "key": key,
        "phase": phase,
        "title": title,
        OBJECTIVES: [],
        "question_groups": [],
        CLOSING_ITEMS: [],
    }
    order = list(Phase.values)
    position = len(interviews)
    for index, other in enumerate(interviews):
        if other.get("phase") in order and order.index(other["phase"]) > order.index(phase):
            position = index
            break
    interviews.insert(position, interview)
    return new, key


def replace_interview(
    content: dict,
    *,
    interview: str,
    title: str,
    objectives: list[dict],
    question_groups: list[dict],
    closing_items: list[dict],
) -> dict:
    """The interview `interview` written whole, in the order given (the API's edit). An item
    naming its `id` keeps it (a rewording: notes and checklists still point to it) and must
    be one of this interview's, of the same kind; an item without one is new and gets the next
    id, never one already used (removed ones included); what is left out is removed."""
    new = copy.deepcopy(content)
    target = _interview(new, interview)
    old_groups = target.get("question_groups", [])
    old_questions = [q["id"] for g in old_groups for q in g.get("questions", [])]

    def items(given: list[dict], known: list[str], prefix: str) -> list[dict]:
        taken = list(known)
        out = []
        for item in given:
            item_id = item.get("id") or ""
            if item_id and item_id not in known:
                raise _invalid(
                    _t("Identifiant inconnu dans cet entretien : « %(id)s ».")
                    % {"id": item_id[:40]}
                )
            if not item_id:
                item_id = _next_id(prefix, taken)
                taken.append(item_id)
            out.append({"id": item_id, "text": _clean(item.get("text", ""))})
        return out

    for kind, given in ((OBJECTIVES, objectives), (CLOSING_ITEMS, closing_items)):
        known = [i["id"] for i in target.get(kind, [])]
        target[kind] = items(given, known, ITEM_PREFIX[kind])
    group_ids = [g["id"] for g in old_groups]
    groups = []
    for group in question_groups:
        group_id = group.get("id") or ""
        if group_id and group_id not in group_ids:
            raise _invalid(
                _t("Identifiant inconnu dans cet entretien : « %(id)s ».") % {"id": group_id[:40]}
            )
        if not group_id:
            group_id = _next_id("g", group_ids)
            group_ids.append(group_id)
        questions = items(group.get("questions", []), old_questions, f"{group_id}-q")
        old_questions += [q["id"] for q in questions]
        groups.append(
            {"id": group_id, "title": _clean(group.get("title", "")), "questions": questions}
        )
    target["question_groups"] = groups
    target["title"] = _clean(title)
    return new
