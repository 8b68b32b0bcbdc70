"""The shared cast every test module uses (see bilan/lib/testing.py)."""

from bilan.lib.testing import *  # noqa: F403
