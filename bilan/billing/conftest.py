"""The billing tests' fixture: `billing` (see testing.py)."""

from bilan.billing.testing import billing  # noqa: F401
