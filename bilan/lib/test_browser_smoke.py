"""The browser-test plumbing works end to end: Chromium, live server, French pages."""

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer


@pytest.mark.browser
def test_the_login_page_opens_in_french_in_a_real_browser(
    live_server: LiveServer, page: Page
) -> None:
    response = page.goto(live_server.url + "/compte/connexion/")

    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Connexion" in page.title()
