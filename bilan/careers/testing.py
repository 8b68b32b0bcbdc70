"""Pytest fixture `rome`: the hand-written ROME fixture (bilan/careers/fixtures/rome/, a dozen
real métiers of ROME 4.0 v60 covering the six RIASEC majors) imported into the test database;
returns the current RomeVersion."""

from __future__ import annotations

import pytest

from bilan.careers.importer import import_rome
from bilan.careers.referential import FIXTURE_DIR

__all__ = ["rome"]


@pytest.fixture
def rome(db):
    return import_rome(FIXTURE_DIR).version
