"""Data access for change sets, and the write guard: the session refuses any write to a project,
a scene or a story dossier that is not inside a recording of that project
(`services/history.recording`; for a dossier, one that compares the dossier too), so a new write
path cannot forget to record its change set."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from backend.models import Change, ChangeSet, Project, Scene, StoryDossier

RECORDING = "scenecraft_recording"
"""session.info key: the ids of the projects whose changes are being recorded."""
RECORDING_DOSSIER = "scenecraft_recording_dossier"
"""session.info key: those of them whose recording compares the dossier as well."""
WRITE_LOG = "scenecraft_write_log"
"""session.info key: the session's `WriteLog`."""
SYNCED = "scenecraft_synced"
"""Execution option of a statement whose caller sets the loaded objects to what it wrote."""

_GUARDED_TABLES: tuple[Table, ...] = (Project.__table__, Scene.__table__)  # type: ignore[assignment]
_DOSSIER_TABLE: Table = StoryDossier.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class LogMark:
    added: int
    deleted: int
    unsynced: int


@dataclass(slots=True)
class WriteLog:
    """What the session wrote to scenes, in order: the scenes its flushes inserted and deleted,
    and how many ORM statements wrote projects or scenes past the loaded objects. A recording
    that compares loaded objects reads it from a mark on, to know they are the project."""

    added: list[Scene] = field(default_factory=list)
    deleted: list[Scene] = field(default_factory=list)
    unsynced: int = 0

    def mark(self) -> LogMark:
        return LogMark(len(self.added), len(self.deleted), self.unsynced)

    def since(self, mark: LogMark) -> "WriteLog":
        return WriteLog(
            self.added[mark.added :], self.deleted[mark.deleted :], self.unsynced - mark.unsynced
        )


def write_log(session: Session | AsyncSession) -> WriteLog:
    log: WriteLog = session.info.setdefault(WRITE_LOG, WriteLog())
    return log


class UnrecordedWriteError(RuntimeError):
    """A write to a project, a scene or a story dossier outside `services/history.recording`
    (for the dossier, one opened with `dossier=True`): a bug, never input."""


def _recorded(session: Session, key: str = RECORDING) -> set[uuid.UUID]:
    recorded: set[uuid.UUID] = session.info.get(key, set())
    return recorded


@event.listens_for(Session, "before_flush")
def _refuse_unrecorded_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Scene):
            project_id, key = instance.project_id, RECORDING
        elif isinstance(instance, Project):
            project_id, key = instance.id, RECORDING
        elif isinstance(instance, StoryDossier):
            project_id, key = instance.project_id, RECORDING_DOSSIER
        else:
            continue
        if project_id not in _recorded(session, key):
            raise UnrecordedWriteError(f"{type(instance).__name__} written outside a recording")


