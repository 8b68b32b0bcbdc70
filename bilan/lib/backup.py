"""One archive holds everything a restore needs: the database and the two file folders.

`create_backup` writes a tar.gz with a consistent copy of the database (SQLite's online backup
API, or `pg_dump --format=custom`), PRIVATE_MEDIA_ROOT under `private/`, MEDIA_ROOT under
`media/`, and `manifest.json`: the date, the migrations applied, row counts per table and the
SHA-256 of every file. `restore_backup` checks every checksum before touching anything, refuses
a database or folder that is not empty unless forced, then puts all three back.

The database is copied first and the folders after: every file a copied row names was written
before that row (a render writes its file, then saves its job), so it is in the archive.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _t

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
FOLDERS = {"private": "PRIVATE_MEDIA_ROOT", "media": "MEDIA_ROOT"}
FILE_MODE, DIR_MODE = 0o600, 0o700
PG_PACKAGE = "postgresql-client"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why, in French."""


@dataclass
class Restored:
    manifest: dict[str, Any]
    files: int
    counts_match: bool


# ---- backup ----------------------------------------------------------------------------------


def create_backup(destination: Path, *, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Write the archive to `destination` (a file name, or a folder to put it in); its path."""
    now = timezone.now()
    if destination.is_dir():
        destination = destination / f"bilan-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="bilan-backup-") as tmp:
        work = Path(tmp)
        database = _dump_database(connection, work)
        counts = table_counts(using)  # just after the copy: a busy site may have moved on since
        entries = {database.name: database}
        for prefix, setting in FOLDERS.items():
            root = Path(getattr(settings, setting))
            for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
                entries[f"{prefix}/{path.relative_to(root).as_posix()}"] = path
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {"vendor": connection.vendor, "file": database.name},
            "migrations": applied_migrations(using),
            "counts": counts,
            "files": {
                name: {"sha256": sha256(path), "size": path.stat().st_size}
                for name, path in entries.items()
            },
        }
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
            for name, path in entries.items():
                info = archive.gettarinfo(str(path), arcname=name)
                info.mode, info.uid, info.gid, info.uname, info.gname = FILE_MODE, 0, 0, "", ""
                with path.open("rb") as handle:
                    archive.addfile(info, handle)
    return destination


def _dump_database(connection: BaseDatabaseWrapper, work: Path) -> Path:
    if connection.vendor == "sqlite":
        target = work / SQLITE_NAME
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # a consistent snapshot while the site runs
        finally:
            copy.close()
        return target
    if connection.vendor == "postgresql":
        target = work / PG_NAME
        _run_pg("pg_dump", connection, ["--format=custom", "--no-owner", f"--file={target}"])
        return target
    raise BackupError(_t("Base de données non prise en charge : %(v)s.") % {"v": connection.vendor})


def _pg_env(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    params = connection.get_connection_params()
    args = [f"--dbname={params.get('dbname') or connection.settings_dict['NAME']}"]
    if params.get("host"):
        args.append(f"--host={params['host']}")
    if params.get("port"):
        args.append(f"--port={params['port']}")
    if params.get("user"):
        args.append(f"--username={params['user']}")
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    return args, env


def _run_pg(program: str, connection: BaseDatabaseWrapper, extra: list[str]) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            _t(
                "%(p)s est introuvable : installez le paquet Debian %(pkg)s (apt-get install %(pkg)s)."
            )
            % {"p": program, "pkg": PG_PACKAGE}
        )
    args, env = _pg_env(connection)
    done = subprocess.run(
        [executable, *args, *extra], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            _t("%(p)s a échoué (code %(code)s) : %(err)s")
            % {"p": program, "code": done.returncode, "err": done.stderr.strip()[-2000:]}
        )


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), FILE_MODE, int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The last migration applied per app (the schema version the copy has)."""
    latest: dict[str, str] = {}
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return latest
    for app, name in sorted(recorder.applied_migrations()):
        latest[app] = max(latest.get(app, name), name)
    return latest


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per model table, to compare a restore with its backup."""
    existing = set(connections[using].introspection.table_names())
    return {
        model._meta.label: model._base_manager.using(using).count()
        for model in apps.get_models()
        if model._meta.db_table in existing and model._meta.managed and not model._meta.proxy
    }


# ---- restore ---------------------------------------------------------------------------------


def read_manifest(archive_path: Path) -> dict[str, Any]:
    """The manifest, after checking every member against its checksum (nothing is written)."""
    with tarfile.open(archive_path, mode="r:gz") as archive:
        manifest = _manifest_of(archive)
        listed = manifest.get("files", {})
        seen = set()
        for member in archive.getmembers():
            if member.name == MANIFEST:
                continue
            _check_name(member.name)
            if member.name not in listed or not member.isfile():
                raise BackupError(
                    _t("Archive refusée : « %(n)s » n'est pas dans le manifeste.")
                    % {"n": member.name}
                )
            digest = hashlib.sha256()
            handle = archive.extractfile(member)
            assert handle is not None  # a regular file, checked above
            for block in iter(functools.partial(handle.read, 1 << 20), b""):
                digest.update(block)
            if digest.hexdigest() != listed[member.name]["sha256"]:
                raise BackupError(
                    _t("Archive corrompue : la somme de contrôle de « %(n)s » ne correspond pas.")
                    % {"n": member.name}
                )
            seen.add(member.name)
        missing = set(listed) - seen
        if missing:
            raise BackupError(
                _t("Archive incomplète : il manque %(n)s.") % {"n": ", ".join(sorted(missing))}
            )
    return manifest


def _manifest_of(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        handle = archive.extractfile(MANIFEST)
    except KeyError:
        handle = None
    if handle is None:
        raise BackupError(_t("Archive refusée : elle n'a pas de manifest.json."))
    manifest: dict[str, Any] = json.loads(handle.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(_t("Format d'archive inconnu : %(f)s.") % {"f": manifest.get("format")})
    return manifest


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or path.parts[0] not in (*FOLDERS, SQLITE_NAME, PG_NAME)
    ):
        raise BackupError(_t("Archive refusée : chemin interdit « %(n)s ».") % {"n": name})


def database_is_empty(using: str = DEFAULT_DB_ALIAS) -> bool:
    """No person, organisation or bilan yet (a migrated, never used database is empty)."""
    return not any(
        table_counts(using).get(label)
        for label in ("accounts.User", "organisations.Organisation", "bilans.Bilan")
    )


def restore_backup(
    archive_path: Path, *, force: bool = False, using: str = DEFAULT_DB_ALIAS
) -> Restored:
    manifest = read_manifest(archive_path)
    connection = connections[using]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            _t("Cette sauvegarde vient de %(a)s ; la base configurée est %(b)s.")
            % {"a": vendor, "b": connection.vendor}
        )
    roots = {prefix: Path(getattr(settings, setting)) for prefix, setting in FOLDERS.items()}
    if not force:
        if not database_is_empty(using):
            raise BackupError(
                _t("La base de données n'est pas vide : ajoutez --force pour la remplacer.")
            )
        for root in roots.values():
            if root.is_dir() and any(root.iterdir()):
                raise BackupError(
                    _t("Le dossier %(d)s n'est pas vide : ajoutez --force pour le remplacer.")
                    % {"d": root}
                )
    with (
        tempfile.TemporaryDirectory(prefix="bilan-restore-") as tmp,
        tarfile.open(archive_path, mode="r:gz") as archive,
    ):
        work = Path(tmp)
        archive.extractall(work, filter="data")  # names were checked by read_manifest
        _load_database(connection, work / manifest["database"]["file"])
        files = 0
        for prefix, root in roots.items():
            if root.is_dir():
                shutil.rmtree(root)
            root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            source = work / prefix
            for path in sorted(source.rglob("*")) if source.is_dir() else []:
                target = root / path.relative_to(source)
                if path.is_dir():
                    target.mkdir(mode=DIR_MODE, exist_ok=True)
                    continue
                target.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                target.chmod(FILE_MODE)
                files += 1
    return Restored(
        manifest=manifest, files=files, counts_match=table_counts(using) == manifest["counts"]
    )


def _load_database(connection: BaseDatabaseWrapper, source: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(source)
        try:
            copy.backup(connection.connection)  # replaces the whole database, page by page
        finally:
            copy.close()
        return
    connection.close()  # pg_restore drops the tables: no session of ours may hold them
    _run_pg(
        "pg_restore",
        connection,
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            str(source),
        ],
    )
