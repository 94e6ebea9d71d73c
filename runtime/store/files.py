"""Uploaded files: content-addressed blobs on disk, type sniffing and safe display names.

A blob is streamed to a temporary file while its size is counted and its sha256 computed; it is
refused (`TooLarge`) the moment it crosses its limit, without reading the rest. Its type comes from
its first bytes, never from its name, and must be one the question accepts (`Unsupported`). The
finished file is fsynced, renamed to `sha256/<2 hex>/<64 hex>` and the directory fsynced, so a
database row that references it commits only after the bytes are durable. Names from clients are
only ever shown, never used as paths.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .base import TooLarge, Unavailable, Unsupported, UploadRules

#: Every upload stops here, whatever its question allows (bytes).
MAX_UPLOAD_SIZE = 100 * 1024 * 1024
MAX_NAME_LENGTH = 255
_CHUNK = 64 * 1024

_OFFICE_ZIP = ("docx", "xlsx", "pptx", "odt", "ods", "zip")
_OLE = ("doc", "xls", "ppt", "msg")


@dataclass(frozen=True, slots=True)
class Kind:
    """A type a blob is recognised as: its media type and the extensions it satisfies."""

    media_type: str
    extensions: tuple[str, ...]


_MAGIC: tuple[tuple[bytes, int, Kind], ...] = (
    (b"%PDF-", 0, Kind("application/pdf", ("pdf",))),
    (b"\x89PNG\r\n\x1a\n", 0, Kind("image/png", ("png",))),
    (b"\xff\xd8\xff", 0, Kind("image/jpeg", ("jpg", "jpeg"))),
    (b"GIF87a", 0, Kind("image/gif", ("gif",))),
    (b"GIF89a", 0, Kind("image/gif", ("gif",))),
    (b"II*\x00", 0, Kind("image/tiff", ("tif", "tiff"))),
    (b"MM\x00*", 0, Kind("image/tiff", ("tif", "tiff"))),
    (b"ftypheic", 4, Kind("image/heic", ("heic", "heif"))),
    (b"ftypheix", 4, Kind("image/heic", ("heic", "heif"))),
    (b"ftypmif1", 4, Kind("image/heif", ("heic", "heif"))),
    (b"PK\x03\x04", 0, Kind("application/zip", _OFFICE_ZIP)),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, Kind("application/x-ole-storage", _OLE)),
)
_WEBP = Kind("image/webp", ("webp",))
_TEXT = Kind("text/plain", ("txt", "csv", "tsv"))
_MARKUP = re.compile(rb"^\s*(?:<|\xef\xbb\xbf\s*<)")

_CONTROLS = re.compile("[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SEPARATORS = re.compile(r"[/\\:]+")
_WINDOWS_RESERVED = re.compile(r"^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\.|$)", re.IGNORECASE)


def sniff(head: bytes) -> Kind | None:
    """The type of a blob from its first bytes; None for markup, binary junk or nothing."""
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    if not head or b"\x00" in head or _MARKUP.match(head):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end of the head
            return None
    return _TEXT


def check_type(head: bytes, rules: UploadRules) -> str:
    """The media type to record for a blob, or `Unsupported` when its content is not accepted."""
    if not head:
        raise Unsupported("the file is empty")
    kind = sniff(head)
    if kind is None:
        raise Unsupported("the file's content is not a type this question accepts")
    if rules.accept and not set(kind.extensions) & set(rules.accept):
        raise Unsupported(f"the file's content is {kind.media_type}, not one of: {', '.join(rules.accept)}")
    return kind.media_type


def display_name(name: str) -> str:
    """A file name safe to show and to put in a header: NFC, no controls, no path, capped."""
    text = _CONTROLS.sub("", unicodedata.normalize("NFC", name))
    text = _SEPARATORS.sub("_", text).strip(" .")
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    if len(text) > MAX_NAME_LENGTH:
        _, dot, extension = text.rpartition(".")
        keep = extension if dot and 0 < len(extension) <= 16 else ""
        text = text[:MAX_NAME_LENGTH - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    return text or "file"


class BlobDirectory:
    """The content-addressed files beside the database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def write(self, chunks: Iterable[bytes], rules: UploadRules) -> tuple[str, int, str]:
        """Store a stream durably; (sha256, size, media type). Nothing stays behind on refusal."""
        try:
            return self._write(chunks, min(rules.max_size or MAX_UPLOAD_SIZE, MAX_UPLOAD_SIZE), rules)
        except OSError as error:
            raise Unavailable(f"the store cannot write the file: {error.strerror or error}",
                              full=error.errno in (errno.ENOSPC, errno.EDQUOT)) from None

    def _write(self, chunks: Iterable[bytes], limit: int, rules: UploadRules) -> tuple[str, int, str]:
        digest, size, head = hashlib.sha256(), 0, b""
        handle, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(limit)
                    if len(head) < 4096:
                        head += chunk[:4096 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                media_type = check_type(head, rules)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            target = self.path(sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(name, target)
            _fsync_directory(target.parent)
            return sha256, size, media_type
        finally:
            if os.path.exists(name):
                os.unlink(name)

    def read(self, sha256: str) -> Iterator[bytes]:
        with open(self.path(sha256), "rb") as blob:
            while chunk := blob.read(_CHUNK):
                yield chunk

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def collect(self, referenced: set[str], grace_seconds: float) -> int:
        """Remove blobs no row references and leftover temporary files older than the grace."""
        cutoff, removed = time.time() - grace_seconds, 0
        candidates = list(self.tmp.glob("upload-*")) + list((self.root / "sha256").glob("*/*"))
        for path in candidates:
            if path.name not in referenced and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _fsync_directory(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
