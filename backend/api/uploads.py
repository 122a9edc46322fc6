"""Reading an uploaded file's bytes under a cap."""

from collections.abc import Callable

from fastapi import UploadFile

from backend.core.errors import TooLargeError

CHUNK_BYTES = 64 * 1024

UPLOAD_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "The body is not a readable multipart form"},
    409: {"description": "Over your storage quota (`STORAGE_QUOTA_MB`)"},
    413: {"description": "Over `MAX_IMAGE_BYTES` or 40 megapixels"},
    415: {"description": "Not a PNG, JPEG, WebP or GIF picture (judged by its bytes)"},
    422: {"description": "No `file` part, or a damaged picture"},
}
DOCUMENT_UPLOAD_ERRORS: dict[int | str, dict[str, str]] = {
    **UPLOAD_ERRORS,
    413: {"description": "Over `MAX_DOCUMENT_BYTES`"},
    415: {
        "description": "Not a .txt, .md, .fountain, .pdf or .docx document (judged by its bytes)"
    },
    422: {
        "description": "No `file` part; a damaged, encrypted or empty document (no text to "
        "read); or over the page, character or time bounds of extraction"
    },
}

FILE_UPLOAD_ERRORS: dict[int | str, dict[str, str]] = {
    **DOCUMENT_UPLOAD_ERRORS,
    413: {
        "description": "A picture over `MAX_IMAGE_BYTES` or 40 megapixels, or a document "
        "over `MAX_DOCUMENT_BYTES`"
    },
    415: {
        "description": "Neither a PNG, JPEG, WebP or GIF picture nor a .txt, .md, .fountain, "
        ".pdf or .docx document (judged by its bytes)"
    },
    422: {
        "description": "No `file` part; a damaged picture; a damaged, encrypted or empty "
        "document, or one over the page, character or time bounds of extraction"
    },
}


async def read_upload(upload: UploadFile, limit: int | Callable[[bytes], int]) -> bytes:
    """The file's bytes, read in chunks and refused (413) as soon as they pass `limit` (or the
    limit for what the file starts with, decided from its first chunk); the body as a whole
    was already bounded while it streamed in (EdgeMiddleware), and Starlette spools a large
    part to disk, not memory."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK_BYTES):
        if not isinstance(limit, int):
            limit = limit(chunk)
        size += len(chunk)
        if size > limit:
            raise TooLargeError(f"The file is larger than {limit // (1024 * 1024)} MiB")
        chunks.append(chunk)
    return b"".join(chunks)
