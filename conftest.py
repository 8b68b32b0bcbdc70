"""The shared cast every test module uses (see bilan/bilans/testing.py and bilan/lib/testing.py), and the browser
fixtures (see bilan/lib/browser.py)."""

import os

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# database access from tests that use a browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

from bilan.bilans.testing import *  # noqa: F403
from bilan.careers.testing import *  # noqa: F403
from bilan.lib.browser import *  # noqa: F403
from bilan.lib.testing import *  # noqa: F403


@pytest.fixture(autouse=True)
def _bilan_key_store(settings, tmp_path_factory):
    """Each test gets its own key store (issue 16) and empty key caches: a rolled-back test
    database may give a new bilan a former id."""
    from bilan.bilans.encryption import reset_caches

    settings.BILAN_KEYS_ROOT = tmp_path_factory.mktemp("keys")
    reset_caches()
    yield
    reset_caches()


@pytest.fixture(autouse=True)
def _seeded_after_a_flush(request):
    """A transactional test (the browser tests' live server, `transaction=True`) ends with a
    flush that empties every table, data-migration rows included (hours rules, retention rules,
    question sets, attendance policy, schedules). Before such a test, when the seeds are gone,
    run the migrations' data steps again, in migration order, as `migrate` did on the empty
    database."""
    if "live_server" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    from bilan.lib.testing import reseed_if_flushed

    reseed_if_flushed()
    yield
