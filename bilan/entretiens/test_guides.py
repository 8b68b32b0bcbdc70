"""Interview guides: the default guide equals the consultant's seed, versions, editing, pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import Phase, RuleViolation
from bilan.compliance.models import AppendOnlyError
from bilan.entretiens import guides
from bilan.entretiens.models import Entretien, InterviewGuide
from bilan.entretiens.views_guides import InterviewForm
from bilan.lib.testing import PASSWORD

SEED = Path(settings.BASE_DIR).parent / "shared/seeds/004_657001db3084597c.txt"
DATA = Path(settings.BASE_DIR) / "bilan/entretiens/data/default_guide_v1.json"


# ---- the seed, read independently of the script that made the data file ---------------------


def seed_interviews() -> list[dict]:
    """Each interview of the seed: its heading, the phase heading above it, and its lists."""
    assert SEED.exists(), f"The consultant's interview guide (seed 004) is missing: {SEED}"
    text = SEED.read_text(encoding="utf-8")
    interviews: list[dict] = []
    phase = ""
    section: list[str] | None = None
    for line in text.splitlines():
        if m := re.match(r"^## (Phase .+)$", line):
            phase = m.group(1)
        elif m := re.match(r"^#{2,3} (Entretien .+)$", line):
            interviews.append(
                {"title": m.group(1), "phase": phase, "objectives": [], "groups": [], "closing": []}
            )
            if line.startswith("## "):
                phase = "suivi"
            interviews[-1]["phase"] = phase
        elif m := re.match(r"^\*\*(.+) :\*\*$", line):
            current = interviews[-1]
            if m.group(1) == "Objectifs":
                section = current["objectives"]
            elif m.group(1) == "Conclusion":
                section = current["closing"]
            else:
                current["groups"].append((m.group(1), []))
                section = current["groups"][-1][1]
        elif line.startswith("- "):
            assert section is not None
            section.append(line[2:])
    return interviews


SEED_PHASES = {
    "Phase préliminaire": Phase.PRELIMINARY,
    "Phase d'investigation": Phase.INVESTIGATION,
    "Phase de conclusions": Phase.CONCLUSIONS,
    "suivi": Phase.FOLLOW_UP,
}


@pytest.fixture
def default(db) -> InterviewGuide:
    return guides.default_guide()


def test_the_default_guide_has_the_ten_interviews_of_the_seed_in_order(default):
    seed = seed_interviews()
    assert len(seed) == 10
    assert [(i["title"], i["phase"]) for i in default.interviews()] == [
        (s["title"], SEED_PHASES[s["phase"]]) for s in seed
    ]
    assert [i["key"] for i in default.interviews()] == [
        "accueil",
        "analyse-demande",
        "analyse-parcours",
        "analyse-competences",
        "motivations-valeurs",
        "pistes-professionnelles",
        "validation-projet",
        "plan-action",
        "synthese-cloture",
        "suivi-6-mois",
    ]


def test_each_interview_counts_as_many_objectives_groups_questions_and_closing_items_as_the_seed(
    default,
):
    for seed, stored in zip(seed_interviews(), default.interviews(), strict=True):
        assert len(stored["objectives"]) == len(seed["objectives"]), stored["key"]
        assert len(stored["question_groups"]) == len(seed["groups"]), stored["key"]
        assert [len(g["questions"]) for g in stored["question_groups"]] == [
            len(questions) for _, questions in seed["groups"]
        ], stored["key"]
        assert len(stored["closing_items"]) == len(seed["closing"]), stored["key"]
    totals = [
        sum(len(i["objectives"]) for i in default.interviews()),
        sum(len(g["questions"]) for i in default.interviews() for g in i["question_groups"]),
        sum(len(i["closing_items"]) for i in default.interviews()),
    ]
    assert totals == [31, 92, 28]


def test_every_text_of_the_seed_is_kept_word_for_word(default):
    for seed, stored in zip(seed_interviews(), default.interviews(), strict=True):
        assert [o["text"] for o in stored["objectives"]] == seed["objectives"]
        assert [
            (g["title"], [q["text"] for q in g["questions"]]) for g in stored["question_groups"]
        ] == seed["groups"]
        assert [c["text"] for c in stored["closing_items"]] == seed["closing"]


def test_a_sample_of_exact_strings_is_where_the_consultant_expects_it(default):
    accueil = default.interview("accueil")
    assert accueil["question_groups"][0] == {
        "id": "g1",
        "title": "Questions d'ouverture",
        "questions": [
            {
                "id": "g1-q1",
                "text": "Pouvez-vous me parler de ce qui vous amène à faire un bilan de "
                "compétences aujourd'hui ?",
            },
            {"id": "g1-q2", "text": "Qu'attendez-vous concrètement de ce bilan ?"},
            {
                "id": "g1-q3",
                "text": "Avez-vous déjà une idée de projet professionnel ou êtes-vous en phase "
                "d'exploration ?",
            },
        ],
    }
    assert accueil["question_groups"][1]["title"] == "Présentation du cadre"
    assert accueil["objectives"][0] == {"id": "o1", "text": "Établir une relation de confiance"}
    assert default.interview("analyse-demande")["closing_items"][2] == {
        "id": "c3",
        "text": "Remise du questionnaire d'auto-évaluation à compléter pour le prochain "
        "rendez-vous",
    }
    assert {"id": "c2", "text": "Organisation des enquêtes métier"} in default.interview(
        "pistes-professionnelles"
    )["closing_items"]
    synthese = default.interview("synthese-cloture")
    assert synthese["question_groups"][2]["questions"][0]["text"] == (
        "Comment vous sentez-vous pour mettre en œuvre votre projet ?"
    )
    suivi = default.interview("suivi-6-mois")
    assert suivi["phase"] == Phase.FOLLOW_UP
    assert suivi["title"] == "Entretien de suivi à 6 mois"
    assert suivi["closing_items"][-1]["text"] == (
        "Proposition de ressources additionnelles si nécessaire"
    )


def test_the_committed_data_file_is_what_the_database_holds(default):
    assert default.content == json.loads(DATA.read_text(encoding="utf-8"))
    assert (default.organisation, default.version, default.is_current) == (None, 1, True)
    assert default.name == "Guide d'entretien du bilan de compétences"
    assert default.source == "Support pour les entretiens du bilan de compétences (seed 004)"
    guides.validate_content(default.content)


def test_loading_the_default_guide_again_changes_nothing(default):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("bilan.entretiens.migrations.0003_default_guide")
    migration.forwards(apps, None)
    assert InterviewGuide.objects.filter(organisation=None).count() == 1
    assert guides.default_guide().pk == default.pk


def test_another_shared_guide_does_not_replace_the_default(cast, default):
    InterviewGuide.objects.create(name="Guide de test", content=default.content)
    assert guides.default_guide() == default
    assert guides.current_guide_for(cast.org) == default


def test_ids_are_stable_and_follow_the_documented_shape(default):
    for interview in default.interviews():
        assert [o["id"] for o in interview["objectives"]] == [
            f"o{n}" for n in range(1, len(interview["objectives"]) + 1)
        ]
        assert [c["id"] for c in interview["closing_items"]] == [
            f"c{n}" for n in range(1, len(interview["closing_items"]) + 1)
        ]
        for n, group in enumerate(interview["question_groups"], start=1):
            assert group["id"] == f"g{n}"
            assert [q["id"] for q in group["questions"]] == [
                f"g{n}-q{k}" for k in range(1, len(group["questions"]) + 1)
            ]


# ---- versions -------------------------------------------------------------------------


def test_a_stored_guide_version_cannot_be_changed_in_place(default):
    default.content["interviews"][0]["title"] = "Autre chose"
    with pytest.raises(AppendOnlyError):
        default.save()
    assert guides.default_guide().interview("accueil")["title"] == (
        "Entretien d'accueil et d'information"
    )


def test_an_organisation_without_a_copy_uses_the_default_guide(cast, default):
    assert guides.current_guide_for(cast.org) == default


def test_an_admin_copies_the_default_guide_as_version_1_of_their_own(cast, default):
    copy = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    assert (copy.organisation, copy.version, copy.based_on, copy.is_current) == (
        cast.org,
        1,
        default,
        True,
    )
    assert copy.content == default.content
    assert copy.created_by == cast.admin
    assert guides.current_guide_for(cast.org) == copy
    assert guides.current_guide_for(cast.outsider_org) == default


def test_an_organisation_copies_the_default_guide_once(cast, default):
    guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    with pytest.raises(RuleViolation, match="déjà sa copie"):
        guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)


@pytest.mark.parametrize("who", ["consultant", "beneficiary", "outsider_admin"])
def test_only_the_organisations_admin_may_copy_or_edit_its_guide(cast, default, who):
    with pytest.raises(RuleViolation) as refused:
        guides.copy_default_guide(organisation=cast.org, acting_user=getattr(cast, who))
    assert refused.value.code == "forbidden"
    own = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    content = guides.reword_question(
        own.content, interview="accueil", question="g1-q2", text="Qu'attendez-vous ?"
    )
    with pytest.raises(RuleViolation) as refused:
        guides.edit_guide(own, acting_user=getattr(cast, who), content=content)
    assert refused.value.code == "forbidden"
    assert InterviewGuide.objects.filter(organisation=cast.org).count() == 1


def test_editing_makes_a_new_version_and_keeps_the_old_one(cast, default):
    v1 = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    content = guides.reword_question(
        v1.content, interview="accueil", question="g1-q2", text="Qu'attendez-vous de ce bilan ?"
    )
    v2 = guides.edit_guide(v1, acting_user=cast.admin, content=content)
    v3 = guides.edit_guide(
        v2,
        acting_user=cast.admin,
        content=guides.remove_question(v2.content, interview="accueil", question="g1-q3"),
    )
    assert [(g.version, g.is_current, g.based_on_id) for g in guides.visible_guides(cast.org)] == [
        (1, True, None),
        (3, True, v2.pk),
        (2, False, v1.pk),
        (1, False, default.pk),
    ]
    v1.refresh_from_db()
    assert v1.content == default.content
    assert v3.interview("accueil")["question_groups"][0]["questions"] == [
        default.interview("accueil")["question_groups"][0]["questions"][0],
        {"id": "g1-q2", "text": "Qu'attendez-vous de ce bilan ?"},
    ]
    assert guides.current_guide_for(cast.org) == v3
    assert guides.default_guide().content == json.loads(DATA.read_text(encoding="utf-8"))


def test_entretiens_already_held_keep_the_version_they_used(cast, default):
    v1 = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    held = Entretien.objects.create(
        bilan=cast.bilan,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(days=1),
        planned_minutes=60,
        guide=v1,
        interview_key="accueil",
        status="held",
    )
    v2 = guides.edit_guide(
        v1,
        acting_user=cast.admin,
        content=guides.reword_question(
            v1.content, interview="accueil", question="g1-q1", text="Qu'est-ce qui vous amène ?"
        ),
    )
    held.refresh_from_db()
    assert held.guide == v1
    assert held.guide.interview("accueil")["question_groups"][0]["questions"][0]["text"] == (
        "Pouvez-vous me parler de ce qui vous amène à faire un bilan de compétences aujourd'hui ?"
    )
    assert v2.interview("accueil")["question_groups"][0]["questions"][0]["text"] == (
        "Qu'est-ce qui vous amène ?"
    )


def test_the_default_guide_is_never_edited(cast, default):
    content = guides.remove_question(default.content, interview="accueil", question="g1-q1")
    with pytest.raises(RuleViolation, match="par défaut ne se modifie pas"):
        guides.edit_guide(default, acting_user=cast.admin, content=content)
    assert InterviewGuide.objects.count() == 1


def test_an_edit_of_a_replaced_version_is_refused(cast, default):
    v1 = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    first = guides.remove_question(v1.content, interview="accueil", question="g1-q1")
    guides.edit_guide(v1, acting_user=cast.admin, content=first)
    second = guides.remove_question(v1.content, interview="accueil", question="g1-q2")
    with pytest.raises(RuleViolation, match="modifié entre-temps"):
        guides.edit_guide(v1, acting_user=cast.admin, content=second)
    assert InterviewGuide.objects.filter(organisation=cast.org).count() == 2


def test_saving_an_unchanged_guide_is_refused(cast, default):
    v1 = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    with pytest.raises(RuleViolation, match="Aucune modification"):
        guides.edit_guide(v1, acting_user=cast.admin, content=v1.content)


def broken(default: InterviewGuide, change) -> dict:
    content = json.loads(json.dumps(default.content))
    change(content["interviews"])
    return content


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: i.clear(), "au moins un entretien"),
        (lambda i: i[0].update(key=""), "doit avoir une clé"),
        (lambda i: i[1].update(key="accueil"), "« accueil » est en double"),
        (lambda i: i[0].update(phase="later"), "rattaché à une phase"),
        (lambda i: i[0].update(title="  "), "doit avoir un intitulé"),
        (lambda i: i[0]["objectives"][1].update(id="o1"), "« o1 » est en double"),
        (lambda i: i[0]["question_groups"][0]["questions"][0].update(text=""), "Un texte est vide"),
        (lambda i: i[0]["closing_items"][0].pop("text"), "Un texte est vide"),
        (lambda i: i[0]["question_groups"][1].update(title=""), "Un texte est vide"),
        (lambda i: i[0].update(question_groups="x"), "mal formé"),
    ],
)
def test_a_malformed_guide_is_refused_with_a_french_message(cast, default, change, message):
    v1 = guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)
    with pytest.raises(RuleViolation, match=message) as refused:
        guides.edit_guide(v1, acting_user=cast.admin, content=broken(default, change))
    assert refused.value.code == "invalid"
    assert guides.current_guide_for(cast.org) == v1


# ---- pure editors -----------------------------------------------------------------------


def questions_of(content: dict, key: str = "accueil", group: int = 0) -> list[tuple[str, str]]:
    interview = next(i for i in content["interviews"] if i["key"] == key)
    return [(q["id"], q["text"]) for q in interview["question_groups"][group]["questions"]]


def test_editors_never_touch_the_content_they_are_given(default):
    before = json.dumps(default.content)
    guides.add_question(default.content, interview="accueil", group="g1", text="Et ensuite ?")
    guides.reword_question(default.content, interview="accueil", question="g1-q1", text="Oui ?")
    guides.move_question(default.content, interview="accueil", question="g1-q1", offset=1)
    guides.remove_question(default.content, interview="accueil", question="g1-q1")
    guides.add_item(default.content, interview="accueil", kind="objectives", text="Rassurer")
    guides.remove_item(default.content, interview="accueil", kind="closing_items", item="c1")
    guides.add_interview(default.content, phase=Phase.INVESTIGATION, title="Entretien de tests")
    assert json.dumps(default.content) == before


def test_questions_are_added_reworded_reordered_and_removed(default):
    content = guides.add_question(
        default.content, interview="accueil", group="g1", text="  Et ensuite ?  "
    )
    assert questions_of(content)[-1] == ("g1-q4", "Et ensuite ?")
    content = guides.move_question(content, interview="accueil", question="g1-q4", offset=-1)
    assert [i for i, _ in questions_of(content)] == ["g1-q1", "g1-q2", "g1-q4", "g1-q3"]
    content = guides.move_question(content, interview="accueil", question="g1-q1", offset=-1)
    assert [i for i, _ in questions_of(content)] == ["g1-q1", "g1-q2", "g1-q4", "g1-q3"]
    content = guides.reword_question(content, interview="accueil", question="g1-q2", text="Oui ?")
    assert questions_of(content)[1] == ("g1-q2", "Oui ?")
    content = guides.remove_question(content, interview="accueil", question="g1-q1")
    assert [i for i, _ in questions_of(content)] == ["g1-q2", "g1-q4", "g1-q3"]
    content = guides.add_question(content, interview="accueil", group="g1", text="Encore ?")
    assert questions_of(content)[-1] == ("g1-q5", "Encore ?")
    guides.validate_content(content)


def test_objectives_and_closing_items_are_added_reworded_and_removed(default):
    content = guides.add_item(
        default.content, interview="analyse-demande", kind="closing_items", text="Prendre date"
    )
    interview = next(i for i in content["interviews"] if i["key"] == "analyse-demande")
    assert interview["closing_items"][-1] == {"id": "c4", "text": "Prendre date"}
    content = guides.reword_item(
        content, interview="analyse-demande", kind="objectives", item="o2", text="Besoins"
    )
    content = guides.remove_item(content, interview="analyse-demande", kind="objectives", item="o1")
    interview = next(i for i in content["interviews"] if i["key"] == "analyse-demande")
    assert [o["id"] for o in interview["objectives"]] == ["o2", "o3"]
    assert interview["objectives"][0]["text"] == "Besoins"


def test_a_new_interview_type_goes_after_the_last_of_its_phase(default):
    content, key = guides.add_interview(
        default.content, phase=Phase.INVESTIGATION, title="Entretien d'exploration du réseau"
    )
    assert key == "exploration-du-reseau"
    keys = [i["key"] for i in content["interviews"]]
    assert keys.index(key) == keys.index("validation-projet") + 1
    content, again = guides.add_interview(
        content, phase=Phase.INVESTIGATION, title="Entretien d'exploration du réseau"
    )
    assert again == "exploration-du-reseau-2"
    content = guides.add_question_group(content, interview=key, title="Questions sur le réseau")
    content = guides.add_question(content, interview=key, group="g1", text="Qui connaissez-vous ?")
    assert questions_of(content, key) == [("g1-q1", "Qui connaissez-vous ?")]
    guides.validate_content(content)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: guides.add_question(c, interview="nope", group="g1", text="x"), "introuvable"),
        (
            lambda c: guides.add_question(c, interview="accueil", group="g9", text="x"),
            "introuvable",
        ),
        (lambda c: guides.add_question(c, interview="accueil", group="g1", text=" "), "vide"),
        (
            lambda c: guides.reword_question(c, interview="accueil", question="g1-q9", text="x"),
            "introuvable",
        ),
        (
            lambda c: guides.remove_item(c, interview="accueil", kind="objectives", item="o9"),
            "introuvable",
        ),
        (lambda c: guides.add_interview(c, phase="later", title="Entretien"), "phase"),
        (lambda c: guides.add_interview(c, phase="preliminary", title=""), "vide"),
    ],
)
def test_an_edit_of_something_missing_or_empty_is_refused(default, edit, message):
    with pytest.raises(RuleViolation, match=message) as refused:
        edit(default.content)
    assert refused.value.code == "invalid"


# ---- pages ------------------------------------------------------------------------------

STAFF_READS = [
    ("admin", 200),
    ("consultant", 200),
    ("colleague", 200),
    ("beneficiary", 403),
    ("other_beneficiary", 403),
    ("outsider_beneficiary", 403),
]


@pytest.fixture
def own(cast, default) -> InterviewGuide:
    return guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)


def as_(client, user):
    client.force_login(user)
    return client


def form_data(guide: InterviewGuide, key: str) -> dict[str, str]:
    """What the edit page posts when nothing is changed."""

    form = InterviewForm(guide.interview(key))
    return {
        name: field.initial or ""
        for name, field in form.fields.items()
        if not name.endswith("__remove")
    }


def edit_url(guide: InterviewGuide, key: str = "accueil") -> str:
    return reverse("entretiens:guide_edit", args=[guide.pk, key])


def test_anonymous_visitors_are_sent_to_the_login_page(client, own):
    for url in [
        reverse("entretiens:guide_list"),
        reverse("entretiens:guide_detail", args=[own.pk]),
        edit_url(own),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/compte/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"), [*STAFF_READS, ("outsider_admin", 200), ("outsider_consultant", 200)]
)
def test_staff_list_the_guides_and_beneficiaries_may_not(client, cast, own, who, status):
    response = as_(client, getattr(cast, who)).get(reverse("entretiens:guide_list"))
    assert response.status_code == status


def test_the_list_shows_the_default_guide_and_the_organisations_history(client, cast, own):
    v2 = guides.edit_guide(
        own,
        acting_user=cast.admin,
        content=guides.remove_question(own.content, interview="accueil", question="g1-q1"),
    )
    page = as_(client, cast.consultant).get(reverse("entretiens:guide_list")).content.decode()
    assert "Guide par défaut" in page
    assert reverse("entretiens:guide_detail", args=[guides.default_guide().pk]) in page
    assert reverse("entretiens:guide_detail", args=[own.pk]) in page
    assert reverse("entretiens:guide_detail", args=[v2.pk]) in page
    assert "remplacée" in page
    outsider = as_(client, cast.outsider_consultant).get(reverse("entretiens:guide_list"))
    assert reverse("entretiens:guide_detail", args=[own.pk]) not in outsider.content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [*STAFF_READS, ("outsider_admin", 404), ("outsider_consultant", 404)]
)
def test_staff_read_their_organisations_guide_and_outsiders_get_404(client, cast, own, who, status):
    response = as_(client, getattr(cast, who)).get(
        reverse("entretiens:guide_detail", args=[own.pk])
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [*STAFF_READS, ("outsider_admin", 200), ("outsider_consultant", 200)]
)
def test_every_organisations_staff_read_the_default_guide(client, cast, default, who, status):
    response = as_(client, getattr(cast, who)).get(
        reverse("entretiens:guide_detail", args=[default.pk])
    )
    assert response.status_code == status


def test_an_unknown_guide_is_a_404(client, cast, default):
    response = as_(client, cast.admin).get(reverse("entretiens:guide_detail", args=[999999]))
    assert response.status_code == 404


def test_the_guide_page_shows_every_interview_in_full(client, cast, default):
    page = as_(client, cast.consultant).get(reverse("entretiens:guide_detail", args=[default.pk]))
    text = page.content.decode()
    for interview in default.interviews():
        assert interview["title"].replace("'", "&#x27;") in text
        for group in interview["question_groups"]:
            for question in group["questions"]:
                assert question["text"].replace("'", "&#x27;") in text
        for item in interview["objectives"] + interview["closing_items"]:
            assert item["text"].replace("'", "&#x27;") in text


def test_the_default_guide_shows_no_edit_button_but_a_copy_button_for_the_admin(
    client, cast, default
):
    page = as_(client, cast.admin).get(reverse("entretiens:guide_detail", args=[default.pk]))
    text = page.content.decode()
    assert "Modifier cet entretien" not in text
    assert "Ajouter un type d'entretien" not in text
    assert "Copier le guide par défaut" in text
    listing = as_(client, cast.admin).get(reverse("entretiens:guide_list")).content.decode()
    assert "Copier le guide par défaut" in listing


def test_consultants_are_not_offered_to_copy_or_edit(client, cast, own, default):
    for guide in (default, own):
        text = (
            as_(client, cast.consultant)
            .get(reverse("entretiens:guide_detail", args=[guide.pk]))
            .content.decode()
        )
        assert "Copier le guide par défaut" not in text
        assert "Modifier cet entretien" not in text
    listing = as_(client, cast.consultant).get(reverse("entretiens:guide_list")).content.decode()
    assert "Copier le guide par défaut" not in listing


def test_the_admin_edits_only_the_current_version_of_their_own_guide(client, cast, own):
    page = as_(client, cast.admin).get(reverse("entretiens:guide_detail", args=[own.pk]))
    assert edit_url(own).encode() in page.content
    assert b"Copier le guide par d" not in page.content
    v2 = guides.edit_guide(
        own,
        acting_user=cast.admin,
        content=guides.remove_question(own.content, interview="accueil", question="g1-q1"),
    )
    old = as_(client, cast.admin).get(reverse("entretiens:guide_detail", args=[own.pk]))
    assert b"Modifier cet entretien" not in old.content
    assert "la version 2 est en usage" in old.content.decode()
    assert (
        edit_url(v2).encode()
        in client.get(reverse("entretiens:guide_detail", args=[v2.pk])).content
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 302),
        ("consultant", 403),
        ("colleague", 403),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
        ("outsider_beneficiary", 403),
    ],
)
def test_only_an_admin_copies_the_default_guide(client, cast, default, who, status):
    response = as_(client, getattr(cast, who)).post(reverse("entretiens:guide_copy"))
    assert response.status_code == status
    copies = InterviewGuide.objects.filter(organisation=cast.org)
    assert copies.count() == (1 if status == 302 else 0)


def test_copying_leads_to_the_copy_with_a_message(client, cast, default):
    response = as_(client, cast.admin).post(reverse("entretiens:guide_copy"), follow=True)
    copy = InterviewGuide.objects.get(organisation=cast.org)
    assert response.redirect_chain[-1][0] == reverse("entretiens:guide_detail", args=[copy.pk])
    assert "Guide par défaut copié" in response.content.decode()
    again = client.post(reverse("entretiens:guide_copy"), follow=True)
    assert "déjà sa copie" in again.content.decode()
    assert InterviewGuide.objects.filter(organisation=cast.org).count() == 1


def test_an_outsider_admin_copies_for_their_own_organisation(client, cast, own):
    as_(client, cast.outsider_admin).post(reverse("entretiens:guide_copy"))
    assert InterviewGuide.objects.filter(organisation=cast.outsider_org).count() == 1
    assert guides.current_guide_for(cast.org) == own


def test_copying_is_a_post(client, cast, default):
    assert as_(client, cast.admin).get(reverse("entretiens:guide_copy")).status_code == 405


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("consultant", 403),
        ("colleague", 403),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
        ("outsider_beneficiary", 403),
        ("outsider_consultant", 403),
        ("outsider_admin", 404),
    ],
)
def test_only_the_organisations_admin_opens_the_edit_page(client, cast, own, who, status):
    assert as_(client, getattr(cast, who)).get(edit_url(own)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("consultant", 403),
        ("colleague", 403),
        ("beneficiary", 403),
        ("outsider_consultant", 403),
        ("outsider_admin", 404),
    ],
)
def test_nobody_else_saves_an_edit(client, cast, own, who, status):
    data = {**form_data(own, "accueil"), "new_objective": "Rassurer"}
    response = as_(client, getattr(cast, who)).post(edit_url(own), data)
    assert response.status_code == status
    add = as_(client, getattr(cast, who)).post(
        reverse("entretiens:guide_add_interview", args=[own.pk]),
        {"phase": Phase.INVESTIGATION, "title": "Entretien de réseau"},
    )
    assert add.status_code == status
    assert guides.current_guide_for(cast.org) == own


def test_the_default_guide_and_unknown_interviews_have_no_edit_page(client, cast, own, default):
    assert as_(client, cast.admin).get(edit_url(default)).status_code == 404
    assert client.post(edit_url(default), form_data(default, "accueil")).status_code == 404
    assert client.get(edit_url(own, "inconnu")).status_code == 404


def test_the_edit_page_of_a_replaced_version_leads_to_the_current_one(client, cast, own):
    v2 = guides.edit_guide(
        own,
        acting_user=cast.admin,
        content=guides.remove_question(own.content, interview="accueil", question="g1-q1"),
    )
    response = as_(client, cast.admin).get(edit_url(own))
    assert response.status_code == 302
    assert response["Location"] == edit_url(v2)


def save(client, guide: InterviewGuide, key: str = "accueil", **changes):
    return client.post(edit_url(guide, key), {**form_data(guide, key), **changes}, follow=True)


def test_rewording_a_question_saves_version_2(client, cast, own):
    response = save(as_(client, cast.admin), own, **{"q__g1-q2": "Qu'attendez-vous de nous ?"})
    v2 = guides.current_guide_for(cast.org)
    assert v2.version == 2
    assert response.redirect_chain[-1][0] == edit_url(v2)
    assert "Version 2 enregistrée" in response.content.decode()
    assert questions_of(v2.content)[1] == ("g1-q2", "Qu'attendez-vous de nous ?")
    own.refresh_from_db()
    assert questions_of(own.content) == questions_of(guides.default_guide().content)


def test_the_up_and_down_buttons_reorder_and_keep_the_rewording(client, cast, own):
    save(as_(client, cast.admin), own, move="g1-q3:up", **{"q__g1-q3": "Une idée de projet ?"})
    v2 = guides.current_guide_for(cast.org)
    assert questions_of(v2.content) == [
        questions_of(own.content)[0],
        ("g1-q3", "Une idée de projet ?"),
        questions_of(own.content)[1],
    ]
    save(client, v2, move="g1-q1:down")
    assert [i for i, _ in questions_of(guides.current_guide_for(cast.org).content)] == [
        "g1-q3",
        "g1-q1",
        "g1-q2",
    ]


def test_removing_and_adding_questions_objectives_closing_items_and_groups(client, cast, own):
    save(
        as_(client, cast.admin),
        own,
        **{
            "q__g1-q1__remove": "on",
            "new_q__g2": "Explication du financement",
            "o__o4__remove": "on",
            "o__o1": "Créer la confiance",
            "new_objective": "Rassurer la personne",
            "c__c2": "Signature du consentement",
            "new_closing": "Envoi du compte rendu",
            "new_group": "Questions sur la mobilité",
            "title": "Premier entretien",
        },
    )
    accueil = guides.current_guide_for(cast.org).interview("accueil")
    assert accueil["title"] == "Premier entretien"
    assert [q["id"] for q in accueil["question_groups"][0]["questions"]] == ["g1-q2", "g1-q3"]
    assert accueil["question_groups"][1]["questions"][-1] == {
        "id": "g2-q5",
        "text": "Explication du financement",
    }
    assert accueil["objectives"] == [
        {"id": "o1", "text": "Créer la confiance"},
        {"id": "o2", "text": "Présenter le cadre légal et déontologique"},
        {"id": "o3", "text": "Clarifier les attentes du bénéficiaire"},
        {"id": "o5", "text": "Rassurer la personne"},
    ]
    assert accueil["closing_items"][1:] == [
        {"id": "c2", "text": "Signature du consentement"},
        {"id": "c3", "text": "Planification du prochain rendez-vous"},
        {"id": "c4", "text": "Envoi du compte rendu"},
    ]
    assert accueil["question_groups"][-1] == {
        "id": "g4",
        "title": "Questions sur la mobilité",
        "questions": [],
    }


def test_an_emptied_text_is_refused_and_what_was_typed_is_kept(client, cast, own):
    response = save(
        as_(client, cast.admin),
        own,
        **{"q__g1-q2": "   ", "q__g1-q1": "Ma nouvelle formulation", "new_objective": "Rassurer"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Complétez ce texte ou cochez « Retirer »." in text
    assert 'value="Ma nouvelle formulation"' in text
    assert 'value="Rassurer"' in text
    assert guides.current_guide_for(cast.org) == own


def test_saving_without_a_change_says_so(client, cast, own):
    response = save(as_(client, cast.admin), own)
    assert response.status_code == 422
    assert "Aucune modification à enregistrer." in response.content.decode()
    assert guides.current_guide_for(cast.org) == own


def test_a_save_from_a_stale_page_is_refused_and_keeps_the_input(client, cast, own):
    guides.edit_guide(
        own,
        acting_user=cast.admin,
        content=guides.remove_question(own.content, interview="accueil", question="g1-q3"),
    )
    response = save(as_(client, cast.admin), own, **{"q__g1-q1": "Ce que j'ai tapé"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "modifié entre-temps (version 2 en usage)" in text
    assert "Ce que j&#x27;ai tapé" in text
    assert guides.current_guide_for(cast.org).version == 2


def test_an_unknown_move_is_refused(client, cast, own):
    response = save(as_(client, cast.admin), own, move="g1-q1:sideways")
    assert response.status_code == 422
    assert "Déplacement inconnu." in response.content.decode()


def test_the_admin_adds_an_interview_type(client, cast, own):
    response = as_(client, cast.admin).post(
        reverse("entretiens:guide_add_interview", args=[own.pk]),
        {"phase": Phase.INVESTIGATION, "title": "Entretien d'exploration du réseau"},
        follow=True,
    )
    v2 = guides.current_guide_for(cast.org)
    assert response.redirect_chain[-1][0] == edit_url(v2, "exploration-du-reseau")
    assert "Version 2 enregistrée" in response.content.decode()
    assert v2.interview("exploration-du-reseau")["phase"] == Phase.INVESTIGATION
    save(client, v2, "exploration-du-reseau", new_group="Questions sur le réseau")
    v3 = guides.current_guide_for(cast.org)
    save(client, v3, "exploration-du-reseau", new_q__g1="Qui connaissez-vous dans ce secteur ?")
    assert questions_of(guides.current_guide_for(cast.org).content, "exploration-du-reseau") == [
        ("g1-q1", "Qui connaissez-vous dans ce secteur ?")
    ]


def test_an_interview_type_without_a_title_is_refused_on_the_guide_page(client, cast, own):
    response = as_(client, cast.admin).post(
        reverse("entretiens:guide_add_interview", args=[own.pk]),
        {"phase": Phase.INVESTIGATION, "title": ""},
    )
    assert response.status_code == 422
    assert "Ajouter un type d'entretien" in response.content.decode()
    assert guides.current_guide_for(cast.org) == own


@pytest.mark.parametrize(("who", "shown"), [("admin", True), ("consultant", True)])
def test_staff_find_the_guides_in_the_navigation(client, cast, who, shown):
    page = as_(client, getattr(cast, who)).get(reverse("bilans:list")).content.decode()
    assert (reverse("entretiens:guide_list") in page) is shown
    assert ">Guides d'entretien</a>" in page


@pytest.mark.browser
def test_in_a_browser_the_admin_copies_the_guide_and_edits_an_interview(live_server, page, cast):
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(cast.admin.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Guides d'entretien").click()
    page.get_by_role("button", name="Copier le guide par défaut").click()
    page.get_by_text("Guide par défaut copié").wait_for()
    page.get_by_role("link", name="Modifier cet entretien").first.click()
    page.get_by_label("Question 1", exact=True).first.fill("Qu'est-ce qui vous amène ?")
    page.get_by_role("button", name="Descendre cette question").first.click()
    page.get_by_text("Version 2 enregistrée").wait_for()
    page.get_by_label("Ajouter un objectif").fill("Rassurer la personne")
    page.get_by_role("button", name="Enregistrer une nouvelle version").first.click()
    page.get_by_text("Version 3 enregistrée").wait_for()
    accueil = guides.current_guide_for(cast.org).interview("accueil")
    assert questions_of({"interviews": [accueil]})[:2] == [
        ("g1-q2", "Qu'attendez-vous concrètement de ce bilan ?"),
        ("g1-q1", "Qu'est-ce qui vous amène ?"),
    ]
    assert accueil["objectives"][-1] == {"id": "o5", "text": "Rassurer la personne"}
