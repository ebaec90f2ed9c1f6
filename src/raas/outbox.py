"""The outbox folder the daily run delivers into: one sub-folder per organisation.

A file appears under its final name only once it is complete and on disk: it is written under a
temporary name in the same folder, flushed and fsynced, then renamed (atomic on POSIX), and the
folder is fsynced so the rename survives a crash. A reader never sees a half-written file; a run
killed halfway leaves at most temporary files, which the next run removes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

TEMPORARY = ".part"


class Outbox:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, cbe_number: str, name: str) -> Path:
        return self.root / cbe_number / name

    def check_writable(self) -> None:
        """OSError unless files can be created in the outbox (created when missing)."""
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".probe-{os.getpid()}{TEMPORARY}"
        probe.write_bytes(b"")
        probe.unlink()

    def remove_leftovers(self) -> int:
        """Delete temporary files a killed run left behind; how many."""
        leftovers = list(self.root.glob(f"*/*{TEMPORARY}")) if self.root.exists() else []
        for path in leftovers:
            path.unlink(missing_ok=True)
        return len(leftovers)

    def open_temporary(self, cbe_number: str, name: str) -> BinaryIO:
        """A new temporary file for `name` (publish it with `publish`)."""
        path = self.path(cbe_number, name + TEMPORARY)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")

    def publish(self, temporary: BinaryIO) -> Path:
        """Make a complete temporary file (still open) appear under its final name."""
        temporary.flush()
        os.fsync(temporary.fileno())
        temporary.close()
        part = Path(temporary.name)
        final = part.with_name(part.name.removesuffix(TEMPORARY))
        os.replace(part, final)
        _fsync_folder(final.parent)
        return final

    def write(self, cbe_number: str, name: str, content: bytes) -> Path:
        """Write a whole file atomically."""
        temporary = self.open_temporary(cbe_number, name)
        try:
            temporary.write(content)
        except BaseException:
            temporary.close()
            raise
        return self.publish(temporary)

    def holds(self, cbe_number: str, name: str, sha256: str) -> bool:
        """True when the file is there with exactly the bytes that hash to `sha256`."""
        path = self.path(cbe_number, name)
        if not path.is_file():
            return False
        digest = hashlib.sha256()
        with path.open("rb") as stored:
            while chunk := stored.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest() == sha256


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
