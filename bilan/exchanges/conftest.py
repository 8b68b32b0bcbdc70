"""Uploaded attachments go to a temporary MEDIA_ROOT in these tests."""

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
