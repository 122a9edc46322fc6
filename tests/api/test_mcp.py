"""The MCP server, driven by the SDK's own client over real HTTP against a running app process,
on both the current protocol revision (2026-07-28, the client's default) and the previous one
(2025-11-25, `mode="legacy"`): the tools and their schemas come from the registry, a read token
sees and calls only the read-only ones, ids of someone else's are errors that change nothing,
revoked and expired tokens are 401, destructive calls follow `assistant_approval` through
elicitation, and no token ever reaches the log."""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import httpx2
import pytest
from mcp import Client, types
from mcp.client.session import ClientRequestContext, ElicitationFnT
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from sqlalchemy import update

from backend.api.mcp import MCP_TOOLS
from backend.core.config import Settings
from backend.core.db import create_engine
from backend.core.security import personal_token_hash
from backend.models import PersonalAccessToken
from tests.api.test_chat_instances import app_env
from tests.api.test_live_events import EventReader
from tests.conftest import PASSWORD, ThrowawayDatabase
from tests.documents import FOUNTAIN_SCRIPT
from tests.pictures import upload
from tests.servers import app_process

MODES = ["auto", "legacy"]
# The current revision (the client's default) and the previous one, each negotiated.
PROTOCOLS = {"auto": "2026-07-28", "legacy": "2025-11-25"}


@dataclass
class Server:
    url: str
    log: Path
    database_url: str


