from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from bilan.accounts.models import ApiToken


def test_it_prints_a_token_that_authenticates_its_user(cast: SimpleNamespace) -> None:
    out = StringIO()
    call_command("api_token", "Consultante@cap.test", stdout=out)
    raw = out.getvalue().strip()
    assert len(out.getvalue().splitlines()) == 1
    token = ApiToken.objects.authenticate(raw)
    assert token is not None and token.user == cast.consultant


def test_it_stores_only_the_digest_of_the_token(cast: SimpleNamespace) -> None:
    out = StringIO()
    call_command("api_token", cast.admin.email, stdout=out)
    raw = out.getvalue().strip()
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert ApiToken.objects.get(user=cast.admin).prefix == raw[:8]


def test_an_unknown_email_is_refused_in_french(cast: SimpleNamespace) -> None:
    with pytest.raises(CommandError, match="Aucun compte ne porte l'adresse"):
        call_command("api_token", "personne@cap.test", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_a_deactivated_account_gets_no_token(cast: SimpleNamespace) -> None:
    cast.colleague.is_active = False
    cast.colleague.save()
    with pytest.raises(CommandError, match="désactivé"):
        call_command("api_token", cast.colleague.email, stdout=StringIO())
