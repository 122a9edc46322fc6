"""The canvas follows the project live: the assistant's edit appears on the open board within a
second and is highlighted; a scene changed elsewhere while the person edits it asks them (live,
or on the save's 412) and loses nothing; the History panel undoes a change set, says why it
cannot when a later one touched the same field, and names the token of a change made over MCP."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
from fastapi import FastAPI
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from playwright.async_api import Page, Route, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import open_canvas, register

Json = dict[str, Any]


@asynccontextmanager
async def api_as(session: BrowserSession, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """The same account from a script (as the assistant's tools or another tab would write)."""
    async with httpx.AsyncClient(base_url=session.base_url, timeout=30) as client:
        login = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        client.cookies.clear()
        yield client


async def project_with_scenes(client: httpx.AsyncClient, *titles: str) -> tuple[str, list[Json]]:
    project = (await client.post("/api/projects", json={"title": "Live"})).json()["id"]
    scenes = []
    for title in titles:
        response = await client.post(f"/api/projects/{project}/scenes", json={"title": title})
        assert response.status_code == 201, response.text
        scenes.append(response.json())
    return project, scenes


def refusals_aside(session: BrowserSession, *expected: str) -> list[str]:
    """The console's errors less the ones the test provoked (Chromium logs every refused
    request: a 412, a 409, an aborted stream)."""
    return [
        error
        for error in session.unexpected_errors()
        if not any(mark in error for mark in expected)
    ]


async def open_live(session: BrowserSession, project_id: str) -> Page:
    await open_canvas(session, project_id)
    await expect(session.page.get_by_test_id("live-state")).to_have_text("Live")
    return session.page


async def test_an_assistant_edit_appears_on_the_open_canvas_within_a_second(
    session: BrowserSession,
) -> None:
    email = await register(session)
    async with api_as(session, email) as client:
        project, _ = await project_with_scenes(client, "Intro", "Beach")
        page = await open_live(session, project)
        second = page.get_by_test_id("scene-item").nth(1)
        await expect(second.get_by_test_id("scene-item-title")).to_have_text("Beach")
        reply = await client.post(
            f"/api/chat/{project}/send", json={"message": "rename scene 2 to Shore"}
        )
        assert reply.status_code == 200, reply.text
        answered = time.monotonic()
        await expect(second.get_by_test_id("scene-item-title")).to_have_text("Shore", timeout=1000)
        assert time.monotonic() - answered < 1
        await expect(second).to_have_class("frame live-changed")
        await session.shot("assistant-edit-live")
        await expect(second).not_to_have_class("frame live-changed", timeout=5000)
        await expect(page.get_by_test_id("scene-item").first).not_to_have_class(
            "frame live-changed"
        )
    assert session.unexpected_errors() == []


async def test_a_live_change_never_overwrites_what_the_person_is_editing(
    session: BrowserSession,
) -> None:
    email = await register(session)
    async with api_as(session, email) as client:
        project, [scene] = await project_with_scenes(client, "Dawn")
        page = await open_live(session, project)
        await page.get_by_test_id("scene-item").first.click()
        await page.get_by_test_id("scene-title").fill("Mine")
        changed = await client.put(
            f"/api/scenes/{scene['id']}", json={"title": "Theirs", "script": "Gulls circle."}
        )
        assert changed.status_code == 200
        # The untouched field follows; the one being edited stays the person's, and they are asked.
        await expect(page.get_by_test_id("scene-script")).to_have_value("Gulls circle.")
        await expect(page.get_by_test_id("scene-title")).to_have_value("Mine")
        conflict = page.get_by_test_id("conflict")
        await expect(conflict.get_by_test_id("conflict-theirs")).to_have_text("Theirs")
        await expect(conflict.get_by_test_id("conflict-mine")).to_have_text("Mine")
        await session.shot("conflict-live")
        await conflict.get_by_test_id("keep-mine").click()
        await page.get_by_test_id("save-scene").click()
        await expect(page.get_by_test_id("save-state")).to_have_text("Saved")
        saved = (await client.get(f"/api/scenes/{scene['id']}")).json()
        assert (saved["title"], saved["script"]) == ("Mine", "Gulls circle.")
        await expect(
            page.get_by_test_id("scene-item").first.get_by_test_id("scene-item-title")
        ).to_have_text("Mine")
    assert session.unexpected_errors() == []


async def test_a_stale_save_is_refused_and_the_person_decides(session: BrowserSession) -> None:
    """With the live stream cut, the canvas does not know of the other change: its save names
    the old revision (If-Match), gets 412, and shows what changed instead of overwriting it."""
    email = await register(session)
    async with api_as(session, email) as client:
        project, [scene] = await project_with_scenes(client, "Dusk")
        page = session.page

        async def cut(route: Route) -> None:
            await route.abort()

        await page.route("**/events*", cut)
        await open_canvas(session, project)
        await page.get_by_test_id("scene-item").first.click()
        await page.get_by_test_id("scene-title").fill("My title")
        await page.get_by_test_id("scene-notes").fill("My notes")
        changed = await client.put(f"/api/scenes/{scene['id']}", json={"title": "Their title"})
        assert changed.status_code == 200
        await page.get_by_test_id("save-scene").click()
        conflict = page.get_by_test_id("conflict")
        await expect(conflict.get_by_test_id("conflict-field")).to_have_count(1)
        await expect(conflict.get_by_test_id("conflict-theirs")).to_have_text("Their title")
        stored = (await client.get(f"/api/scenes/{scene['id']}")).json()
        assert (stored["title"], stored["notes"]) == ("Their title", "")  # nothing overwritten
        await session.shot("conflict-412")
        await conflict.get_by_test_id("take-theirs").click()
        await expect(page.get_by_test_id("save-state")).to_have_text("Saved")
        await expect(page.get_by_test_id("scene-title")).to_have_value("Their title")
        saved = (await client.get(f"/api/scenes/{scene['id']}")).json()
        assert (saved["title"], saved["notes"]) == ("Their title", "My notes")
    assert refusals_aside(session, "412", "ERR_FAILED") == []


async def test_the_history_panel_undoes_and_explains_a_conflict(session: BrowserSession) -> None:
    email = await register(session)
    async with api_as(session, email) as client:
        project, [scene] = await project_with_scenes(client, "Harbour")
        page = await open_live(session, project)
        title = page.get_by_test_id("scene-item").first.get_by_test_id("scene-item-title")
        for name in ("Pier", "Lighthouse"):
            response = await client.put(f"/api/scenes/{scene['id']}", json={"title": name})
            assert response.status_code == 200
        await expect(title).to_have_text("Lighthouse")
        await page.get_by_test_id("open-history").click()
        items = page.get_by_test_id("history-item")
        await expect(items).to_have_count(4)  # created the project, added, renamed twice
        await expect(items.first.get_by_test_id("history-summary")).to_contain_text("Lighthouse")
        await expect(items.first).to_contain_text("You")
        await session.shot("history")

        # The older rename was overwritten by the newer one: undoing it is refused, and said so.
        await items.nth(1).get_by_test_id("history-undo").click()
        error = items.nth(1).get_by_test_id("history-error")
        await expect(error).to_contain_text("undo that first")
        await expect(title).to_have_text("Lighthouse")

        await items.first.get_by_test_id("history-undo").click()
        await expect(title).to_have_text("Pier")
        await expect(items).to_have_count(5)
        await expect(items.first.get_by_test_id("history-summary")).to_contain_text("Undo")
        # The rename it undid says so, and offers no second undo.
        await expect(items.nth(1).get_by_test_id("history-undone")).to_have_text("Undone")
        await expect(items.nth(1).get_by_test_id("history-undo")).to_have_count(0)
        await session.shot("history-undone")
        stored = (await client.get(f"/api/scenes/{scene['id']}")).json()
        assert stored["title"] == "Pier"
        await page.set_viewport_size({"width": 375, "height": 812})
        await expect(page.get_by_test_id("close-history")).to_be_in_viewport()
        await session.shot("history-phone")
        await page.get_by_test_id("close-history").focus()
        await page.keyboard.press("Escape")
        await expect(page.get_by_test_id("history-panel")).to_be_hidden()
        await expect(page.get_by_test_id("open-history")).to_be_focused()
    assert refusals_aside(session, "409") == []


async def test_a_change_made_over_mcp_shows_live_and_names_its_token(
    session: BrowserSession, app: FastAPI
) -> None:
    """An MCP client (the SDK's own, with a personal token named "Cursor") renames a scene: the
    open board shows it, the History panel says who ("Assistant via MCP (Cursor)"), and Undo
    puts the old title back."""
    email = await register(session)
    async with api_as(session, email) as client:
        project, [scene] = await project_with_scenes(client, "Harbour")
        made = await client.post("/api/users/me/tokens", json={"name": "Cursor", "scope": "write"})
        assert made.status_code == 201, made.text
        page = await open_live(session, project)
        http = httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {made.json()['token']}"}, timeout=30
        )
        transport = streamable_http_client(session.base_url + "/mcp", http_client=http)
        # The test server runs without the app's lifespan, which starts the MCP sessions.
        async with app.state.mcp.run(), http, Client(transport) as mcp:
            renamed = await mcp.call_tool(
                "update_scene_title", {"scene_id": scene["id"], "title": "Lighthouse"}
            )
            assert not renamed.is_error, renamed.content
        title = page.get_by_test_id("scene-item").first.get_by_test_id("scene-item-title")
        await expect(title).to_have_text("Lighthouse")
        await page.get_by_test_id("open-history").click()
        newest = page.get_by_test_id("history-item").first
        await expect(newest.get_by_test_id("history-summary")).to_contain_text("Lighthouse")
        await expect(newest).to_contain_text("Assistant via MCP (Cursor)")
        await session.shot("history-mcp")
        await newest.get_by_test_id("history-undo").click()  # and it undoes like any other
        await expect(title).to_have_text("Harbour")
    assert refusals_aside(session) == []
