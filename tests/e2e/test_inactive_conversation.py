"""An idle conversation the cleanup job made inactive, in a real browser: still readable, and
taken up again by the next message."""

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from playwright.async_api import expect
from sqlalchemy import update

from backend.core.db import unit_of_work
from backend.jobs.cleanup import run_cleanup
from backend.models import ChatSession
from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import create_project, register


async def test_an_inactive_conversation_is_readable_and_a_message_revives_it(
    session: BrowserSession, app: FastAPI
) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Old idea")
    sent = await page.request.post(
        f"/api/chat/{project_id}/send", data={"message": "add a scene called Opening"}
    )
    assert sent.ok
    async with unit_of_work(app.state.session_factory, write=True) as db:
        await db.execute(
            update(ChatSession).values(last_message_at=datetime.now(UTC) - timedelta(days=45))
        )
    report = await run_cleanup(
        app.state.settings, app.state.session_factory, app.state.model_client
    )
    assert {rule.name: rule.counts for rule in report.rules}["idle_conversations"][
        "deactivated"
    ] == 1

    await session.goto(f"/chat/{project_id}")
    await expect(page.locator("main[data-ready=true]")).to_be_attached()
    note = page.get_by_test_id("conversation-inactive")
    await expect(note).to_contain_text("picks it up again")
    await expect(page.get_by_test_id("assistant-message")).to_have_count(1)
    await session.shot("chat-inactive")

    await page.get_by_test_id("chat-input").fill("add a scene called Reprise")
    await page.get_by_test_id("chat-input").press("Enter")
    await expect(note).to_have_count(0)
    await expect(page.get_by_test_id("assistant-message")).to_have_count(2)
    await expect(page.get_by_test_id("side-scene")).to_have_count(2)
    await page.reload()
    await expect(page.locator("main[data-ready=true]")).to_be_attached()
    await expect(page.get_by_test_id("conversation-inactive")).to_have_count(0)
    assert session.unexpected_errors() == []
