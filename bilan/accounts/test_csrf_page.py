"""Issue 17: a form refused for CSRF shows a French page with a way back, never Django's
debugging page, and saves nothing."""

from __future__ import annotations

from types import SimpleNamespace

from django.test import Client
from django.urls import reverse

from bilan.exchanges.models import JournalEntry


def test_a_stale_form_gets_a_french_page_with_a_way_back_and_saves_nothing(
    cast: SimpleNamespace,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.beneficiary)
    back = "http://testserver" + reverse("portal:home")
    response = client.post(reverse("portal:home"), {"text": "Mon entrée"}, HTTP_REFERER=back)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ce formulaire a expiré" in page and "n'a pas été enregistré" in page
    assert f'href="{reverse("portal:home")}"' in page or f'href="{back}"' in page
    assert "Raison de l" not in page and "DEBUG" not in page  # not Django's debugging page
    assert not JournalEntry.objects.exists()


def test_the_way_back_never_leads_to_another_site(cast: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:home"), {}, HTTP_REFERER="https://evil.example/x")
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
