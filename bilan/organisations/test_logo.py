"""The organisation's logo: raster only, re-encoded, capped, served so that it never runs."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pytest_django import Settings

from bilan.organisations.logos import LOGO_MAX_BYTES

URL = reverse("organisations:settings")

SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/api/v1/bilans\')">'
    b"<script>document.title=document.cookie</script><rect width='10' height='10'/></svg>"
)


def image_upload(name: str, kind: str, size: tuple[int, int] = (40, 20)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=kind)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{kind.lower()}")


def profile(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "save_organisation": "1",
        "mfa_grace_days": "14",
        "name": "Cap Avenir Conseil",
        "siret": "732 829 320 00074",
        "nda": "11755555575",
        "address": "1 rue de la République, 69001 Lyon",
    }
    data.update(changes)
    return data


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_an_svg_logo_with_a_script_is_refused_and_nothing_is_stored(
    cast: SimpleNamespace, client: Client, media: Path
) -> None:
    """Regression: an SVG logo carrying a script was served inline, publicly (stored XSS)."""
    client.force_login(cast.admin)
    for name, content_type in [("logo.svg", "image/svg+xml"), ("logo.png", "image/png")]:
        upload = SimpleUploadedFile(name, SVG_WITH_SCRIPT, content_type=content_type)
        response = client.post(URL, profile(logo=upload))
        assert response.status_code == 200
        assert "PNG, JPEG ou WebP" in response.content.decode()
    cast.org.refresh_from_db()
    assert not cast.org.logo
    assert not any(media.rglob("*"))


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_a_raster_logo_is_re_encoded_as_png_under_a_random_name(
    cast: SimpleNamespace, client: Client, media: Path, kind: str
) -> None:
    client.force_login(cast.admin)
    upload = image_upload(f"mon-logo.{kind.lower()}", kind)
    original = upload.read()
    upload.seek(0)
    assert client.post(URL, profile(logo=upload)).status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.logo.name.startswith("logos/") and cast.org.logo.name.endswith(".png")
    assert "mon-logo" not in cast.org.logo.name
    stored = (media / cast.org.logo.name).read_bytes()
    assert stored != original
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (40, 20)


def test_other_formats_and_broken_images_are_refused(
    cast: SimpleNamespace, client: Client, media: Path
) -> None:
    client.force_login(cast.admin)
    gif = image_upload("logo.gif", "GIF")
    broken = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50)
    for upload in (gif, broken):
        response = client.post(URL, profile(logo=upload))
        assert response.status_code == 200
        assert "PNG, JPEG ou WebP" in response.content.decode()
    cast.org.refresh_from_db()
    assert not cast.org.logo


def test_a_logo_over_2_mb_is_refused_and_a_large_one_is_reduced_to_1000_px(
    cast: SimpleNamespace, client: Client, media: Path
) -> None:
    client.force_login(cast.admin)
    heavy = SimpleUploadedFile("logo.png", b"\x89PNG" + b"\0" * LOGO_MAX_BYTES)
    response = client.post(URL, profile(logo=heavy))
    assert "2 Mo" in response.content.decode()
    cast.org.refresh_from_db()
    assert not cast.org.logo
    assert client.post(URL, profile(logo=image_upload("l.png", "PNG", (3000, 1500)))).status_code
    cast.org.refresh_from_db()
    with cast.org.logo.open("rb") as f, Image.open(f) as image:
        assert image.size == (1000, 500)


def test_the_logo_is_served_as_a_sandboxed_download_that_never_runs(
    cast: SimpleNamespace, client: Client, media: Path
) -> None:
    client.force_login(cast.admin)
    client.post(URL, profile(logo=image_upload("logo.png", "PNG")))
    cast.org.refresh_from_db()
    client.logout()
    response = client.get(cast.org.logo.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_a_replaced_or_removed_logo_is_no_longer_reachable(
    cast: SimpleNamespace, client: Client, media: Path
) -> None:
    client.force_login(cast.admin)
    client.post(URL, profile(logo=image_upload("a.png", "PNG")))
    cast.org.refresh_from_db()
    first = cast.org.logo.name
    client.post(URL, profile(logo=image_upload("b.png", "PNG")))
    cast.org.refresh_from_db()
    assert cast.org.logo.name != first
    assert not (media / first).exists()
    assert client.get("/media/" + first).status_code == 404
    assert client.get(cast.org.logo.url).status_code == 200
    second = cast.org.logo.name
    client.post(URL, profile(**{"logo-clear": "on"}))
    cast.org.refresh_from_db()
    assert not cast.org.logo
    assert client.get("/media/" + second).status_code == 404


def test_a_file_in_the_media_folder_that_is_no_logo_is_not_served(
    cast: SimpleNamespace, client: Client, media: Path
) -> None:
    (media / "logos").mkdir()
    (media / "logos" / "evil.svg").write_bytes(SVG_WITH_SCRIPT)
    assert client.get("/media/logos/evil.svg").status_code == 404
