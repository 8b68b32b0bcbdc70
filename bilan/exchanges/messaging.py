"""Messages: one thread per bilan between the beneficiary and the consultant assigned now.

A message may comment a question of an assigned exercise (`assignment` + `question`), so the
beneficiary and the consultant talk about it question by question. Attachments are checked by
size, extension and first bytes before anything is saved. Reading the thread marks what was
shown as read for the reader; the consultant's reads (and downloads) are audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.access import can_read_content
from bilan.bilans.models import Bilan, RuleViolation, Status
from bilan.compliance.audit import record_content_access
from bilan.entretiens.models import Assignment
from bilan.exchanges.models import Message, MessageAttachment, MessageRead

TEXT_MAX = 10000
QUESTION_MAX = 200
MAX_FILES = 5
MAX_SIZE = 10 * 1024 * 1024  # 10 Mo per file
IDEMPOTENCY_KEY_MAX = 200
IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)

ZIP = b"PK\x03\x04"
# extension → (content type stored and served, the first bytes it must start with; None: text)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (ZIP,),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    ".txt": ("text/plain", None),
}
ALLOWED_LABEL = "PDF, PNG, JPEG, DOCX, ODT, TXT"


def human_size(size: int) -> str:
    """A size the French way: « 850 Ko », « 10 Mo », « 10,5 Mo »."""
    if size < 1024 * 1024:
        return _t("%(n)s Ko") % {"n": max(1, -(-size // 1024))}
    tenths = -(-size * 10 // (1024 * 1024))  # rounded up: just over 10 Mo shows « 10,1 Mo »
    mb = f"{tenths / 10:.1f}".removesuffix(".0").replace(".", ",")
    return _t("%(n)s Mo") % {"n": mb}


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    size: int
    content_type: str


def check_attachment(upload: UploadedFile) -> CheckedFile:
    """The file if its size, extension and first bytes agree, else a French refusal."""
    name = PurePath(upload.name or "").name[:255]
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_TYPES:
        raise RuleViolation(
            _t("« %(name)s » : ce type de fichier n'est pas accepté (formats acceptés : %(ok)s).")
            % {"name": name, "ok": ALLOWED_LABEL},
            code="invalid",
        )
    if upload.size > MAX_SIZE:
        raise RuleViolation(
            _t("« %(name)s » est trop lourd (%(size)s) : %(max)s au plus par fichier.")
            % {
                "name": name,
                "size": human_size(upload.size),
                "max": human_size(MAX_SIZE),
            },
            code="invalid",
        )
    if upload.size == 0:
        raise RuleViolation(_t("« %(name)s » est vide.") % {"name": name}, code="invalid")
    content_type, signatures = ALLOWED_TYPES[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures is None:
        looks_right = b"\x00" not in head and not any(
            head.startswith(sig) for _ct, sigs in ALLOWED_TYPES.values() for sig in sigs or ()
        )
    else:
        looks_right = head.startswith(signatures)
    if not looks_right:
        raise RuleViolation(
            _t(
                "« %(name)s » ne correspond pas à son extension %(ext)s : le fichier semble "
                "d'un autre type. Formats acceptés : %(ok)s."
            )
            % {"name": name, "ext": extension, "ok": ALLOWED_LABEL},
            code="invalid",
        )
    return CheckedFile(upload=upload, name=name, size=upload.size, content_type=content_type)


def _check_author(bilan: Bilan, by: User) -> None:
    if not can_read_content(by, bilan):
        raise RuleViolation(
            _t(
                "La messagerie du bilan est réservée au ou à la bénéficiaire et à son ou sa "
                "consultant·e."
            ),
            code="forbidden",
        )
    if bilan.status == Status.ARCHIVED:
        raise RuleViolation(_t("Ce bilan est archivé : sa messagerie est fermée."))


def check_idempotency_key(key: str) -> None:
    if len(key) > IDEMPOTENCY_KEY_MAX or not all(" " <= c <= "~" for c in key):
        raise RuleViolation(
            _t("Clé d'idempotence invalide : %(max)s caractères imprimables (ASCII) au plus.")
            % {"max": IDEMPOTENCY_KEY_MAX},
            code="invalid",
        )


def _replay(
    *,
    bilan: Bilan,
    by: User,
    key: str,
    text: str,
    files: Sequence[CheckedFile],
    assignment: Assignment | None,
    question: str,
) -> Message | None:
    """The message already posted by `by` with `key`, if it is this very message; a key
    reused for another message, another thread or after the window is refused."""
    first = Message.objects.filter(author=by, idempotency_key=key).first()
    if first is None:
        return None
    same = (
        first.bilan_id == bilan.pk
        and first.text == text
        and first.assignment_id == (assignment.pk if assignment else None)
        and first.question == question
        and sorted((a.original_name, a.size) for a in first.attachments.all())
        == sorted((f.name, f.size) for f in files)
    )
    if not same:
        raise RuleViolation(
            _t(
                "Cette clé d'idempotence a déjà servi pour un autre message : "
                "utilisez une nouvelle clé pour un nouveau message."
            ),
            code="invalid",
        )
    if first.created_at < timezone.now() - IDEMPOTENCY_WINDOW:
        raise RuleViolation(
            _t(
                "Cette clé d'idempotence a expiré (24 h) : le message a déjà été envoyé le "
                "%(at)s ; utilisez une nouvelle clé pour un nouveau message."
            )
            % {"at": timezone.localtime(first.created_at).strftime("%d/%m/%Y à %H:%M")},
            code="invalid",
        )
    first.replayed = True
    return first


def post_message(
    *,
    bilan: Bilan,
    by: User,
    text: str,
    files: Sequence[UploadedFile] = (),
    assignment: Assignment | None = None,
    question: str = "",
    idempotency_key: str = "",
) -> Message:
    """Post on the bilan's thread, with checked attachments; nothing is saved on a refusal.

    With an `idempotency_key`, a retry by the same author (a lost response, a double submit)
    within 24 h gets the first message back, with `replayed` set, and posts nothing; the same
    key for a different message is refused. The key is stored on the row under a unique
    constraint, so two concurrent retries cannot both post."""
    _check_author(bilan, by)
    if idempotency_key:
        check_idempotency_key(idempotency_key)
    text, question = text.strip(), question.strip()
    if not text:
        raise RuleViolation(_t("Écrivez votre message avant de l'envoyer."), code="invalid")
    if len(text) > TEXT_MAX:
        raise RuleViolation(
            _t("Votre message fait %(n)s caractères : %(max)s au plus. Raccourcissez-le.")
            % {"n": len(text), "max": TEXT_MAX},
            code="invalid",
        )
    if len(question) > QUESTION_MAX:
        raise RuleViolation(
            _t("La question concernée fait plus de %(max)s caractères.") % {"max": QUESTION_MAX},
            code="invalid",
        )
    if assignment is not None and assignment.bilan_id != bilan.pk:
        raise RuleViolation(_t("Ce travail n'appartient pas à ce bilan."), code="invalid")
    if question and assignment is None:
        raise RuleViolation(
            _t("Une question se commente sur un travail inter-session."), code="invalid"
        )
    if len(files) > MAX_FILES:
        raise RuleViolation(
            _t("%(max)s pièces jointes au plus par message.") % {"max": MAX_FILES},
            code="invalid",
        )
    checked = [check_attachment(f) for f in files]
    replay = dict(
        bilan=bilan,
        by=by,
        key=idempotency_key,
        text=text,
        files=checked,
        assignment=assignment,
        question=question,
    )
    if idempotency_key and (first := _replay(**replay)) is not None:
        return first
    try:
        message = _create(bilan, by, text, checked, assignment, question, idempotency_key)
    except IntegrityError:
        # A concurrent request with the same key won the unique constraint: answer as a retry.
        first = _replay(**replay) if idempotency_key else None
        if first is None:
            raise
        return first
    message.replayed = False
    return message


def _create(
    bilan: Bilan,
    by: User,
    text: str,
    checked: Sequence[CheckedFile],
    assignment: Assignment | None,
    question: str,
    idempotency_key: str,
) -> Message:
    with transaction.atomic():
        message = Message.objects.create(
            bilan=bilan,
            author=by,
            text=text,
            assignment=assignment,
            question=question,
            idempotency_key=idempotency_key or None,
        )
        for f in checked:
            attachment = MessageAttachment(
                message=message, original_name=f.name, size=f.size, content_type=f.content_type
            )
            attachment.file.save(f.name, f.upload, save=False)
            attachment.save()
        MessageRead.objects.create(message=message, reader=by)
    return message


# ---- reading ------------------------------------------------------------------------------


def require_thread_access(user, bilan: Bilan) -> None:
    """The thread is the beneficiary's and the assigned consultant's: PermissionDenied (403)
    for the administration, who sees the bilan but none of its content."""
    if not can_read_content(user, bilan):
        raise PermissionDenied(
            _t(
                "La messagerie du bilan est réservée au ou à la bénéficiaire et à son ou sa "
                "consultant·e."
            )
        )


def read_thread(
    *,
    reader,
    bilan: Bilan,
    assignment: Assignment | None = None,
    channel: str = "web",
    mark_read: bool = True,
) -> list[Message]:
    """The bilan's messages, oldest first (only those on `assignment` if given), for the
    beneficiary or the assigned consultant (audited); what is shown becomes read."""
    require_thread_access(reader, bilan)
    messages = bilan.messages.select_related("author", "assignment").prefetch_related("attachments")
    if assignment is not None:
        messages = messages.filter(assignment=assignment)
    read = Count("reads", filter=Q(reads__reader=reader))
    # Oldest first, said here: with the aggregate, PostgreSQL would not keep Meta.ordering's order.
    items = list(messages.annotate(read_by_reader=read).order_by("created_at", "id"))
    for m in items:
        m.unread = m.author_id != reader.pk and not m.read_by_reader
    record_content_access(actor=reader, bilan=bilan, objects=items, channel=channel)
    if mark_read:
        now = timezone.now()
        MessageRead.objects.bulk_create(
            [MessageRead(message=m, reader=reader, read_at=now) for m in items if m.unread],
            ignore_conflicts=True,
        )
    return items


def unread_count(user, bilan: Bilan | None = None) -> int:
    """Messages written by someone else that `user` has not read, on the bilans whose
    thread is theirs (as beneficiary, or as the consultant assigned now)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    membership = getattr(user, "membership", None)
    if membership is None:
        return 0
    messages = Message.objects.filter(
        Q(bilan__beneficiary=user) | Q(bilan__consultant=user),
        bilan__organisation_id=membership.organisation_id,
    )
    if bilan is not None:
        messages = messages.filter(bilan=bilan)
    return messages.unread_by(user).count()


def get_attachment_for_user(user, pk: int) -> MessageAttachment:
    """The attachment `pk` of a bilan `user` may see, else 404 (its existence is not told)."""
    try:
        return MessageAttachment.objects.select_related(
            "message__bilan__beneficiary", "message__bilan__consultant"
        ).get(pk=pk, message__bilan__in=Bilan.objects.for_user(user))
    except (MessageAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def open_attachment(*, reader, attachment: MessageAttachment, channel: str = "web"):
    """The attachment's file, opened, for the beneficiary or the assigned consultant; the
    consultant's download is audited as an export."""
    bilan = attachment.message.bilan
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t(
                "Les pièces jointes sont réservées au ou à la bénéficiaire et à son ou sa consultant·e."
            )
        )
    record_content_access(
        actor=reader, bilan=bilan, objects=[attachment], action="export", channel=channel
    )
    return attachment.file.open("rb")


def get_assignment_of(bilan: Bilan, pk: object) -> Assignment | None:
    """The assignment `pk` of this bilan, None if none is asked, else a French refusal."""
    if pk in (None, ""):
        return None
    try:
        return bilan.assignments.get(pk=int(pk))
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise RuleViolation(_t("Ce travail n'appartient pas à ce bilan."), code="invalid") from None
