"""The shared cast every test module uses (see bilan/bilans/testing.py and bilan/lib/testing.py), and the browser
fixtures (see bilan/lib/browser.py)."""

import os

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# database access from tests that use a browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from bilan.bilans.testing import *  # noqa: E402, F403
from bilan.careers.testing import *  # noqa: E402, F403
from bilan.lib.browser import *  # noqa: E402, F403
from bilan.lib.testing import *  # noqa: E402, F403
