"""Uploaded files as the API shows them."""

import uuid
from datetime import datetime
from typing import Literal

from backend.schemas.common import PublicModel


class FilePublic(PublicModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    kind: Literal["image", "document"]
    width: int | None
    height: int | None
    created_at: datetime
