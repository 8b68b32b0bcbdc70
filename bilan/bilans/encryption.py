"""The owner of the bilans' data keys (issue 16): create, use, shred, rewrap.

Every content value is sealed with its bilan's data key (`seal_text`, `seal_file`), and names
that key in its ciphertext, so reading needs no bilan (`open_text`, `open_file`). Keys are
created on the bilan's first content write.

Where the keys are: the `BilanKey` row (metadata, in the database) and the key store
(settings.BILAN_KEYS_ROOT): one file per key, `<key id>.key`, JSON with the master key id and
the data key wrapped by it (AES-GCM, the key id authenticated). The database never holds key
material, so a dump or backup of it is only ciphertext: `shred(bilan)` deletes the key file,
and every copy of the bilan's content, earlier dumps included, can no longer be opened. The
key store is backed up apart, with a short retention (README « Production »): a shred is
complete everywhere once the last key-store backup older than it is gone.

Caches (process-wide): the unwrapped keys by key id (`bilan.lib.crypto.KeyCache`, LRU of 512
with a 5-minute time-to-live; its copy of a key is overwritten when dropped), and the bilan →
key id map. `shred` empties both in its process; other processes drop the key within the
time-to-live. Tests reset them (`reset_caches`).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from bilan.bilans.models import Bilan, BilanKey
from bilan.lib.crypto import (
    KeyCache,
    KeyDestroyed,
    MasterKey,
    WrongKey,
    file_key_id,
    key_id_of,
    new_data_key,
    seal,
    seal_bytes,
    unseal,
    unseal_bytes,
    unwrap,
    wrap,
)

KEYS = KeyCache()
_BILAN_KEY_IDS: OrderedDict[int, str] = OrderedDict()
_MAP_SIZE = 4096
_lock = threading.Lock()


def reset_caches() -> None:
    KEYS.clear()
    with _lock:
        _BILAN_KEY_IDS.clear()


def master_keys() -> list[MasterKey]:
    keys: list[MasterKey] = settings.BILAN_MASTER_KEYS
    return keys


def current_master() -> MasterKey:
    return master_keys()[0]


def master(master_id: str) -> MasterKey:
    for key in master_keys():
        if key.id == master_id:
            return key
    raise WrongKey(
        f"The master key « {master_id} » wraps some data keys but is not in BILAN_MASTER_KEYS: "
        "put it back (after the current one) until `manage.py rotate_master_key` has rewrapped "
        "every key."
    )


# ---- the key store --------------------------------------------------------------------------


def _root() -> Path:
    return Path(settings.BILAN_KEYS_ROOT)


def key_path(key_id: str) -> Path:
    if not key_id.isalnum():
        raise WrongKey(f"Invalid key id « {key_id} ».")
    return _root() / f"{key_id}.key"


def _write_key_file(key_id: str, master_key: MasterKey, data_key: bytes, version: int) -> None:
    """Atomically (a temporary file, then rename), readable by the application only."""
    root = _root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    record = {
        "key_id": key_id,
        "master": master_key.id,
        "version": version,
        "wrapped": wrap(master_key, data_key, key_id).hex(),
    }
    tmp = root / f".{key_id}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, key_path(key_id))


def read_key_file(key_id: str) -> dict[str, object] | None:
    try:
        record: dict[str, object] = json.loads(key_path(key_id).read_text())
    except FileNotFoundError:
        return None
    return record


def _unwrap_record(key_id: str, record: dict[str, object]) -> bytes:
    return unwrap(master(str(record["master"])), bytes.fromhex(str(record["wrapped"])), key_id)


def _destroy_key_file(key_id: str) -> None:
    path = key_path(key_id)
    try:
        size = path.stat().st_size
        with path.open("r+b") as handle:  # overwrite before unlinking (best effort on SSDs)
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
    except FileNotFoundError:
        pass


# ---- keys by bilan, keys by id --------------------------------------------------------------


def aead_for_key(key_id: str) -> AESGCM:
    """The data key `key_id`, unwrapped (cached); KeyDestroyed once shredded."""
    aead = KEYS.get(key_id)
    if aead is not None:
        return aead
    record = read_key_file(key_id)
    if record is None:
        raise KeyDestroyed(f"The data key « {key_id} » was destroyed (or never existed).")
    return KEYS.put(key_id, _unwrap_record(key_id, record))


def key_id_for_bilan(bilan_id: int) -> str:
    """The key id of the bilan's data key, created on first use; KeyDestroyed once shredded."""
    with _lock:
        cached = _BILAN_KEY_IDS.get(bilan_id)
        if cached is not None:
            _BILAN_KEY_IDS.move_to_end(bilan_id)
    if cached is not None and cached in KEYS:
        return cached
    row = BilanKey.objects.filter(bilan_id=bilan_id).only("key_id", "destroyed_at").first()
    if row is None:
        row = _create_key(bilan_id)
    if row.destroyed_at is not None:
        raise KeyDestroyed(
            f"The data key of bilan {bilan_id} was destroyed: no content can be written."
        )
    with _lock:
        _BILAN_KEY_IDS[bilan_id] = row.key_id
        while len(_BILAN_KEY_IDS) > _MAP_SIZE:
            _BILAN_KEY_IDS.popitem(last=False)
    return row.key_id


