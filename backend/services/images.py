"""Reading an uploaded picture safely: the type from its bytes, Pillow's decompression-bomb
guard, a re-encode that keeps no metadata (EXIF, GPS, text chunks, comments), and a thumbnail.

Pure functions of bytes, with no database: they run in a worker thread (`FileService`).
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from backend.core.errors import InvalidInputError, TooLargeError, UnsupportedMediaError

MAX_IMAGE_PIXELS = 40_000_000
THUMBNAIL_MAX_SIDE = 480
THUMBNAIL_CONTENT_TYPE = "image/webp"

# Pillow's own guard, at our limit: it warns past MAX_IMAGE_PIXELS and raises past twice that.
# The warning is made an error too, so every picture past the limit is refused while only its
# header has been read, before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
UNSUPPORTED = "Only PNG, JPEG, WebP and GIF pictures can be uploaded"
DAMAGED = "The picture could not be read: it may be damaged"


def sniff_image_format(head: bytes) -> str | None:
    """The Pillow format the bytes start like, whatever the file's name or declared type."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    content: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def _open(data: bytes, image_format: str) -> Image.Image:
    try:
        # Only the decoder of the sniffed format may read it.
        image = Image.open(io.BytesIO(data), formats=[image_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooLargeError(
            f"The picture is larger than {MAX_IMAGE_PIXELS // 1_000_000} megapixels"
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidInputError(DAMAGED) from error
    try:
        image.seek(0)  # a storyboard frame is a still: an animation keeps its first frame
        image.load()
        # Turn the picture as its EXIF says before the EXIF goes.
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidInputError(DAMAGED) from error
    finally:
        image.close()


def _without_metadata(image: Image.Image) -> Image.Image:
    """A copy carrying pixels only (and a palette's transparency, which is pixels too); the
    colour profile is passed on at save time, as it is colour, not metadata about anyone."""
    clean = image.copy()
    clean.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    return clean


def _encode(image: Image.Image, image_format: str, icc_profile: bytes | None) -> bytes:
    options: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            # A CMYK profile describes the old pixels, not the converted ones.
            image = image.convert("RGB")
            options.pop("icc_profile", None)
        options.update(quality=90)
    elif image_format == "WEBP":
        options.update(quality=90)
    elif image_format == "GIF":
        options = {}
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE), reducing_gap=2.0)
    has_alpha = thumbnail.mode in ("RGBA", "LA", "PA") or "transparency" in thumbnail.info
    thumbnail = thumbnail.convert("RGBA" if has_alpha else "RGB")
    output = io.BytesIO()
    thumbnail.save(output, "WEBP", quality=80, method=4)
    return output.getvalue()


def process_image(data: bytes) -> ProcessedImage:
    """The picture re-encoded in its own format without metadata, and its thumbnail (WebP, at
    most THUMBNAIL_MAX_SIDE px on its longer side). UnsupportedMediaError for anything but the
    four formats, TooLargeError past MAX_IMAGE_PIXELS, InvalidInputError for damaged files."""
    image_format = sniff_image_format(data[:16])
    if image_format is None:
        raise UnsupportedMediaError(UNSUPPORTED)
    decoded = _open(data, image_format)
    icc_profile = decoded.info.get("icc_profile")
    clean = _without_metadata(decoded)
    try:
        content = _encode(clean, image_format, icc_profile)
        thumbnail = _thumbnail(clean)
    except (OSError, ValueError) as error:  # pixels a decoder let through but no encoder takes
        raise InvalidInputError(DAMAGED) from error
    return ProcessedImage(
        content=content,
        content_type=CONTENT_TYPES[image_format],
        width=clean.width,
        height=clean.height,
        thumbnail=thumbnail,
    )
