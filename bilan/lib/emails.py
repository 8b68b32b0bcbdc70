"""The catalogue of every e-mail the platform sends: one function each, one set of templates each.

Each message has `emails/<name>_subject.txt`, `emails/<name>.txt` and `emails/<name>.html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


class Recipient(Protocol):
    """Whom an e-mail goes to: a user (lib imports no app, so not accounts.User itself)."""

    @property
    def email(self) -> str: ...


class Scheduled(Protocol):
    """An entretien (entretiens.models.Entretien), as the notices read it."""

    @property
    def bilan(self) -> object: ...


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text template rendered without HTML escaping: in a text part, « O'Neil » must
    stay « O'Neil », not « O&#x27;Neil » (the .html part keeps Django's escaping)."""
    # The Django backend's template wraps the engine's Template, which takes a Context.
    template = get_template(template_name).template  # type: ignore[attr-defined]  # see above
    text: str = template.render(Context(context, autoescape=False))
    return text


def send(name: str, to: str, context: dict[str, Any], attachments: Sequence[MIMEBase] = ()) -> None:
    """Render and send e-mail `name` to `to`, in French."""
    if to.endswith(".invalid"):
        return  # a stand-in account (organisations.invitations): no one to write to (RFC 2606)
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override("fr"):
        subject = " ".join(render_text(f"emails/{name}_subject.txt", ctx).split())
        text = render_text(f"emails/{name}.txt", ctx)
        html = render_to_string(f"emails/{name}.html", ctx)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment)
    message.send()


def calendar_file(ics: bytes, *, method: str, filename: str) -> MIMEText:
    """An .ics attachment that mail clients offer to add to the calendar."""
    part = MIMEText(ics.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def invitation(*, user: Recipient, organisation: object, link: str, invited_by: object) -> None:
    send(
        "invitation",
        user.email,
        {"user": user, "organisation": organisation, "link": link, "invited_by": invited_by},
    )


def password_reset(*, user: Recipient, link: str) -> None:
    send("password_reset", user.email, {"user": user, "link": link})


def entretien_notice(
    name: str, *, entretien: Scheduled, to: Recipient, ics: bytes, method: str, filename: str
) -> None:
    send(
        name,
        to.email,
        {"entretien": entretien, "bilan": entretien.bilan, "recipient": to},
        [calendar_file(ics, method=method, filename=filename)],
    )


def entretien_scheduled(*, entretien: Scheduled, to: Recipient, ics: bytes, filename: str) -> None:
    entretien_notice(
        "entretien_scheduled",
        entretien=entretien,
        to=to,
        ics=ics,
        method="REQUEST",
        filename=filename,
    )


def entretien_rescheduled(
    *, entretien: Scheduled, to: Recipient, ics: bytes, filename: str
) -> None:
    entretien_notice(
        "entretien_rescheduled",
        entretien=entretien,
        to=to,
        ics=ics,
        method="REQUEST",
        filename=filename,
    )


def entretien_cancelled(*, entretien: Scheduled, to: Recipient, ics: bytes, filename: str) -> None:
    entretien_notice(
        "entretien_cancelled",
        entretien=entretien,
        to=to,
        ics=ics,
        method="CANCEL",
        filename=filename,
    )


def entretien_reminder(*, entretien: Scheduled, to: Recipient, ics: bytes, filename: str) -> None:
    entretien_notice(
        "entretien_reminder",
        entretien=entretien,
        to=to,
        ics=ics,
        method="REQUEST",
        filename=filename,
    )


def message_digest(*, to: Recipient, items: list[dict[str, Any]], total: int) -> None:
    """How many unread messages wait per bilan ({"bilan", "count"} each), never their content."""
    send("message_digest", to.email, {"recipient": to, "items": items, "total": total})


def export_before_destruction(*, to: Recipient, bilan: object, on: object, link: str) -> None:
    """D-15 (REQ-11 f): her documents of work are destroyed on `on`; download them first.
    Says which bilan and when, never its content."""
    send(
        "export_before_destruction",
        to.email,
        {"recipient": to, "bilan": bilan, "on": on, "link": link},
    )


def survey_invitation(
    *, to: str, kind: str, kind_label: str, organisation: object, link: str, reminder: bool
) -> None:
    """A satisfaction survey's one-time link (bilan.quality): the invitation or its reminder."""
    send(
        "survey_reminder" if reminder else "survey_invitation",
        to,
        {"kind": kind, "kind_label": kind_label, "organisation": organisation, "link": link},
    )


def complaint_notice(*, name: str, to: str, complaint: object) -> None:
    """To the complainant: the acknowledgment (« complaint_ack ») or the answer
    (« complaint_answer ») of a complaint (bilan.quality.complaints)."""
    send(name, to, {"complaint": complaint})


def complaint_alert(*, to: Recipient, complaint: object, overdue: bool) -> None:
    """To an admin: a complaint's answer deadline is near, or past. Never its text."""
    send("complaint_alert", to.email, {"complaint": complaint, "overdue": overdue, "recipient": to})
