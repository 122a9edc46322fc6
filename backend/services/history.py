"""The project's history: the one write path for projects, scenes and dossiers, and undo.

Every write to a project, its scenes or its story dossier runs inside `recording(session,
project)`: it checks the caller's `If-Match`, notes the project's state, lets the write happen,
then compares and stores what changed as a change set in the same transaction, advancing the
project's revision once.
The session refuses writes outside a recording (`repositories/history`), so no write path can
forget it. Who writes (`Actor`) and which revision they saw ride on the unit of work
(`session.info`), set by the API's dependencies and the tool runner.
"""

import functools
import uuid
from bisect import bisect_left
from collections.abc import AsyncIterator, Callable, Hashable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, NotFoundError, PreconditionFailedError
from backend.models import Change, ChangeSet, Project, Scene
from backend.models.base import utc_now
from backend.repositories import dossier as dossier_repository
from backend.repositories import files as file_repository
from backend.repositories import history as history_repository
from backend.repositories import projects as project_repository
from backend.repositories import scenes as scene_repository
from backend.repositories.dossier import Content
from backend.repositories.history import RECORDING, RECORDING_DOSSIER, LogMark
from backend.schemas.common import SCENES_PER_PROJECT_MAX
from backend.schemas.dossier import ITEMS_PER_KIND_MAX, KINDS
from backend.schemas.history import ChangePublic, ChangeSetPublic, HistoryPublic
from backend.services import change_feed

ActorKind = Literal["user", "assistant", "share_guest"]
_ACTOR = "scenecraft_actor"
_EXPECTED = "scenecraft_expected_revisions"
_ON_RECORDED = "scenecraft_on_recorded"
_COLLECTED = "scenecraft_collected_changes"

PROJECT_FIELDS = ("title", "description", "aspect_ratio", "target_duration_seconds")
# Under their API names: the scene's `position` column is its `order`.
SCENE_FIELDS = (
    "title",
    "script",
    "image_url",
    "order",
    "duration_seconds",
    "shot_size",
    "camera_movement",
    "audio",
    "notes",
    "image_file_id",
)
SUMMARY_MAX = 2_000
LABEL_MAX = 80
"""A dossier item's name or text in a summary: a plot point's text can be long."""
# Every dossier change carries its item's kind; `order` is the item's place in its kind.
KIND, ORDER = "kind", "order"
Entry = TypeVar("Entry")
Key = TypeVar("Key", bound=Hashable)

Fields = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    turn_id: uuid.UUID | None = None
    token_name: str | None = None
    """Over MCP: the name of the personal access token the assistant called with."""


def act_as(session: AsyncSession, actor: Actor) -> None:
    """Name who the unit of work writes for: the recordings it makes carry this actor."""
    session.info[_ACTOR] = actor


def expect_revision(session: AsyncSession, revisions: frozenset[int] | None) -> None:
    """The revisions the caller's `If-Match` names (None: any); a recording of a project at
    another revision refuses the write (412) before anything changes."""
    session.info[_EXPECTED] = revisions


def collect_changes(session: AsyncSession) -> list[tuple[Change, str]]:
    """Every change the unit of work records from now on, with its words, as it records them
    (what a dry run previews)."""
    collected: list[tuple[Change, str]] = session.info.setdefault(_COLLECTED, [])
    return collected


def on_recorded(session: AsyncSession, listener: Callable[[int], None]) -> None:
    """Call `listener` with the new revision each time the unit of work records a change set."""
    session.info.setdefault(_ON_RECORDED, []).append(listener)


@dataclass(slots=True)
class Recording:
    """What a recording produced: its change set (None when nothing changed)."""

    change_set: ChangeSet | None = None
    changes: list[Change] = field(default_factory=list)


# --- snapshots and their differences -------------------------------------------------------------


