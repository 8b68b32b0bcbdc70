"""Browser-test fixtures: Debian's Chromium driven by Playwright's sync API.

Star-imported by the root conftest.py. A browser test takes `page` (a fresh context, French
locale) and pytest-django's `live_server`, and is marked `@pytest.mark.browser`:

    @pytest.mark.browser
    def test_login_page(live_server, page):
        page.goto(live_server.url + "/compte/connexion/")

The browser is the system's (`apt-get install chromium`): Playwright's own download is not
used. Set CHROMIUM to another executable to override /usr/bin/chromium. When Chromium is
missing the fixtures fail, never skip: a suite that silently drops its browser tests would
look green while testing less.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

__all__ = ["browser", "page"]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    wanted = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(wanted)
    if not found:
        pytest.fail(
            f"Browser tests need Chromium at {wanted}, and it is missing. "
            "Install it with `apt-get install -y chromium` (or set CHROMIUM=/path/to/chromium).",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole test session (each launch starts a new profile)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:
            pytest.fail(f"Chromium ({executable}) did not start: {error}", pytrace=False)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new page in a new browser context (no cookies shared between tests), in French."""
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
