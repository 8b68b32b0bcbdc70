"""Messages: one thread per bilan, read state per person, audited consultant reads, checked
attachments (refusals keep the typed text), downloads through a permission-checked view, and
comments on an assigned exercise question by question; permissions for every page."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import RuleViolation, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.assignments import assign_work
from bilan.entretiens.models import Assignment, AssignmentKind
from bilan.exchanges.messaging import MAX_SIZE, post_message, read_thread, unread_count
from bilan.exchanges.models import Message, MessageAttachment

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def say(cast, text: str = "Bonjour, une question sur l'exercice.", by=None, **extra) -> Message:
    return post_message(bilan=cast.bilan, by=by or cast.beneficiary, text=text, **extra)


def give_work(cast) -> Assignment:
    advance_to(cast.bilan, Status.PRELIMINARY)
    cast.bilan.plan_hours(by=cast.consultant, accompaniment_minutes=20 * 60, personal_minutes=120)
    return assign_work(
        bilan=cast.bilan,
        by=cast.consultant,
        title="Mes motivations",
        instructions="Répondez aux cinq questions.",
        kind=AssignmentKind.REFLECTION,
        estimated_minutes=60,
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )


# ---- rules ---------------------------------------------------------------------------------


def test_the_beneficiary_and_the_consultant_write_on_one_thread_per_bilan(cast):
    say(cast, "Bonjour")
    say(cast, "Bonjour Bruno", by=cast.consultant)
    post_message(bilan=cast.other_bilan, by=cast.other_beneficiary, text="Ailleurs")
    thread = read_thread(reader=cast.beneficiary, bilan=cast.bilan)
    assert [(m.author, m.text) for m in thread] == [
        (cast.beneficiary, "Bonjour"),
        (cast.consultant, "Bonjour Bruno"),
    ]


@pytest.mark.parametrize(
    "role", ["admin", "colleague", "other_beneficiary", "outsider_consultant", "outsider_admin"]
)
def test_no_one_else_posts_on_a_bilans_thread(cast, role):
    with pytest.raises(RuleViolation) as e:
        say(cast, by=getattr(cast, role))
    assert e.value.code == "forbidden"
    assert not Message.objects.exists()


@pytest.mark.parametrize("role", ["admin", "colleague", "other_beneficiary", "outsider_consultant"])
def test_no_one_else_reads_a_bilans_thread(cast, role):
    say(cast)
    with pytest.raises(PermissionDenied):
        read_thread(reader=getattr(cast, role), bilan=cast.bilan)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "text,message",
    [
        ("   ", "Écrivez votre message avant de l'envoyer."),
        ("x" * 10001, "Votre message fait 10001 caractères : 10000 au plus."),
    ],
)
def test_an_empty_or_too_long_message_is_refused_in_french(cast, text, message):
    with pytest.raises(RuleViolation, match=message) as e:
        say(cast, text)
    assert e.value.code == "invalid"
    assert not Message.objects.exists()


def test_the_consultant_reading_the_thread_writes_one_audit_row_per_message(cast):
    say(cast, "un"), say(cast, "deux"), say(cast, "trois", by=cast.consultant)
    read_thread(reader=cast.beneficiary, bilan=cast.bilan)
    assert not AuditEvent.objects.exists()
    read_thread(reader=cast.consultant, bilan=cast.bilan)
    events = AuditEvent.objects.filter(bilan_id=cast.bilan.pk, object_type="exchanges.Message")
    assert events.count() == 3 and {e.actor_id for e in events} == {cast.consultant.pk}


def test_each_person_has_their_own_read_state(cast):
    say(cast, "un"), say(cast, "deux")
    assert (unread_count(cast.consultant), unread_count(cast.beneficiary)) == (2, 0)
    thread = read_thread(reader=cast.consultant, bilan=cast.bilan)
    assert [m.unread for m in thread] == [True, True]  # shown as new this once
    assert unread_count(cast.consultant) == 0
    assert [m.unread for m in read_thread(reader=cast.consultant, bilan=cast.bilan)] == [
        False,
        False,
    ]
    say(cast, "réponse", by=cast.consultant)
    assert (unread_count(cast.beneficiary), unread_count(cast.consultant, cast.bilan)) == (1, 0)
    assert unread_count(cast.colleague) == 0 and unread_count(cast.admin) == 0


# ---- attachments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content,content_type",
    [
        ("cv.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("scan.jpeg", JPEG, "image/jpeg"),
        (
            "lettre.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("notes.odt", docx_bytes(), "application/vnd.oasis.opendocument.text"),
        ("notes.txt", "Des notes accentuées.".encode(), "text/plain"),
    ],
)
def test_accepted_attachments_are_stored_under_a_random_name(cast, name, content, content_type):
    message = say(cast, files=[upload(name, content, "application/x-whatever")])
    attachment = message.attachments.get()
    assert (attachment.original_name, attachment.size, attachment.content_type) == (
        name,
        len(content),
        content_type,
    )
    assert attachment.file.name.startswith("messages/") and name not in attachment.file.name
    with attachment.file.open("rb") as f:
        assert f.read() == content


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("virus.exe", b"MZ\x90\x00", "« virus.exe » : ce type de fichier n'est pas accepté"),
        ("page.html", b"<html>", "ce type de fichier n'est pas accepté"),
        ("faux.pdf", PNG, "« faux.pdf » ne correspond pas à son extension .pdf"),
        ("faux.png", b"GIF89a", "ne correspond pas à son extension .png"),
        ("faux.docx", PDF, "ne correspond pas à son extension .docx"),
        ("binaire.txt", b"abc\x00def", "ne correspond pas à son extension .txt"),
        ("vide.pdf", b"", "« vide.pdf » est vide."),
    ],
)
def test_a_forbidden_or_disguised_file_is_refused_and_nothing_is_saved(
    cast, name, content, message
):
    with pytest.raises(RuleViolation, match=message) as e:
        say(cast, files=[upload("ok.pdf", PDF), upload(name, content)])
    assert e.value.code == "invalid"
    assert not Message.objects.exists() and not MessageAttachment.objects.exists()


def test_a_file_over_10_mb_is_refused(cast):
    big = upload("gros.pdf", PDF + b"0" * (MAX_SIZE - len(PDF) + 1))
    with pytest.raises(
        RuleViolation, match=r"« gros.pdf » est trop lourd \(10,1 Mo\) : 10 Mo au plus par fichier"
    ):
        say(cast, files=[big])
    assert not Message.objects.exists()
    exact = upload("juste.pdf", PDF + b"0" * (MAX_SIZE - len(PDF)))
    assert say(cast, files=[exact]).attachments.count() == 1


def test_more_than_five_attachments_are_refused(cast):
    with pytest.raises(RuleViolation, match="5 pièces jointes au plus"):
        say(cast, files=[upload(f"{i}.pdf", PDF) for i in range(6)])


def post_page(client, cast, **data):
    return client.post(reverse("portal:messages_bilan", args=[cast.bilan.pk]), data)


def test_a_too_large_file_is_refused_on_the_page_and_the_typed_text_is_kept(cast, client):
    client.force_login(cast.beneficiary)
    big = upload("gros.pdf", PDF + b"0" * MAX_SIZE)
    response = post_page(client, cast, text="Voici mon CV, tapé avec soin.", attachments=[big])
    assert response.status_code == 422
    page = response.content.decode()
    assert "« gros.pdf » est trop lourd" in page and "Voici mon CV, tapé avec soin." in page
    assert "Votre texte est conservé" in page
    assert not Message.objects.exists()


def test_a_forbidden_type_is_refused_on_the_staff_page_and_the_typed_text_is_kept(cast, client):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("exchanges:thread", args=[cast.bilan.pk]),
        {"text": "Le document promis.", "attachments": [upload("outil.exe", b"MZ")]},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "ce type de fichier n&#x27;est pas accepté" in page and "Le document promis." in page
    assert not Message.objects.exists()


def test_the_beneficiary_sends_a_message_with_attachments_from_their_space(cast, client):
    client.force_login(cast.beneficiary)
    response = post_page(
        client, cast, text="Ci-joint.", attachments=[upload("cv.pdf", PDF), upload("p.png", PNG)]
    )
    assert response.status_code == 302 and response.url.endswith("#dernier")
    message = Message.objects.get()
    assert (message.author, message.text, message.attachments.count()) == (
        cast.beneficiary,
        "Ci-joint.",
        2,
    )


def test_an_empty_message_is_refused_on_the_page(cast, client):
    client.force_login(cast.beneficiary)
    response = post_page(client, cast, text="  ")
    assert response.status_code == 422
    assert "Écrivez votre message avant de l&#x27;envoyer." in response.content.decode()


PORTAL_DOWNLOAD = {
    "beneficiary": 200,
    "other_beneficiary": 404,
    "outsider_beneficiary": 404,
    "consultant": 403,
    "admin": 403,
}
STAFF_DOWNLOAD = {
    "consultant": 200,
    "colleague": 404,
    "admin": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
}


@pytest.mark.parametrize("role", PORTAL_DOWNLOAD)
def test_only_the_beneficiary_downloads_from_their_space(cast, client, role):
    attachment = say(cast, files=[upload("cv.pdf", PDF)]).attachments.get()
    client.force_login(getattr(cast, role))
    response = client.get(reverse("portal:message_attachment", args=[attachment.pk]))
    assert response.status_code == PORTAL_DOWNLOAD[role]
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert 'attachment; filename="cv.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize("role", STAFF_DOWNLOAD)
def test_only_the_assigned_consultant_downloads_from_the_staff_side_audited(cast, client, role):
    attachment = say(cast, files=[upload("cv.pdf", PDF)]).attachments.get()
    client.force_login(getattr(cast, role))
    response = client.get(reverse("exchanges:attachment", args=[attachment.pk]))
    assert response.status_code == STAFF_DOWNLOAD[role]
    events = AuditEvent.objects.filter(object_type="exchanges.MessageAttachment")
    if role == "consultant":
        assert b"".join(response.streaming_content) == PDF
        assert [(e.actor_id, e.action) for e in events] == [(cast.consultant.pk, "export")]
    else:
        assert not events.exists()


def test_attachments_are_not_served_from_media(cast, client):
    attachment = say(cast, files=[upload("cv.pdf", PDF)]).attachments.get()
    client.force_login(cast.beneficiary)
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


# ---- pages ---------------------------------------------------------------------------------

STAFF_EXPECTED = {
    "consultant": 200,
    "colleague": 404,
    "admin": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
}


@pytest.mark.parametrize("role", STAFF_EXPECTED)
def test_only_the_assigned_consultant_reads_and_writes_the_staff_thread(cast, client, role):
    say(cast, "Message du bénéficiaire")
    client.force_login(getattr(cast, role))
    url = reverse("exchanges:thread", args=[cast.bilan.pk])
    response = client.get(url)
    assert response.status_code == STAFF_EXPECTED[role]
    if role == "consultant":
        assert "Message du bénéficiaire" in response.content.decode()
    expected_post = 302 if role == "consultant" else STAFF_EXPECTED[role]
    assert client.post(url, {"text": "Réponse"}).status_code == expected_post
    assert Message.objects.count() == (2 if role == "consultant" else 1)


@pytest.mark.parametrize(
    "role,status",
    [
        ("beneficiary", 200),
        ("other_beneficiary", 404),
        ("outsider_beneficiary", 404),
        ("consultant", 403),
        ("admin", 403),
        ("outsider_consultant", 403),
    ],
)
def test_only_the_beneficiary_reads_and_writes_their_thread_in_their_space(
    cast, client, role, status
):
    say(cast, "Mon message")
    client.force_login(getattr(cast, role))
    url = reverse("portal:messages_bilan", args=[cast.bilan.pk])
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        assert "Mon message" in response.content.decode()
    assert client.post(url, {"text": "Intrus ?"}).status_code == (302 if status == 200 else status)
    assert Message.objects.count() == (2 if status == 200 else 1)


@pytest.mark.parametrize("role,status", [("beneficiary", 200), ("consultant", 403), ("admin", 403)])
def test_my_messages_page_is_the_beneficiarys_own(cast, client, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:messages")).status_code == status


def test_my_messages_shows_the_current_bilans_thread_and_nothing_of_another(cast, client):
    say(cast, "Le mien")
    post_message(bilan=cast.other_bilan, by=cast.other_beneficiary, text="Pas le mien")
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:messages")).content.decode()
    assert "Le mien" in page and "Pas le mien" not in page


def test_the_nav_shows_my_unread_count_and_reading_clears_it(cast, client):
    say(cast, "Une réponse", by=cast.consultant)
    say(cast, "Une autre", by=cast.consultant)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Mes messages" in page and '<span class="tag">2<span class="sr"> non lus' in page
    client.get(reverse("portal:messages"))
    page = client.get(reverse("portal:home")).content.decode()
    assert '<span class="tag">2' not in page


def test_the_bilan_page_shows_the_consultant_how_many_messages_are_unread(cast, client):
    say(cast, "un"), say(cast, "deux"), say(cast, "trois")
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert "Messages (3 non lus)" in page
    assert not AuditEvent.objects.filter(object_type="exchanges.Message").exists()


def test_the_staff_thread_audits_each_message_shown(cast, client):
    say(cast, "un"), say(cast, "deux")
    client.force_login(cast.consultant)
    client.get(reverse("exchanges:thread", args=[cast.bilan.pk]))
    assert AuditEvent.objects.filter(object_type="exchanges.Message").count() == 2


# ---- comments on an assigned exercise --------------------------------------------------------


def test_the_beneficiary_comments_question_by_question_and_the_consultant_answers_there(
    cast, client
):
    work = give_work(cast)
    say(cast, "Sans rapport")
    client.force_login(cast.beneficiary)
    url = reverse("portal:assignment_comments", args=[work.pk])
    response = client.post(url, {"question": "Question 3", "text": "Je ne comprends pas."})
    assert response.status_code == 302
    comment = Message.objects.get(assignment=work)
    assert (comment.question, comment.text, comment.bilan) == (
        "Question 3",
        "Je ne comprends pas.",
        cast.bilan,
    )

    client.force_login(cast.consultant)
    staff_url = reverse("exchanges:thread", args=[cast.bilan.pk]) + f"?travail={work.pk}"
    page = client.get(staff_url + "&question=Question%203").content.decode()
    assert "Je ne comprends pas." in page and "Sans rapport" not in page
    assert 'name="question" value="Question 3"' in page
    response = client.post(
        staff_url,
        {"text": "Pensez à un exemple concret.", "assignment": work.pk, "question": "Question 3"},
    )
    assert response.status_code == 302 and f"?travail={work.pk}" in response.url
    answer = Message.objects.get(author=cast.consultant)
    assert (answer.assignment, answer.question) == (work, "Question 3")

    client.force_login(cast.beneficiary)
    page = client.get(url).content.decode()
    assert "Je ne comprends pas." in page and "Pensez à un exemple concret." in page
    assert "Sans rapport" not in page and "Question 3" in page
    thread = client.get(reverse("portal:messages")).content.decode()
    assert "Sans rapport" in thread and "« Mes motivations »" in thread


def test_a_comment_on_the_work_of_another_bilan_is_refused(cast):
    work = give_work(cast)
    with pytest.raises(RuleViolation, match="n'appartient pas à ce bilan"):
        post_message(bilan=cast.other_bilan, by=cast.other_beneficiary, text="x", assignment=work)


def test_an_empty_comment_is_refused_and_the_question_typed_is_kept(cast, client):
    work = give_work(cast)
    client.force_login(cast.beneficiary)
    response = client.post(
        reverse("portal:assignment_comments", args=[work.pk]), {"question": "Q2", "text": ""}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Écrivez votre message" in page and 'value="Q2"' in page
    assert not Message.objects.exists()


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
def test_only_the_beneficiary_opens_and_writes_the_comments_of_their_work(
    cast, client, role, status
):
    work = give_work(cast)
    client.force_login(getattr(cast, role))
    url = reverse("portal:assignment_comments", args=[work.pk])
    assert client.get(url).status_code == status
    expected_post = 302 if status == 200 else status
    assert client.post(url, {"text": "Un commentaire"}).status_code == expected_post
    assert Message.objects.count() == (1 if status == 200 else 0)
