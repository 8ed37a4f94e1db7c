"""What an upload may cost: its size, files per piece, storage per bureau, image pixels, a virus scan.

Every check here runs before a row is written, on the upload's copy on this
host (``storage.store_stream``'s ``check``): a refused file never reaches the store.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from app.domain.errors import DomainError
from app.domain.submissions.scanning import Clamd, ScannerUnavailable
from app.extensions import db
from app.models import Attachment, Submission, WordOriginal

MB = 1024 * 1024
IMAGE_TYPES = frozenset({"jpeg", "png", "gif"})


class QuotaExceeded(DomainError):
    http_status = 413


class TooManyFiles(DomainError):
    http_status = 400


class ImageTooLarge(DomainError):
    http_status = 413


class InfectedFile(DomainError):
    http_status = 422


class ScanUnavailable(DomainError):
    """Scanning is required and cannot be done now: the upload is refused, never kept unscanned."""

    http_status = 503


@dataclass(frozen=True)
class UploadPolicy:
    max_bytes: int = 20 * MB
    max_files: int = 50
    max_bureau_bytes: int = 500 * MB
    # 40 megapixels is a 7,300 × 5,500 photograph; decoded for printing it already takes 160 MB.
    max_image_pixels: int = 40_000_000
    scanner: Clamd | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> UploadPolicy:
        socket = config.get("CLAMD_SOCKET")
        return cls(
            max_bytes=int(config["MAX_UPLOAD_MB"]) * MB,
            max_files=int(config["MAX_FILES_PER_SUBMISSION"]),
            max_bureau_bytes=int(config["MAX_BUREAU_STORAGE_MB"]) * MB,
            max_image_pixels=int(config["MAX_IMAGE_MEGAPIXELS"] * 1_000_000),
            scanner=Clamd(socket, timeout=float(config.get("CLAMD_TIMEOUT", 60))) if socket else None,
        )


def check_file_count(submission: Submission, new_files: int, policy: UploadPolicy, *, leaving: int = 0) -> None:
    """At most ``policy.max_files`` files (attachments and body images) on one piece.

    ``leaving`` files go in the same change (a Word import replaces the body's images).
    """
    if new_files and len(submission.attachments) - leaving + new_files > policy.max_files:
        raise TooManyFiles(_("A submission may have at most %(n)d files (attachments and images in the body). "
                             "Remove one before adding another. Nothing was stored.", n=policy.max_files))


def check_bureau_storage(submission: Submission, new_files: Mapping[str, int], policy: UploadPolicy) -> None:
    """The bureau's distinct files stay within ``policy.max_bureau_bytes`` with ``new_files`` (sha256 → size).

    A file the bureau already holds on another piece costs nothing more: the store keeps it once.
    """
    bureau = Submission.organisation_id == submission.organisation_id
    # Attachments, body images and kept Word originals share the store: a file counts once.
    held = dict(db.session.execute(sa.union(
        sa.select(Attachment.sha256, Attachment.size)
        .join(Submission, Submission.id == Attachment.submission_id).where(bureau),
        sa.select(WordOriginal.sha256, WordOriginal.size)
        .join(Submission, Submission.id == WordOriginal.submission_id).where(bureau),
    )).all())
    used = sum(held.values())
    adding = sum(size for sha256, size in new_files.items() if sha256 not in held)
    if adding and used + adding > policy.max_bureau_bytes:
        raise QuotaExceeded(_(
            "Your bureau's files would take more than %(limit)d MB (%(used)d MB are in use). "
            "Remove files you no longer need. Nothing was stored.",
            limit=policy.max_bureau_bytes // MB, used=-(-used // MB)))


def check_image_pixels(image: Path | BinaryIO, policy: UploadPolicy) -> None:
    """Refuse an image whose header promises more pixels than the typesetter may decode.

    Only the header is read: a 20 KB file can claim 13,000 × 13,000 pixels,
    which is 1.4 GB once a build decodes it.
    """
    limit = policy.max_image_pixels
    try:
        with Image.open(image) as opened:
            width, height = opened.size
    except Image.DecompressionBombError:
        raise ImageTooLarge(_too_many_pixels(limit)) from None  # past Pillow's own, higher, limit
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError(_("An image could not be read; it may be damaged. Nothing was stored.")) from None
    if width * height > limit:
        raise ImageTooLarge(_("An image has %(width)d × %(height)d pixels.", width=width, height=height)
                            + " " + _too_many_pixels(limit))


def _too_many_pixels(limit: int) -> str:
    return _("At most %(limit)d megapixels are accepted; scale the image down (for print, 3,000 pixels "
             "on the long side are plenty). Nothing was stored.", limit=limit // 1_000_000)


def scan(stream: BinaryIO, policy: UploadPolicy) -> None:
    """Refuse infected content, and everything while a configured scanner cannot be asked."""
    if policy.scanner is None:
        return
    try:
        result = policy.scanner.scan_stream(stream)
    except ScannerUnavailable:
        raise ScanUnavailable(_("Files cannot be checked for viruses at the moment, so none are accepted. "
                                "Please try again in a few minutes. Nothing was stored.")) from None
    if not result.clean:
        raise InfectedFile(_("The virus scanner found %(name)s in this file, so it was refused. "
                             "Nothing was stored.", name=result.signature))
