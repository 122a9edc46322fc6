"""Pictures made on the spot for upload tests (Pillow), in every accepted format."""

import io

from PIL import Image

# GPS IFD tags: latitude ref, latitude, longitude ref, longitude.
GPS_IFD = 0x8825
GPS_TAGS = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}


def picture(
    image_format: str = "PNG",
    size: tuple[int, int] = (64, 36),
    *,
    gps: bool = False,
    color: tuple[int, int, int] = (200, 80, 40),
) -> bytes:
    """A picture of one colour; with `gps`, it carries GPS EXIF tags (a phone photo's kind)."""
    image = Image.new("RGB", size, color)
    options: dict[str, object] = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif.get_ifd(GPS_IFD).update(GPS_TAGS)
        options["exif"] = exif.tobytes()
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or "exif" in image.info


def upload(
    data: bytes, filename: str = "frame.png", content_type: str = "image/png"
) -> dict[str, tuple[str, bytes, str]]:
    """The `files=` argument of an httpx request sending `data` as the form's `file`."""
    return {"file": (filename, data, content_type)}
