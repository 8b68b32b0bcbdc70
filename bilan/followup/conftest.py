"""The followup tests' fixture: `closed_bilan` (see testing.py)."""

from bilan.demo.testing import closed_bilan  # noqa: F401
