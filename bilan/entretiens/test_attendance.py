"""Attendance proof (émargement, REQ-21): who signs, how, régularisation, the pages for staff
and beneficiaries, and the attendance sheet PDF read back with no bilan content in it."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from PIL import Image, ImageDraw
from pypdf import PdfReader

from bilan.bilans.content import is_content
from bilan.bilans.models import Phase, RuleViolation, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.attendance import (
    PNG_DATA_URL,
    attendance_sheet_pdf,
    hash_ip,
    sign_attendance,
)
from bilan.entretiens.models import (
    Attendance,
    AttendancePolicy,
    Entretien,
    EntretienNote,
    InterviewGuide,
    Modality,
    NoteKind,
    SignatureMethod,
    SignerRole,
)
from bilan.lib.hours import fmt

IP = "203.0.113.42"
UA = "Mozilla/5.0 (X11; Linux x86_64) Test" + "x" * 800


def new_attendances() -> QuerySet[Attendance]:
    """Signatures made by the test: the demo scenario signs its own entretiens (as « demo »)."""
    return Attendance.objects.exclude(user_agent="demo")


def png(*, blank: bool = False, size: tuple[int, int] = (300, 100), white: bool = False) -> str:
    """A PNG data URL as a canvas would give: a stroke, or nothing on it."""
    image = Image.new("RGBA", size, (255, 255, 255, 255) if white else (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(10, 50), (290, 60), (150, 20)], fill=(17, 17, 17, 255), width=3
        )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return PNG_DATA_URL + base64.b64encode(buffer.getvalue()).decode()


def held(
    bilan,
    *,
    modality: str = Modality.IN_PERSON,
    hours_ago: float = 2,
    minutes: int = 60,
    title: str = "",
) -> Entretien:
    entretien = Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=hours_ago),
        planned_minutes=minutes,
        modality=modality,
        title=title,
    )
    entretien.mark_held(by=bilan.consultant)
    return entretien


@pytest.fixture
def bilan(cast):
    return advance_to(cast.bilan, Status.PRELIMINARY)


@pytest.fixture
def entretien(bilan) -> Entretien:
    return held(bilan)


@pytest.fixture
def remote(bilan) -> Entretien:
    return held(bilan, modality=Modality.VIDEO, hours_ago=5)  # not at the time of `entretien`


def drawn(**extra) -> dict:
    return {"method": SignatureMethod.DRAWN, "signature_image": png(), **extra}


def typed(name: str = "Bruno Bénéf", **extra) -> dict:
    return {"method": SignatureMethod.TYPED, "typed_name": name, "confirmed": True, **extra}


# ---- signing ----------------------------------------------------------------------------


def test_the_consultant_signs_a_held_entretien_with_a_drawn_signature(cast, entretien):
    attendance = sign_attendance(
        entretien=entretien, signer=cast.consultant, ip=IP, user_agent=UA, **drawn()
    )
    assert attendance.signer_role == SignerRole.CONSULTANT
    assert attendance.signature_image.startswith(PNG_DATA_URL)
    assert attendance.typed_name == ""
    assert attendance.regularisation is False
    assert abs(attendance.signed_at - timezone.now()) < dt.timedelta(seconds=5)
    assert len(attendance.user_agent) == 500 and attendance.user_agent.startswith("Mozilla")


def test_the_ip_address_is_stored_only_as_a_salted_hash(cast, entretien, settings):
    attendance = sign_attendance(entretien=entretien, signer=cast.consultant, ip=IP, **drawn())
    assert re.fullmatch(r"[0-9a-f]{64}", attendance.ip_hash)
    assert attendance.ip_hash == hash_ip(IP)
    row = Attendance.objects.filter(pk=attendance.pk).values().get()
    assert not any(IP in str(value) for value in row.values())
    settings.IP_HASH_KEY = "another-ip-hash-key-for-this-test-only-0123456789"
    assert (
        hash_ip(IP) != attendance.ip_hash
    )  # keyed by IP_HASH_KEY: not a plain SHA-256 anyone could rebuild


def test_the_beneficiary_signs_with_a_typed_name_and_an_explicit_confirmation(cast, entretien):
    attendance = sign_attendance(
        entretien=entretien, signer=cast.beneficiary, **typed("  Bruno   Bénéf ")
    )
    assert attendance.signer_role == SignerRole.BENEFICIARY
    assert attendance.method == SignatureMethod.TYPED
    assert attendance.typed_name == "Bruno Bénéf"
    assert attendance.signature_image == ""


@pytest.mark.parametrize(
    "fields,message",
    [
        (typed(confirmed=False), "Cochez la case de confirmation"),
        (typed(name="   "), "Saisissez votre nom"),
        (typed(name="x" * 301), "trop long"),
        (drawn(signature_image=""), "la signature est vide"),
        (drawn(signature_image=png(blank=True)), "la signature est vide"),
        (drawn(signature_image=png(blank=True, white=True)), "la signature est vide"),
        (drawn(signature_image="data:image/jpeg;base64,/9j/4AAQ"), "image PNG"),
        (drawn(signature_image=PNG_DATA_URL + "pas du base64 !"), "illisible"),
        (
            drawn(signature_image=PNG_DATA_URL + base64.b64encode(b"GIF89a...").decode()),
            "illisible",
        ),
        (drawn(signature_image=PNG_DATA_URL + "A" * 300_000), "200 Ko"),
        ({"method": "fax"}, "manière de signer"),
    ],
)
def test_bad_signatures_are_refused_in_french_and_nothing_is_saved(
    cast, entretien, fields, message
):
    with pytest.raises(RuleViolation) as refused:
        sign_attendance(entretien=entretien, signer=cast.consultant, **fields)
    assert refused.value.code == "invalid"
    assert message in refused.value.messages[0]
    assert not new_attendances().exists()


def test_an_oversized_drawing_is_refused_even_under_the_byte_cap(cast, entretien):
    with pytest.raises(RuleViolation, match="trop grande"):
        sign_attendance(
            entretien=entretien,
            signer=cast.consultant,
            **drawn(signature_image=png(size=(5000, 10))),
        )


def test_each_role_signs_once(cast, entretien):
    sign_attendance(entretien=entretien, signer=cast.consultant, **drawn())
    with pytest.raises(RuleViolation, match="a déjà signé") as refused:
        sign_attendance(entretien=entretien, signer=cast.consultant, **typed("Claire Conseil"))
    assert refused.value.code == "refused"
    sign_attendance(entretien=entretien, signer=cast.beneficiary, **drawn())
    assert entretien.attendances.count() == 2


@pytest.mark.parametrize("cancel", [None, "missed", "cancelled"])
def test_only_a_held_entretien_is_signed(cast, bilan, cancel):
    entretien = Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=60,
    )
    if cancel:
        entretien.cancel(by=cast.consultant, missed=cancel == "missed")
    with pytest.raises(RuleViolation, match="entretien tenu") as refused:
        sign_attendance(entretien=entretien, signer=cast.consultant, **drawn())
    assert refused.value.code == "refused"
    assert not new_attendances().exists()


@pytest.mark.parametrize(
    "who", ["admin", "colleague", "other_beneficiary", "outsider_consultant", "outsider_admin"]
)
def test_nobody_but_the_two_parties_signs(cast, entretien, who):
    with pytest.raises(RuleViolation, match="Vous ne pouvez signer que pour vous-même.") as e:
        sign_attendance(entretien=entretien, signer=getattr(cast, who), **drawn())
    assert e.value.code == "forbidden"
    assert not new_attendances().exists()


def test_a_party_cannot_sign_for_the_other(cast, entretien, remote):
    attempts = [
        # The beneficiary signing as the consultant, in person or remote.
        dict(entretien=entretien, signer=cast.consultant, acting_user=cast.beneficiary),
        # The consultant signing as the beneficiary of a remote entretien.
        dict(entretien=remote, signer=cast.beneficiary, acting_user=cast.consultant),
        # An admin presenting the device.
        dict(entretien=entretien, signer=cast.beneficiary, acting_user=cast.admin),
        # Claiming the other party's role.
        dict(entretien=entretien, signer=cast.consultant, role=SignerRole.BENEFICIARY),
        dict(entretien=entretien, signer=cast.beneficiary, role=SignerRole.CONSULTANT),
    ]
    for attempt in attempts:
        with pytest.raises(RuleViolation, match="que pour vous-même") as e:
            sign_attendance(**attempt, **drawn())
        assert e.value.code == "forbidden"
    assert not new_attendances().exists()


def test_in_person_the_beneficiary_signs_on_the_consultants_device(cast, entretien):
    attendance = sign_attendance(
        entretien=entretien,
        signer=cast.beneficiary,
        acting_user=cast.consultant,
        role=SignerRole.BENEFICIARY,
        ip=IP,
        user_agent="Tablette du cabinet",
        **drawn(),
    )
    assert attendance.signer == cast.beneficiary
    assert attendance.signer_role == SignerRole.BENEFICIARY
    assert attendance.ip_hash == hash_ip(IP) and attendance.user_agent == "Tablette du cabinet"


def test_a_signature_more_than_24_hours_after_the_end_is_a_regularisation(cast, bilan):
    recent = held(bilan, hours_ago=20, minutes=60)  # ended 19 h ago
    old = held(bilan, hours_ago=27, minutes=120)  # ended 25 h ago
    assert not sign_attendance(entretien=recent, signer=cast.consultant, **drawn()).regularisation
    with pytest.raises(RuleViolation, match="indiquez-en le motif"):
        sign_attendance(entretien=old, signer=cast.consultant, **drawn())
    assert not old.attendances.exists()
    late = sign_attendance(
        entretien=old, signer=cast.consultant, regularisation_reason="  Oubli  ", **drawn()
    )
    assert late.regularisation and late.regularisation_reason == "Oubli"


def test_the_regularisation_delay_is_a_setting_and_counts_from_the_real_end(cast, bilan):
    AttendancePolicy.objects.create(
        organisation=cast.org, effective_from=dt.date(2020, 1, 1), regularisation_hours=2
    )
    entretien = held(bilan, hours_ago=4, minutes=60)  # planned end 3 h ago
    entretien.actual_end = timezone.now() - dt.timedelta(minutes=30)  # it ran late
    entretien.save(update_fields=["actual_end"])
    assert not sign_attendance(
        entretien=entretien, signer=cast.consultant, **drawn()
    ).regularisation
    other = held(bilan, hours_ago=6, minutes=60)
    assert sign_attendance(
        entretien=other, signer=cast.consultant, regularisation_reason="Oubli", **drawn()
    ).regularisation


def test_an_attendance_is_not_content():
    assert not is_content(Attendance)
    fields = {f.name for f in Attendance._meta.get_fields()}
    assert not fields & {"text", "notes", "title", "summary"}


# ---- staff page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("consultant", 200),
        ("admin", 200),
        ("colleague", 404),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
        ("outsider_admin", 404),
        ("outsider_consultant", 404),
    ],
)
def test_who_reaches_the_staff_attendance_page(cast, client, entretien, role, status):
    client.force_login(getattr(cast, role))
    url = reverse("entretiens:attendance", args=[entretien.pk])
    assert client.get(url).status_code == status


def test_the_attendance_page_needs_a_login(client, entretien):
    url = reverse("entretiens:attendance", args=[entretien.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_the_consultant_sees_both_states_their_pad_and_the_beneficiarys_on_device(
    cast, client, entretien
):
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:attendance", args=[entretien.pk])).content.decode()
    assert page.count("En attente de signature") == 2
    assert "Ma signature" in page
    assert "Signature du ou de la bénéficiaire sur cet appareil" in page
    assert 'class="signature-pad"' in page and "js/signature.js" in page


def test_a_remote_beneficiary_signs_from_their_space_not_on_the_consultants_device(
    cast, client, remote
):
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:attendance", args=[remote.pk])).content.decode()
    assert "Signature du ou de la bénéficiaire sur cet appareil" not in page
    assert "depuis son espace personnel" in page


def test_an_admin_sees_the_states_without_any_pad(cast, client, entretien):
    sign_attendance(entretien=entretien, signer=cast.consultant, **typed("Claire Conseil"))
    client.force_login(cast.admin)
    page = client.get(reverse("entretiens:attendance", args=[entretien.pk])).content.decode()
    assert "Nom saisi : Claire Conseil" in page
    assert "signature-pad" not in page


def test_the_consultant_signs_from_the_page(cast, client, entretien):
    client.force_login(cast.consultant)
    url = reverse("entretiens:attendance", args=[entretien.pk])
    response = client.post(
        url,
        {"signer": "consultant", "method": "drawn", "signature_image": png()},
        HTTP_USER_AGENT="Firefox de test",
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302 and response["Location"] == url
    attendance = new_attendances().get()
    assert attendance.signer == cast.consultant and attendance.user_agent == "Firefox de test"
    assert attendance.ip_hash == hash_ip(IP)
    page = client.get(url).content.decode()
    assert "Votre signature est enregistrée." in page and "Ma signature" not in page


def test_the_beneficiary_signs_on_the_consultants_device_in_person(cast, client, entretien):
    client.force_login(cast.consultant)
    url = reverse("entretiens:attendance", args=[entretien.pk])
    response = client.post(
        url,
        {
            "signer": "beneficiary",
            "method": "typed",
            "typed_name": "Bruno Bénéf",
            "confirmed": "yes",
        },
    )
    assert response.status_code == 302
    attendance = new_attendances().get()
    assert attendance.signer == cast.beneficiary
    assert attendance.signer_role == SignerRole.BENEFICIARY


def test_the_consultant_cannot_sign_for_a_remote_beneficiary(cast, client, remote):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:attendance", args=[remote.pk]),
        {"signer": "beneficiary", "method": "drawn", "signature_image": png()},
    )
    assert response.status_code == 403
    assert not new_attendances().exists()


def test_a_bad_signature_re_renders_the_page_with_what_was_typed(cast, client, entretien):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:attendance", args=[entretien.pk]),
        {"signer": "consultant", "method": "typed", "typed_name": "Claire Conseil"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Cochez la case de confirmation" in page
    assert 'value="Claire Conseil"' in page
    assert not new_attendances().exists()


def test_a_second_signature_on_the_page_is_refused_in_french(cast, client, entretien):
    sign_attendance(entretien=entretien, signer=cast.consultant, **drawn())
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:attendance", args=[entretien.pk]),
        {"signer": "consultant", "method": "drawn", "signature_image": png()},
    )
    assert response.status_code == 422
    assert "a déjà signé" in response.content.decode()
    assert new_attendances().count() == 1


@pytest.mark.parametrize(
    "role,status",
    [("admin", 403), ("colleague", 404), ("beneficiary", 403), ("outsider_consultant", 404)],
)
def test_nobody_else_signs_from_the_staff_page(cast, client, entretien, role, status):
    client.force_login(getattr(cast, role))
    for signer in ("consultant", "beneficiary"):
        response = client.post(
            reverse("entretiens:attendance", args=[entretien.pk]),
            {"signer": signer, "method": "drawn", "signature_image": png()},
        )
        assert response.status_code == status
    assert not new_attendances().exists()


def test_a_late_signature_is_announced_and_shown_as_regularisation(cast, client, bilan):
    old = held(bilan, hours_ago=50)
    client.force_login(cast.consultant)
    url = reverse("entretiens:attendance", args=[old.pk])
    assert "sera marquée « régularisation »" in client.get(url).content.decode()
    page = client.get(url).content.decode()
    assert 'name="regularisation_reason"' in page
    refused = client.post(
        url, {"signer": "consultant", "method": "drawn", "signature_image": png()}
    )
    assert refused.status_code == 422 and "indiquez-en le motif" in refused.content.decode()
    assert not new_attendances().exists()
    client.post(
        url,
        {
            "signer": "consultant",
            "method": "drawn",
            "signature_image": png(),
            "regularisation_reason": "Feuille oubliée",
        },
    )
    assert "régularisation" in client.get(url).content.decode()
    signed = new_attendances().get()
    assert signed.regularisation and signed.regularisation_reason == "Feuille oubliée"


def test_a_planned_entretien_is_not_open_for_signing(cast, client, bilan):
    planned = Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() + dt.timedelta(days=2),
        planned_minutes=60,
    )
    client.force_login(cast.consultant)
    page = client.get(reverse("entretiens:attendance", args=[planned.pk])).content.decode()
    assert "L'émargement s'ouvre quand l'entretien est marqué tenu" in page
    assert "signature-pad" not in page


def test_the_bilan_page_links_each_held_entretien_to_its_attendance(cast, client, entretien):
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[entretien.bilan_id])).content.decode()
    assert reverse("entretiens:attendance", args=[entretien.pk]) in page
    assert "Émargement" in page
    assert reverse("entretiens:attendance_sheet", args=[entretien.bilan_id]) in page


# ---- beneficiary's space ----------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("beneficiary", 200),
        ("other_beneficiary", 404),
        ("outsider_beneficiary", 404),
        ("consultant", 403),
        ("admin", 403),
        ("colleague", 403),
    ],
)
def test_who_reaches_the_portal_attendance_page(cast, client, remote, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:attendance", args=[remote.pk])).status_code == status


def test_the_beneficiary_signs_a_remote_entretien_from_their_space(cast, client, remote):
    client.force_login(cast.beneficiary)
    url = reverse("portal:attendance", args=[remote.pk])
    page = client.get(url).content.decode()
    assert "Signer l'émargement" in page and "aucun élément de votre bilan" in page
    response = client.post(url, {"method": "drawn", "signature_image": png()})
    assert response.status_code == 302
    attendance = new_attendances().get()
    assert attendance.signer == cast.beneficiary
    assert attendance.signer_role == SignerRole.BENEFICIARY
    assert "Merci, votre signature est enregistrée." in client.get(url).content.decode()


def test_the_beneficiary_bad_signature_is_refused_and_kept(cast, client, remote):
    client.force_login(cast.beneficiary)
    url = reverse("portal:attendance", args=[remote.pk])
    response = client.post(url, {"method": "typed", "typed_name": "Bruno Bénéf"})
    assert response.status_code == 422
    assert 'value="Bruno Bénéf"' in response.content.decode()
    client.post(url, {"method": "typed", "typed_name": "Bruno Bénéf", "confirmed": "yes"})
    response = client.post(url, {"method": "drawn", "signature_image": png()})
    assert new_attendances().count() == 1  # a second one was refused
    assert response.status_code == 302 or "a déjà signé" in response.content.decode()


def test_another_beneficiary_cannot_sign_my_entretien(cast, client, remote):
    client.force_login(cast.other_beneficiary)
    response = client.post(
        reverse("portal:attendance", args=[remote.pk]),
        {"method": "drawn", "signature_image": png()},
    )
    assert response.status_code == 404
    assert not new_attendances().exists()


def test_the_portal_home_lists_the_entretiens_awaiting_my_signature(cast, client, remote):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert "À signer" in page
    assert reverse("portal:attendance", args=[remote.pk]) in page
    sign_attendance(entretien=remote, signer=cast.beneficiary, **drawn())
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:attendance", args=[remote.pk]) not in page


# ---- attendance sheet PDF ---------------------------------------------------------------


PRIVATE_NOTE = "Conflit ouvert avec son manager, envisage un arrêt maladie"
SHARED_SUMMARY = "Piste retenue : boulangerie artisanale en Bretagne"
FREE_TITLE = "Entretien sur la dépression de Bruno"


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def signed_bilan(cast, bilan):
    """The bilan with a recent in-person entretien signed by both, notes written on it."""
    entretien = held(bilan, hours_ago=3, minutes=90, title=FREE_TITLE)
    EntretienNote.objects.create(
        entretien=entretien, key="q1", kind=NoteKind.PRIVATE, text=PRIVATE_NOTE
    )
    EntretienNote.objects.create(
        entretien=entretien, key="summary", kind=NoteKind.SHARED, text=SHARED_SUMMARY
    )
    sign_attendance(entretien=entretien, signer=cast.consultant, **drawn())
    sign_attendance(entretien=entretien, signer=cast.beneficiary, **typed("Bruno Bénéf"))
    # A preliminary entretien held weeks ago, signed only now by the consultant (the
    # scenario's own two are signed by both on the day).
    first = held(bilan, hours_ago=24 * 20, minutes=120)
    sign_attendance(
        entretien=first,
        signer=cast.consultant,
        regularisation_reason="Feuille retrouvée",
        **typed("Claire Conseil"),
    )
    bilan.recent = entretien
    bilan.first = first
    return bilan


def test_the_attendance_sheet_carries_dates_names_signatures_and_totals(signed_bilan):
    text = pdf_text(attendance_sheet_pdf(signed_bilan))
    local = timezone.localtime(signed_bilan.recent.starts_at)
    assert date_format(local, "j F Y") in text
    assert local.strftime("%Hh%M") in text
    assert date_format(timezone.localtime(signed_bilan.first.starts_at), "j F Y") in text
    for expected in (
        "Feuille d'émargement",
        "Bilan de compétences",
        "Cap Avenir Conseil",
        "73282932000074",
        "11755555575",
        "Bruno Bénéf",
        "Claire Conseil",
        "Phase préliminaire",
        "signé électroniquement le",
        "régularisation",
        "non signé",
        "Présentiel",
    ):
        assert expected in text, expected
    held_minutes = sum(e.held_minutes for e in signed_bilan.entretiens.filter(status="held"))
    assert held_minutes == 90 + 120 + 90 + 120
    assert f"Heures d'accompagnement réalisées : {fmt(held_minutes)}" in text.replace("\u202f", " ")
    assert "Entretiens tenus : 4 (3 émargés par les deux parties)" in text.replace("\u202f", " ")
    assert "Page 1 / 1" in text.replace("\u00a0", " ")


def test_the_attendance_sheet_contains_no_bilan_content(signed_bilan):
    text = pdf_text(attendance_sheet_pdf(signed_bilan))
    framing = signed_bilan.framing_or_empty()
    for secret in (
        PRIVATE_NOTE,
        SHARED_SUMMARY,
        FREE_TITLE,
        "dépression",
        "boulangerie",
        framing.request_text,
        framing.needs_analysis[:40],
        "Entretien d'accueil",  # the free titles advance_to gives its entretiens
    ):
        assert secret not in text, secret


def test_the_sheet_names_a_guide_interview_by_its_generic_title(cast, bilan):
    guide = InterviewGuide.objects.create(
        name="Guide de test",
        content={
            "interviews": [
                {"key": "accueil", "phase": "preliminary", "title": "Entretien d'information"}
            ]
        },
    )
    entretien = held(bilan, title=FREE_TITLE)
    Entretien.objects.filter(pk=entretien.pk).update(guide=guide, interview_key="accueil")
    text = pdf_text(attendance_sheet_pdf(bilan))
    assert "Entretien d'information" in text and FREE_TITLE not in text


@pytest.mark.parametrize(
    "role,status",
    [
        ("consultant", 200),
        ("admin", 200),
        ("colleague", 404),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
        ("outsider_admin", 404),
        ("outsider_consultant", 404),
    ],
)
def test_who_downloads_the_sheet_from_the_staff_side(cast, client, signed_bilan, role, status):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("entretiens:attendance_sheet", args=[signed_bilan.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert PRIVATE_NOTE not in pdf_text(response.content)


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
def test_who_downloads_the_sheet_from_the_beneficiarys_space(
    cast, client, signed_bilan, role, status
):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("portal:attendance_sheet", args=[signed_bilan.pk]))
    assert response.status_code == status
    if status == 200:
        assert "Bruno Bénéf" in pdf_text(response.content)


def test_anonymous_visitors_get_no_sheet(client, signed_bilan):
    for name in ("entretiens:attendance_sheet", "portal:attendance_sheet"):
        response = client.get(reverse(name, args=[signed_bilan.pk]))
        assert response.status_code == 302
