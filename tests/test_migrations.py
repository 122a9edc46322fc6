"""The migrations and the models agree, and the migrations run both ways on both databases."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from alembic import command
from backend.core.config import Settings
from backend.core.db import create_engine
from backend.models import Base
from backend.models.document import is_search_index
from tests.conftest import (
    ThrowawayDatabase,
    alembic_config,
    create_postgres_database,
    drop_postgres_database,
    migrate,
)


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "include_name": lambda name, _type, _parents: not is_search_index(name),
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_the_migrations(database: ThrowawayDatabase) -> None:
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=database.url))
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
    await engine.dispose()


async def test_downgrade_to_base_and_upgrade_again(
    database: ThrowawayDatabase, tmp_path: object
) -> None:
    if database.backend == "sqlite":
        url, name = f"sqlite+aiosqlite:///{tmp_path}/roundtrip.db", None
    else:
        url, name = await create_postgres_database()
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=url))

    async def tables() -> set[str]:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
            return {name for name in names if not is_search_index(name)} - {"alembic_version"}

    try:
        await migrate(url)
        assert await tables() == {table.name for table in Base.metadata.sorted_tables}
        await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
        assert await tables() == set()
        await migrate(url)
        assert await tables() == {table.name for table in Base.metadata.sorted_tables}
    finally:
        await engine.dispose()
        if name:
            await drop_postgres_database(name)
