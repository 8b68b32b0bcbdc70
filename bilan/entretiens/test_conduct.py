"""The consultant's entretien screen: permissions, what it shows, autosave, conflicts, audit,
marking held / missed / cancelled, the preliminary outputs, and the beneficiary's view."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import BilanFraming, Phase, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.guides import default_guide
from bilan.entretiens.models import (
    Entretien,
    EntretienChecklist,
    EntretienNote,
    EntretienStatus,
)
from bilan.entretiens.notes import save_note, set_checklist_item
from bilan.lib.testing import PASSWORD

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}
PRIVATE = "Note privée : évoque un conflit avec sa hiérarchie"
SHARED = "Synthèse : nous avons clarifié vos attentes."


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def make_entretien(cast, *, interview_key: str = "accueil") -> Entretien:
    """A planned preliminary entretien of the default guide, started an hour ago."""
    advance_to(cast.bilan, Status.PRELIMINARY)
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=90,
    )
    if interview_key:
        Entretien.objects.filter(pk=entretien.pk).update(
            guide=default_guide(), interview_key=interview_key
        )
    return Entretien.objects.select_related("bilan", "guide").get(pk=entretien.pk)


@pytest.fixture
def entretien(cast) -> Entretien:
    return make_entretien(cast)


def urls(entretien: Entretien) -> list[tuple[str, str, dict]]:
    pk = entretien.pk
    now = timezone.now()
    return [
        ("get", reverse("entretiens:conduct", args=[pk]), {}),
        ("post", reverse("entretiens:note", args=[pk, "free"]), {"text": "x", "base_version": 0}),
        (
            "post",
            reverse("entretiens:checklist", args=[pk]),
            {"section": "objectives", "item": "o1", "done": "1"},
        ),
        (
            "post",
            reverse("entretiens:conduct_framing", args=[pk]),
            {"format": "in_person", "needs_analysis": "a", "agreed_arrangements": "b"},
        ),
        (
            "post",
            reverse("entretiens:conduct_held", args=[pk]),
            {"actual_start": local(now - dt.timedelta(minutes=60)), "actual_end": local(now)},
        ),
        (
            "post",
            reverse("entretiens:conduct_cancel", args=[pk]),
            {"outcome": "missed", "reason": "no_show"},
        ),
    ]


EXPECTED = {
    "colleague": 404,
    "admin": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
}


@pytest.mark.parametrize("role", ["consultant", *EXPECTED])
def test_only_the_assigned_consultant_conducts_the_entretien(cast, client, entretien, role):
    client.force_login(getattr(cast, role))
    for method, url, data in urls(entretien):
        response = getattr(client, method)(url, data)
        if role == "consultant":
            # 422 for the last one: allowed to try, refused by a rule (already held).
            assert response.status_code in (200, 302, 422), (url, response.status_code)
        else:
            assert response.status_code == EXPECTED[role], (url, response.status_code)
    if role != "consultant":
        assert not EntretienNote.objects.exists()
        assert not EntretienChecklist.objects.exists()
        entretien.refresh_from_db()
        assert entretien.status == EntretienStatus.PLANNED


def test_anonymous_users_are_sent_to_the_login_page(cast, client, entretien):
    for method, url, data in urls(entretien):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_entretien_is_a_404(cast, client):
    client.force_login(cast.consultant)
    assert client.get(reverse("entretiens:conduct", args=[999999])).status_code == 404


def test_the_screen_shows_the_guide_interview_with_a_field_per_question(cast, client, entretien):
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:conduct", args=[entretien.pk])).content.decode()
    interview = entretien.guide.interview("accueil")
    for objective in interview["objectives"]:
        assert f'data-item="{objective["id"]}"' in page
    for group in interview["question_groups"]:
        for question in group["questions"]:
            assert f'id="text-{question["id"]}"' in page
    for item in interview["closing_items"]:
        assert f'id="close-{item["id"]}"' in page
    assert 'id="text-free"' in page and 'id="text-summary"' in page
    assert "Synthèse partagée — visible par le ou la bénéficiaire après l'entretien" in page
    assert "privé" in page
    assert "data-timer" in page and "js/autosave.js" in page
    assert 'name="actual_start"' in page  # mark held, with the opening time as the start


def test_a_free_entretien_shows_only_free_notes_and_the_summary(cast, client):
    entretien = make_entretien(cast, interview_key="")
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:conduct", args=[entretien.pk])).content.decode()
    assert 'id="text-free"' in page and 'id="text-summary"' in page
    assert page.count("data-autosave") == 2 and "data-checklist " not in page


def test_opening_the_screen_writes_one_audit_row_per_content_object(cast, client, entretien):
    save_note(entretien=entretien, key="free", text="a", base_version=0, by=cast.consultant)
    save_note(entretien=entretien, key="g1-q1", text="b", base_version=0, by=cast.consultant)
    set_checklist_item(
        entretien=entretien, section="objectives", item="o1", done=True, by=cast.consultant
    )
    before = AuditEvent.objects.count()
    client.force_login(cast.consultant)
    client.get(reverse("entretiens:conduct", args=[entretien.pk]))
    events = AuditEvent.objects.order_by("id")[before:]
    assert sorted(e.object_type for e in events) == [
        "bilans.BilanFraming",
        "entretiens.EntretienChecklist",
        "entretiens.EntretienNote",
        "entretiens.EntretienNote",
    ]
    assert {e.actor_id for e in events} == {cast.consultant.pk}
    assert {e.action for e in events} == {AuditEvent.Action.READ}


def test_autosave_round_trip_returns_the_new_version(cast, client, entretien):
    client.force_login(cast.consultant)
    url = reverse("entretiens:note", args=[entretien.pk, "g1-q1"])
    response = client.post(url, {"text": "premier jet", "base_version": 0}, **AUTOSAVE)
    assert response.status_code == 200 and response["X-Note-Version"] == "1"
    assert "enregistré" in response.content.decode()
    response = client.post(url, {"text": "premier jet, complété", "base_version": 1}, **AUTOSAVE)
    assert response["X-Note-Version"] == "2"
    note = EntretienNote.objects.get(entretien=entretien, key="g1-q1")
    assert (note.text, note.version, note.updated_by) == (
        "premier jet, complété",
        2,
        cast.consultant,
    )
    page = client.get(reverse("entretiens:conduct", args=[entretien.pk])).content.decode()
    assert "premier jet, complété" in page


def test_two_tabs_saving_from_the_same_version_the_second_sees_both_texts(cast, client, entretien):
    client.force_login(cast.consultant)
    url = reverse("entretiens:note", args=[entretien.pk, "free"])
    first = client.post(url, {"text": "onglet A", "base_version": 0}, **AUTOSAVE)
    second = client.post(url, {"text": "onglet B", "base_version": 0}, **AUTOSAVE)
    assert first.status_code == 200 and second.status_code == 409
    body = second.content.decode()
    assert "onglet A" in body and "onglet B" in body and "conflit" in body
    assert second["X-Note-Version"] == "1"
    assert EntretienNote.objects.get(entretien=entretien, key="free").text == "onglet A"
    # Showing their text is a read of the note.
    assert AuditEvent.objects.filter(object_type="entretiens.EntretienNote").exists()


def test_a_conflict_without_javascript_shows_the_page_with_both_texts(cast, client, entretien):
    save_note(
        entretien=entretien,
        key="summary",
        text="texte enregistré",
        base_version=0,
        by=cast.consultant,
    )
    client.force_login(cast.consultant)
    url = reverse("entretiens:note", args=[entretien.pk, "summary"])
    response = client.post(url, {"text": "mon texte", "base_version": 0})
    assert response.status_code == 409
    page = response.content.decode()
    assert "texte enregistré" in page and "mon texte" in page
    assert EntretienNote.objects.get(entretien=entretien, key="summary").text == "texte enregistré"


def test_a_plain_form_save_redirects_to_the_field(cast, client, entretien):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:note", args=[entretien.pk, "free"]), {"text": "x", "base_version": 0}
    )
    assert response.status_code == 302 and response["Location"].endswith("#note-free")


@pytest.mark.parametrize("key,version", [("inconnu", "0"), ("free", "abc")])
def test_bad_input_is_a_422_and_keeps_the_text(cast, client, entretien, key, version):
    client.force_login(cast.consultant)
    url = reverse("entretiens:note", args=[entretien.pk, key])
    response = client.post(url, {"text": "à garder", "base_version": version}, **AUTOSAVE)
    assert response.status_code == 422
    response = client.post(url, {"text": "à garder", "base_version": version})
    assert response.status_code == 422
    if key == "free":
        assert "à garder" in response.content.decode()
    assert not EntretienNote.objects.exists()


def test_a_checklist_tick_is_saved(cast, client, entretien):
    client.force_login(cast.consultant)
    url = reverse("entretiens:checklist", args=[entretien.pk])
    assert client.post(
        url, {"section": "closing", "item": "c1", "done": "1"}, **AUTOSAVE
    ).status_code in (200, 422)
    response = client.post(url, {"section": "objectives", "item": "o2", "done": "1"}, **AUTOSAVE)
    assert response.status_code == 200
    assert EntretienChecklist.objects.get(entretien=entretien).objectives_done == ["o2"]
    client.post(url, {"section": "objectives", "item": "o2", "done": "0"}, **AUTOSAVE)
    assert EntretienChecklist.objects.get(entretien=entretien).objectives_done == []
    assert client.post(url, {"section": "objectives", "item": "zz", "done": "1"}).status_code == 422


def test_mark_held_records_the_actual_times_and_the_delivered_hours(cast, client, entretien):
    client.force_login(cast.consultant)
    before = cast.bilan.budget()
    end = timezone.now().replace(second=0, microsecond=0)
    response = client.post(
        reverse("entretiens:conduct_held", args=[entretien.pk]),
        {"actual_start": local(end - dt.timedelta(minutes=80)), "actual_end": local(end)},
    )
    assert response.status_code == 302
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.HELD and entretien.held_minutes == 80
    assert entretien.actual_start == end - dt.timedelta(minutes=80)
    cast.bilan.refresh_from_db()
    after = cast.bilan.budget()
    assert after.held == before.held + 80
    # held, not yet delivered: the ledger counts it once both parties have signed
    assert after.delivered_accompaniment == before.delivered_accompaniment
    page = client.get(response["Location"]).content.decode()
    assert "1 h 20" in page or "1h20" in page or "80" in page


def test_mark_held_without_an_end_means_now(cast, client, entretien):
    client.force_login(cast.consultant)
    start = timezone.now() - dt.timedelta(minutes=45)
    client.post(
        reverse("entretiens:conduct_held", args=[entretien.pk]), {"actual_start": local(start)}
    )
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.HELD
    assert 44 <= entretien.held_minutes <= 46


@pytest.mark.parametrize(
    "data,message",
    [
        ({"actual_start": "pas une date"}, "Vérifiez le début et la fin"),
        ({"actual_start": "END", "actual_end": "START"}, "après le début"),
    ],
)
def test_mark_held_refusals_keep_what_was_typed(cast, client, entretien, data, message):
    client.force_login(cast.consultant)
    now = timezone.now()
    values = {
        "START": local(now - dt.timedelta(minutes=60)),
        "END": local(now - dt.timedelta(minutes=10)),
    }
    data = {k: values.get(v, v) for k, v in data.items()}
    response = client.post(reverse("entretiens:conduct_held", args=[entretien.pk]), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert data["actual_start"] in page
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.PLANNED


def test_mark_missed_with_a_reason(cast, client, entretien):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:conduct_cancel", args=[entretien.pk]),
        {"outcome": "missed", "reason": "no_show"},
    )
    assert response.status_code == 302
    entretien.refresh_from_db()
    assert (entretien.status, entretien.cancel_reason) == (EntretienStatus.MISSED, "no_show")


def test_cancel_without_a_reason_is_refused(cast, client, entretien):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:conduct_cancel", args=[entretien.pk]), {"outcome": "cancelled"}
    )
    assert response.status_code == 422
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.PLANNED


def test_the_preliminary_outputs_are_filled_from_the_screen(cast, client, entretien):
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:conduct", args=[entretien.pk])).content.decode()
    assert 'name="needs_analysis"' in page
    response = client.post(
        reverse("entretiens:conduct_framing", args=[entretien.pk]),
        {
            "needs_analysis": "Reconversion vers le social",
            "format": "mixed",
            "rhythm": "Tous les 15 jours",
            "agreed_arrangements": "Mardi matin",
        },
    )
    assert response.status_code == 302
    framing = BilanFraming.objects.get(bilan=cast.bilan)
    assert framing.needs_analysis == "Reconversion vers le social"
    cast.bilan.refresh_from_db()
    assert cast.bilan.format == "mixed"


def test_the_preliminary_outputs_are_not_offered_in_another_phase(cast, client):
    advance_to(cast.bilan, Status.INVESTIGATION)
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.INVESTIGATION,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=60,
    )
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:conduct", args=[entretien.pk])).content.decode()
    assert 'name="needs_analysis"' not in page


# ---- the beneficiary's side ---------------------------------------------------------------


def test_the_beneficiary_reads_the_shared_summary_once_held_never_a_private_note(
    cast, client, entretien
):
    save_note(entretien=entretien, key="summary", text=SHARED, base_version=0, by=cast.consultant)
    save_note(entretien=entretien, key="free", text=PRIVATE, base_version=0, by=cast.consultant)
    save_note(entretien=entretien, key="g1-q1", text=PRIVATE, base_version=0, by=cast.consultant)
    client.force_login(cast.beneficiary)
    summaries = reverse("portal:summaries", args=[cast.bilan.pk])
    assert SHARED not in client.get(summaries).content.decode()
    entretien.mark_held(by=cast.consultant)
    pages = [reverse("portal:home"), summaries]
    bodies = [client.get(url).content.decode() for url in pages]
    assert SHARED in bodies[1]
    assert "Synthèses de mes entretiens" in bodies[0]
    for body in bodies:
        assert PRIVATE not in body


@pytest.mark.parametrize(
    "role,status",
    [
        ("beneficiary", 200),
        ("other_beneficiary", 404),
        ("outsider_beneficiary", 404),
        ("consultant", 403),
        ("admin", 403),
    ],
)
def test_the_summaries_page_is_the_beneficiarys_own(cast, client, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:summaries", args=[cast.bilan.pk])).status_code == status


def test_the_bilan_page_links_to_the_screen_for_the_consultant_only(cast, client, entretien):
    url = reverse("entretiens:conduct", args=[entretien.pk])
    client.force_login(cast.consultant)
    assert url in client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    client.force_login(cast.admin)
    assert url not in client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()


@pytest.mark.browser
def test_in_a_browser_notes_autosave_keep_unsaved_text_and_show_conflicts(live_server, page, cast):
    from playwright.sync_api import expect

    entretien = make_entretien(cast)
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(cast.consultant.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + reverse("entretiens:conduct", args=[entretien.pk]))
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^\d\d:\d\d$"))

    # Typing saves after a pause, with a visible state.
    free = page.locator("#note-free")
    free.locator("textarea").fill("Arrive en avance, détendu.")
    expect(free.locator(".save-state")).to_contain_text("enregistré")
    note = EntretienNote.objects.get(entretien=entretien, key="free")
    assert (note.text, note.version) == ("Arrive en avance, détendu.", 1)

    # A checklist tick saves at once.
    page.locator("#obj-o1").check()
    expect(page.locator("#obj-o1 ~ .save-state")).to_contain_text("enregistré")
    assert EntretienChecklist.objects.get(entretien=entretien).objectives_done == ["o1"]

    # Another tab saved meanwhile: the next save shows both texts and overwrites nothing.
    save_note(
        entretien=entretien,
        key="free",
        text="Texte de l'autre onglet",
        base_version=1,
        by=cast.consultant,
    )
    free.locator("textarea").fill("Mon texte à moi")
    expect(free.locator(".save-state")).to_have_text("conflit")
    expect(free.locator("[data-theirs]")).to_have_value("Texte de l'autre onglet")
    expect(free.locator("[data-yours]")).to_have_value("Mon texte à moi")
    assert (
        EntretienNote.objects.get(entretien=entretien, key="free").text == "Texte de l'autre onglet"
    )
    free.get_by_role("button", name="Garder mon texte").click()
    expect(free.locator(".save-state")).to_contain_text("enregistré")
    note = EntretienNote.objects.get(entretien=entretien, key="free")
    assert (note.text, note.version) == ("Mon texte à moi", 3)

    # The network fails: the text stays, is retried, and is offered back after a reload.
    summary = page.locator("#note-summary")
    page.context.set_offline(True)
    summary.locator("textarea").fill("Synthèse tapée hors ligne")
    expect(summary.locator(".save-state")).to_have_text("non enregistré — nouvel essai")
    assert not EntretienNote.objects.filter(entretien=entretien, key="summary").exists()
    page.context.set_offline(False)
    expect(summary.locator(".save-state")).to_contain_text("enregistré", timeout=20000)
    assert EntretienNote.objects.get(entretien=entretien, key="summary").text == (
        "Synthèse tapée hors ligne"
    )

    # A text kept on this device (the tab closed before it could save) is offered on reload.
    page.evaluate(
        "key => localStorage.setItem(key, JSON.stringify("
        "{text: 'Gardé sur l’appareil', base_version: 0, at: Date.now()}))",
        f"bilan:entretien:{entretien.pk}:note:g1-q1",
    )
    page.reload()
    offer = page.locator("#note-g1-q1 .note-offer")
    expect(offer).to_contain_text("Gardé sur l’appareil")
    offer.get_by_role("button", name="Le reprendre").click()
    expect(page.locator("#note-g1-q1 .save-state")).to_contain_text("enregistré")
    assert (
        EntretienNote.objects.get(entretien=entretien, key="g1-q1").text == "Gardé sur l’appareil"
    )
