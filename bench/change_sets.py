"""What recording a change set adds to a scene update (README, "History and undo").

A scene update through the scene service (lock the project, load its scenes, write, record the
change set) against the same write without recording: the write as it was before change sets,
with the write guard opened by hand. Both in one transaction each, alternating, on SQLite (a
file) and PostgreSQL (a throwaway database), on a project of SCENES scenes.

    .venv/bin/python bench/change_sets.py [--rounds 400] [--scenes 20]
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import ROOT, throwaway_database
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import create_engine, create_session_factory, unit_of_work
from backend.models import User
from backend.models.base import utc_now
from backend.repositories import projects as project_repository
from backend.repositories import scenes as scene_repository
from backend.repositories.history import RECORDING
from backend.schemas.project import SceneCreate, SceneUpdate
from backend.services import history
from backend.services import scenes as scene_service

Factory = async_sessionmaker[AsyncSession]


async def _prepare(factory: Factory, scenes: int) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    async with unit_of_work(factory, write=True) as session:
        history.act_as(session, history.Actor("user"))
        user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", hashed_password="x")
        session.add(user)
        await session.flush()
        project_id = uuid.uuid4()
        async with history.recording_new_project(session, project_id, user.id):
            await project_repository.add_project(
                session, user.id, {"id": project_id, "title": "Bench"}
            )
        for number in range(scenes):
            created = await scene_service.create_scene(
                session,
                project_id,
                user.id,
                SceneCreate(
                    title=f"Scene {number + 1}",
                    script="A wide shot of the harbour at dawn; gulls circle. " * 6,
                ),
            )
        return user.id, project_id, created.id


async def _recorded(factory: Factory, user_id: uuid.UUID, scene_id: uuid.UUID, title: str) -> None:
    async with unit_of_work(factory, write=True) as session:
        history.act_as(session, history.Actor("user"))
        await scene_service.update_scene(session, scene_id, user_id, SceneUpdate(title=title))


async def _unrecorded(
    factory: Factory, user_id: uuid.UUID, scene_id: uuid.UUID, title: str
) -> None:
    """The update as it was before change sets: the same queries, nothing recorded."""
    async with unit_of_work(factory, write=True) as session:
        project_id = await scene_repository.get_owned_scene_project_id(session, scene_id, user_id)
        assert project_id is not None
        session.info[RECORDING] = {project_id}
        project = await project_repository.get_owned_project(
            session, project_id, user_id, lock=True
        )
        assert project is not None
        project.updated_at = utc_now()
        scenes = await scene_repository.list_scenes(session, project_id)
        scene = next(s for s in scenes if s.id == scene_id)
        scene.title = title
        scene.updated_at = utc_now()
        await session.flush()


async def measure(url: str, rounds: int, scenes: int) -> dict[str, list[float]]:
    """Milliseconds per update, and (under "statements …") the SQL statements one sends, a
    figure the machine's load cannot blur."""
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=url))
    factory = create_session_factory(engine)
    sent = [0]

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def count(*_: object) -> None:
        sent[0] += 1

    try:
        user_id, _, scene_id = await _prepare(factory, scenes)
        timings: dict[str, list[float]] = {"with recording": [], "without": []}
        statements: dict[str, float] = {}
        for number in range(rounds + 50):
            for name, write in (("with recording", _recorded), ("without", _unrecorded)):
                sent[0] = 0
                started = time.perf_counter()
                await write(factory, user_id, scene_id, f"Title {number} {name}")
                if number >= 50:  # warm-up
                    timings[name].append((time.perf_counter() - started) * 1000)
                statements[name] = sent[0]
        print(
            f"statements per update ({engine.dialect.name}, BEGIN/COMMIT aside): "
            f"with recording {statements['with recording']:.0f}, without {statements['without']:.0f}"
        )
        return timings
    finally:
        await engine.dispose()


def report(label: str, timings: dict[str, list[float]]) -> None:
    p50 = {name: statistics.median(values) for name, values in timings.items()}
    for name, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[18]
        print(f"{label:10} {name:15} p50 {p50[name]:6.3f} ms   p95 {p95:6.3f} ms")
    print(f"{label:10} recording adds p50 {p50['with recording'] - p50['without']:+.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--scenes", type=int, default=20)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        report("sqlite", asyncio.run(measure(url, arguments.rounds, arguments.scenes)))
    with throwaway_database() as url:
        report("postgresql", asyncio.run(measure(url, arguments.rounds, arguments.scenes)))


if __name__ == "__main__":
    main()