def _create_key(bilan_id: int) -> BilanKey:
    key_id = secrets.token_hex(16)
    data_key = new_data_key()
    current = current_master()
    _write_key_file(key_id, current, data_key, 1)  # the file first: a row never lacks its key
    try:
        with transaction.atomic():
            row = BilanKey.objects.create(
                bilan_id=bilan_id, key_id=key_id, master_key_id=current.id
            )
    except IntegrityError:  # another request created it first: use theirs
        _destroy_key_file(key_id)
        return BilanKey.objects.get(bilan_id=bilan_id)
    KEYS.put(key_id, data_key)
    return row


def seal_text(bilan_id: int, text: str) -> str:
    key_id = key_id_for_bilan(bilan_id)
    return seal(aead_for_key(key_id), key_id, text)


def open_text(token: str) -> str:
    return unseal(aead_for_key(key_id_of(token)), token)


def seal_file(bilan_id: int, data: bytes) -> bytes:
    key_id = key_id_for_bilan(bilan_id)
    return seal_bytes(aead_for_key(key_id), key_id, data)


def open_file(data: bytes) -> bytes:
    return unseal_bytes(aead_for_key(file_key_id(data)), data)


# ---- crypto-shredding -----------------------------------------------------------------------


def shred(bilan: Bilan) -> BilanKey:
    """Destroy the bilan's data key: its content, in the database, in files and in every dump
    or backup taken before, can no longer be decrypted, and no content can be written after.
    Idempotent; a bilan that never had a key gets a destroyed one (writes stay refused)."""
    now = timezone.now()
    with transaction.atomic():
        row = BilanKey.objects.select_for_update().filter(bilan=bilan).first()
        if row is None:
            row = BilanKey.objects.create(
                bilan=bilan,
                key_id=secrets.token_hex(16),
                master_key_id=current_master().id,
                destroyed_at=now,
            )
        elif row.destroyed_at is None:
            row.destroyed_at = now
            row.save(update_fields=["destroyed_at"])
        _destroy_key_file(row.key_id)
    KEYS.forget(row.key_id)
    with _lock:
        _BILAN_KEY_IDS.pop(bilan.pk, None)
    return row


# ---- master key rotation --------------------------------------------------------------------


def rewrap(row: BilanKey, to: MasterKey) -> bool:
    """Rewrap one data key under `to`; False if it already was (or is destroyed). The key file
    is replaced atomically, then the row records it: an interruption between the two leaves a
    file the next run sees as done, and the row is brought in line."""
    if row.destroyed_at is not None:
        return False
    record = read_key_file(row.key_id)
    if record is None:
        raise KeyDestroyed(f"The key file of « {row.key_id} » is missing from the key store.")
    changed = record["master"] != to.id
    if changed:
        data_key = _unwrap_record(row.key_id, record)
        _write_key_file(row.key_id, to, data_key, row.version + 1)
        KEYS.forget(row.key_id)
    if changed or row.master_key_id != to.id:
        BilanKey.objects.filter(pk=row.pk).update(
            master_key_id=to.id, version=row.version + 1, rotated_at=timezone.now()
        )
    return changed


def rotate(progress: Callable[[BilanKey, bool], None] | None = None) -> tuple[int, int]:
    """Rewrap every live data key under the current master key, row by row (resumable: rows
    already on it are skipped). (rewrapped, already current)."""
    to = current_master()
    done = skipped = 0
    for row in BilanKey.objects.filter(destroyed_at__isnull=True).order_by("pk").iterator():
        changed = rewrap(row, to)
        done, skipped = done + changed, skipped + (not changed)
        if progress is not None:
            progress(row, changed)
    return done, skipped


def check_master_keys() -> list[str]:
    """What is wrong with BILAN_MASTER_KEYS for the keys in use (empty: all is well): every
    master id still wrapping a live key must be configured and must open one of its keys."""
    problems: list[str] = []
    in_use = (
        BilanKey.objects.filter(destroyed_at__isnull=True)
        .values_list("master_key_id", flat=True)
        .distinct()
    )
    for master_id in sorted(set(in_use)):
        sample = (
            BilanKey.objects.filter(destroyed_at__isnull=True, master_key_id=master_id)
            .order_by("-pk")
            .first()
        )
        if sample is None:
            continue
        try:
            record = read_key_file(sample.key_id)
            if record is None:
                problems.append(
                    f"The key store ({_root()}) has no file for the key « {sample.key_id} »: "
                    "wrong BILAN_KEYS_ROOT?"
                )
                continue
            _unwrap_record(sample.key_id, record)
        except WrongKey as exc:
            problems.append(str(exc))
    return problems


def master_key_errors() -> list[str]:
    """`check_master_keys`, or nothing while the key table does not exist yet (first migrate)."""
    try:
        return check_master_keys()
    except DatabaseError:
        return []


def refuse_wrong_master_keys() -> None:
    """At start-up (config/wsgi.py, and the system check every manage.py command runs):
    a master key that cannot open the keys in use stops the process, saying why."""
    problems = master_key_errors()
    if problems:
        raise ImproperlyConfigured(
            "Bilan refuses to start: BILAN_MASTER_KEYS cannot open the bilans' data keys. "
            + " ".join(problems)
        )
