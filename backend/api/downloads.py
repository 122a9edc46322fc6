"""How a response names the file it is (`Content-Disposition`)."""

from urllib.parse import quote


def attachment(filename: str) -> str:
    """A download saved as `filename`: an ASCII fallback for old clients (anything but letters,
    digits, space, `-_.` becomes `_`) and the exact name in UTF-8 (RFC 6266)."""
    fallback = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in " -_.") else "_" for ch in filename
    ).strip()
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