@event.listens_for(Session, "do_orm_execute")
def _refuse_unrecorded_statement(state: ORMExecuteState) -> None:
    """Bulk statements name no instance: they need some recording open in the session."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table in _GUARDED_TABLES and not _recorded(state.session):
        raise UnrecordedWriteError(f"{table} written outside a recording")
    if table == _DOSSIER_TABLE and not _recorded(state.session, RECORDING_DOSSIER):
        raise UnrecordedWriteError(f"{table} written outside a recording of the dossier")
    if table in _GUARDED_TABLES and not state.execution_options.get(SYNCED):
        write_log(state.session).unsynced += 1


@event.listens_for(Session, "after_flush")
def _log_flushed_scenes(session: Session, _context: UOWTransaction) -> None:
    """Still the flush's own lists here: what it inserted and deleted. Only a recording reads
    the log, so a flush outside one (a chat's, a file's) adds nothing."""
    if not _recorded(session):
        return
    log = write_log(session)
    log.added += [instance for instance in session.new if isinstance(instance, Scene)]
    log.deleted += [instance for instance in session.deleted if isinstance(instance, Scene)]


async def get_turn_change_set(
    session: AsyncSession, project_id: uuid.UUID, turn_id: uuid.UUID
) -> ChangeSet | None:
    result = await session.execute(
        select(ChangeSet).where(ChangeSet.project_id == project_id, ChangeSet.turn_id == turn_id)
    )
    return result.scalar_one_or_none()


async def get_turn_change_set_id(session: AsyncSession, turn_id: uuid.UUID) -> uuid.UUID | None:
    result = await session.execute(select(ChangeSet.id).where(ChangeSet.turn_id == turn_id))
    return result.scalars().first()


async def count_changes(session: AsyncSession, change_set_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.count()).select_from(Change).where(Change.change_set_id == change_set_id)
    )
    return int(result.scalar_one())


async def add_changes(
    session: AsyncSession, change_set: ChangeSet | None, changes: Sequence[Change]
) -> None:
    """The changes, with their new set (None: the set is stored already)."""
    if change_set is not None:
        session.add(change_set)
        await session.flush()
    session.add_all(changes)
    await session.flush()


async def grow_change_set(
    session: AsyncSession, change_set: ChangeSet, revision: int, summary: str
) -> None:
    """An assistant turn's set, grown by another tool call's changes."""
    await session.execute(
        update(ChangeSet)
        .where(ChangeSet.id == change_set.id)
        .values(revision=revision, summary=summary)
        .execution_options(synchronize_session=False)
    )
    change_set.revision, change_set.summary = revision, summary


async def list_change_sets(
    session: AsyncSession, project_id: uuid.UUID, limit: int, before_revision: int | None
) -> list[ChangeSet]:
    query = select(ChangeSet).where(ChangeSet.project_id == project_id)
    if before_revision is not None:
        query = query.where(ChangeSet.revision < before_revision)
    result = await session.execute(query.order_by(ChangeSet.revision.desc()).limit(limit))
    return list(result.scalars())


async def list_changes(
    session: AsyncSession, change_set_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Change]]:
    """Each set's changes in the order they were made."""
    if not change_set_ids:
        return {}
    result = await session.execute(
        select(Change)
        .where(Change.change_set_id.in_(change_set_ids))
        .order_by(Change.change_set_id, Change.sequence)
    )
    found: dict[uuid.UUID, list[Change]] = {change_set_id: [] for change_set_id in change_set_ids}
    for change in result.scalars():
        found[change.change_set_id].append(change)
    return found


async def get_owned_change_set(
    session: AsyncSession, change_set_id: uuid.UUID, user_id: uuid.UUID
) -> ChangeSet | None:
    result = await session.execute(
        select(ChangeSet)
        .join(Project, Project.id == ChangeSet.project_id)
        .where(ChangeSet.id == change_set_id, Project.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def list_undoing(
    session: AsyncSession, change_set_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """change set id → the change set that undid it, for those of `change_set_ids` undone (the
    latest, should one have been undone twice: the rows come oldest first)."""
    if not change_set_ids:
        return {}
    result = await session.execute(
        select(ChangeSet.undoes, ChangeSet.id)
        .where(ChangeSet.undoes.in_(change_set_ids))
        .order_by(ChangeSet.revision)
    )
    return {undone: undoing for undone, undoing in result.all() if undone is not None}


async def list_later_changes(
    session: AsyncSession, change_set: ChangeSet, entity_ids: Sequence[uuid.UUID], after: int
) -> list[tuple[Change, ChangeSet]]:
    """Changes of other sets of the project to these entities made after revision `after`, in
    the order they were made, each with its set."""
    result = await session.execute(
        select(Change, ChangeSet)
        .join(ChangeSet, ChangeSet.id == Change.change_set_id)
        .where(
            ChangeSet.project_id == change_set.project_id,
            Change.entity_id.in_(entity_ids),
            Change.revision > after,
            Change.change_set_id != change_set.id,
        )
        .order_by(Change.revision, Change.sequence)
    )
    return [(row[0], row[1]) for row in result.all()]
