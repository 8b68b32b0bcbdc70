"""In a real Chromium: the admin reads the indicator dashboard, prepares an audit pack of a
seeded sample, sees it ready and downloads the zip (the worker stands in: it runs at once)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from bilan.lib.testing import PASSWORD
from bilan.quality import pack, referential
from bilan.quality.models import AuditPack


@pytest.fixture(autouse=True)
def _seeded(transactional_db: None) -> None:
    """The live server's database is flushed between tests: the data migration's rows too."""
    referential.seed()
    referential.seed_questions()


@pytest.mark.browser
def test_the_admin_builds_and_downloads_the_audit_pack(
    live_server: Any, browser: Any, cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pack, "enqueue", pack.run)  # the worker, in-process
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    base = live_server.url
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(cast.admin.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(base + "/qualite/pack-audit/")
    expect(page.locator("#dashboard h2")).to_contain_text("Preuves disponibles")
    page.get_by_label("Taille de l'échantillon (tirage aléatoire)").fill("2")
    page.get_by_label("Graine du tirage (facultatif, pour le refaire à l'identique)").fill("11")
    page.get_by_role("button", name="Préparer le pack d'audit").click()
    expect(page.locator("#pack-progress")).to_contain_text("Pack prêt")
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger le pack (zip)").click()
    data = Path(info.value.path()).read_bytes()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "00-index.pdf" in names and "registres/echantillon-bilans.pdf" in names
    assert AuditPack.objects.get().seed == 11
    context.close()
