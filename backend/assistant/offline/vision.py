"""Pictures in what a client sends, checked for the shape each surface takes and counted. The
model reads text only: it is told how many pictures the last user message had, and says so
honestly (`model.pictures_note`), never as if it had looked."""

from typing import Any

from backend.assistant.offline.knobs import OfflineAPIError

# The part types that carry a picture, and the surfaces' shapes of them.
URL_PARTS = ("image_url",)  # Chat Completions and Assistants: {"image_url": {"url": ...}}
RESPONSES_PARTS = ("input_image",)  # Responses: {"image_url": "..."} or {"file_id": ...}
FILE_PARTS = ("image_file",)  # Assistants: {"image_file": {"file_id": ...}}


def _refuse(message: str, param: str) -> OfflineAPIError:
    return OfflineAPIError(400, message, param=param)


def count_images(content: Any, param: str = "content") -> int:
    """How many pictures a message's content holds; a picture part of the wrong shape is a 400,
    as the real API answers (the SDK sends whatever it was given)."""
    if not isinstance(content, list):
        return 0
    images = 0
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in URL_PARTS:
            image = part.get("image_url")
            if not isinstance(image, dict) or not isinstance(image.get("url"), str):
                raise _refuse("image_url must be an object with a url", f"{param}.image_url")
            images += 1
        elif kind in RESPONSES_PARTS:
            if not isinstance(part.get("image_url"), str) and not part.get("file_id"):
                raise _refuse("input_image needs an image_url string or a file_id", param)
            images += 1
        elif kind in FILE_PARTS:
            image_file = part.get("image_file")
            if not isinstance(image_file, dict) or not image_file.get("file_id"):
                raise _refuse("image_file must be an object with a file_id", param)
            images += 1
    return images
