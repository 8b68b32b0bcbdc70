"""The catalogue of every e-mail the platform sends: one function each, one set of templates each.

Each message has `emails/<name>_subject.txt`, `emails/<name>.txt` and `emails/<name>.html`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send(name: str, to: str, context: dict) -> None:
    """Render and send e-mail `name` to `to`, in French."""
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override("fr"):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", ctx).split())
        text = render_to_string(f"emails/{name}.txt", ctx)
        html = render_to_string(f"emails/{name}.html", ctx)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


def invitation(*, user, organisation, link: str, invited_by) -> None:  # noqa: ANN001
    send(
        "invitation",
        user.email,
        {"user": user, "organisation": organisation, "link": link, "invited_by": invited_by},
    )


def password_reset(*, user, link: str) -> None:  # noqa: ANN001
    send("password_reset", user.email, {"user": user, "link": link})
