"""Plain-text e-mail parts are not HTML: no entity may reach the reader."""

from types import SimpleNamespace

from django.core import mail
from django.core.mail import EmailMultiAlternatives

from bilan.lib import emails


def test_the_text_part_keeps_apostrophes_and_the_html_part_escapes_them(
    cast: SimpleNamespace,
) -> None:
    cast.beneficiary.first_name, cast.beneficiary.last_name = "Léa", "O'Neil"
    cast.org.name = "L'Atelier <Orientation>"
    emails.invitation(
        user=cast.beneficiary,
        organisation=cast.org,
        link="https://bilan.example.org/invitation/abc",
        invited_by=cast.beneficiary,
    )
    message = mail.outbox[-1]
    assert "Bonjour Léa," in message.body
    assert "Léa O'Neil (L'Atelier <Orientation>)" in message.body
    assert "&#x27;" not in message.body and "&lt;" not in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = message.alternatives[0][0]
    assert isinstance(html, str)
    assert "O&#x27;Neil" in html and "&lt;Orientation&gt;" in html
    assert message.subject == "L'Atelier <Orientation> vous invite sur Bilan"
