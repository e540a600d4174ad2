"""Measuring a completed file: its SHA-256 (streamed, never whole in memory) and, for an
image, its size in pixels and a JPEG thumbnail stored beside it."""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL_PIXELS = 256
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# Pillow refuses larger images as decompression bombs; 50 megapixels covers any photo.
Image.MAX_IMAGE_PIXELS = 50_000_000


def needs_measuring(row: Mapping[str, Any]) -> bool:
    """Whether the worker has anything to do for a completed file: hash it (unless S3
    verified the uploader's checksum) or, for an image, measure it and make its thumbnail."""
    unhashed = row["checksum_sha256"] is None
    return unhashed or (row["content_type"] in IMAGE_TYPES and row["thumbnail_key"] is None)


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """An image's size, its thumbnail and the centre squares asked for (JPEG bytes; the
    squares by their side in pixels)."""

    width: int
    height: int
    thumbnail: bytes
    squares: dict[int, bytes] = field(default_factory=dict)


def square_thumbnail(image: Image.Image, pixels: int) -> bytes:
    """The image cropped to its centre square and scaled to exactly ``pixels`` a side (a
    smaller image too: avatars are laid out by their size), as JPEG."""
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    return _jpeg(square.resize((pixels, pixels), Image.Resampling.LANCZOS))


def fitted_thumbnail(image: Image.Image, pixels: int) -> bytes:
    """The whole image scaled to fit ``pixels`` a side, as JPEG."""
    copy = image.copy()
    copy.thumbnail((pixels, pixels), Image.Resampling.LANCZOS)
    return _jpeg(copy)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def image_facts(path: Path, squares: Collection[int] = ()) -> ImageFacts | None:
    """Size, thumbnail and centre ``squares`` (sides in pixels) of the image at ``path``;
    None if it is not a readable image."""
    try:
        with Image.open(path) as image:
            image.load()
            # A phone's photo is stored sideways with an EXIF note: what is shown is upright.
            upright = ImageOps.exif_transpose(image)
            return ImageFacts(
                image.width,
                image.height,
                fitted_thumbnail(upright, THUMBNAIL_PIXELS),
                {pixels: square_thumbnail(upright, pixels) for pixels in squares},
            )
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return None


class HashingFile:
    """A temporary file that hashes what is written to it."""

    def __init__(self, directory: str) -> None:
        self.path = Path(directory) / "file"
        self.digest = hashlib.sha256()
        self._out: IO[bytes] = self.path.open("wb")

    def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self._out.write(chunk)

    def close(self) -> None:
        self._out.close()


def temporary_directory() -> tempfile.TemporaryDirectory[str]:
    """Where a file being measured is kept (deleted afterwards)."""
    return tempfile.TemporaryDirectory(prefix="sb-attachment-")
