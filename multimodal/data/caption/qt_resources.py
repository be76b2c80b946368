"""Read the files packed in a Qt resource bundle (`.rcc`), as GCompris ships its pictures.

The format (Qt's rcc.cpp): a 20-byte header `qres`, version, and the offsets of the tree,
the data and the names; format 3 adds 4 bytes of flags. The tree is a table of 22-byte
entries (14 before format 2): the name's offset and flags, then for a folder its child
count and first child's index, for a file its locale and data offset. A name is a 16-bit
length, a 32-bit hash and UTF-16 text; a file's data is a 32-bit length and the bytes,
zlib-compressed behind a 4-byte size where flag 1 is set. Flag 4 (zstd) is refused rather
than read wrong: no GCompris bundle in Debian uses it."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from ...errors import MultimodalError

COMPRESSED, DIRECTORY, COMPRESSED_ZSTD = 1, 2, 4


def read_resources(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every file in the bundle as (its path inside the bundle, its bytes)."""
    blob = path.read_bytes()
    if blob[:4] != b"qres" or len(blob) < 20:
        raise MultimodalError(f"{path} is not a Qt resource bundle")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    entry_size = 22 if version >= 2 else 14

    def name_at(offset: int) -> str:
        (length,) = struct.unpack_from(">H", blob, names + offset)
        start = names + offset + 6  # after the length and the hash
        return blob[start:start + 2 * length].decode("utf-16-be")

    def walk(index: int, folder: str) -> Iterator[tuple[str, bytes]]:
        at = tree + index * entry_size
        name_offset, flags = struct.unpack_from(">IH", blob, at)
        name = name_at(name_offset) if index else ""  # the root has no name
        if flags & DIRECTORY:
            count, first = struct.unpack_from(">II", blob, at + 6)
            for child in range(first, first + count):
                yield from walk(child, f"{folder}{name}/")
            return
        if flags & COMPRESSED_ZSTD:
            raise MultimodalError(f"{path}: {folder}{name} is zstd-compressed, not supported")
        (offset,) = struct.unpack_from(">I", blob, at + 10)
        (size,) = struct.unpack_from(">I", blob, data + offset)
        content = blob[data + offset + 4:data + offset + 4 + size]
        if flags & COMPRESSED:
            content = zlib.decompress(content[4:])  # behind the uncompressed size
        yield f"{folder}{name}", content

    try:
        yield from walk(0, "")
    except (struct.error, zlib.error, UnicodeDecodeError) as err:
        raise MultimodalError(f"{path} is a damaged Qt resource bundle: {err}") from err
