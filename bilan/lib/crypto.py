"""AES-GCM for content at rest (issue 16): master keys, data keys, sealed values and files.

Two levels of keys. A **data key** (32 random bytes) per bilan encrypts its content; it is
stored only *wrapped* (AES-GCM) under a **master key** that comes from the environment
(`BILAN_MASTER_KEYS`, parsed by `parse_master_keys`). This module knows nothing of the apps:
`bilan.bilans.encryption` keeps the data keys and says which one a row uses.

Formats (both versions are checked on read, AAD binds a ciphertext to its key id):
- a sealed text value: ``v1:<key id>:<nonce b64>:<ciphertext b64>`` (urlsafe base64, no padding)
- a sealed file: ``BLN1`` + 1 byte key-id length + key id + 12-byte nonce + ciphertext

The unwrapped data keys of a process are kept in `KeyCache` (an LRU with a time-to-live, so
another process's shred reaches this one within `ttl` seconds); a forgotten key's bytes are
overwritten (best effort: Python and OpenSSL may hold copies we cannot reach).
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
PREFIX = "v1"
FILE_MAGIC = b"BLN1"
MASTER_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


class CryptoError(Exception):
    """A value or key that cannot be used; the message says why."""


class WrongKey(CryptoError):
    """The key does not open this ciphertext (wrong master key, or tampered data)."""


class KeyDestroyed(CryptoError):
    """The data key was destroyed (crypto-shredding): the content is gone for good."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    key: bytes

    def __repr__(self) -> str:  # never print the key itself
        return f"MasterKey({self.id!r})"


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_master_keys(spec: str) -> list[MasterKey]:
    """`id:base64,id:base64…` → master keys, the first being the current one.

    Refuses (ValueError, with the reason) an empty list, a malformed entry, an id used twice,
    or a key that is not 32 bytes of standard or urlsafe base64.
    """
    keys: list[MasterKey] = []
    entries = [e.strip() for e in spec.replace("\n", ",").split(",") if e.strip()]
    if not entries:
        raise ValueError("BILAN_MASTER_KEYS is empty.")
    for entry in entries:
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip().lower()
        if not sep or not key_id or not set(key_id) <= MASTER_ID_CHARS or len(key_id) > 32:
            raise ValueError(
                "BILAN_MASTER_KEYS: each entry is « id:base64 » with an id of letters, digits, "
                "- or _ (32 at most), separated by commas."
            )
        try:
            raw = base64.b64decode(
                encoded.strip().replace("-", "+").replace("_", "/") + "=" * (-len(encoded) % 4),
                validate=True,
            )
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"BILAN_MASTER_KEYS: the key « {key_id} » is not base64.") from exc
        if len(raw) != KEY_BYTES:
            raise ValueError(
                f"BILAN_MASTER_KEYS: the key « {key_id} » is {len(raw)} bytes, "
                f"not {KEY_BYTES} (generate one with `manage.py rotate_master_key --generate`)."
            )
        if any(k.id == key_id for k in keys):
            raise ValueError(f"BILAN_MASTER_KEYS: the id « {key_id} » is used twice.")
        keys.append(MasterKey(key_id, raw))
    return keys


def generate_master_key(key_id: str) -> str:
    """A new `id:base64` entry for BILAN_MASTER_KEYS."""
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode('ascii')}"


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=8 * KEY_BYTES)


def wrap(master: MasterKey, data_key: bytes, context: str) -> bytes:
    """The data key encrypted under `master`; `context` (e.g. the key id) is authenticated."""
    nonce = os.urandom(NONCE_BYTES)
    aad = f"wrap:{master.id}:{context}".encode()
    return nonce + AESGCM(master.key).encrypt(nonce, data_key, aad)


