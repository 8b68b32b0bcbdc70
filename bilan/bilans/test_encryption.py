"""Content encrypted at rest with per-bilan keys (issue 16): the crypto, the keys, the fields,
crypto-shredding proven on a database dump taken before it, and master-key rotation."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.management import call_command
from django.db import connection, transaction
from pytest_django import Settings

from bilan.bilans import encryption
from bilan.bilans.apps import master_keys_check
from bilan.bilans.models import BilanFraming, BilanKey
from bilan.bilans.testing import make_bilan
from bilan.lib import crypto
from bilan.lib.crypto import (
    KeyCache,
    KeyDestroyed,
    MasterKey,
    WrongKey,
    generate_master_key,
    parse_master_keys,
)
from bilan.lib.test_production import manage, production_env
from bilan.lib.testing import database_dump

MARKER = "MARQUEUR-SECRET-7f3a"


def raw(table: str, column: str, pk: int) -> str:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q(column)} FROM {q(table)} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


dump = database_dump


# ---- bilan.lib.crypto ------------------------------------------------------------------------


def test_master_keys_parse_and_refuse_what_is_malformed() -> None:
    one, two = generate_master_key("k1"), generate_master_key("k2")
    keys = parse_master_keys(f"{one}, {two}")
    assert [k.id for k in keys] == ["k1", "k2"] and all(len(k.key) == 32 for k in keys)
    assert "AAAA" not in repr(keys[0])  # the key itself is never printed
    short = "k3:" + base64.b64encode(os.urandom(16)).decode()
    for spec, reason in [
        ("", "empty"),
        ("nocolon", "id:base64"),
        ("k1:!!!notbase64", "not base64"),
        (short, "16 bytes, not 32"),
        (f"{one},{one}", "used twice"),
    ]:
        with pytest.raises(ValueError, match=reason):
            parse_master_keys(spec)


def test_a_sealed_value_opens_with_its_key_only_and_detects_tampering() -> None:
    aead, other = (AESGCM(crypto.new_data_key()) for _ in range(2))
    token = crypto.seal(aead, "abc", "Mes notes é")
    assert token.startswith("v1:abc:") and "notes" not in token
    assert crypto.unseal(aead, token) == "Mes notes é"
    assert crypto.seal(aead, "abc", "x") != crypto.seal(aead, "abc", "x")  # fresh nonces
    with pytest.raises(WrongKey):
        crypto.unseal(other, token)
    with pytest.raises(WrongKey):  # the key id is authenticated: no moving a value to a key
        crypto.unseal(aead, token.replace("v1:abc:", "v1:abd:"))
    blob = crypto.seal_bytes(aead, "abc", b"%PDF-1.7 secret")
    assert crypto.file_key_id(blob) == "abc" and b"secret" not in blob
    assert crypto.unseal_bytes(aead, blob) == b"%PDF-1.7 secret"
    with pytest.raises(WrongKey):
        crypto.unseal_bytes(aead, blob[:-1] + bytes([blob[-1] ^ 1]))


def test_a_data_key_unwraps_with_its_master_key_only() -> None:
    good, bad = (MasterKey("m", os.urandom(32)) for _ in range(2))
    data_key = crypto.new_data_key()
    blob = crypto.wrap(good, data_key, "key1")
    assert crypto.unwrap(good, blob, "key1") == data_key
    with pytest.raises(WrongKey, match="does not open"):
        crypto.unwrap(bad, blob, "key1")
    with pytest.raises(WrongKey):
        crypto.unwrap(good, blob, "key2")  # bound to its key id


def test_the_key_cache_is_an_lru_that_zeroises_what_it_drops() -> None:
    cache = KeyCache(size=2, ttl=60)
    for name in ("a", "b", "c"):
        cache.put(name, crypto.new_data_key())
    assert cache.get("a") is None and cache.get("b") is not None and cache.get("c") is not None
    buffer = cache._items["b"][1]
    cache.forget("b")
    assert buffer == bytearray(32) and cache.get("b") is None
    stale = KeyCache(ttl=-1)
    stale.put("x", crypto.new_data_key())
    assert stale.get("x") is None  # past its time-to-live: reloaded from the key store


# ---- settings and start-up -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "BILAN_MASTER_KEYS is not set"),
        ("k1:c2hvcnQ=", "is 5 bytes, not 32"),
        ("k1", "each entry is « id:base64 »"),
    ],
)
def test_production_refuses_to_start_without_a_valid_master_key(
    tmp_path: Path, value: str | None, message: str
) -> None:
    env = production_env(tmp_path, BILAN_MASTER_KEYS=value)  # type: ignore[arg-type]
    done = manage(env, "check")
    assert done.returncode != 0
    assert message in done.stderr


def test_production_refuses_to_start_with_a_wrong_master_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    assert manage(env, "migrate", "--noinput", "-v0").returncode == 0
    made = manage(
        env,
        "shell",
        "-c",
        "from bilan.bilans.encryption import _create_key; from bilan.bilans.models import Bilan;"
        "from bilan.bilans.testing import *; o = make_organisation('O', 'o');"
        "c = make_member(o, 'c@o.test', 'consultant', 'C', 'C');"
        "b = make_member(o, 'b@o.test', 'beneficiary', 'B', 'B'); make_bilan(o, b, c)",
    )
    assert made.returncode == 0, made.stderr
    assert manage(env, "check").returncode == 0
    wrong = {**env, "BILAN_MASTER_KEYS": generate_master_key("prod1")}  # same id, other key
    done = manage(wrong, "check")
    assert done.returncode != 0
    assert "bilans.E001" in done.stderr and "does not open" in done.stderr
    missing = {**env, "BILAN_MASTER_KEYS": generate_master_key("prod2")}  # the old one dropped
    done = manage(missing, "check")
    assert done.returncode != 0 and "« prod1 » wraps some data keys" in done.stderr
    served = manage(missing, "shell", "-c", "import config.wsgi")  # what gunicorn loads
    assert served.returncode != 0 and "Bilan refuses to start" in served.stderr


def test_the_system_check_passes_with_the_right_keys(cast: SimpleNamespace) -> None:
    encryption.seal_text(cast.bilan.pk, "x")
    assert master_keys_check() == []


# ---- keys, fields ----------------------------------------------------------------------------


def test_a_bilan_gets_one_key_stored_outside_the_database(cast: SimpleNamespace) -> None:
    framing = BilanFraming.objects.get(bilan=cast.bilan)  # its request text: the first content
    key = BilanKey.objects.get(bilan=cast.bilan)
    assert key.master_key_id == encryption.current_master().id and key.destroyed_at is None
    stored = raw("bilans_bilanframing", "request_text", framing.pk)
    assert stored.startswith(f"v1:{key.key_id}:") and "changer de métier" not in stored
    assert framing.request_text == "Je voudrais savoir si je peux changer de métier."
    record = encryption.read_key_file(key.key_id)
    assert record is not None and record["master"] == key.master_key_id
    assert str(record["wrapped"]) not in dump()  # no key material in the database
    assert encryption.key_id_for_bilan(cast.bilan.pk) == key.key_id  # one key per bilan
    other = BilanKey.objects.get(bilan=cast.other_bilan)
    assert other.key_id != key.key_id


def test_the_encrypted_field_is_transparent_and_refuses_sql_on_clear_values(
    cast: SimpleNamespace,
) -> None:
    framing = BilanFraming.objects.get(bilan=cast.bilan)
    framing.needs_analysis = MARKER
    framing.save()
    framing.refresh_from_db()
    assert framing.needs_analysis == MARKER
    assert BilanFraming.objects.values_list("needs_analysis", flat=True).get(pk=framing.pk) == (
        MARKER
    )
    assert MARKER not in raw("bilans_bilanframing", "needs_analysis", framing.pk)
    assert BilanFraming.objects.filter(pk=framing.pk).exclude(agreed_arrangements="").count() == 0
    with pytest.raises(TypeError, match="is encrypted"):
        BilanFraming.objects.filter(needs_analysis=MARKER).count()
    with pytest.raises(TypeError, match="is encrypted"), transaction.atomic():
        BilanFraming.objects.filter(pk=framing.pk).update(needs_analysis="en clair")
    assert MARKER not in dump()


def test_rows_written_in_clear_before_the_migration_still_read(cast: SimpleNamespace) -> None:
    framing = BilanFraming.objects.get(bilan=cast.bilan)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bilans_bilanframing SET needs_analysis = %s WHERE id = %s",
            ["écrit avant le chiffrement", framing.pk],
        )
    framing.refresh_from_db()
    assert framing.needs_analysis == "écrit avant le chiffrement"


# ---- crypto-shredding ------------------------------------------------------------------------


def test_shredding_makes_a_dump_taken_before_it_unreadable(cast: SimpleNamespace) -> None:
    framing = BilanFraming.objects.get(bilan=cast.bilan)
    framing.needs_analysis = MARKER
    framing.save()
    kept = BilanFraming.objects.get(bilan=cast.other_bilan)
    kept.needs_analysis = "MARQUEUR-GARDE"
    kept.save()
    before = dump()  # the backup an attacker (or a careless restore) would have
    key = BilanKey.objects.get(bilan=cast.bilan)
    sealed = re.findall(rf"v1:{key.key_id}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+", before)
    assert len(sealed) >= 2  # the request text and the marked analysis
    assert MARKER not in before and "changer de métier" not in before
    assert MARKER in [encryption.open_text(t) for t in sealed]  # readable until the shred

    encryption.shred(cast.bilan)
    encryption.reset_caches()  # as in any other process, or after a restart

    for token in sealed:
        with pytest.raises(KeyDestroyed):
            encryption.open_text(token)
    assert not encryption.key_path(key.key_id).exists()
    assert BilanKey.objects.get(pk=key.pk).destroyed_at is not None
    framing.refresh_from_db()
    assert framing.needs_analysis == ""  # reads as empty: the row can still be listed, deleted
    framing.needs_analysis = "après"
    with pytest.raises(KeyDestroyed), transaction.atomic():  # nothing new is written with it
        framing.save()
    kept.refresh_from_db()
    assert kept.needs_analysis == "MARQUEUR-GARDE"  # the other bilans keep their content
    assert encryption.shred(cast.bilan).destroyed_at is not None  # idempotent


def test_shredding_a_bilan_without_content_still_refuses_later_writes(
    cast: SimpleNamespace,
) -> None:
    BilanKey.objects.filter(bilan=cast.bilan).delete()
    encryption.reset_caches()
    encryption.shred(cast.bilan)
    with pytest.raises(KeyDestroyed):
        encryption.seal_text(cast.bilan.pk, "x")


# ---- master key rotation ---------------------------------------------------------------------


@pytest.fixture
def two_masters(settings: Settings, cast: SimpleNamespace) -> SimpleNamespace:
    """Three bilans' keys under the old master key, then the new one put first."""
    old = MasterKey("old", os.urandom(32))
    new = MasterKey("new", os.urandom(32))
    settings.BILAN_MASTER_KEYS = [old]
    BilanKey.objects.all().delete()
    encryption.reset_caches()
    third = make_bilan(cast.org, cast.other_beneficiary, cast.consultant)
    bilans = [cast.bilan, cast.other_bilan, third]
    tokens = [encryption.seal_text(b.pk, f"{MARKER}-{b.pk}") for b in bilans]
    settings.BILAN_MASTER_KEYS = [new, old]
    encryption.reset_caches()
    return SimpleNamespace(old=old, new=new, bilans=bilans, tokens=tokens, settings=settings)


