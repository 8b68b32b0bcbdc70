"""The closing owner's seat in the core: followup registers its checklist and act, and the core
refuses clearly when no owner is installed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from bilan.bilans import closing
from bilan.followup import closing as owner


def test_followup_closing_is_the_registered_owner() -> None:
    assert closing.owner().missing is owner.missing
    assert closing.owner().close is owner.close_bilan


def test_without_an_owner_the_core_says_which_app_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(closing, "_owner", None)
    with pytest.raises(ImproperlyConfigured, match="bilan.followup"):
        closing.owner()