def _value(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def _project_fields(row: Fields) -> Fields:
    return {name: _value(row[name]) for name in PROJECT_FIELDS}


def _scene_fields(row: Fields) -> Fields:
    return {name: _value(row["position" if name == "order" else name]) for name in SCENE_FIELDS}


@dataclass(slots=True)
class _Snapshot:
    revision: int
    project: Fields | None
    scenes: dict[uuid.UUID, Fields]
    dossier: dict[str, dict[uuid.UUID, Fields]] | None = None
    """kind → item id → the item's fields and `order`; None: not read (the recording does not
    write the dossier)."""


async def _snapshot(session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID) -> _Snapshot:
    found = await project_repository.get_project_with_scenes(session, project_id, user_id)
    if found is None:
        return _Snapshot(0, None, {})
    row, scenes = found
    return _Snapshot(
        row["revision"], _project_fields(row), {s["id"]: _scene_fields(s) for s in scenes}
    )


async def _dossier_snapshot(
    session: AsyncSession, project_id: uuid.UUID
) -> dict[str, dict[uuid.UUID, Fields]]:
    content = dossier_repository.content_of(
        await dossier_repository.get_dossier(session, project_id)
    )
    return {
        kind: {
            uuid.UUID(item["id"]): {ORDER: index, **{k: v for k, v in item.items() if k != "id"}}
            for index, item in enumerate(items)
        }
        for kind, items in content.items()
    }


def _snapshot_of(project: Project, scenes: Sequence[Scene]) -> _Snapshot:
    def row(entity: Project | Scene) -> Fields:
        return {column.key: getattr(entity, column.key) for column in entity.__table__.columns}

    return _Snapshot(
        project.revision,
        _project_fields(row(project)),
        {s.id: _scene_fields(row(s)) for s in scenes},
    )


def _live_snapshot(
    session: AsyncSession, project: Project, scenes: Sequence[Scene], mark: LogMark
) -> _Snapshot | None:
    """The project after the block, from its loaded objects: `scenes` (all of them when the
    block began, at `mark` in the session's write log) less those the block's flushes deleted,
    with those they inserted. None when the objects may not be the project: a statement wrote
    past them, or a field of one is not loaded (expired, say), which is then read."""
    since = history_repository.write_log(session).since(mark)
    if since.unsynced:
        return None
    gone = {id(scene) for scene in since.deleted}
    current = []
    for entity in (project, *scenes, *since.added):
        if id(entity) in gone:
            continue
        state = inspect(entity)
        if state.unloaded or not state.persistent:
            return None
        if isinstance(entity, Scene) and entity.project_id == project.id:
            current.append(entity)
    return _snapshot_of(project, current)


def _stayed(before: dict[uuid.UUID, Fields], after: dict[uuid.UUID, Fields]) -> set[uuid.UUID]:
    """The scenes (or a kind's dossier items) that kept their place relative to each other (a
    longest run in the same order): the others moved. Renumbering around an insertion or
    deletion moves nobody."""
    in_order = sorted(after, key=lambda i: after[i][ORDER])
    common = [entity_id for entity_id in in_order if entity_id in before]
    ranks = [before[i][ORDER] for i in common]
    # Patience sorting with back links: O(n log n) for a project's scenes.
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(ranks)
    for index, rank in enumerate(ranks):
        slot = bisect_left(tails, rank)
        if slot == len(tails):
            tails.append(rank)
            tail_index.append(index)
        else:
            tails[slot] = rank
            tail_index[slot] = index
        previous[index] = tail_index[slot - 1] if slot else -1
    stayed: set[uuid.UUID] = set()
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        stayed.add(common[index])
        index = previous[index]
    return stayed


def _change(entity: str, entity_id: uuid.UUID, action: str, before: Any, after: Any) -> Change:
    return Change(entity=entity, entity_id=entity_id, action=action, before=before, after=after)


def _differences(project_id: uuid.UUID, before: _Snapshot, after: _Snapshot) -> list[Change]:
    """What changed, project first, then scenes in board order: only the fields that changed
    (the whole entity when created or deleted)."""
    changes: list[Change] = []
    if before.project is None and after.project is not None:
        changes.append(_change("project", project_id, "created", None, after.project))
    elif before.project is not None and after.project is not None:
        changed = [n for n in PROJECT_FIELDS if before.project[n] != after.project[n]]
        if changed:
            changes.append(
                _change(
                    "project",
                    project_id,
                    "updated",
                    {n: before.project[n] for n in changed},
                    {n: after.project[n] for n in changed},
                )
            )
    stayed = _stayed(before.scenes, after.scenes)
    for scene_id in sorted(after.scenes, key=lambda i: after.scenes[i]["order"]):
        now = after.scenes[scene_id]
        was = before.scenes.get(scene_id)
        if was is None:
            changes.append(_change("scene", scene_id, "created", None, now))
            continue
        changed = [n for n in SCENE_FIELDS if n != "order" and was[n] != now[n]]
        if scene_id not in stayed:
            changed.append("order")
        if changed:
            action = "moved" if changed == ["order"] else "updated"
            changes.append(
                _change(
                    "scene",
                    scene_id,
                    action,
                    {n: was[n] for n in changed},
                    {n: now[n] for n in changed},
                )
            )
    for scene_id in sorted(before.scenes, key=lambda i: before.scenes[i]["order"]):
        if scene_id not in after.scenes:
            changes.append(_change("scene", scene_id, "deleted", before.scenes[scene_id], None))
    if before.dossier is not None and after.dossier is not None:
        for kind in KINDS:
            changes += _dossier_differences(kind, before.dossier[kind], after.dossier[kind])
    return changes


def _dossier_differences(
    kind: str, before: dict[uuid.UUID, Fields], after: dict[uuid.UUID, Fields]
) -> list[Change]:
    """One kind's items, as scenes: each change names the item's kind; an update holds the
    fields that changed (`order` when it moved), a creation or deletion the whole item."""
    changes: list[Change] = []
    stayed = _stayed(before, after)
    for item_id in sorted(after, key=lambda i: after[i][ORDER]):
        now, was = after[item_id], before.get(item_id)
        if was is None:
            changes.append(_change("dossier", item_id, "created", None, {KIND: kind, **now}))
            continue
        changed = [n for n in now if n != ORDER and was.get(n) != now[n]]
        if item_id not in stayed:
            changed.append(ORDER)
        if changed:
            changes.append(
                _change(
                    "dossier",
                    item_id,
                    "moved" if changed == [ORDER] else "updated",
                    {KIND: kind, **{n: was.get(n) for n in changed}},
                    {KIND: kind, **{n: now[n] for n in changed}},
                )
            )
    for item_id in sorted(before, key=lambda i: before[i][ORDER]):
        if item_id not in after:
            changes.append(
                _change("dossier", item_id, "deleted", {KIND: kind, **before[item_id]}, None)
            )
    return changes


# --- summaries -----------------------------------------------------------------------------------

_FIELD_WORDS = {"image_file_id": "picture", "image_url": "image URL", "order": "position"}


def _field_words(names: Sequence[str]) -> str:
    return ", ".join(_FIELD_WORDS.get(name, name.replace("_", " ")) for name in names)


def _label(value: Any) -> str:
    text = str(value)
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _describe_dossier(change: Change, snapshot: _Snapshot) -> str:
    """A dossier change in words: "Added character “Mara”", "Changed character “Mara”:
    relationships"."""
    before, after = change.before or {}, change.after or {}
    kind = KINDS[(after or before)[KIND]]
    label = kind.label
    if change.action == "created":
        return f"Added {kind.singular} “{_label(after[label])}”"
    if change.action == "deleted":
        return f"Removed {kind.singular} “{_label(before[label])}”"
    assert snapshot.dossier is not None
    current = snapshot.dossier[kind.name][change.entity_id]
    title = _label(before.get(label, current[label]))
    fields = [name for name in after if name not in (KIND, ORDER)]
    if not fields:
        return f"Moved {kind.singular} “{title}” from {before[ORDER] + 1} to {after[ORDER] + 1}"
    if fields == [label]:
        verb = "Renamed" if label == "name" else "Changed"
        return f"{verb} {kind.singular} “{title}” to “{_label(after[label])}”"
    return f"Changed {kind.singular} “{title}”: {_field_words(fields)}"


def describe(change: Change, snapshot: _Snapshot) -> str:
    """The change in words: "Renamed scene 3 “Beach” to “Shore”", "Deleted scene 5 “Sunset”",
    "Added character “Mara”"."""
    if change.entity == "dossier":
        return _describe_dossier(change, snapshot)
    before, after = change.before or {}, change.after or {}
    if change.entity == "project":
        if change.action == "created":
            return f"Created the project “{after['title']}”"
        if list(after) == ["title"]:
            return f"Renamed the project “{before['title']}” to “{after['title']}”"
        return f"Project: {_field_words(list(after))} changed"
    if change.action == "created":
        return f"Added scene {after['order'] + 1} “{after['title']}”"
    if change.action == "deleted":
        return f"Deleted scene {before['order'] + 1} “{before['title']}”"
    current = snapshot.scenes[change.entity_id]
    label = f"scene {current['order'] + 1}"
    title = before.get("title", current["title"])
    if change.action == "moved":
        return f"Moved scene “{title}” from {before['order'] + 1} to {after['order'] + 1}"
    if list(after) == ["title"]:
        return f"Renamed {label} “{title}” to “{after['title']}”"
    fields = [name for name in after if name != "order"]
    verb = "replaced" if fields == ["script"] else "changed"
    return f"Scene {current['order'] + 1} “{title}”: {_field_words(fields)} {verb}"


def _summary(parts: Sequence[str]) -> str:
    text = "; ".join(parts)
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


# --- the write path ------------------------------------------------------------------------------


def _actor(session: AsyncSession) -> Actor:
    actor = session.info.get(_ACTOR)
    if not isinstance(actor, Actor):
        raise history_repository.UnrecordedWriteError("a write without an actor (act_as)")
    return actor


def check_revision(session: AsyncSession, revision: int) -> None:
    """PreconditionFailedError unless the caller's If-Match (if any) names this revision."""
    expected: frozenset[int] | None = session.info.get(_EXPECTED)
    if expected is not None and revision not in expected:
        raise PreconditionFailedError(revision)


@asynccontextmanager
async def recording(
    session: AsyncSession,
    project: Project,
    *,
    scenes: Sequence[Scene] | None = None,
    undoes: uuid.UUID | None = None,
    dossier: bool = False,
) -> AsyncIterator[Recording]:
    """Record what the block changes in `project` (locked by the caller) as one change set,
    after checking the caller's If-Match. `scenes`: all the project's scenes, as the caller
    loaded them after locking it, which saves reading them before, and after too when the
    block wrote only through them (the loaded objects are then the project as it is: no read
    of the whole project per scene edit). `dossier`: the block may
    write the project's dossier, so its items are compared too (a read before and after; the
    write guard refuses a dossier write in a recording without it, so a scene write never pays
    for them). A project deleted by the block takes its history with it, so nothing is recorded
    then."""
    check_revision(session, project.revision)
    before = None if scenes is None else _snapshot_of(project, scenes)
    live = None
    if scenes is not None:
        mark = history_repository.write_log(session).mark()
        live = functools.partial(_live_snapshot, session, project, list(scenes), mark)
    async with _recording(
        session, project.id, project.user_id, project, undoes, before, dossier, live
    ) as recorded:
        yield recorded


@asynccontextmanager
async def recording_new_project(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> AsyncIterator[Recording]:
    """Record the block's creation of the project `project_id` (its first change set)."""
    async with _recording(
        session, project_id, user_id, None, None, _Snapshot(0, None, {}), False, None
    ) as recorded:
        yield recorded


@asynccontextmanager
async def _recording(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    project: Project | None,
    undoes: uuid.UUID | None,
    before: "_Snapshot | None",
    dossier: bool,
    live: Callable[[], "_Snapshot | None"] | None,
) -> AsyncIterator[Recording]:
    """`live`: the project after the block as the loaded objects say it, when they can (else
    None: it is read)."""
    actor = _actor(session)
    if before is None:
        before = await _snapshot(session, project_id, user_id)
    if dossier:
        before.dossier = await _dossier_snapshot(session, project_id)
    active: set[uuid.UUID] = session.info.setdefault(RECORDING, set())
    active.add(project_id)
    with_dossier: set[uuid.UUID] = session.info.setdefault(RECORDING_DOSSIER, set())
    if dossier:
        with_dossier.add(project_id)
    result = Recording()
    try:
        yield result
        await session.flush()
        after = (live() if live else None) or await _snapshot(session, project_id, user_id)
        if dossier and after.project is not None:
            after.dossier = await _dossier_snapshot(session, project_id)
        changes = _differences(project_id, before, after)
        if not changes or after.project is None:
            return
        revision = after.revision
        if project is not None and revision == before.revision:
            # An UPDATE of the row, in the change set's own flush: the version counter adds one.
            project.updated_at = utc_now()
            revision += 1
        await _store(session, project_id, revision, actor, changes, after, undoes, result)
        await change_feed.announce(session, project_id, revision)
        if project is not None and project.revision != revision:
            raise RuntimeError("the project's revision moved by more than one")
        for listener in session.info.get(_ON_RECORDED, ()):
            listener(revision)
    finally:
        active.discard(project_id)
        if dossier:
            with_dossier.discard(project_id)


async def _store(
    session: AsyncSession,
    project_id: uuid.UUID,
    revision: int,
    actor: Actor,
    changes: list[Change],
    after: _Snapshot,
    undoes: uuid.UUID | None,
    result: Recording,
) -> None:
    words = [describe(change, after) for change in changes]
    if _COLLECTED in session.info:
        session.info[_COLLECTED].extend(zip(changes, words, strict=True))
    grown = (
        await history_repository.get_turn_change_set(session, project_id, actor.turn_id)
        if actor.turn_id is not None
        else None
    )
    first = 0
    if grown is None:
        summary = _summary(words)
        change_set = ChangeSet(
            id=uuid.uuid4(),
            project_id=project_id,
            revision=revision,
            actor_kind=actor.kind,
            actor_token_name=actor.token_name,
            turn_id=actor.turn_id,
            summary=("Undo: " + summary) if undoes else summary,
            undoes=undoes,
        )
    else:
        change_set = grown
        first = await history_repository.count_changes(session, grown.id)
        await history_repository.grow_change_set(
            session, grown, revision, _summary([grown.summary, *words])
        )
    for sequence, change in enumerate(changes, start=first):
        change.change_set_id, change.sequence, change.revision = change_set.id, sequence, revision
    await history_repository.add_changes(session, change_set if grown is None else None, changes)
    result.change_set, result.changes = change_set, changes


# --- reading the history -------------------------------------------------------------------------


def change_set_public(
    change_set: ChangeSet, changes: Sequence[Change], undone_by: uuid.UUID | None = None
) -> ChangeSetPublic:
    return ChangeSetPublic.model_validate(
        {
            "undone_by": undone_by,
            "id": change_set.id,
            "project_id": change_set.project_id,
            "revision": change_set.revision,
            "actor": {
                "kind": change_set.actor_kind,
                "turn_id": change_set.turn_id,
                "token_name": change_set.actor_token_name,
            },
            "summary": change_set.summary,
            "created_at": change_set.created_at,
            "undoes": change_set.undoes,
            "changes": [ChangePublic.model_validate(change) for change in changes],
        }
    )


async def list_history(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    limit: int,
    before_revision: int | None,
) -> HistoryPublic:
    if await project_repository.get_owned_project(session, project_id, user_id) is None:
        raise NotFoundError("Project")
    change_sets = await history_repository.list_change_sets(
        session, project_id, limit, before_revision
    )
    ids = [c.id for c in change_sets]
    changes = await history_repository.list_changes(session, ids)
    undone = await history_repository.list_undoing(session, ids)
    return HistoryPublic(
        change_sets=[change_set_public(c, changes[c.id], undone.get(c.id)) for c in change_sets]
    )


async def read_change_set(
    session: AsyncSession, change_set_id: uuid.UUID, user_id: uuid.UUID
) -> ChangeSetPublic:
    """One change set of the user's (a chat turn's receipt), with whether it was undone."""
    change_set = await history_repository.get_owned_change_set(session, change_set_id, user_id)
    if change_set is None:
        raise NotFoundError("Change set")
    changes = await history_repository.list_changes(session, [change_set.id])
    undone = await history_repository.list_undoing(session, [change_set.id])
    return change_set_public(change_set, changes[change_set.id], undone.get(change_set.id))


# --- undo ----------------------------------------------------------------------------------------


def _touched(change: Change) -> set[str] | None:
    """The fields a change touched; None: the whole entity. A dossier item's kind names it,
    and is no field it touched."""
    if change.action in ("created", "deleted"):
        return None
    return (set(change.after or {}) | set(change.before or {})) - {KIND}


def _overlaps(first: Change, second: Change) -> bool:
    one, other = _touched(first), _touched(second)
    return one is None or other is None or bool(one & other)


async def _check_no_later_change(
    session: AsyncSession, change_set: ChangeSet, changes: Sequence[Change]
) -> None:
    """ConflictError naming the first later change set that touched an entity and field this
    one changed: undoing would overwrite it."""
    later = await history_repository.list_later_changes(
        session, change_set, [c.entity_id for c in changes], min(c.revision for c in changes)
    )
    for other, other_set in later:
        for change in changes:
            if (
                other.entity_id == change.entity_id
                and other.revision > change.revision
                and _overlaps(change, other)
            ):
                fields = _touched(other)
                what = "it" if fields is None else _field_words(sorted(fields))
                raise ConflictError(
                    f"A later change set ({other_set.id}: “{other_set.summary}”) changed {what} "
                    "again; undo that first.",
                    change_set_id=str(other_set.id),
                )


def _column_values(fields: Fields) -> Fields:
    values = {("position" if k == "order" else k): v for k, v in fields.items()}
    if values.get("image_file_id") is not None:
        values["image_file_id"] = uuid.UUID(values["image_file_id"])
    return values


async def _picture_exists(session: AsyncSession, project: Project, values: Fields) -> bool:
    """Whether the uploaded picture the values name (if any) is still stored."""
    picture = values.get("image_file_id")
    return picture is None or (
        await file_repository.get_owned_file(session, picture, project.user_id) is not None
    )


async def _reverse(session: AsyncSession, project: Project, change: Change) -> None:
    """Put back what one change replaced, its position aside (`_put_back_positions`)."""
    if change.entity == "project":
        for name, value in (change.before or {}).items():
            setattr(project, name, value)
        return
    scenes = await scene_repository.list_scenes(session, project.id)
    current = next((s for s in scenes if s.id == change.entity_id), None)
    if change.action == "created":
        if current is not None:
            scenes.remove(current)
            await scene_repository.delete_scene(session, current)
            await scene_repository.apply_order(session, scenes)
        return
    values = _column_values(change.before or {})
    position = values.pop("position", None)
    if change.action == "deleted":
        if len(scenes) >= SCENES_PER_PROJECT_MAX:
            raise ConflictError("The project is full: delete a scene before bringing this back.")
        if not await _picture_exists(session, project, values):
            values["image_file_id"] = None  # the picture was deleted meanwhile
        current = Scene(id=change.entity_id, project_id=project.id, position=len(scenes), **values)
        await scene_repository.add_scene(session, current)
        scenes.insert(min(position, len(scenes)), current)
        await scene_repository.apply_order(session, scenes)
        return
    if current is not None and values:
        if not await _picture_exists(session, project, values):
            raise ConflictError(
                "The picture this change replaced has been deleted since: it cannot come back."
            )
        for name, value in values.items():
            setattr(current, name, value)
        current.updated_at = utc_now()
        # Now: the next change's `list_scenes` reloads the rows (populate_existing), which
        # would drop an unflushed value (an assistant turn may change one scene twice).
        await session.flush()


async def _put_back_positions(
    session: AsyncSession, project: Project, changes: Sequence[Change]
) -> None:
    """Move the scenes one write moved back to where they were: all taken out, then each put
    at its old place from the first place on, so that together they land where they were."""
    moved = {
        c.entity_id: (c.before or {})["order"]
        for c in changes
        if c.entity == "scene" and c.action in ("updated", "moved") and "order" in (c.before or {})
    }
    if not moved:
        return
    scenes = await scene_repository.list_scenes(session, project.id)
    await scene_repository.apply_order(session, _back_in_place(scenes, lambda s: s.id, moved))


def _back_in_place(
    items: Sequence[Entry], key: Callable[[Entry], Key], moved: Mapping[Key, int]
) -> list[Entry]:
    """`items` with the `moved` ones (key → old place) taken out, then each put at its old place
    from the first place on, so that together they land where they were."""
    staying = [item for item in items if key(item) not in moved]
    for item in sorted((i for i in items if key(i) in moved), key=lambda i: moved[key(i)]):
        staying.insert(min(moved[key(item)], len(staying)), item)
    return staying


def _reverse_dossier(content: Content, change: Change) -> None:
    """Put back what one dossier change replaced in `content`, its position aside
    (`_put_back_dossier_positions`)."""
    fields = dict(change.before or {})
    kind = str((change.after or fields)[KIND])
    items = content[kind]
    current = next((item for item in items if item["id"] == str(change.entity_id)), None)
    values = {name: value for name, value in fields.items() if name not in (KIND, ORDER)}
    if change.action == "created":
        if current is not None:
            items.remove(current)
    elif change.action == "deleted":
        if len(items) >= ITEMS_PER_KIND_MAX:
            raise ConflictError(
                f"The dossier holds {ITEMS_PER_KIND_MAX} {kind.replace('_', ' ')}: remove one "
                "before bringing this back."
            )
        items.insert(min(fields[ORDER], len(items)), {"id": str(change.entity_id), **values})
    elif current is not None:
        current.update(values)


def _put_back_dossier_positions(content: Content, changes: Sequence[Change]) -> None:
    """As `_put_back_positions`, for the dossier items one write moved, kind by kind."""
    for kind, items in content.items():
        moved = {
            str(c.entity_id): (c.before or {})[ORDER]
            for c in changes
            if c.entity == "dossier"
            and c.action in ("updated", "moved")
            and (c.before or {}).get(KIND) == kind
            and ORDER in (c.before or {})
        }
        if moved:
            items[:] = _back_in_place(items, lambda item: item["id"], moved)


def _in_reverse(write: Sequence[Change]) -> list[Change]:
    """One write's changes in the order to reverse them: last first, but what it deleted comes
    back after the rest, from the lowest old place up, so that several deleted together (a
    dossier replaced with fewer items) land where they were."""
    deleted = sorted(
        (c for c in write if c.action == "deleted"), key=lambda c: (c.before or {}).get(ORDER, 0)
    )
    return [c for c in reversed(write) if c.action != "deleted"] + deleted


def _by_write(changes: Sequence[Change]) -> list[list[Change]]:
    """The set's changes grouped by the write that made them (its revision), last write first."""
    groups: dict[int, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.revision, []).append(change)
    return [groups[revision] for revision in sorted(groups, reverse=True)]


async def undo(
    session: AsyncSession, change_set_id: uuid.UUID, user_id: uuid.UUID
) -> ChangeSetPublic:
    """A new change set that restores what the given one replaced, its changes reversed last
    first; ConflictError (nothing changes) when a later change set touched the same thing."""
    undone = await _undo(session, change_set_id, user_id)
    if undone is None:
        raise ConflictError("Nothing to undo: the project is already as it was before.")
    return undone


async def take_back(session: AsyncSession, change_set_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Undo a chat turn's change set before its answer is replaced (regenerated, or its message
    edited), unless it is undone already or the project is as it was anyway; ConflictError
    when a later change touched the same thing (nothing changes then)."""
    undoing = (await history_repository.list_undoing(session, [change_set_id])).get(change_set_id)
    redone = undoing is not None and bool(await history_repository.list_undoing(session, [undoing]))
    if undoing is None or redone:
        await _undo(session, change_set_id, user_id)


async def _undo(
    session: AsyncSession, change_set_id: uuid.UUID, user_id: uuid.UUID
) -> ChangeSetPublic | None:
    """The undo itself: None when it found nothing to change."""
    target = await history_repository.get_owned_change_set(session, change_set_id, user_id)
    if target is None:
        raise NotFoundError("Change set")
    project = await project_repository.get_owned_project(
        session, target.project_id, user_id, lock=True
    )
    if project is None:
        raise NotFoundError("Change set")
    changes = (await history_repository.list_changes(session, [target.id]))[target.id]
    if any(c.entity == "project" and c.action == "created" for c in changes):
        raise ConflictError("A project's creation cannot be undone: delete the project instead.")
    await _check_no_later_change(session, target, changes)
    dossier = any(c.entity == "dossier" for c in changes)
    async with recording(session, project, undoes=target.id, dossier=dossier) as recorded:
        row = await dossier_repository.get_dossier(session, project.id) if dossier else None
        content = dossier_repository.content_of(row)
        for write in _by_write(changes):
            for change in _in_reverse(write):
                if change.entity == "dossier":
                    _reverse_dossier(content, change)
                else:
                    await _reverse(session, project, change)
            await _put_back_positions(session, project, write)
            _put_back_dossier_positions(content, write)
        if dossier:
            await dossier_repository.save_dossier(session, project.id, row, content, utc_now())
    if recorded.change_set is None:
        return None
    return change_set_public(recorded.change_set, recorded.changes)
