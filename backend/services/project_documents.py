"""Reading a project with its scenes, the request that canvases and scripts repeat most.

The JSON is kept in memory per project and served again while the project's revision is
unchanged, so a repeated read costs one small query: it checks the token's session and reads
the revision together. The revision lives in the database, so several app instances never serve
each other's stale copies.
"""

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import TypeAdapter

from backend.core.db import RowReader
from backend.core.errors import AuthenticationError, NotFoundError
from backend.core.security import TokenClaims
from backend.repositories import projects as project_repository
from backend.schemas.project import ProjectDetail
from backend.services.auth import INVALID_TOKEN, AuthService
from backend.services.projects import project_detail

_detail_json = TypeAdapter(ProjectDetail)
Found = TypeVar("Found")


@dataclass(frozen=True, slots=True)
class ProjectDocument:
    """The project as the API returns it, at one revision."""

    revision: int
    body: bytes

    @property
    def etag(self) -> str:
        return f'"r{self.revision}"'


class DocumentCache:
    """The most recently read documents, within a byte budget."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[uuid.UUID, ProjectDocument] = OrderedDict()
        self._size = 0

    def get(self, project_id: uuid.UUID, revision: int) -> ProjectDocument | None:
        document = self._entries.get(project_id)
        if document is None or document.revision != revision:
            return None
        self._entries.move_to_end(project_id)
        return document

    def holds(self, project_id: uuid.UUID) -> bool:
        """Whether some revision of the project is kept."""
        return project_id in self._entries

    def put(self, project_id: uuid.UUID, document: ProjectDocument) -> None:
        """Keep the document unless a newer one is already kept; one document may take at most
        a quarter of the budget, so a huge project cannot push every other one out."""
        if len(document.body) > self._max_bytes // 4:
            return
        kept = self._entries.pop(project_id, None)
        if kept is not None:
            self._size -= len(kept.body)
            if kept.revision > document.revision:
                document = kept
        self._entries[project_id] = document
        self._size += len(document.body)
        while self._size > self._max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._size -= len(evicted.body)

    @property
    def size(self) -> int:
        return self._size


class ProjectDocuments:
    def __init__(
        self,
        auth_service: AuthService,
        reader: RowReader,
        max_bytes: int,
    ) -> None:
        self._auth_service = auth_service
        self._reader = reader
        self.cache = DocumentCache(max_bytes)

    async def read(self, claims: TokenClaims, project_id: uuid.UUID) -> ProjectDocument:
        """The caller's project; AuthenticationError when the token's session is not live,
        NotFoundError when the project is missing or someone else's.

        A project kept here costs one small query (the session and the revision); one not kept
        is read whole with its session check in one query instead, so a project that is not
        kept (PROJECT_CACHE_MB=0 keeps none) costs no round trip for its revision alone."""
        now = datetime.now(UTC)
        idle_since = self._auth_service.idle_since(now)
        if self.cache.holds(project_id):
            revision = await self._checked(
                claims,
                now,
                await project_repository.get_revision_for_session(
                    self._reader, project_id, claims, now, idle_since
                ),
            )
            kept = self.cache.get(project_id, revision)
            if kept is not None:
                return kept
        project, scenes = await self._checked(
            claims,
            now,
            await project_repository.get_project_with_scenes_for_session(
                self._reader, project_id, claims, now, idle_since
            ),
        )
        body = _detail_json.dump_json(project_detail(project, scenes), by_alias=True)
        document = ProjectDocument(project["revision"], body)
        self.cache.put(project_id, document)
        return document

    async def read_owned(self, user_id: uuid.UUID, project_id: uuid.UUID) -> ProjectDocument:
        """The project of a caller authenticated already (a personal access token), read
        whole; NotFoundError when it is missing or someone else's."""
        found = await project_repository.read_project_with_scenes(self._reader, project_id, user_id)
        if found is None:
            raise NotFoundError("Project")
        project, scenes = found
        body = _detail_json.dump_json(project_detail(project, scenes), by_alias=True)
        return ProjectDocument(project["revision"], body)

    async def _checked(
        self, claims: TokenClaims, now: datetime, found: tuple[Found | None, datetime] | None
    ) -> Found:
        """What a query with the session check found: AuthenticationError when the session is
        not live; else its use is noted, and NotFoundError when the project was not found."""
        if found is None:
            raise AuthenticationError(INVALID_TOKEN)
        value, last_seen_at = found
        await self._auth_service.note_activity(claims.session_id, last_seen_at, now)
        if value is None:
            raise NotFoundError("Project")
        return value