@pytest.fixture(scope="module")
async def server(
    database: ThrowawayDatabase, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """One app process for the module, logging at INFO into a file the tests read."""
    directory = tmp_path_factory.mktemp("mcp")
    log = directory / "app.log"
    env = app_env(database.url, directory, LOG_LEVEL="INFO", CLEANUP_INTERVAL_MINUTES="0")
    async with app_process(env, log_path=log) as (url, _):
        yield Server(url, log, database.url)


@dataclass
class Person:
    """An account on the running app: its sign-in (for REST) and the tokens it made."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    tokens: list[str] = field(default_factory=list)

    async def token(self, scope: str = "write", name: str = "Claude") -> dict[str, Any]:
        response = await self.http.post(
            "/api/users/me/tokens", json={"name": name, "scope": scope}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        self.tokens.append(response.json()["token"])
        return dict(response.json())

    async def set_approval(self, value: str) -> None:
        response = await self.http.patch(
            "/api/users/me", json={"assistant_approval": value}, headers=self.headers
        )
        assert response.status_code == 200, response.text

    async def project(self, title: str = "Teaser", scenes: tuple[str, ...] = ()) -> dict[str, Any]:
        made = await self.http.post("/api/projects", json={"title": title}, headers=self.headers)
        for scene in scenes:
            await self.http.post(
                f"/api/projects/{made.json()['id']}/scenes",
                json={"title": scene},
                headers=self.headers,
            )
        return await self.read(made.json()["id"])

    async def read(self, project_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/api/projects/{project_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
async def rest(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


async def sign_up(rest: httpx.AsyncClient) -> Person:
    email = f"mcp-{uuid.uuid4().hex[:12]}@example.com"
    registered = await rest.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    login = await rest.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    rest.cookies.clear()
    return Person(rest, {"Authorization": f"Bearer {login.json()['access_token']}"})


@pytest.fixture
async def person(rest: httpx.AsyncClient) -> Person:
    return await sign_up(rest)


@asynccontextmanager
async def mcp(
    server: Server, token: str, mode: str = "auto", elicitation: ElicitationFnT | None = None
) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(server.url + "/mcp", http_client=http)
    async with http, Client(transport, mode=mode, elicitation_callback=elicitation) as client:
        assert client.protocol_version == PROTOCOLS[mode]
        yield client


class Answers:
    """An elicitation callback that answers every question the same way, noting each."""

    def __init__(
        self, action: Literal["accept", "decline", "cancel"] = "accept", approve: bool = True
    ) -> None:
        self.action, self.approve = action, approve
        self.asked: list[str] = []

    async def __call__(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        self.asked.append(params.message)
        content = {"approve": self.approve} if self.action == "accept" else None
        return types.ElicitResult(action=self.action, content=content)


def answer(result: types.CallToolResult) -> dict[str, Any]:
    """The tool's JSON answer (its text content)."""
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    decoded: dict[str, Any] = json.loads(block.text)
    return decoded


def text(result: types.CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text


@pytest.mark.parametrize("mode", MODES)
async def test_tools_come_from_the_registry_and_a_read_token_sees_only_reading(
    server: Server, person: Person, mode: str
) -> None:
    write, read = await person.token("write"), await person.token("read")
    async with mcp(server, write["token"], mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == set(MCP_TOOLS)
    for name, listed in tools.items():
        registered = MCP_TOOLS[name]
        assert listed.description == registered.description
        assert listed.input_schema == registered.parameters()
        assert listed.annotations is not None
        assert listed.annotations.read_only_hint is registered.read_only
        assert listed.annotations.destructive_hint is registered.destructive
        assert listed.annotations.idempotent_hint is registered.idempotent
    assert tools["delete_scene"].annotations.destructive_hint is True  # type: ignore[union-attr]
    assert "project_id" in tools["create_scene"].input_schema["required"]

    async with mcp(server, read["token"], mode) as client:
        visible = {tool.name for tool in (await client.list_tools()).tools}
    assert visible == {name for name, tool in MCP_TOOLS.items() if tool.read_only}
    assert visible == {
        "list_projects",
        "get_project_details",
        "get_dossier",
        "list_documents",
        "search_documents",
        "read_document",
    }


@pytest.mark.parametrize("mode", MODES)
async def test_every_tool_works_and_the_board_shows_it(
    server: Server, person: Person, mode: str
) -> None:
    token = (await person.token("write", name="Claude desktop"))["token"]
    answers = Answers()
    called: set[str] = set()
    async with mcp(server, token, mode, answers) as client:

        async def call(tool: str, /, **arguments: Any) -> dict[str, Any]:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, (tool, text(result))
            called.add(tool)
            return answer(result)

        project = (await call("create_project", title="From Claude", aspect_ratio="9:16"))[
            "project"
        ]
        project_id = project["id"]
        listed = (await call("list_projects"))["projects"]
        assert [item["id"] for item in listed] == [project_id]
        await call("update_project", project_id=project_id, description="A vertical teaser")
        first = (await call("create_scene", project_id=project_id, title="Intro"))["scene"]
        second = (await call("create_scene", project_id=project_id, title="Beach"))["scene"]
        await call("update_scene", scene_id=first["id"], shot_size="close_up")
        await call("update_scene_script", scene_id=first["id"], script_content="Waves.")
        await call(
            "update_scene_image_url", scene_id=first["id"], image_url="https://example.com/a.png"
        )
        await call("update_scene_title", scene_id=second["id"], title="Shore")
        await call("move_scene", scene_id=second["id"], order=0)
        third = (await call("create_scene", project_id=project_id, title="Gone"))["scene"]
        assert answers.asked == []  # nothing so far needed approval
        assert (await call("delete_scene", scene_id=third["id"]))["deleted_scene_id"] == third["id"]
        assert len(answers.asked) == 1
        assert "delete_scene" in answers.asked[0]
        assert third["id"] in answers.asked[0]
        assert "Deleted scene 3 “Gone”" in answers.asked[0]  # what it would change, in words
        theme = (await call("add_dossier_item", project_id=project_id, kind="themes", text="Tide"))[
            "item"
        ]
        item = {"project_id": project_id, "kind": "themes", "item_id": theme["id"]}
        await call("update_dossier_item", **item, text="Tides")
        character = (
            await call("add_dossier_item", project_id=project_id, kind="characters", name="Mara")
        )["item"]
        await call(
            "remove_dossier_item", project_id=project_id, kind="characters", item_id=character["id"]
        )
        assert len(answers.asked) == 2  # removing is destructive too
        dossier = (await call("get_dossier", project_id=project_id))["dossier"]
        uploaded = await person.http.post(
            f"/api/projects/{project_id}/documents",
            files=upload(FOUNTAIN_SCRIPT.encode(), "lighthouse.fountain", "text/plain"),
            headers=person.headers,
        )
        assert uploaded.status_code == 201, uploaded.text
        [document] = (await call("list_documents", project_id=project_id))["documents"]
        found = await call("search_documents", project_id=project_id, query="lighthouse")
        assert found["results"]
        assert (await call("read_document", document_id=document["id"]))["document"]["text"]
        imported = await call("import_scenes_from_document", document_id=document["id"])
        assert imported["scene_count"] > 0
        details = (await call("get_project_details", project_id=project_id))["project"]
    assert called == set(MCP_TOOLS)
    history = await person.http.get(f"/api/projects/{project_id}/history", headers=person.headers)
    assert history.status_code == 200, history.text
    change_sets = history.json()["change_sets"]
    assert change_sets  # the MCP changes are in the project's history, as the assistant's
    assert {change_set["actor"]["kind"] for change_set in change_sets} == {"assistant"}
    # ... through this token: "assistant via MCP (Claude desktop)"
    assert {change_set["actor"]["token_name"] for change_set in change_sets} == {"Claude desktop"}
    assert {change_set["actor"]["turn_id"] for change_set in change_sets} == {None}
    assert [item["text"] for item in dossier["themes"]] == ["Tides"]
    assert dossier["characters"] == []

    board = await person.read(project_id)
    assert board["id"] == details["id"]
    assert [scene["id"] for scene in board["scenes"]] == [s["id"] for s in details["scenes"]]
    assert board["description"] == "A vertical teaser"
    assert board["aspect_ratio"] == "9:16"
    assert [scene["title"] for scene in board["scenes"]][:2] == ["Shore", "Intro"]
    assert len(board["scenes"]) == 2 + imported["scene_count"]
    intro = board["scenes"][1]
    assert intro["script"] == "Waves."
    assert intro["shot_size"] == "close_up"
    assert intro["image_url"] == "https://example.com/a.png"


@pytest.mark.parametrize("mode", MODES)
async def test_another_users_ids_are_errors_and_change_nothing(
    server: Server, rest: httpx.AsyncClient, mode: str
) -> None:
    owner, intruder = await sign_up(rest), await sign_up(rest)
    project = await owner.project("Owner's", ("One", "Two"))
    scene_id = project["scenes"][0]["id"]
    added = await rest.post(
        f"/api/projects/{project['id']}/dossier/themes",
        json={"text": "Owner's"},
        headers=owner.headers,
    )
    assert added.status_code == 201, added.text
    theme = {"project_id": project["id"], "kind": "themes", "item_id": added.json()["id"]}
    uploaded = await rest.post(
        f"/api/projects/{project['id']}/documents",
        files=upload(FOUNTAIN_SCRIPT.encode(), "lighthouse.fountain", "text/plain"),
        headers=owner.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    document = {"document_id": uploaded.json()["id"]}
    project = await owner.read(project["id"])  # as the theme left it
    dossier = (
        await rest.get(f"/api/projects/{project['id']}/dossier", headers=owner.headers)
    ).json()
    await intruder.set_approval("none")  # no question stands between the call and the check
    token = (await intruder.token("write"))["token"]
    calls = {
        "get_project_details": {"project_id": project["id"]},
        "update_project": {"project_id": project["id"], "title": "hijacked"},
        "create_scene": {"project_id": project["id"], "title": "intruder"},
        "update_scene": {"scene_id": scene_id, "title": "hijacked"},
        "update_scene_script": {"scene_id": scene_id, "script_content": "hijacked"},
        "update_scene_image_url": {"scene_id": scene_id, "image_url": ""},
        "update_scene_title": {"scene_id": scene_id, "title": "hijacked"},
        "move_scene": {"scene_id": scene_id, "order": 1},
        "delete_scene": {"scene_id": scene_id},
        "get_dossier": {"project_id": project["id"]},
        "add_dossier_item": {"project_id": project["id"], "kind": "themes", "text": "intruder"},
        "update_dossier_item": {**theme, "text": "hijacked"},
        "remove_dossier_item": theme,
        "list_documents": {"project_id": project["id"]},
        "search_documents": {"project_id": project["id"], "query": "lighthouse"},
        "read_document": document,
        "import_scenes_from_document": document,
    }
    # Every tool that names a project or a scene is here.
    assert set(calls) == {
        name
        for name, tool in MCP_TOOLS.items()
        if {"project_id", "scene_id", "document_id"} & set(tool.parameters().get("properties", {}))
    }
    async with mcp(server, token, mode) as client:
        for name, arguments in calls.items():
            result = await client.call_tool(name, arguments)
            assert result.is_error, name
            assert answer(result)["ok"] is False
            assert "not found" in answer(result)["error"], (name, text(result))
        own = answer(await client.call_tool("list_projects", {}))
    assert own["projects"] == []
    assert await owner.read(project["id"]) == project
    after = await rest.get(f"/api/projects/{project['id']}/dossier", headers=owner.headers)
    assert after.json() == dossier


async def test_revoked_expired_and_sign_in_tokens_are_401(server: Server, person: Person) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "curl", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}

    async def status(token: str | None) -> int:
        headers = {**accept, **({"Authorization": f"Bearer {token}"} if token else {})}
        response = await person.http.post("/mcp", json=initialize, headers=headers)
        if response.status_code == 401:
            assert response.json()["detail"]
            assert response.headers["www-authenticate"].startswith("Bearer")
        return response.status_code

    made = await person.token("write")
    assert await status(made["token"]) == 200
    assert await status(None) == 401
    assert await status("scp_made-up") == 401
    assert await status(person.headers["Authorization"].removeprefix("Bearer ")) == 401

    # Revoked while a client is connected: its next call is refused.
    async with mcp(server, made["token"]) as client:
        assert not (await client.call_tool("list_projects", {})).is_error
        revoked = await person.http.delete(
            f"/api/users/me/tokens/{made['id']}", headers=person.headers
        )
        assert revoked.status_code == 204
        with pytest.raises(MCPError):
            await client.call_tool("list_projects", {})
    assert await status(made["token"]) == 401

    expiring = await person.token("write")
    assert await status(expiring["token"]) == 200
    engine = create_engine(Settings(_env_file=None, DATABASE_URL=server.database_url))
    async with engine.begin() as connection:
        await connection.execute(
            update(PersonalAccessToken)
            .where(PersonalAccessToken.token_hash == personal_token_hash(expiring["token"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await engine.dispose()
    assert await status(expiring["token"]) == 401


@pytest.mark.parametrize("mode", MODES)
async def test_a_read_token_cannot_write(server: Server, person: Person, mode: str) -> None:
    project = await person.project("Mine", ("One",))
    token = (await person.token("read"))["token"]
    async with mcp(server, token, mode, Answers()) as client:
        for name, arguments in {
            "create_scene": {"project_id": project["id"], "title": "nope"},
            "delete_scene": {"scene_id": project["scenes"][0]["id"]},
            "create_project": {"title": "nope"},
        }.items():
            result = await client.call_tool(name, arguments)
            assert result.is_error, name
            assert "read-only" in text(result)
        details = await client.call_tool("get_project_details", {"project_id": project["id"]})
        assert answer(details)["project"]["id"] == project["id"]
    assert await person.read(project["id"]) == project
    listed = (await person.http.get("/api/projects", headers=person.headers)).json()
    assert [item["id"] for item in listed] == [project["id"]]


async def test_a_change_over_mcp_reaches_the_event_stream_naming_its_token(
    server: Server, person: Person
) -> None:
    project = await person.project("Live", ("One",))
    token = (await person.token("write", name="Cursor"))["token"]
    async with person.http.stream(
        "GET", f"/api/projects/{project['id']}/events", headers=person.headers
    ) as response:
        assert response.status_code == 200
        stream = EventReader(response)
        async with mcp(server, token) as client:
            renamed = await client.call_tool(
                "update_scene_title", {"scene_id": project["scenes"][0]["id"], "title": "Two"}
            )
            assert not renamed.is_error, text(renamed)
        change_set = json.loads((await stream.change())["data"])
    assert change_set["actor"] == {"kind": "assistant", "turn_id": None, "token_name": "Cursor"}
    assert change_set["summary"] == "Renamed scene 1 “One” to “Two”"


@pytest.mark.parametrize("mode", MODES)
async def test_destructive_calls_follow_the_approval_setting(
    server: Server, person: Person, mode: str
) -> None:
    project = await person.project("Board", ("One", "Two", "Three", "Four"))
    scenes = [scene["id"] for scene in project["scenes"]]
    token = (await person.token("write"))["token"]

    async def titles() -> list[str]:
        return [scene["title"] for scene in (await person.read(project["id"]))["scenes"]]

    declined = Answers("decline")
    async with mcp(server, token, mode, declined) as client:
        result = await client.call_tool("delete_scene", {"scene_id": scenes[0]})
    assert result.is_error
    assert "declined" in text(result)
    assert len(declined.asked) == 1
    assert await titles() == ["One", "Two", "Three", "Four"]

    refused = Answers("accept", approve=False)
    async with mcp(server, token, mode, refused) as client:
        result = await client.call_tool("delete_scene", {"scene_id": scenes[0]})
    assert result.is_error
    assert await titles() == ["One", "Two", "Three", "Four"]

    # A client that cannot ask is refused with how to allow it; arguments claiming approval
    # are not approval (they are unknown arguments: the call fails, so it is not asked about).
    async with mcp(server, token, mode) as client:
        result = await client.call_tool("delete_scene", {"scene_id": scenes[0]})
        assert result.is_error
        assert "assistant_approval" in text(result)
        assert "none" in text(result)
        claimed = await client.call_tool("delete_scene", {"scene_id": scenes[0], "approve": True})
        assert claimed.is_error
        assert "approve" in text(claimed)
        assert "assistant_approval" not in text(claimed)
        assert not (
            await client.call_tool("update_scene_title", {"scene_id": scenes[1], "title": "2"})
        ).is_error
    assert await titles() == ["One", "2", "Three", "Four"]

    accepted = Answers()
    async with mcp(server, token, mode, accepted) as client:
        assert not (await client.call_tool("delete_scene", {"scene_id": scenes[0]})).is_error
    assert len(accepted.asked) == 1
    assert await titles() == ["2", "Three", "Four"]

    await person.set_approval("none")
    silent = Answers("decline")
    async with mcp(server, token, mode, silent) as client:
        assert not (await client.call_tool("delete_scene", {"scene_id": scenes[1]})).is_error
    assert silent.asked == []
    assert await titles() == ["Three", "Four"]

    await person.set_approval("writes")
    asked = Answers("decline")
    async with mcp(server, token, mode, asked) as client:
        result = await client.call_tool("update_scene_title", {"scene_id": scenes[2], "title": "x"})
        assert result.is_error
        reads = await client.call_tool("get_project_details", {"project_id": project["id"]})
        assert not reads.is_error
        missing = await client.call_tool(
            "update_scene_title", {"scene_id": str(uuid.uuid4()), "title": "y"}
        )
        assert missing.is_error
        assert "Scene" in text(missing)
    # The write was asked about; the read and a write that would fail were not.
    assert len(asked.asked) == 1
    async with mcp(server, token, mode) as client:
        result = await client.call_tool("update_scene_title", {"scene_id": scenes[2], "title": "x"})
    assert "destructive" in text(result)  # "writes" → allowing it: "destructive"
    assert await titles() == ["Three", "Four"]


async def test_no_token_reaches_the_log(server: Server, person: Person) -> None:
    write = await person.token("write")
    async with mcp(server, write["token"], "legacy", Answers()) as client:
        await client.call_tool("list_projects", {})
        await client.call_tool("create_project", {"title": "Logged?"})
    async with mcp(server, write["token"]) as client:
        await client.call_tool("list_projects", {})
    await person.http.get("/api/projects", headers={"Authorization": f"Bearer {write['token']}"})
    await person.http.delete(f"/api/users/me/tokens/{write['id']}", headers=person.headers)
    await person.http.get("/api/projects", headers={"Authorization": f"Bearer {write['token']}"})
    await person.http.post("/mcp", json={}, headers={"Authorization": f"Bearer {write['token']}"})

    log = server.log.read_text()
    assert '"path": "/mcp"' in log  # the requests above were logged ...
    assert '"status": 401' in log
    for token in person.tokens:  # ... without any token, its hash, or its prefix
        assert token not in log
        assert personal_token_hash(token) not in log
    assert "scp_" not in log
