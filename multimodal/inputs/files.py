"""Checks shared by every file input: it exists, is a file, is not empty, is not huge."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

MAX_FILE_BYTES = 200 * 1024 * 1024


def checked_path(src: str | Path, what: str) -> Path:
    path = Path(src)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes), no {what} in it")
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {size / 2**20:.0f} MB is over the {MAX_FILE_BYTES >> 20} MB "
                         "upload limit")
    return path
