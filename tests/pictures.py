"""Pictures made on the spot for upload tests (Pillow), in every accepted format."""

import io

from PIL import Image, ImageDraw

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


PALETTES = [
    ((255, 183, 94), (120, 60, 140)),
    ((120, 200, 255), (20, 60, 120)),
    ((250, 120, 90), (40, 20, 60)),
    ((160, 230, 190), (30, 90, 80)),
    ((255, 220, 150), (200, 90, 60)),
    ((200, 200, 230), (60, 60, 90)),
]


def still(index: int, size: tuple[int, int] = (960, 540), image_format: str = "JPEG") -> bytes:
    """A picture that reads like a frame of a film (a sky, a sun, a horizon), different for
    each `index`: for boards that should look like boards in screenshots and benchmarks."""
    top, bottom = PALETTES[index % len(PALETTES)]
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), sky)
    draw = ImageDraw.Draw(image)
    radius = height // 8
    x = width * (0.25 + 0.1 * (index % 6))
    y = height * (0.35 + 0.04 * (index % 3))
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 240, 210))
    horizon = int(height * 0.68)
    draw.polygon(
        [
            (0, horizon),
            (width * 0.3, horizon - height * 0.12),
            (width * 0.6, horizon),
            (width, horizon - height * 0.06),
            (width, height),
            (0, height),
        ],
        fill=tuple(int(c * 0.4) for c in top),
    )
    output = io.BytesIO()
    image.save(output, image_format, quality=85)
    return output.getvalue()
