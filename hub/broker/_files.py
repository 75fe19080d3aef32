"""Writing the broker's files so Mosquitto can read them after dropping privileges.

Mosquitto 2.0 started as root switches to its ``user`` (``mosquitto``) right after
reading the configuration file, *before* it loads the password and ACL files, writes
the pid file or the persistence database, and it re-reads all of them as that user
on SIGHUP. So every file and every directory on the way to them must be usable by
that user. Files are replaced atomically (temp file in the same directory, fsync,
rename) so a reload never sees half a password file.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ownership:
    """Owner, group and modes for the broker directory and the files in it."""

    uid: int = -1  # -1: leave as created (os.chown semantics)
    gid: int = -1
    file_mode: int = 0o600
    dir_mode: int = 0o700


def lookup_user(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def lookup_group(name: str) -> grp.struct_group | None:
    try:
        return grp.getgrnam(name)
    except KeyError:
        return None


def user_can_reach(path: Path, uid: int, gid: int) -> bool:
    """True if ``uid`` (with primary group ``gid`` and its supplementary groups) can
    traverse every directory from ``/`` down to and including ``path``."""
    if uid == 0:
        return True
    entry = next((p for p in pwd.getpwall() if p.pw_uid == uid), None)
    gids = {gid} | ({g.gr_gid for g in grp.getgrall() if entry and entry.pw_name in g.gr_mem})
    path = path.resolve()
    for directory in [*reversed(path.parents), path]:
        try:
            st = directory.stat()
        except OSError:
            return False
        if st.st_uid == uid:
            ok = st.st_mode & stat.S_IXUSR
        elif st.st_gid in gids:
            ok = st.st_mode & stat.S_IXGRP
        else:
            ok = st.st_mode & stat.S_IXOTH
        if not ok:
            return False
    return True


def prepare_dir(directory: Path, owner: Ownership) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, owner.dir_mode)
    if owner.uid != -1 or owner.gid != -1:
        os.chown(directory, owner.uid, owner.gid)


def adopt_files(directory: Path, owner: Ownership) -> None:
    """Give existing regular files in ``directory`` (e.g. a ``mosquitto.db`` written
    while the broker ran as another user) to ``owner``."""
    if owner.uid == -1 and owner.gid == -1:
        return
    for entry in directory.iterdir():
        if entry.is_file() and not entry.is_symlink():
            os.chown(entry, owner.uid, owner.gid)


def write_atomic(path: Path, text: str, owner: Ownership, mode: int | None = None) -> bool:
    """Replace ``path`` with ``text``; return False (and touch nothing) if unchanged."""
    data = text.encode("utf-8")
    mode = owner.file_mode if mode is None else mode
    try:
        if path.read_bytes() == data:
            st = path.stat()
            if stat.S_IMODE(st.st_mode) == mode and owner.uid in (-1, st.st_uid) \
                    and owner.gid in (-1, st.st_gid):
                return False
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            if owner.uid != -1 or owner.gid != -1:
                os.fchown(f.fileno(), owner.uid, owner.gid)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True