def test_rotation_interrupted_halfway_resumes_and_loses_nothing(
    two_masters: SimpleNamespace,
) -> None:
    seen: list[int] = []

    def crash_after_two(row: BilanKey, changed: bool) -> None:
        seen.append(row.pk)
        if len(seen) == 2:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or the machine going down

    with pytest.raises(KeyboardInterrupt):
        encryption.rotate(progress=crash_after_two)
    masters = list(BilanKey.objects.order_by("pk").values_list("master_key_id", flat=True))
    assert masters == ["new", "new", "old"]

    call_command("rotate_master_key")
    assert set(BilanKey.objects.values_list("master_key_id", flat=True)) == {"new"}
    two_masters.settings.BILAN_MASTER_KEYS = [two_masters.new]  # the old key retired
    encryption.reset_caches()
    assert [encryption.open_text(t) for t in two_masters.tokens] == [
        f"{MARKER}-{b.pk}" for b in two_masters.bilans
    ]
    assert master_keys_check() == []


def test_rotation_interrupted_between_the_key_file_and_its_row_resumes(
    two_masters: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = BilanKey.objects.order_by("pk").first()
    assert row is not None
    real_filter = BilanKey.objects.filter

    def crash(*args: object, **kwargs: object) -> object:
        raise RuntimeError("database gone")

    monkeypatch.setattr(BilanKey.objects, "filter", crash)
    with pytest.raises(RuntimeError):
        encryption.rewrap(row, two_masters.new)
    monkeypatch.setattr(BilanKey.objects, "filter", real_filter)
    record = encryption.read_key_file(row.key_id)
    assert record is not None and record["master"] == "new"  # the file moved
    assert BilanKey.objects.get(pk=row.pk).master_key_id == "old"  # its row did not

    done, skipped = encryption.rotate()
    assert (done, skipped) == (2, 1)
    assert BilanKey.objects.get(pk=row.pk).master_key_id == "new"
    two_masters.settings.BILAN_MASTER_KEYS = [two_masters.new]
    encryption.reset_caches()
    assert encryption.open_text(two_masters.tokens[0]) == f"{MARKER}-{two_masters.bilans[0].pk}"


def test_rotate_master_key_generates_a_key_and_reports_progress(
    two_masters: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("rotate_master_key", "--generate", "k9")
    printed = capsys.readouterr().out
    assert parse_master_keys(printed.strip().splitlines()[-1])[0].id == "k9"
    call_command("rotate_master_key")
    out = capsys.readouterr().out
    assert "3 rewrapped" in out and "0 already" in out
    call_command("rotate_master_key")
    assert "0 rewrapped, 3 already" in capsys.readouterr().out


def test_destroyed_keys_are_skipped_by_the_rotation(two_masters: SimpleNamespace) -> None:
    encryption.shred(two_masters.bilans[0])
    assert encryption.rotate() == (2, 0)