def unwrap(master: MasterKey, blob: bytes, context: str) -> bytes:
    aad = f"wrap:{master.id}:{context}".encode()
    try:
        data_key = AESGCM(master.key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise WrongKey(
            f"The master key « {master.id} » does not open the data key « {context} »: "
            "wrong BILAN_MASTER_KEYS value, or a tampered key store."
        ) from exc
    if len(data_key) != KEY_BYTES:
        raise WrongKey(f"The data key « {context} » has a wrong length.")
    return data_key


# ---- sealed values ---------------------------------------------------------------------------


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def key_id_of(token: str) -> str:
    """The key id a sealed value names (CryptoError if it is not one)."""
    parts = token.split(":")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1]:
        raise CryptoError("Not a sealed value (expected v1:<key id>:<nonce>:<ciphertext>).")
    return parts[1]


def seal(aead: AESGCM, key_id: str, plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    aad = f"{PREFIX}:{key_id}".encode()
    ct = aead.encrypt(nonce, plaintext.encode("utf-8"), aad)
    return f"{PREFIX}:{key_id}:{_b64e(nonce)}:{_b64e(ct)}"


def unseal(aead: AESGCM, token: str) -> str:
    key_id = key_id_of(token)
    _, _, nonce, ct = token.split(":")
    try:
        plain = aead.decrypt(_b64d(nonce), _b64d(ct), f"{PREFIX}:{key_id}".encode())
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise WrongKey(f"The sealed value does not open with the key « {key_id} ».") from exc
    return plain.decode("utf-8")


def seal_bytes(aead: AESGCM, key_id: str, data: bytes) -> bytes:
    raw_id = key_id.encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    header = FILE_MAGIC + bytes([len(raw_id)]) + raw_id
    return header + nonce + aead.encrypt(nonce, data, header)


def is_sealed_bytes(data: bytes) -> bool:
    return data[: len(FILE_MAGIC)] == FILE_MAGIC


def file_key_id(data: bytes) -> str:
    if not is_sealed_bytes(data) or len(data) < len(FILE_MAGIC) + 1:
        raise CryptoError("Not a sealed file.")
    n = data[len(FILE_MAGIC)]
    return data[len(FILE_MAGIC) + 1 : len(FILE_MAGIC) + 1 + n].decode("ascii")


def unseal_bytes(aead: AESGCM, data: bytes) -> bytes:
    key_id = file_key_id(data)
    start = len(FILE_MAGIC) + 1 + len(key_id)
    header, nonce, ct = data[:start], data[start : start + NONCE_BYTES], data[start + NONCE_BYTES :]
    try:
        return aead.decrypt(nonce, ct, header)
    except InvalidTag as exc:
        raise WrongKey(f"The sealed file does not open with the key « {key_id} ».") from exc


# ---- the process's unwrapped keys ------------------------------------------------------------


class KeyCache:
    """key id → (AESGCM, key bytes, loaded at): least recently used out past `size`, and
    reloaded after `ttl` seconds so a key destroyed by another process stops working here."""

    def __init__(self, size: int = 512, ttl: float = 300.0) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[str, tuple[AESGCM, bytearray, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key_id: str) -> AESGCM | None:
        with self._lock:
            item = self._items.get(key_id)
            if item is None:
                return None
            if time.monotonic() - item[2] > self.ttl:
                self._drop(key_id)
                return None
            self._items.move_to_end(key_id)
            return item[0]

    def put(self, key_id: str, data_key: bytes) -> AESGCM:
        aead = AESGCM(data_key)
        with self._lock:
            self._drop(key_id)
            self._items[key_id] = (aead, bytearray(data_key), time.monotonic())
            while len(self._items) > self.size:
                self._drop(next(iter(self._items)))
        return aead

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._drop(key_id)

    def clear(self) -> None:
        with self._lock:
            for key_id in list(self._items):
                self._drop(key_id)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._items

    def _drop(self, key_id: str) -> None:
        item = self._items.pop(key_id, None)
        if item is not None:
            buffer = item[1]
            buffer[:] = bytes(len(buffer))  # zeroise our copy
